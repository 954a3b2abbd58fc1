"""Logging, importing, editing and retracting sightings: the library behind the CLI.

>>> import tempfile, os
>>> from shipsight.store import open_store
>>> store = open_store(os.path.join(tempfile.mkdtemp(), "log.db"))
>>> log_sighting(store, {"time": "2024-01-05T03:00:00Z", "lon": 130.3, "lat": 42.24}, analyst="kim")
1
"""

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import shapely

from shipsight.digest import sha256_file
from shipsight.errors import InputError, RowErrors, names_the_file
from shipsight.model.sightings import FIELDS, validate_sightings
from shipsight.model.vocab import ON_INVALID

#: How to go on past bad rows, said when an import lists more than it shows.
SKIP_HINT = "--on-invalid skip imports the good rows and writes every bad one to a rejects file"



def _point_from_wkt(fields):
    """Turn a ``wkt`` entry (a POINT) into lon/lat."""
    wkt = fields.pop("wkt", None)
    if wkt is None:
        return fields
    try:
        geom = shapely.from_wkt(wkt)
    except shapely.errors.GEOSException:
        raise InputError(f"{wkt!r} is not WKT; write POINT (lon lat)", where="--wkt") from None
    if geom.geom_type != "Point" or geom.is_empty:
        raise InputError(f"a sighting is a point, not a {geom.geom_type}; write POINT (lon lat)", where="--wkt")
    return {**fields, "lon": geom.x, "lat": geom.y}


def _validate_one(fields, *, tz, analyst, time_format=None):
    clean, problems = validate_sightings(pd.DataFrame([fields]), tz=tz, analyst=analyst, time_format=time_format)
    if problems:
        _, field, reason = problems[0]
        raise InputError(reason, where=f"--{field.replace('_', '-')}")
    return clean


def log_sighting(store, fields, *, tz=None, analyst=None, pixel=None, time_format=None):
    """Log one sighting; ``fields`` as :data:`~shipsight.model.sightings.FIELDS` (or ``wkt``).

    With ``pixel=(row, col)`` (whole numbers, the pixel's centre is meant) the
    position comes from the scene named by ``fields["scene_id"]`` instead:
    see :func:`shipsight.scenes.pixel_fields` (time defaults to the scene's;
    a pixel off the image or on nodata, or a scene file changed since it was
    registered, is refused).

    ``lon``/``lat`` may be written in any form of
    :func:`shipsight.model.coords.parse_coordinates` (``42°14'43"N``), the time
    in any of :func:`shipsight.model.times.parse_times` (``time_format`` for a layout).

    Returns the new sighting's id.
    """
    fields = {k: v for k, v in fields.items() if v is not None}
    if pixel is not None:
        from shipsight.scenes import pixel_fields

        fields = pixel_fields(store, fields, pixel)
    fields = _point_from_wkt(fields)
    clean = _validate_one(fields, tz=tz, analyst=analyst, time_format=time_format)
    return int(store.add_sightings(clean, analyst=clean["analyst"].iat[0])[0])


def check_header(raw, path):
    """Refuse a file without a time and a position, naming the columns it has and those it needs."""
    from shipsight.io.csvfile import describe_columns
    from shipsight.model.sightings import ALIASES

    columns = {ALIASES.get(c, c) for c in raw.columns}
    missing = [c for c in ("time", "lon", "lat") if c not in columns]
    if "position" in columns:
        missing = [c for c in missing if c == "time"]
    if missing:
        raise InputError(f"has no {', '.join(missing)} column: {describe_columns(raw.drop(columns=['row']))}; "
                         "sightings need time and lon, lat (or one position column), named as 'shipsight log' "
                         "options", where=str(path))


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the new ids, the rows it rejected and where they went, and the
    rows it left out as already in the log."""

    ids: list
    rejected: int
    rejects_path: Path | None
    skipped: int = 0  # rows the format says are not sightings (xView3 is_vessel false)
    #: Placeholder identifiers read as unknown and stored empty: ``{"imo": n, "mmsi": m}``.
    unknown_identifiers: dict = field(default_factory=dict)
    duplicates: int = 0


def rejects_path_for(path):
    """Where ``--on-invalid skip`` writes the rejected rows: beside the input."""
    path = Path(path)
    return path.with_name(f"{path.stem}.rejects.csv")


@names_the_file
def import_sightings(store, path, *, format="auto", on_invalid="raise", tz=None, analyst=None, layer=None,
                     encoding=None, time_format=None, allow_duplicates=False, progress=None):
    """Import a file of sightings in one transaction.

    With ``on_invalid="raise"`` any bad row stops the import with every bad row
    reported (:class:`~shipsight.errors.RowErrors`) and nothing written. With
    ``"skip"`` the good rows are imported and the bad ones written, with row
    number, field and reason, to :func:`rejects_path_for` the input.
    ``encoding`` is the text encoding of a CSV (or a Shapefile without
    ``.cpg``), ``time_format`` the times' layout (see
    :func:`shipsight.model.times.parse_times`).

    Rows whose time, position, identity (name, IMO, MMSI) and source are
    already in the log are left out and counted (``ImportResult.duplicates``):
    importing a file twice, or shipsight's own export, adds nothing. With
    ``allow_duplicates`` they are written again. ``progress(done, total)``
    follows the rows written.
    """
    if on_invalid not in ON_INVALID:
        raise InputError(f"on_invalid must be one of {', '.join(ON_INVALID)}, not {on_invalid!r}")
    from shipsight.io.sightings import read_sightings_file  # GIS readers: not for a single log

    raw = read_sightings_file(path, format=format, layer=layer, encoding=encoding)
    skipped = int(raw.attrs.get("skipped_not_vessel", 0))
    placed = []
    if format == "xview3":
        # Detector scene ids are rarely registered scenes: keep them in the note rather than refuse the rows.
        from shipsight.scenes import resolve_detector_scenes

        raw, placed = resolve_detector_scenes(store, raw)
    if raw.empty:
        raise InputError("holds no sightings", where=str(path))
    check_header(raw, path)
    rows = raw.pop("row").to_numpy()
    clean, problems = validate_sightings(raw, tz=tz, analyst=analyst, time_format=time_format, source=str(path))
    unknown_ids = dict(clean.attrs.get("unknown_identifiers", {}))
    if placed:  # rows that could not be placed: their own reason, not "lon is missing"
        refused = {pos for pos, _, _ in placed}
        problems = [p for p in problems if p[0] not in refused] + placed
        clean = clean[~clean.index.isin(refused)]
    known = store.scene_ids()
    unknown = clean["scene_id"].notna() & ~clean["scene_id"].isin(known)
    problems += [(pos, "scene", f"unknown scene {clean.at[pos, 'scene_id']!r}; register it with 'shipsight scenes add'")
                 for pos in clean.index[unknown]]
    clean = clean[~unknown]
    problems.sort(key=lambda p: p[0])
    reported = [(int(rows[pos]), field, reason) for pos, field, reason in problems]
    if reported and on_invalid == "raise":
        raise RowErrors(str(path), reported, hint=SKIP_HINT)
    if clean.empty:
        raise RowErrors(str(path), reported) if reported else InputError("holds no sightings", where=str(path))
    ids = store.add_sightings(clean, analyst=analyst or clean["analyst"].iat[0], source=str(path),
                              sha256=sha256_file(path), duplicates="keep" if allow_duplicates else "skip",
                              progress=progress)
    out = None
    if reported:
        out = rejects_path_for(path)
        bad = pd.DataFrame(reported, columns=["row", "field", "reason"])
        raw.insert(0, "row", rows)
        bad.merge(raw, on="row", how="left").to_csv(out, index=False)
    return ImportResult(ids=[int(i) for i in ids], rejected=len({r for r, _, _ in reported}), rejects_path=out,
                        skipped=skipped, unknown_identifiers=unknown_ids, duplicates=len(clean) - len(ids))


def edit_sighting(store, sighting_id, changes, *, reason, analyst, tz=None):
    """Change fields of a sighting; every change is checked as at logging and audited."""
    if not reason or not str(reason).strip():
        raise InputError("say why with --reason; every edit is kept in the audit log")
    changes = _point_from_wkt({k: v for k, v in changes.items() if v is not None})
    if not changes:
        raise InputError("nothing to change; give at least one field, e.g. --name or --imo")
    row = store.sighting(sighting_id).iloc[0]
    merged = {f: row[f] for f in FIELDS}
    merged["time"] = merged["time"].isoformat()
    merged.update(changes)
    clean = _validate_one(merged, tz=tz, analyst=merged["analyst"])
    typed = {k: (None if pd.isna(clean.iloc[0][k]) else clean.iloc[0][k]) for k in changes}
    if "time" in typed:
        typed["time"] = typed["time"].to_pydatetime()
    store.edit_sighting(sighting_id, typed, reason=reason, analyst=analyst)
