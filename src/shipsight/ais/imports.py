r"""Importing AIS files: positions into the archive, identities and the import's record into the store.

One file is one import: its positions are written to the archive under the
file's tag (the first 16 hex digits of its SHA-256), then its record and
identity runs go to the store in one transaction. The positions are staged
(:class:`~shipsight.ais.archive.ArchiveWriter`) while the file is read and
published only once it has been read whole; if anything fails before the
store commits, the parts are removed again: nothing of the file remains. A
file already imported (same SHA-256) adds nothing.

The same AIS in another file (a day's ``.zip`` and its unzipped CSV, one NMEA
log inside another) adds nothing either: every position the archive already
holds (same MMSI, same second, same place: :mod:`shipsight.ais.dedup`) is
skipped and counted ``already_archived``, and so is the static data of a CSV
row whose position was skipped. An import that adds no position and no static
report is not recorded at all (:attr:`AISImport.recorded` is False).

Every file is read whole before any is imported: a file that fails midway
(a bad value in row 3,000,000, a download cut short, a ragged row) refuses
the whole import, and the archive and the store stay as they were.

Every row of a CSV (every position report of NMEA) is accounted for:
:meth:`AISImport.not_recorded` gives the reasons the ones not recorded were
left out, and ``rows == positions + sum(not_recorded().values())``.

>>> import tempfile, os
>>> from shipsight.ais.archive import open_archive
>>> from shipsight.ais.tracks import vessel_track
>>> from shipsight.store import open_store
>>> folder = tempfile.mkdtemp()
>>> feed = os.path.join(folder, "feed.csv")
>>> _ = open(feed, "w").write("mmsi,time,lon,lat,name,imo\n"
...                          "273456780,2024-03-01T00:00:00Z,130.30,42.25,ANGARA,9179842\n"
...                          "273456780,2024-03-01T01:00:00Z,130.31,42.25,ANGARA,9179842\n")
>>> store, archive = open_store(os.path.join(folder, "log.db")), open_archive(os.path.join(folder, "log.ais"), create=True)
>>> [(r.positions, r.identities_added) for r in import_ais(store, archive, [feed], analyst="kim")]
[(2, 1)]
>>> [r.created for r in import_ais(store, archive, [feed], analyst="kim")]
[False]
>>> vessel_track(store, archive, "IMO 9179842")[["mmsi", "lon", "name"]].values.tolist()
[['273456780', 130.3, 'ANGARA'], ['273456780', 130.31, 'ANGARA']]
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from shipsight.errors import InputError, RowErrors

#: ``--format`` choices: ``auto`` reads the first lines.
FORMATS = ("auto", "nmea", "marinecadastre", "marinecadastre2025", "plain")


#: Why a row (a position report) is not recorded as a position, as the summary line says it.
NOT_RECORDED = {
    "duplicates": "duplicates (same MMSI, second and position as another report of the file)",
    "already_archived": "already in the archive (same MMSI, second and position, from another file)",
    "no_position": "without a position (blank, or AIS's 181/91 'not available')",
    "invalid_position": "with a longitude or latitude out of range",
    "invalid_mmsi": "with a blank or out-of-range MMSI",
}


@dataclass
class AISImport:
    """The outcome of importing one file."""

    file: str
    sha256: str
    format: str
    created: bool
    import_id: int | None = None
    positions: int = 0
    duplicates: int = 0
    already_archived: int = 0
    statics: int = 0
    vessels: int = 0
    identities_added: int = 0
    identities_extended: int = 0
    days: list = field(default_factory=list)
    first_time: datetime | None = None
    last_time: datetime | None = None
    counts: dict = field(default_factory=dict)

    @property
    def rows(self):
        """Rows of a CSV, or position reports decoded from NMEA (with a time): what the
        positions recorded and :meth:`not_recorded` add up to."""
        c = self.counts
        if self.format == "nmea":
            return int(c.get("positions", 0) + c.get("no_position", 0) + c.get("invalid_position", 0))
        return int(c.get("rows", 0))

    def not_recorded(self):
        """Why the rows (:attr:`rows`) not recorded as positions were left out: reason -> count,
        only reasons with a count. ``positions + sum(not_recorded().values()) == rows``
        for a file this import read (not for one imported before)."""
        c = self.counts
        out = {k: int(c.get(k, 0)) for k in NOT_RECORDED}
        out["duplicates"] = int(self.duplicates or c.get("duplicates", 0))
        out["already_archived"] = int(self.already_archived or c.get("already_archived", 0))
        return {k: v for k, v in out.items() if v}

    def accounting(self):
        """``"3 rows not recorded: 3 duplicates (...)"``, or "" when every row was recorded."""
        left = self.not_recorded()
        if not left:
            return ""
        unit = "position reports" if self.format == "nmea" else "rows"
        return (f"{sum(left.values()):,} {unit} not recorded: "
                + ", ".join(f"{v:,} {NOT_RECORDED[k]}" for k, v in left.items()))

    @property
    def recorded(self):
        """False when the file added nothing and so left no import record (see the module docstring)."""
        return self.import_id is not None

    def as_record(self):
        """A JSON-able dict (times as ISO 8601 UTC)."""
        out = dict(self.__dict__, recorded=self.recorded, rows=self.rows, not_recorded=self.not_recorded())
        for k in ("first_time", "last_time"):
            out[k] = None if out[k] is None else out[k].isoformat().replace("+00:00", "Z")
        return out

    def warnings(self):
        """Lines for stderr: what was left out, and what was assumed."""
        c = self.counts
        out = []
        skipped = {k: c.get(k, 0) for k in ("broken", "empty", "incomplete", "undecodable", "bad_time",
                                             "no_position") if c.get(k)}
        if skipped:
            out.append(f"{self.file}: skipped " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in skipped.items())
                       + " (see --json for every count)")
        if c.get("invalid_position"):
            out.append(f"{self.file}: skipped {c['invalid_position']} reports whose longitude or latitude is out of "
                       "range (beyond +-180 / +-90, and not AIS's 181/91 for 'not available'); the file holds wrong "
                       "values there")
        if c.get("invalid_mmsi"):
            out.append(f"{self.file}: skipped {c['invalid_mmsi']} rows with a blank or out-of-range MMSI")
        if c.get("no_final_newline"):
            out.append(f"{self.file}: the file does not end with a line break, so its last row (row "
                       f"{c.get('last_row', '?')}) may be cut short; check that row (it was imported as it stands)")
        if c.get("already_archived"):
            out.append(f"{self.file}: {c['already_archived']} positions already in the archive (same MMSI, second "
                       "and place, from another file), skipped")
        if c.get("untimed"):
            out.append(f"{self.file}: {c['untimed']} messages had no time (no tag-block c:, no $PGHP before them) "
                       "and were left out; give --received-at TIME to keep them at that time")
        if c.get("time_assumed"):
            out.append(f"{self.file}: {c['time_assumed']} messages had no time of their own and were given "
                       "--received-at (marked time_assumed: too coarse to correlate with imagery)")
        for k in ("imo_placeholder", "imo_invalid"):
            if c.get(k):
                what = "placeholder IMO numbers (e.g. 0000000)" if k == "imo_placeholder" else \
                    "invalid IMO numbers (wrong check digit or length)"
                out.append(f"{self.file}: {c[k]} static reports carried {what}; taken as unknown")
        return out


def detect_format(path, format="auto"):
    """The format of ``path`` (one of :data:`FORMATS` but ``auto``), or an InputError saying what was found."""
    from shipsight.ais.csvfiles import refuse_unreadable, sniff

    path = Path(path)
    if not path.is_file():
        raise InputError("no such file; check the path", where=str(path))
    if path.stat().st_size == 0:
        raise InputError("is empty: no AIS in it (was the download or copy cut short?)", where=str(path))
    refuse_unreadable(path)
    found = sniff(path)
    if format == "auto":
        if found is None:
            raise InputError("not AIS this reader knows: neither NMEA (!AIVDM lines) nor a CSV with the columns "
                             "of MarineCadastre (MMSI,BaseDateTime,LAT,LON / mmsi,base_date_time,longitude,latitude) "
                             "or the plain layout (mmsi,time,lon,lat)", where=str(path))
        return found[0] if found[0] == "nmea" else found[1]
    if format == "nmea":
        return format
    if found is not None and found[0] == "nmea":
        raise InputError(f"--format {format} reads a CSV and this file is NMEA; use --format nmea or auto",
                         where=str(path))
    from shipsight.ais.csvfiles import LAYOUTS, REQUIRED, csv_layout, header_of

    header = header_of(path)
    needed = [LAYOUTS[format][c] for c in REQUIRED]
    missing = [c for c in needed if c not in header]
    if missing:
        other = csv_layout(header)
        mend = (f"; it is the {other} layout: use --format {other} or auto" if other else
                f"; rename the columns (optional ones: {', '.join(c for c in LAYOUTS[format].values() if c not in needed)})")
        raise InputError(f"--format {format} needs the columns {', '.join(needed)}; the file has "
                         f"{', '.join(header[:20]) or 'no header'}{' ...' if len(header) > 20 else ''}, "
                         f"lacking {', '.join(missing)}{mend}", where=str(path))
    return format


def _ms_time(ms):
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


@dataclass
class _Staged:
    """A file read whole, its positions staged in the archive, its record and identities not yet stored."""

    path: Path
    sha: str
    format: str
    writer: object
    summary: object
    identity_runs: object
    counts: Counter
    vessels: int
    kinds: np.ndarray
    received_at: datetime | None


def stage_file(store, archive, path, *, format, received_at=None, tz=None, staged=(), progress=None):
    """Read one AIS file (its ``format`` known) whole and stage its positions in ``archive``.

    Returns an :class:`AISImport` when the store has imported the file before
    (nothing is read), else the staged file for :func:`commit_file`. Nothing
    is published before the whole file has been read: a file that fails
    midway (a truncated download, a ragged row) raises :class:`InputError`
    and leaves the archive as it was. ``staged`` are the files staged before
    it in the same import, whose positions count as archived.
    """
    from shipsight.ais.csvfiles import read_csv_ais
    from shipsight.ais.dedup import ArchivedPositions
    from shipsight.ais.identities import final_runs, statement_runs
    from shipsight.ais.nmea import read_nmea
    from shipsight.digest import sha256_file
    from shipsight.model.identity import MMSI_KINDS, mmsi_kind_codes

    path = Path(path)
    sha = sha256_file(path)
    done = store.ais_import(sha)
    if done is not None:
        return AISImport(str(path), sha, done["format"], False, import_id=int(done["id"]),
                         positions=int(done["positions"]), counts=done["counts"])
    counts = Counter()
    if format == "nmea":
        batches = read_nmea(path, received_at=received_at, counts=counts)
    else:
        batches = read_csv_ais(path, layout=format, tz=tz, counts=counts)
    runs = []
    vessels = set()
    kinds = np.zeros(len(MMSI_KINDS), dtype=np.int64)
    archived = ArchivedPositions(archive, staged=[s.writer.staging for s in staged])
    writer = archive.writer(sha[:16])
    try:
        for positions, statements in batches:
            seen = archived.seen(positions)
            if seen.any():
                counts["already_archived"] += int(seen.sum())
                if statements is not None and format != "nmea":
                    kept = _unseen_rows(statements, positions.filter(seen))
                    counts["statics"] -= statements.num_rows - kept.num_rows
                    statements = kept
                positions = positions.filter(~seen)
            writer.write(positions)
            runs.append(statement_runs(statements, counts))
            mmsi = np.unique(positions.column("mmsi").to_numpy())
            vessels.update(mmsi.tolist())
            kinds += np.bincount(mmsi_kind_codes(positions.column("mmsi").to_numpy())[0], minlength=len(MMSI_KINDS))
            if progress:
                progress(counts["positions"], None)  # how many a file holds is known only at its end
        if format == "nmea" and not counts["messages"]:
            raise InputError(f"no AIS message in {counts['lines']} line{'s' * (counts['lines'] != 1)} ({counts['other']} not AIS, "
                             f"{counts['broken']} broken, {counts['empty']} empty); is it an AIS NMEA file?",
                             where=str(path))
        if format == "nmea" and not counts["timed"] and not counts["time_assumed"]:
            raise InputError("no message has a time (no tag-block c:, no $PGHP line): positions cannot be placed "
                             "in time for correlation; give --received-at TIME (when the file was recorded) to "
                             "import it at that time", where=str(path))
        summary = writer.close()
    except BaseException:
        writer.abort()
        raise
    counts["duplicates"] = summary.duplicates
    return _Staged(path, sha, format, writer, summary, final_runs(runs), counts, len(vessels), kinds, received_at)


def commit_file(store, archive, staged, *, analyst):
    """Publish a staged file's positions and store its record and identities in one transaction;
    return its :class:`AISImport`. If the store refuses, the published parts are removed again."""
    from shipsight.model.identity import MMSI_KINDS

    path, sha, format, summary, counts = staged.path, staged.sha, staged.format, staged.summary, staged.counts
    if summary.rows == 0 and len(staged.identity_runs) == 0:
        # Nothing new: no record, so that the imports list only what brought something.
        staged.writer.abort()
        return AISImport(str(path), sha, format, False, duplicates=summary.duplicates,
                         already_archived=int(counts["already_archived"]), counts=dict(counts))
    try:
        staged.writer.publish()
        counts.update({f"positions_{k.replace('-', '_')}": int(v) for k, v in zip(MMSI_KINDS, staged.kinds) if v})
        record = {"source": str(path), "sha256": sha, "format": format, "archive": str(archive.path),
                  "tag": staged.writer.tag, "received_at": staged.received_at,
                  "first_time": _ms_time(summary.first_ms), "last_time": _ms_time(summary.last_ms),
                  "positions": summary.rows, "statics": int(counts["statics"]), "vessels": staged.vessels,
                  "counts": dict(counts)}
        import_id, added, extended = store.add_ais_import(record, staged.identity_runs, analyst=analyst)
    except BaseException:
        staged.writer.abort()
        raise
    if added is None:
        # Imported meanwhile by another process: the same file made the same parts.
        return AISImport(str(path), sha, format, False, import_id=import_id, positions=summary.rows,
                         counts=dict(counts))
    return AISImport(str(path), sha, format, True, import_id=import_id, positions=summary.rows,
                     duplicates=summary.duplicates, already_archived=int(counts["already_archived"]),
                     statics=int(counts["statics"]), vessels=staged.vessels,
                     identities_added=added, identities_extended=extended,
                     days=sorted(d.isoformat() for d in summary.days), first_time=record["first_time"],
                     last_time=record["last_time"], counts=dict(counts))


def _unseen_rows(statements, seen_positions):
    """The static statements of a CSV batch but those of rows whose position the archive already had
    (a CSV row carries both: the row seen before adds no identity report)."""
    import pandas as pd
    import pyarrow as pa

    def index(table):
        return pd.MultiIndex.from_arrays([table.column("mmsi").to_numpy().astype(np.int64),
                                          table.column("time").cast(pa.int64()).to_numpy() // 1000])

    return statements.filter(pa.array(~index(statements).isin(index(seen_positions))))


def import_ais(store, archive, paths, *, format="auto", received_at=None, tz=None, analyst, progress=None):
    """Import AIS files (NMEA, MarineCadastre CSV/zip, plain CSV) into ``archive`` and ``store``.

    Parameters
    ----------
    store : Store
    archive : Archive
        From :func:`shipsight.ais.archive.open_archive` (``create=True``).
    paths : sequence of paths
    format : str
        One of :data:`FORMATS`.
    received_at : datetime, optional
        Aware; the time given to NMEA messages that carry none.
    tz : str, optional
        Zone of a plain CSV's times written without one.
    analyst : str
    progress : callable, optional
        ``progress(positions_read, None)`` after each batch of a file (its total is unknown until read).

    Returns
    -------
    list of AISImport, one per file, in order.

    Raises
    ------
    InputError
        A file that is missing, of no known format, damaged or malformed
        (found while reading it); nothing of any file is imported then.
    """
    if format not in FORMATS:
        raise InputError(f"unknown AIS format {format!r}; choose one of {', '.join(FORMATS)}")
    if received_at is not None and received_at.tzinfo is None:
        raise InputError("--received-at needs a time zone, e.g. 2024-03-01T09:30:00Z")
    staged = []   # _Staged, or AISImport for a file imported before
    try:
        formats = [detect_format(p, format) for p in paths]
        for path, fmt in zip(paths, formats):
            staged.append(stage_file(store, archive, path, format=fmt, received_at=received_at, tz=tz,
                                     staged=[s for s in staged if isinstance(s, _Staged)], progress=progress))
    except BaseException as exc:
        for s in staged:
            if isinstance(s, _Staged):
                s.writer.abort()
        if isinstance(exc, InputError) and len(paths) > 1:
            raise _named_refusal(exc, paths) from None
        raise
    results = []
    first_of = {}
    for s in staged:
        if not isinstance(s, _Staged):
            results.append(s)
        elif s.sha in first_of:
            # The same file named twice: the first one imported it.
            first = results[first_of[s.sha]]
            s.writer.abort()
            results.append(AISImport(str(s.path), s.sha, s.format, False, import_id=first.import_id,
                                     positions=first.positions, counts=first.counts))
        else:
            first_of[s.sha] = len(results)
            results.append(commit_file(store, archive, s, analyst=analyst))
    return results


def _named_refusal(exc, paths):
    """``exc`` saying that no file of the import was imported."""
    note = f"none of the {len(paths)} files was imported; mend this one and import them again"
    if isinstance(exc, RowErrors):
        return RowErrors(f"{exc.source} ({note})", exc.problems, hint=exc.hint)
    return InputError(f"{exc.message} ({note})", where=exc.where)
