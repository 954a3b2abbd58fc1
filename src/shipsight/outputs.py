"""The store's contents turned into analyst outputs: the map report, the cap tracker, evidence packs.

Glue between the store and :mod:`shipsight.report`: which rows each output
takes, and where capacities and identities come from. The writers themselves
(:func:`~shipsight.report.html.render_report`, :func:`~shipsight.report.cap.cap_tracker`,
:func:`~shipsight.report.evidence.build_evidence`) know nothing of the store.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from shipsight.errors import InputError, NotFoundError
from shipsight.layers import flag_records, layer_frame
from shipsight.model.vocab import DEFAULT_MAX_GAP_H, WATCH_LISTED
from shipsight.portcalls import ais_calls, combine_calls, port_calls
from shipsight.store import SightingQuery

# ----------------------------------------------------------------- map report


def report_layers(store, *, since=None, until=None, bbox=None, port=None, rule=None):
    """The ports, sightings and flags a map report shows, each with the filters it takes.

    ``rule`` narrows the flags only; ``since``/``until`` do not narrow ports.

    Returns
    -------
    dict
        ``ports``, ``sightings``, ``flags`` as GeoDataFrames.

    Examples
    --------
    >>> import tempfile, os
    >>> from shipsight.store import open_store
    >>> sorted(report_layers(open_store(os.path.join(tempfile.mkdtemp(), "x.db"))))
    ['flags', 'ports', 'sightings']
    """
    return {
        "ports": layer_frame(store, "ports", bbox=bbox, port=port),
        "sightings": layer_frame(store, "sightings", since=since, until=until, bbox=bbox, port=port),
        "flags": layer_frame(store, "flags", since=since, until=until, bbox=bbox, port=port, rule=rule),
    }


def write_report(store, out_html, *, since=None, until=None, bbox=None, port=None, rule=None,
                 title="shipsight report", overwrite=False, coast="auto", progress=None, archive=None):
    """Write the self-contained HTML map report of the store (filters as :func:`report_layers`).

    ``progress(done, total)``, if given, follows its two steps (the layers read,
    the page written). Sightings correlated with AIS (``shipsight ais correlate``)
    show their status, and the AIS tracks around each correlated scene's time are
    drawn beside them from ``archive`` (the AIS archive; without it, only the
    statuses and the AIS-only vessels).

    Returns
    -------
    path : pathlib.Path
    layers : dict
        The frames shown, for a summary.

    Examples
    --------
    >>> path, layers = write_report(store, "log.html", port="Vostochny")   # doctest: +SKIP
    """
    from shipsight.report.html import render_report

    from shipsight.ais.correlate_scene import report_ais

    tick = progress or (lambda done, total: None)
    layers = report_layers(store, since=since, until=until, bbox=bbox, port=port, rule=rule)
    ais = report_ais(store, archive, layers["sightings"]["id"].astype(int).tolist())
    tick(1, 2)
    path = render_report(out_html, ports=layers["ports"], sightings=layers["sightings"], flags=layers["flags"],
                         title=title, coast=coast, overwrite=overwrite, ais=ais)
    tick(2, 2)
    return path, layers


# ---------------------------------------------------------------- cap tracker

#: ``ports`` value meaning every watch-listed port.


@dataclass
class StoreCap:
    """A :class:`~shipsight.report.cap.CapResult` with what it was computed from.

    Attributes
    ----------
    result : CapResult
        ``calls``, ``tankers`` and ``unknown`` also carry ``capacity_from``
        (where the capacity figure came from: a list, or the vessels table).
    ports : list of str
        Names of the ports whose calls were counted.
    chart : pathlib.Path or None
    """

    result: object
    ports: list
    chart: Path | None = None

    def to_dict(self):
        out = self.result.to_dict()
        out["ports"] = list(self.ports)
        out["chart"] = None if self.chart is None else str(self.chart)
        return out


def choose_ports(store, ports=WATCH_LISTED):
    """The ports a cap estimate counts calls at: ``"watch-listed"``, or names/ids (comma-separated text or a list).

    Raises
    ------
    InputError
        No watch-listed port, or an unknown name.
    """
    frame = store.ports()
    if ports is None or (isinstance(ports, str) and ports.strip().lower() == WATCH_LISTED):
        chosen = frame[frame["watchlist"]]
        if chosen.empty:
            raise InputError("no port is watch-listed; name ports with --ports, or import ports with watchlist true",
                             where="--ports")
        return chosen
    names = [p.strip() for p in ports.split(",")] if isinstance(ports, str) else [str(p).strip() for p in ports]
    names = [n for n in names if n]
    if not names:
        raise InputError("no port named; give 'watch-listed' or port names separated by commas", where="--ports")
    from shipsight.store.portrows import select_port

    ids = [int(select_port(frame, name, where="--ports")["id"]) for name in names]
    return frame[frame["id"].isin(ids)]


def capacities(store):
    """Capacity and type of each known vessel, by IMO: lists first, then the analyst's vessels table.

    Per field, the latest version of any list that gives it wins, else the
    ``vessels`` table; so an analyst's deadweight fills in for a list that
    only gives gross tonnage.

    Returns
    -------
    pandas.DataFrame
        Indexed by IMO: ``deadweight_t``, ``gross_tonnage``, ``list_type``,
        ``table_type``, ``deadweight_from``, ``gross_tonnage_from``.
    """
    cols = ["deadweight_t", "gross_tonnage", "list_type", "table_type", "deadweight_from", "gross_tonnage_from"]
    entries = store.list_entries()
    entries = entries[entries["imo"].notna()] if len(entries) else entries
    table = store.vessels()
    imos = pd.Index(pd.concat([pd.Series(entries["imo"], dtype=object), table["imo"].astype(object)]).dropna().unique(),
                    name="imo")
    out = pd.DataFrame(index=imos, columns=cols, dtype=object)
    if not len(imos):
        return out
    for field, target, origin in (("deadweight", "deadweight_t", "deadweight_from"),
                                  ("gross_tonnage", "gross_tonnage", "gross_tonnage_from")):
        listed = entries[entries[field].notna() & (entries[field] > 0)].drop_duplicates("imo").set_index("imo")
        entered = table[table[field].notna()].drop_duplicates("imo").set_index("imo")
        from_list = listed[field].reindex(imos).astype(float)
        from_table = entered[field].reindex(imos).astype(float)
        out[target] = from_list.fillna(from_table)
        label = ("list " + listed["list"].astype(str)).reindex(imos)
        out[origin] = label.where(from_list.notna(), pd.Series(np.where(from_table.notna(), "vessels table", None),
                                                               index=imos, dtype=object))
    typed = entries[entries["vessel_type"].notna()].drop_duplicates("imo").set_index("imo")["vessel_type"]
    out["list_type"] = typed.reindex(imos)
    out["table_type"] = table[table["vessel_type"].notna()].drop_duplicates("imo").set_index("imo")["vessel_type"].reindex(imos)
    return out


def _pick_type(*candidates):
    """The first candidate type that says tanker, else the first known one (element-wise)."""
    frame = pd.concat([pd.Series(c, dtype=object).reset_index(drop=True) for c in candidates], axis=1)
    known = frame.where(frame.notna() & (frame.astype(str).apply(lambda s: s.str.strip()) != ""))
    tanker = known.where(known.astype(str).apply(lambda s: s.str.contains("tanker", case=False)))
    return tanker.bfill(axis=1).iloc[:, 0].fillna(known.bfill(axis=1).iloc[:, 0]) if len(frame) else pd.Series([], dtype=object)


def cap_port_calls(store, *, year, ports=WATCH_LISTED, max_gap_h=DEFAULT_MAX_GAP_H):
    """Port calls at the chosen ports that could start in ``year``, with capacity and type joined.

    Calls are built from every active sighting from ``max_gap_h`` before the
    year to its end (so a call running into January from December keeps its
    December start); a call counts at a port when one of its sightings lies in
    the port (its berths and terminals included).

    Returns
    -------
    calls : pandas.DataFrame
        :func:`~shipsight.portcalls.port_calls` columns plus ``deadweight_t``,
        ``gross_tonnage``, ``capacity_from`` and the combined ``vessel_type``.
    chosen : geopandas.GeoDataFrame
        The ports.
    """
    chosen = choose_ports(store, ports)
    since = datetime(int(year), 1, 1, tzinfo=timezone.utc) - timedelta(hours=float(max_gap_h))
    until = datetime(int(year) + 1, 1, 1, tzinfo=timezone.utc) - timedelta(microseconds=1)
    sightings = store.sightings(SightingQuery(since=since, until=until))
    calls = port_calls(sightings, max_gap_h=max_gap_h)
    if len(calls):
        area = shapely.union_all(chosen.geometry.values)
        inside = sightings["id"][shapely.intersects(area, sightings.geometry.values)]
        hit = calls["sighting_ids"].explode().isin(inside).groupby(level=0).any()
        calls = calls[hit.reindex(calls.index, fill_value=False)].reset_index(drop=True)
    # AIS calls at the chosen ports (and the berths inside them) count beside those from imagery.
    ports = store.ports()
    within = ports["id"][shapely.covered_by(ports.geometry.values,
                                            shapely.buffer(shapely.union_all(chosen.geometry.values), 1e-9))]
    ais = ais_calls(store.ais_port_calls(since=since, until=until, port_ids=within.tolist()))
    calls = combine_calls(calls, ais)
    caps = capacities(store)
    imo = calls["imo"].astype(object) if len(calls) else pd.Series([], dtype=object)
    joined = caps.reindex(imo.where(imo.notna(), "").to_numpy())
    joined.index = calls.index
    calls = calls.assign(deadweight_t=joined["deadweight_t"].astype(float),
                         gross_tonnage=joined["gross_tonnage"].astype(float))
    calls["capacity_from"] = joined["deadweight_from"].where(joined["deadweight_t"].notna(), joined["gross_tonnage_from"])
    calls["vessel_type"] = _pick_type(calls["vessel_type"], joined["list_type"], joined["table_type"]).to_numpy() \
        if len(calls) else calls["vessel_type"]
    return calls, chosen


def store_cap(store, *, year, ports=WATCH_LISTED, laden=(0.33, 0.5, 0.9), barrels_per_tonne=7.33,
              cap_barrels=500_000, gt_to_dwt=1.6, max_gap_h=DEFAULT_MAX_GAP_H, chart=None, overwrite=False):
    """The UN Panel of Experts' cap estimate for ``year`` from the store's tanker port calls.

    Each call of a tanker (type from the sighting, the list entry or the
    vessels table containing "tanker") at the chosen ports counts once:
    capacity (deadweight, else gross tonnage x ``gt_to_dwt``) x
    ``barrels_per_tonne`` x laden fraction; see :mod:`shipsight.report.cap`.

    Parameters
    ----------
    store : Store
    year : int
    ports : str or list of str, default "watch-listed"
        ``"watch-listed"`` or port names / ids.
    laden : sequence of float
        One scenario per fraction.
    barrels_per_tonne, cap_barrels, gt_to_dwt : float
    max_gap_h : float
        Port-call gap, as ``shipsight port-calls``.
    chart : str or os.PathLike, optional
        Also write the PNG chart of cumulative barrels against the cap here.
    overwrite : bool
        Replace an existing chart.

    Returns
    -------
    StoreCap

    Examples
    --------
    >>> cap = store_cap(store, year=2024, laden=(0.5,))   # doctest: +SKIP
    >>> cap.result.passed                                   # doctest: +SKIP
    {'50%': None}
    """
    from shipsight.report.cap import cap_tracker, plot_cap

    if chart is not None:
        chart = Path(chart)
        if chart.suffix.lower() != ".png":
            raise InputError("the chart is a PNG; end the file in .png", where=str(chart))
        if chart.exists() and not overwrite:
            raise InputError(f"{chart} exists; pass --overwrite to replace it", where=str(chart))
    calls, chosen = cap_port_calls(store, year=year, ports=ports, max_gap_h=max_gap_h)
    result = cap_tracker(calls, year=year, laden=laden, barrels_per_tonne=barrels_per_tonne,
                         cap_barrels=cap_barrels, gt_to_dwt=gt_to_dwt)
    origin = calls.drop_duplicates("vessel").set_index("vessel")["capacity_from"] if len(calls) else pd.Series(dtype=object)
    for frame in (result.calls, result.tankers, result.unknown):
        frame["capacity_from"] = frame["vessel"].map(origin).astype(object) if len(frame) else pd.Series(dtype=object)
    out = StoreCap(result=result, ports=chosen["name"].tolist())
    if chart is not None:
        out.chart = plot_cap(result, chart)
    return out


# -------------------------------------------------------------- evidence packs


def _list_entry(store, flag):
    """The list entry a flag rests on (the version it was matched in), or None."""
    entry_id = flag.get("list_entry_id")
    if entry_id is None or pd.isna(entry_id) or flag.get("list") is None or pd.isna(flag.get("list")):
        return None
    versions = store.list_versions(flag["list"])
    for version in sorted(versions["version"].tolist(), reverse=True):  # a handful of versions
        entries = store.list_entries(list_name=flag["list"], version=version)
        hit = entries[entries["id"] == int(entry_id)]
        if len(hit):
            return hit.iloc[0].to_dict()
    return None


def evidence_pack(store, flag_id, out, *, overwrite=False, chip_size_m=1000):
    """Write the evidence pack of one flag (folder, or zip when ``out`` ends in .zip).

    Holds the flag and its explanation, the sightings involved (retracted
    ones too) with their scenes, image chips cut from those scenes
    (:func:`shipsight.scenes.cut_chip`; a sighting without a scene, or whose
    scene file is missing or changed, is noted instead), the sanctions-list
    entry, the sightings' AIS correlation (``ais.json``), the audit history
    of the flag, of its sightings and of their AIS matches, and a manifest
    with the SHA-256 of every file. See :func:`shipsight.report.evidence.build_evidence`.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> evidence_pack(store, 3, "flag-3.zip")   # doctest: +SKIP
    PosixPath('flag-3.zip')
    """
    from shipsight.report.evidence import build_evidence
    from shipsight.scenes import cut_chip

    frame = store.flags(ids=[int(flag_id)], include_withdrawn=True)
    if frame.empty:
        raise NotFoundError(f"no flag {flag_id}; list them with 'shipsight flags list'")
    flag = frame.iloc[0].to_dict()
    flag["level"] = flag_records(frame)["level"].iloc[0]
    # An AIS behaviour flag concerns an MMSI over a span of time: it has no sightings.
    ids = [int(flag[c]) for c in ("sighting_id", "related_sighting_id")
           if flag.get(c) is not None and not pd.isna(flag[c])]
    sightings = store.sightings(SightingQuery(ids=tuple(ids), include_retracted=True))
    scene_ids = sorted({s for s in sightings["scene_id"].dropna().astype(str)})
    # No query with an empty id list: "IN ()" is not SQL everywhere.
    scenes = store.scenes(ids=scene_ids).drop(columns="geom", errors="ignore") if scene_ids else pd.DataFrame()
    audit = pd.concat([store.history(entity="flag", entity_id=int(flag_id)),
                       *(store.history(entity="sighting", entity_id=i) for i in ids)], ignore_index=True)
    # Sightings of one import share its entry: listed once.
    audit = audit.drop_duplicates("id").sort_values("id").reset_index(drop=True) if len(audit) else audit

    def chip(row, target):
        if row.get("scene_id") is None or pd.isna(row.get("scene_id")):
            raise InputError("logged without a scene, so there is no image to cut a chip from")
        return cut_chip(store, int(row["id"]), target, size_m=chip_size_m, overwrite=True).chip.png

    ais = store.ais_matches(sighting_ids=ids).drop(columns=["id"]).to_dict("records")
    audit = pd.concat([audit, *(store.history(entity="ais_match", entity_id=i) for i in ids)], ignore_index=True)
    audit = audit.sort_values("id").reset_index(drop=True) if len(audit) else audit
    return build_evidence(out, flag=flag, sightings=sightings, scenes=scenes, entry=_list_entry(store, flag),
                          audit=audit, chip=chip, ais=ais, overwrite=overwrite)
