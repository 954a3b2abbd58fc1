"""The refined-petroleum cap tracker, after the UN Panel of Experts' method.

UN Security Council resolution 2397 (2017) caps refined petroleum products
delivered to the DPRK at 500,000 barrels a year. The Panel of Experts
(established by resolution 1874) estimates deliveries it cannot measure from
tanker port calls: each call by a tanker counts as one delivery of its cargo
capacity, taken at several laden fractions (a third, half and nine-tenths
full), converted to barrels, and summed over the year against the cap.

Here, per call:

    barrels = capacity_t x barrels_per_tonne x laden

- ``capacity_t`` is the tanker's **deadweight** (``deadweight_t``) when known,
  the Panel's measure. When only the gross tonnage is known, deadweight is
  estimated as ``gross_tonnage x gt_to_dwt`` (1.6 by default: small product
  tankers of the DPRK trade carry roughly 1.5-1.7 t deadweight per GT; the
  factor is reported with every result, and such calls are marked). A call
  with neither is **listed** in ``CapResult.unknown``, not counted and not
  dropped silently.
- ``barrels_per_tonne`` is 7.33 by default (a gasoline/diesel average).
- a call is dated by its ``first_seen`` time (UTC) and counted in that month.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from shipsight.errors import InputError

_REQUIRED = ("vessel", "port", "first_seen")


def _label(fraction):
    return f"{fraction * 100:g}%"


@dataclass
class CapResult:
    """What :func:`cap_tracker` found; ``to_dict()`` gives it as JSON-able data.

    Attributes
    ----------
    year : int
    cap_barrels, barrels_per_tonne, gt_to_dwt : float
        The figures used.
    scenarios : dict
        Label (``"33%"``) -> laden fraction.
    calls : pandas.DataFrame
        The counted calls: vessel, name, imo, mmsi, port, first_seen, month,
        capacity_t, capacity_source, and one barrels column per scenario;
        ``last_seen`` and ``source`` (imagery, ais, imagery+ais) when the
        port calls have them.
    unknown : pandas.DataFrame
        Calls in the year that could not be counted, with ``reason``.
    monthly : pandas.DataFrame
        Index month 1-12; per scenario the barrels of that month and the
        cumulative total (``"<label> cumulative"``).
    tankers : pandas.DataFrame
        Per vessel: calls, capacity_t, capacity_source, barrels per scenario.
    passed : dict
        Label -> ``"YYYY-MM"`` of the month the cumulative total first went
        over the cap, or ``None``.
    """

    year: int
    cap_barrels: float
    barrels_per_tonne: float
    gt_to_dwt: float
    scenarios: dict
    calls: pd.DataFrame
    unknown: pd.DataFrame
    monthly: pd.DataFrame
    tankers: pd.DataFrame
    passed: dict = field(default_factory=dict)

    def totals(self):
        """Barrels in the year per scenario label."""
        return {label: float(self.calls[label].sum()) for label in self.scenarios}

    def to_dict(self):
        """Everything as plain JSON-able Python (times as ISO 8601 UTC text).

        >>> import json
        >>> r = cap_tracker(_example_calls(), year=2024)
        >>> sorted(json.loads(json.dumps(r.to_dict())))[:4]
        ['barrels_per_tonne', 'calls', 'cap_barrels', 'gt_to_dwt']
        """
        return {
            "year": int(self.year),
            "cap_barrels": float(self.cap_barrels),
            "barrels_per_tonne": float(self.barrels_per_tonne),
            "gt_to_dwt": float(self.gt_to_dwt),
            "method": (
                "UN Panel of Experts: each tanker port call = one delivery of capacity_t x "
                "barrels_per_tonne x laden fraction; capacity is deadweight, else gross tonnage x gt_to_dwt"
            ),
            "scenarios": {k: float(v) for k, v in self.scenarios.items()},
            "totals": self.totals(),
            "passed": dict(self.passed),
            "monthly": _json_records(self.monthly.reset_index()),
            "tankers": _json_records(self.tankers),
            "calls": _json_records(self.calls),
            "unknown": _json_records(self.unknown),
        }


def _json_value(v):
    if v is None:
        return None
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.tz_convert("UTC").isoformat().replace("+00:00", "Z")
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer, int)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else float(v)
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return str(v)


def _json_records(frame):
    frame = pd.DataFrame(frame)
    frame = frame[[c for c in frame.columns if c != "geometry"]]
    return [{str(k): _json_value(v) for k, v in row.items()} for row in frame.to_dict("records")]


def cap_tracker(
    port_calls,
    *,
    year,
    laden=(0.33, 0.5, 0.9),
    barrels_per_tonne=7.33,
    cap_barrels=500_000,
    gt_to_dwt=1.6,
    vessel_types=("tanker",),
):
    """Estimate refined-product deliveries from tanker port calls and compare with the cap.

    Parameters
    ----------
    port_calls : pandas.DataFrame or geopandas.GeoDataFrame
        The store's port calls at the chosen ports, with ``vessel``, ``port``,
        ``first_seen`` (UTC), ``vessel_type`` and capacity columns
        ``deadweight_t`` and ``gross_tonnage`` (NaN when unknown).
    year : int
        Calendar year (UTC) of the calls to count.
    laden : sequence of float, default (0.33, 0.5, 0.9)
        Laden fractions, one scenario each, in (0, 1].
    barrels_per_tonne : float, default 7.33
        Barrels per metric tonne of product.
    cap_barrels : float, default 500_000
        The annual cap (resolution 2397).
    gt_to_dwt : float, default 1.6
        Deadweight tonnes per gross ton, used only when deadweight is unknown.
    vessel_types : sequence of str or None, default ("tanker",)
        Count only calls whose ``vessel_type`` contains one of these words
        (case-insensitive); calls of unknown type are listed in ``unknown``.
        ``None`` counts every call.

    Returns
    -------
    CapResult

    Raises
    ------
    InputError
        Missing columns, times without a zone, or a bad figure.

    Examples
    --------
    >>> r = cap_tracker(_example_calls(), year=2024)
    >>> r.totals()["50%"]
    43980.0
    >>> r.passed["90%"] is None
    True
    """
    missing = [c for c in _REQUIRED if c not in port_calls.columns]
    if missing:
        raise InputError(f"port calls lack column(s) {', '.join(missing)}", where="port_calls")
    fractions = tuple(float(f) for f in laden)
    if not fractions or any(not (0.0 < f <= 1.0) for f in fractions):
        raise InputError(f"laden fractions must lie in (0, 1], got {laden!r}", where="laden")
    for name, value in (("barrels_per_tonne", barrels_per_tonne), ("cap_barrels", cap_barrels), ("gt_to_dwt", gt_to_dwt)):
        if not (isinstance(value, (int, float, np.number)) and np.isfinite(value) and value > 0):
            raise InputError(f"{name} must be a positive number, got {value!r}", where=name)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise InputError(f"year must be a whole number, got {year!r}", where="year") from None
    scenarios = {_label(f): f for f in fractions}

    calls = pd.DataFrame(port_calls.drop(columns="geometry", errors="ignore")).copy()
    first = calls["first_seen"]
    if not isinstance(first.dtype, pd.DatetimeTZDtype):
        if pd.api.types.is_datetime64_dtype(first.dtype):
            raise InputError("first_seen has no time zone; give UTC times", where="port_calls.first_seen")
        first = pd.to_datetime(first, utc=True)
    calls["first_seen"] = first.dt.tz_convert("UTC")
    calls = calls[calls["first_seen"].dt.year == year]
    for col in ("deadweight_t", "gross_tonnage"):
        calls[col] = pd.to_numeric(calls[col], errors="coerce") if col in calls.columns else np.nan
    for col in ("name", "imo", "mmsi", "vessel_type"):
        if col not in calls.columns:
            calls[col] = None

    reason = pd.Series(None, index=calls.index, dtype=object)
    if vessel_types is not None:
        vtype = calls["vessel_type"].astype(object)
        known = vtype.notna() & (vtype.astype(str).str.strip() != "")
        pattern = "|".join(map(str, vessel_types))
        wanted = vtype.astype(str).str.contains(pattern, case=False, regex=True, na=False)
        reason[~known] = "vessel type unknown"
        calls = calls[wanted | ~known]
        reason = reason[calls.index]
    dwt = calls["deadweight_t"].where(calls["deadweight_t"] > 0)
    gt = calls["gross_tonnage"].where(calls["gross_tonnage"] > 0)
    capacity = dwt.fillna(gt * gt_to_dwt)
    source = np.where(dwt.notna(), "deadweight", np.where(gt.notna(), f"gross tonnage x {gt_to_dwt:g}", None))
    calls["capacity_t"] = capacity
    calls["capacity_source"] = source
    reason[capacity.isna() & reason.isna()] = "capacity unknown (no deadweight or gross tonnage)"

    base_cols = ["vessel", "name", "imo", "mmsi", "vessel_type", "port", "first_seen"]
    base_cols += [c for c in ("last_seen", "source") if c in calls.columns]
    unknown = calls.loc[reason.notna(), base_cols + ["deadweight_t", "gross_tonnage"]].copy()
    unknown["reason"] = reason[reason.notna()]
    counted = calls.loc[reason.isna(), base_cols + ["capacity_t", "capacity_source"]].copy()
    counted = counted.sort_values(["first_seen", "vessel"], kind="stable").reset_index(drop=True)
    counted["month"] = counted["first_seen"].dt.month.astype(int)
    for label, frac in scenarios.items():
        counted[label] = counted["capacity_t"] * barrels_per_tonne * frac

    labels = list(scenarios)
    monthly = counted.groupby("month")[labels].sum().reindex(range(1, 13), fill_value=0.0)
    monthly.index.name = "month"
    passed = {}
    for label in labels:
        cumulative = monthly[label].cumsum()
        monthly[f"{label} cumulative"] = cumulative
        over = np.flatnonzero(cumulative.to_numpy() > cap_barrels)
        passed[label] = f"{year}-{int(monthly.index[over[0]]):02d}" if len(over) else None

    tankers = (
        counted.groupby("vessel", sort=True)
        .agg(name=("name", "first"), imo=("imo", "first"), mmsi=("mmsi", "first"), calls=("port", "size"),
             capacity_t=("capacity_t", "first"), capacity_source=("capacity_source", "first"),
             **{label: (label, "sum") for label in labels})
        .reset_index()
    )
    return CapResult(
        year=year, cap_barrels=float(cap_barrels), barrels_per_tonne=float(barrels_per_tonne),
        gt_to_dwt=float(gt_to_dwt), scenarios=scenarios, calls=counted,
        unknown=unknown.reset_index(drop=True), monthly=monthly, tankers=tankers, passed=passed,
    )


def plot_cap(result, out_png, *, title=None):
    """Chart cumulative barrels per scenario against the cap, as a PNG.

    Parameters
    ----------
    result : CapResult
    out_png : str or os.PathLike
    title : str, optional

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, os
    >>> p = plot_cap(cap_tracker(_example_calls(), year=2024), os.path.join(tempfile.mkdtemp(), "cap.png"))
    >>> p.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    from pathlib import Path

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    out = Path(out_png)
    if not out.parent.is_dir():
        raise InputError(f"folder {out.parent} does not exist; create it first", where=str(out))
    # A Figure without pyplot: no global state, no display needed (Agg).
    fig = Figure(figsize=(8, 4.5), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    months = np.arange(0, 13)
    for label in result.scenarios:
        cumulative = np.concatenate([[0.0], result.monthly[f"{label} cumulative"].to_numpy()])
        # Month m spans x in (m-1, m] and shows the total by the end of that month.
        line, = ax.step(months, cumulative, where="pre", label=f"{label} laden", linewidth=2)
        if result.passed.get(label):
            m = int(result.passed[label][-2:])
            ax.plot([m - 0.5], [cumulative[m]], "o", color=line.get_color())
            ax.annotate(f"cap passed {result.passed[label]}", (m - 0.5, cumulative[m]), textcoords="offset points",
                        xytext=(-40, 8), fontsize=8, color=line.get_color())
    ax.axhline(result.cap_barrels, color="black", linestyle="--", linewidth=1.2)
    # At the right end: the legend sits top left and would hide it there.
    ax.text(11.9, result.cap_barrels, f"cap {result.cap_barrels:,.0f} bbl", va="bottom", ha="right", fontsize=9)
    ax.set_xlim(0, 12)
    ax.set_xticks(np.arange(0.5, 12, 1.0), ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])
    ax.set_ylim(0, max(result.cap_barrels, float(result.monthly.filter(like="cumulative").to_numpy().max(initial=0))) * 1.15)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}")
    ax.set_ylabel("cumulative barrels (estimated)")
    n_unknown = len(result.unknown)
    ax.set_title(title or f"Refined products delivered, {result.year}: {len(result.calls)} tanker calls counted"
                 + (f", {n_unknown} not counted" if n_unknown else ""), fontsize=10)
    ax.legend(loc="upper left", fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    fig.text(0.01, 0.01, f"{result.barrels_per_tonne:g} bbl/t; capacity = deadweight, else GT x {result.gt_to_dwt:g}",
             fontsize=7, color="#555")
    fig.tight_layout()
    fig.savefig(out, format="png")
    return out


def _example_calls():
    """Three tanker calls in 2024, for the examples."""
    return pd.DataFrame({
        "vessel": ["imo:1", "imo:1", "imo:2"],
        "name": ["A", "A", "B"],
        "vessel_type": ["tanker"] * 3,
        "port": ["Nampo"] * 3,
        "first_seen": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-02-10"], utc=True),
        "deadweight_t": [5_000.0, 5_000.0, np.nan],
        "gross_tonnage": [np.nan, np.nan, 1_250.0],
    })
