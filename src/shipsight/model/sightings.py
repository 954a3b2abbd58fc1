"""A sighting's fields and their vectorised validation.

Every bad value in a batch is found in one pass, so an import can report all
of its bad rows at once rather than stopping at the first.
"""

import getpass
import warnings

import numpy as np
import pandas as pd

from shipsight.errors import ShipsightWarning
from shipsight.model.coords import parse_coordinates, parse_positions
from shipsight.model.identity import clean_imos, clean_mmsis
from shipsight.model.textmatch import matches
from shipsight.model.times import parse_times
from shipsight.model.vocab import CONFIDENCE

#: Fields an analyst gives for a sighting, in the order the log shows them.
FIELDS = (
    "time", "lon", "lat", "name", "imo", "mmsi", "vessel_type", "length_m", "heading",
    "confidence", "source", "scene_id", "pixel_row", "pixel_col", "analyst", "note",
)
TEXT_FIELDS = ("name", "vessel_type", "source", "scene_id", "analyst", "note")
FLOAT_FIELDS = ("length_m", "heading", "pixel_row", "pixel_col")
#: Column names accepted on input besides the canonical ones.
ALIASES = {"scene": "scene_id", "longitude": "lon", "latitude": "lat", "type": "vessel_type", "lng": "lon",
           "long": "lon", "timestamp": "time", "datetime": "time"}
DEFAULT_CONFIDENCE = "possible"


def default_analyst():
    """The OS user, the analyst a sighting is logged by unless said otherwise."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, as in some containers
        return "unknown"


def validate_sightings(raw, *, tz=None, analyst=None, time_format=None, source=None):
    """Check and normalise a frame of sightings as read from a file or the CLI.

    Parameters
    ----------
    raw : pandas.DataFrame
        Columns named as :data:`FIELDS` (or their :data:`ALIASES`); values may be text.
        Only ``time`` and a position are required: ``lon`` and ``lat`` (decimal
        degrees, DMS or degrees and decimal minutes, hemisphere letters or signs,
        decimal commas: :func:`shipsight.model.coords.parse_coordinates`), or one
        ``position`` column holding both (:func:`~shipsight.model.coords.parse_positions`).
    tz : str, optional
        Zone of times written without one; without it such times are errors.
    time_format : str, optional
        The times' layout (``strptime``, or ``epoch``): see
        :func:`shipsight.model.times.parse_times`. Default: ISO 8601.
    analyst : str, optional
        Analyst for rows that name none (default: the OS user).
    source : str, optional
        The file, named in warnings about what was guessed (decimal commas).

    Returns
    -------
    clean : pandas.DataFrame
        The good rows, columns :data:`FIELDS`, typed (time as UTC datetimes),
        indexed by their 0-based position in ``raw``. IMO and MMSI
        placeholders (:func:`~shipsight.model.identity.clean_imos`) are
        stored empty; ``clean.attrs["unknown_identifiers"]`` counts them
        (``{"imo": n, "mmsi": m}``).
    problems : list of (int, str, str)
        ``(position, field, reason)`` for every bad value; ``position`` is the
        0-based row position in ``raw``.

    Examples
    --------
    >>> raw = pd.DataFrame({"time": ["2024-01-05T03:00:00Z", "2024-01-05"],
    ...                     "lon": ["130.3", "130.3"], "lat": ["42.2", "95"]})
    >>> clean, problems = validate_sightings(raw, analyst="kim")
    >>> len(clean), [p[1] for p in problems]
    (1, ['time', 'lat'])
    """
    df = raw.rename(columns={k: v for k, v in ALIASES.items() if k in raw.columns and v not in raw.columns})
    df = df.reset_index(drop=True)
    n = len(df)
    problems = []

    # Columns the input lacks are never parsed: a one-row log is as cheap as it can be.
    absent = pd.Series([None] * n, index=df.index, dtype=object)
    stripped = {}

    def col(name):
        return df[name] if name in df.columns else absent

    def text(name):
        """The column as stripped text with blanks (and 'nan'/'none'/'null') as NA."""
        if name not in stripped:
            t = col(name).astype("string").str.strip()
            stripped[name] = t.mask(t.str.lower().isin(["", "nan", "none", "null"]))
        return stripped[name]

    def bad(mask, field, reason):
        for pos in np.flatnonzero(np.asarray(mask, dtype=bool)):
            problems.append((int(pos), field, reason(pos) if callable(reason) else reason))

    out = pd.DataFrame(index=df.index)
    times = parse_times(col("time"), tz=tz, time_format=time_format)
    bad(times.bad, "time", lambda i: times.reasons[i])
    out["time"] = times.times.to_numpy()

    if "position" in df.columns and not ("lon" in df.columns and "lat" in df.columns):
        axes = dict(zip(("lon", "lat"), parse_positions(col("position"))))
        fields = {"lon": "position", "lat": "position"}
    else:
        axes = {axis: parse_coordinates(col(axis), axis) for axis in ("lon", "lat")}
        fields = {"lon": "lon", "lat": "lat"}
    commas = [axis for axis, parsed in axes.items() if parsed.decimal_commas]
    if commas:
        warnings.warn(f"{source + ': ' if source else ''}read decimal commas in {' and '.join(commas)} "
                      "(e.g. 130,2985 as 130.2985)",
                      ShipsightWarning, stacklevel=2)
    reported = np.zeros(n, dtype=bool)
    for axis, lo, hi in (("lon", -180.0, 180.0), ("lat", -90.0, 90.0)):
        parsed, field = axes[axis], fields[axis]
        first = parsed.bad & ~reported  # a position column's reason is told once
        bad(first, field, lambda i, p=parsed: p.reasons[i])
        reported |= parsed.bad if field == "position" else np.zeros(n, dtype=bool)
        values = pd.Series(parsed.values, index=df.index)
        outside = ~parsed.bad & ((values < lo) | (values > hi)).to_numpy()
        bad(outside, field, lambda i, a=axis, lo=lo, hi=hi: f"{a} {values.iloc[i]:g} is outside [{lo:g}, {hi:g}]"
            f"{'; did you swap lon and lat?' if a == 'lat' else ''}")
        out[axis] = values

    for field in TEXT_FIELDS:
        out[field] = absent if field not in df.columns else text(field).astype(object).where(text(field).notna(), None)

    # Placeholders (IMO 0, 0000000, MMSI 000000000, a non-ship MMSI...) mean "unknown": stored empty, counted.
    imo = clean_imos(col("imo"))
    bad(imo.status == "malformed", "imo",
        lambda i: f"IMO {col('imo').iloc[i]!r} is not seven digits; an IMO number is seven digits (IMO 1234567), or leave it blank")
    bad(imo.status == "bad-check-digit", "imo", lambda i: f"IMO {imo.values[i]} fails its check digit; check the number")
    out["imo"] = pd.Series(np.where(imo.status == "valid", imo.values, None), index=df.index, dtype=object)

    mmsi = clean_mmsis(col("mmsi"))
    bad(mmsi.status == "malformed", "mmsi", lambda i: f"MMSI {col('mmsi').iloc[i]!r} is not nine digits")
    out["mmsi"] = pd.Series(mmsi.values, index=df.index, dtype=object)

    for field in FLOAT_FIELDS:
        if field not in df.columns:
            out[field] = np.nan
            continue
        values = pd.to_numeric(text(field), errors="coerce").astype(float)
        # A decimal comma (1,5) is read; 1,500 could be a thousands separator, so it is refused.
        odd = np.flatnonzero(values.isna().to_numpy() & text(field).notna().to_numpy())
        thousands = np.zeros(n, dtype=bool)
        if len(odd):
            sub = text(field).iloc[odd]
            comma = matches(sub, r"^[+-]?\d+,\d+$")
            thousands[odd] = comma & matches(sub, r"^[+-]?\d{1,3},\d{3}$")
            take = odd[comma & ~thousands[odd]]
            values.iloc[take] = pd.to_numeric(text(field).iloc[take].str.replace(",", ".", regex=False)).to_numpy()
        bad(thousands, field, lambda i, f=field: f"{f} {col(f).iloc[i]!r} is ambiguous (a decimal comma "
            "or a thousands separator?); write it with a dot, e.g. 1.5 or 1500")
        garbage = values.isna().to_numpy() & text(field).notna().to_numpy() & ~thousands
        bad(garbage, field, lambda i, f=field: f"{f} {col(f).iloc[i]!r} is not a number")
        out[field] = values
    bad((out["length_m"] <= 0).to_numpy(), "length_m", "length_m must be a positive number of metres")
    heading = out["heading"]
    bad(((heading < 0) | (heading >= 360)).to_numpy(), "heading", "heading must be in degrees, 0 to under 360")

    conf = text("confidence").str.lower().fillna(DEFAULT_CONFIDENCE)
    bad(~conf.isin(CONFIDENCE).to_numpy(), "confidence",
        lambda i: f"confidence {col('confidence').iloc[i]!r} is not one of {', '.join(CONFIDENCE)}")
    out["confidence"] = conf.astype(object)

    out["analyst"] = out["analyst"].where(out["analyst"].notna(), analyst or default_analyst())

    bad_rows = sorted({p[0] for p in problems})
    problems.sort(key=lambda p: p[0])
    clean = out.drop(index=bad_rows)[list(FIELDS)]
    kept = ~np.isin(np.arange(n), bad_rows)
    clean.attrs["unknown_identifiers"] = {"imo": int((imo.unknown & kept).sum()),
                                          "mmsi": int((mmsi.unknown & kept).sum())}
    return clean, problems
