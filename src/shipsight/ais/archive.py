"""The AIS archive: positions in Parquet, partitioned by UTC day, laid out for time + box queries.

Layout of an archive folder::

    ARCHIVE/positions/day=2022-01-03/<tag>-00000.parquet
                                     <tag>-00001.parquet ...
    ARCHIVE/.staging/<tag>-<random>/day=.../   parts of an import still reading its file

``tag`` names the import that wrote a part (the first 16 hex digits of the
source file's SHA-256), so re-writing an import replaces its own parts and
nothing else. Each part is a plain Parquet file (zstd) of
:data:`POSITION_SCHEMA`: one row per position report, longitude and latitude
as float64 columns in EPSG:4326 rather than a WKB geometry column, because
their row-group min/max statistics are what lets a box query skip most of the
file (a GeoParquet WKB column carries none and doubles the size).

Within a part the rows are ordered by hour, then by a Hilbert-curve cell of
about 0.35 x 0.18 degrees, then by time and MMSI; row groups are small
(:data:`ROW_GROUP_ROWS`). A row group therefore covers at most one hour and a
compact patch of sea, and a query for a scene's box and an hour or two either
side reads only the row groups whose time and position statistics overlap it
(:attr:`Archive.last_scan` says how many and how many bytes).

>>> import tempfile, datetime as dt
>>> archive = open_archive(tempfile.mkdtemp(), create=True)
>>> t0 = dt.datetime(2024, 1, 5, 12, tzinfo=dt.timezone.utc)
>>> with archive.writer("example") as w:
...     w.write(positions_table(mmsi=[273456780, 273456780, 412000111],
...                             time=[t0, t0 + dt.timedelta(minutes=10), t0],
...                             lon=[179.9, -179.95, 10.0], lat=[60.0, 60.01, 50.0]))
>>> hits = archive.positions(t0 - dt.timedelta(hours=1), t0 + dt.timedelta(hours=1), bbox=(179.5, 59, -179.5, 61))
>>> hits.column("mmsi").to_pylist(), hits.column("lon").to_pylist()
([273456780, 273456780], [179.9, -179.95])
>>> archive.days()
[datetime.date(2024, 1, 5)]
"""

import functools
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shipsight.errors import InputError

#: One row per position report. ``time`` is when it was received (tag block ``c:``,
#: Gatehouse ``$PGHP``, or the file's own time column); ``time_assumed`` is true
#: where no such time existed and the import's ``--received-at`` stood in for it
#: (too coarse to correlate with an image). Missing kinematics are null.
POSITION_SCHEMA = pa.schema([
    pa.field("time", pa.timestamp("ms", tz="UTC"), nullable=False),
    pa.field("mmsi", pa.int32(), nullable=False),
    pa.field("lon", pa.float64(), nullable=False),
    pa.field("lat", pa.float64(), nullable=False),
    pa.field("sog", pa.float32()),          # knots
    pa.field("cog", pa.float32()),          # degrees from north
    pa.field("heading", pa.float32()),      # degrees from north
    pa.field("nav_status", pa.int8()),      # ITU-R M.1371 navigational status 0-15
    pa.field("msg_type", pa.int8()),        # AIS message type; null for CSV sources
    pa.field("time_assumed", pa.bool_(), nullable=False),
], metadata={b"shipsight": b"AIS positions; lon/lat EPSG:4326 degrees; sog knots; cog/heading degrees"})

#: Columns every query reads to filter, whatever it returns.
FILTER_COLUMNS = ("time", "mmsi", "lon", "lat")
#: Rows per row group: small enough that a scene box and +-60 min skips most of a day.
ROW_GROUP_ROWS = 16_384
#: Rows a writer holds before it sorts and writes a part (memory stays about 100 bytes a row).
BUFFER_ROWS = 2_000_000
#: Hilbert curve order of the cell sort key: 2**10 cells around the world, 2**10 pole to pole.
HILBERT_ORDER = 10

_MS_PER_DAY = 86_400_000
_MS_PER_HOUR = 3_600_000
#: Folder of an archive where parts wait until their import has read its whole file.
STAGING = ".staging"
_PART_RE = re.compile(r"^(?P<tag>[A-Za-z0-9_.-]+)-(?P<seq>\d{5})\.parquet$")


def positions_table(*, mmsi, time, lon, lat, sog=None, cog=None, heading=None, nav_status=None, msg_type=None,
                    time_assumed=None):
    """Build a table of :data:`POSITION_SCHEMA` from columns (lists or arrays).

    ``time`` may be aware datetimes, ``datetime64`` (taken as UTC) or integer
    milliseconds since 1970 UTC; optional columns left out are null.

    >>> positions_table(mmsi=[273456780], time=[0], lon=[1.0], lat=[2.0]).num_rows
    1
    """
    n = len(mmsi)

    def col(values, name):
        typ = POSITION_SCHEMA.field(name).type
        if values is None:
            return pa.nulls(n, typ)
        arr = np.asarray(values)
        if arr.dtype.kind == "f" and name in ("sog", "cog", "heading"):
            return pa.array(arr.astype(np.float32), typ, from_pandas=True)
        return pa.array(values, typ, from_pandas=True)

    return pa.table({
        "time": _time_array(time),
        "mmsi": col(mmsi, "mmsi"),
        "lon": col(lon, "lon"),
        "lat": col(lat, "lat"),
        "sog": col(sog, "sog"),
        "cog": col(cog, "cog"),
        "heading": col(heading, "heading"),
        "nav_status": col(nav_status, "nav_status"),
        "msg_type": col(msg_type, "msg_type"),
        "time_assumed": pa.array(np.zeros(n, bool) if time_assumed is None else np.asarray(time_assumed, bool)),
    }, schema=POSITION_SCHEMA)


def _time_array(values):
    typ = POSITION_SCHEMA.field("time").type
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return pc.cast(values, typ)
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        return pa.array(arr.astype(np.int64), pa.int64()).cast(typ)
    if arr.dtype.kind == "M":
        return pa.array(arr.astype("datetime64[ms]").astype(np.int64), pa.int64()).cast(typ)
    return pa.array([_ms(v) for v in values], pa.int64()).cast(typ)


def _ms(value):
    """Milliseconds since 1970 UTC of an aware datetime (a naive one is refused)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InputError(f"time {value.isoformat()} has no zone; AIS times are UTC: add +00:00")
        return int(round(value.timestamp() * 1000))
    if isinstance(value, (int, np.integer)):
        return int(value)
    raise InputError(f"{value!r} is not a time")


def hilbert_cell(lon, lat, order=HILBERT_ORDER):
    """The Hilbert-curve index of each position's cell on a ``2**order`` square grid of the globe.

    Neighbouring cells mostly have near indexes, so rows sorted by it come in
    compact patches (the curve of Hilbert 1891; the iterative form of Warren,
    *Hacker's Delight*, 2nd ed., 16-2), whatever the latitude.

    >>> hilbert_cell([-180, 179.99, 0.0], [-90, -89.99, 0.0], order=1).tolist()
    [0, 3, 2]
    """
    n = 1 << order
    x = np.clip(((np.asarray(lon, float) + 180.0) / 360.0 * n).astype(np.int64), 0, n - 1)
    y = np.clip(((np.asarray(lat, float) + 90.0) / 180.0 * n).astype(np.int64), 0, n - 1)
    d = np.zeros(x.shape, dtype=np.int64)
    s = n >> 1
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        flip = ~ry & rx
        x = np.where(flip, n - 1 - x, x)
        y = np.where(flip, n - 1 - y, y)
        x, y = np.where(~ry, y, x), np.where(~ry, x, y)
        s >>= 1
    return d


@dataclass
class WriteSummary:
    """What a writer wrote: rows kept, exact duplicates dropped, parts, days, time range (ms)."""

    rows: int = 0
    duplicates: int = 0
    parts: list = field(default_factory=list)
    days: set = field(default_factory=set)
    first_ms: int | None = None
    last_ms: int | None = None


class ArchiveWriter:
    """Writes positions into an archive under one tag, a part at a time; memory stays flat.

    Rows are buffered per UTC day; when :data:`BUFFER_ROWS` are held the
    fullest day is sorted (hour, Hilbert cell, time, MMSI), rid of exact
    duplicates (same MMSI, time and position: one report heard by two
    receivers) and written as one part. Parts are written into a staging
    folder of their own (``ARCHIVE/.staging/<tag>-<random>/``, the same day
    layout) that no query reads; :meth:`publish` moves them into place, each
    by one rename, replacing the tag's earlier parts. So an import that fails
    while its file is still being read (a truncated download, a damaged row)
    changes nothing in the archive: :meth:`abort` removes the staging folder,
    and the archive folder itself when this writer made it.

    Use it as a context manager to write and publish at once: on an exception
    every part it wrote is removed again. An import uses :meth:`close`,
    :meth:`publish` and :meth:`abort` itself, to publish only after the whole
    file has been read.
    """

    def __init__(self, archive, tag, *, buffer_rows=BUFFER_ROWS, row_group_rows=ROW_GROUP_ROWS):
        if not re.fullmatch(r"[A-Za-z0-9_.]+", tag):
            raise ValueError(f"archive tag {tag!r} may hold only letters, digits, '.' and '_'")
        self.archive = archive
        self.tag = tag
        self.buffer_rows = buffer_rows
        self.row_group_rows = row_group_rows
        self.summary = WriteSummary()
        self.staging = archive.path / STAGING / f"{tag}-{uuid.uuid4().hex[:12]}"
        self._made_root = not archive.path.exists()
        self._published = False
        self._buffers = {}
        self._held = 0
        self._seq = 0

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
            self.publish()
        else:
            self.abort()

    def write(self, table):
        """Add positions (a table with the columns of :data:`POSITION_SCHEMA`)."""
        if table.num_rows == 0:
            return
        table = table.select(POSITION_SCHEMA.names).cast(POSITION_SCHEMA)
        ms = table.column("time").cast(pa.int64()).to_numpy()
        day = ms // _MS_PER_DAY
        if day.min() == day.max():
            self._hold(int(day[0]), table)
        else:
            order = np.argsort(day, kind="stable")
            sorted_days = day[order]
            starts = np.flatnonzero(np.r_[True, sorted_days[1:] != sorted_days[:-1]])
            ends = np.r_[starts[1:], len(order)]
            for s, e in zip(starts, ends):
                self._hold(int(sorted_days[s]), table.take(order[s:e]))
        while self._held >= self.buffer_rows:
            self._flush(max(self._buffers, key=lambda d: sum(t.num_rows for t in self._buffers[d])))

    def _hold(self, day, table):
        self._buffers.setdefault(day, []).append(table)
        self._held += table.num_rows

    def _flush(self, day):
        tables = self._buffers.pop(day)
        table = pa.concat_tables(tables).combine_chunks()
        self._held -= table.num_rows
        ms = table.column("time").cast(pa.int64()).to_numpy()
        lon = table.column("lon").to_numpy()
        lat = table.column("lat").to_numpy()
        mmsi = table.column("mmsi").to_numpy()
        order = np.lexsort((lat, lon, mmsi, ms, hilbert_cell(lon, lat), ms // _MS_PER_HOUR))
        ms, lon, lat, mmsi = ms[order], lon[order], lat[order], mmsi[order]
        same = np.r_[False, (ms[1:] == ms[:-1]) & (mmsi[1:] == mmsi[:-1]) & (lon[1:] == lon[:-1])
                     & (lat[1:] == lat[:-1])]
        keep = order[~same]
        table = table.take(keep)
        path = self.staging / f"day={_day(day).isoformat()}" / f"{self.tag}-{self._seq:05d}.parquet"
        self._seq += 1
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path, row_group_size=self.row_group_rows, compression="zstd", write_statistics=True)
        s = self.summary
        s.rows += table.num_rows
        s.duplicates += int(same.sum())
        s.parts.append(path)
        s.days.add(_day(day))
        first = int(ms.min())
        last = int(ms.max())
        s.first_ms = first if s.first_ms is None else min(s.first_ms, first)
        s.last_ms = last if s.last_ms is None else max(s.last_ms, last)

    def close(self):
        """Write what is still held (into the staging folder); return the :class:`WriteSummary`."""
        for day in sorted(self._buffers):
            self._flush(day)
        return self.summary

    def publish(self):
        """Move the staged parts into the archive, replacing parts an earlier writer of the tag left
        (a crashed import never recorded); ``summary.parts`` then names them in place. Makes the
        archive folder if it is missing, even when there is no part (an import of static data only)."""
        self.archive.path.mkdir(parents=True, exist_ok=True)
        self.archive.remove(self.tag)
        placed = []
        for path in self.summary.parts:
            target = self.archive.path / "positions" / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            placed.append(target)
        self.summary.parts = placed
        self._published = True
        shutil.rmtree(self.staging, ignore_errors=True)
        _rmdir_if_empty(self.staging.parent)
        return self.summary

    def abort(self):
        """Remove every part this writer wrote (staged or published) and drop what it holds; remove
        the archive folder too when this writer made it and nothing else is in it."""
        self._buffers.clear()
        self._held = 0
        shutil.rmtree(self.staging, ignore_errors=True)
        _rmdir_if_empty(self.staging.parent)
        if self._published:
            for path in self.summary.parts:
                path.unlink(missing_ok=True)
                _rmdir_if_empty(path.parent)
            _rmdir_if_empty(self.archive.path / "positions")
        if self._made_root:
            _rmdir_if_empty(self.archive.path)
        self.summary = WriteSummary()


def _rmdir_if_empty(folder):
    """Remove ``folder`` if it exists and is empty (another process's files in it keep it)."""
    try:
        folder.rmdir()
    except OSError:
        pass


def _day(day_number):
    return date(1970, 1, 1) + timedelta(days=int(day_number))


@dataclass
class ScanStats:
    """What a query read: parts opened, row groups read of those considered, compressed bytes
    of the column chunks read, rows read before exact filtering, rows returned, and rows left
    out because their time was assumed (``timed_only``)."""

    parts: int = 0
    row_groups: int = 0
    row_groups_considered: int = 0
    bytes: int = 0
    rows_read: int = 0
    rows: int = 0
    time_assumed: int = 0


@dataclass(frozen=True)
class Partition:
    """One unit of work for a whole-archive job: a UTC day, and a share of its vessels
    (those whose ``mmsi % buckets == bucket``). Small and picklable: send it to a worker,
    which reads it with :meth:`Archive.read_partition`."""

    day: date
    bucket: int = 0
    buckets: int = 1


class Archive:
    """An AIS archive folder (see the module docstring for the layout).

    Open with :func:`open_archive`. Queries return :class:`pyarrow.Table`
    objects of :data:`POSITION_SCHEMA` columns; ``table.column("lon").to_numpy()``
    gives numpy without a copy. Footers of the parts are cached per archive
    object, so keep one open for many queries.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.last_scan = ScanStats()

    def __repr__(self):
        return f"Archive({str(self.path)!r})"

    # -- layout --------------------------------------------------------------
    def day_dir(self, day):
        """The folder of one day's parts."""
        return self.path / "positions" / f"day={day.isoformat()}"

    def days(self):
        """The UTC days that hold positions, ascending."""
        root = self.path / "positions"
        if not root.is_dir():
            return []
        out = []
        for d in root.iterdir():
            if d.name.startswith("day=") and any(_PART_RE.match(p.name) for p in d.iterdir()):
                out.append(date.fromisoformat(d.name[4:]))
        return sorted(out)

    def parts(self, since=None, until=None):
        """The part files of the days that overlap ``[since, until]`` (aware datetimes or None)."""
        first = since.astimezone(timezone.utc).date() if since else None
        last = until.astimezone(timezone.utc).date() if until else None
        out = []
        for day in self.days():
            if (first and day < first) or (last and day > last):
                continue
            out += sorted(p for p in self.day_dir(day).iterdir() if _PART_RE.match(p.name))
        return out

    def tags(self):
        """The import tags that have parts in the archive."""
        return sorted({_PART_RE.match(p.name)["tag"] for p in self.parts()})

    def remove(self, tag):
        """Delete every part written under ``tag`` (and stray temporary files of it)."""
        root = self.path / "positions"
        if not root.is_dir():
            return 0
        gone = 0
        for d in root.iterdir():
            if not d.is_dir():
                continue
            for p in d.iterdir():
                m = _PART_RE.match(p.name)
                if (m and m["tag"] == tag) or (p.name.startswith(f".{tag}-") and p.name.endswith(".tmp")):
                    p.unlink(missing_ok=True)
                    gone += 1
        return gone

    def writer(self, tag, **options):
        """An :class:`ArchiveWriter` for ``tag`` (an import's name in the part files); the archive
        folder is made when its first part is written."""
        return ArchiveWriter(self, tag, **options)

    # -- reading -------------------------------------------------------------
    @functools.cache
    def _metadata(self, path, size, mtime):
        return pq.read_metadata(path)

    def _footer(self, path):
        st = path.stat()
        return self._metadata(path, st.st_size, st.st_mtime_ns)

    def positions(self, since, until, *, bbox=None, within=None, mmsi=None, kinds=None, columns=None, sort=True,
                  timed_only=False):
        """Positions received in ``[since, until]``, optionally inside a box or polygon, of some MMSIs.

        Parameters
        ----------
        since, until : datetime
            Aware datetimes; both ends included.
        bbox : (minlon, minlat, maxlon, maxlat), optional
            Degrees, edges included; ``minlon > maxlon`` is a box across the antimeridian.
        within : shapely geometry, optional
            A polygon or multipolygon in EPSG:4326 (a footprint split at +-180 is
            fine): only positions inside it (edges included). Its parts' bounds
            choose the row groups.
        mmsi : int or sequence of int, optional
            Only these MMSIs.
        kinds : sequence of str, optional
            Only MMSIs of these kinds of station (:data:`~shipsight.model.identity.MMSI_KINDS`:
            ``("ship",)`` leaves out base stations, aids to navigation, SART/MOB/EPIRB
            devices, associated craft and invalid MMSIs).
        columns : sequence of str, optional
            Columns to return (default: all of :data:`POSITION_SCHEMA`).
        sort : bool
            Order by (mmsi, time), as a track needs; else in archive order.
        timed_only : bool
            Leave out positions whose time was assumed (NMEA imported with
            ``--received-at``: the file's time, not the report's), as every
            use that needs a report's own time must (correlation with an image,
            behaviour rules); ``last_scan.time_assumed`` counts them.

        Returns
        -------
        pyarrow.Table
            ``self.last_scan`` (:class:`ScanStats`) then says what was read.

        Notes
        -----
        Only the day partitions that overlap the window are opened, and of
        their row groups only those whose min/max statistics of time, lon and
        lat (and mmsi) can hold a match are read; the rows read are then
        filtered exactly with numpy.
        """
        since_ms, until_ms = _ms(since), _ms(until)
        boxes = _boxes(bbox, within)
        wanted = None if mmsi is None else np.unique(np.atleast_1d(np.asarray(mmsi, dtype=np.int64)))
        columns = list(POSITION_SCHEMA.names if columns is None else columns)
        unknown = [c for c in columns if c not in POSITION_SCHEMA.names]
        if unknown:
            raise InputError(f"no column {unknown[0]!r} in the AIS archive; columns: {', '.join(POSITION_SCHEMA.names)}")
        read_cols = list(dict.fromkeys([*FILTER_COLUMNS, *columns, *(["time_assumed"] if timed_only else [])]))
        stats = ScanStats()
        tables = []
        for path in self.parts(since, until):
            meta = self._footer(path)
            names = meta.schema.names
            idx = {c: names.index(c) for c in FILTER_COLUMNS}
            groups = []
            for g in range(meta.num_row_groups):
                rg = meta.row_group(g)
                stats.row_groups_considered += 1
                if _overlaps(rg, idx, since_ms, until_ms, boxes, wanted):
                    groups.append(g)
            if not groups:
                continue
            stats.parts += 1
            stats.row_groups += len(groups)
            for g in groups:
                rg = meta.row_group(g)
                stats.bytes += sum(rg.column(names.index(c)).total_compressed_size for c in read_cols)
            table = pq.ParquetFile(path, metadata=meta).read_row_groups(groups, columns=read_cols)
            stats.rows_read += table.num_rows
            keep = _exact(table, since_ms, until_ms, boxes, wanted, within)
            if timed_only:
                assumed = table.column("time_assumed").to_numpy(zero_copy_only=False)
                stats.time_assumed += int((keep & assumed).sum())
                keep &= ~assumed
            tables.append(table.filter(keep) if not keep.all() else table)
        out = pa.concat_tables(tables) if tables else POSITION_SCHEMA.empty_table().select(read_cols)
        if kinds is not None and out.num_rows:
            from shipsight.model.identity import MMSI_KINDS, mmsi_kind_codes

            unknown = [k for k in kinds if k not in MMSI_KINDS]
            if unknown:
                raise InputError(f"unknown kind of station {unknown[0]!r}; kinds: {', '.join(MMSI_KINDS)}")
            codes = [MMSI_KINDS.index(k) for k in kinds]
            out = out.filter(pa.array(np.isin(mmsi_kind_codes(out.column("mmsi").to_numpy())[0], codes)))
        if sort and out.num_rows:
            out = out.sort_by([("mmsi", "ascending"), ("time", "ascending")])
        stats.rows = out.num_rows
        self.last_scan = stats
        return out.select(columns)

    def partitions(self, since=None, until=None, *, vessel_buckets=1):
        """Work units for a whole-archive job: every day in range, split into ``vessel_buckets``
        shares of its vessels by MMSI. A vessel's positions of a day are all in one partition.

        Each share reads the whole day's columns once (the parts are laid out by time and
        place, not by vessel), so use more than one bucket only when a day does not fit a
        worker's memory.
        """
        if vessel_buckets < 1:
            raise ValueError("vessel_buckets must be 1 or more")
        first = since.astimezone(timezone.utc).date() if since else None
        last = until.astimezone(timezone.utc).date() if until else None
        return [Partition(day, b, vessel_buckets) for day in self.days()
                if not ((first and day < first) or (last and day > last)) for b in range(vessel_buckets)]

    def read_partition(self, partition, *, columns=None):
        """The positions of one :class:`Partition`, ordered by (mmsi, time)."""
        columns = list(POSITION_SCHEMA.names if columns is None else columns)
        paths = sorted(p for p in self.day_dir(partition.day).glob("*.parquet") if _PART_RE.match(p.name))
        if not paths:
            return POSITION_SCHEMA.empty_table().select(columns)
        read_cols = list(dict.fromkeys(["mmsi", "time", *columns]))
        table = pa.concat_tables([pq.read_table(p, columns=read_cols) for p in paths])
        if partition.buckets > 1:
            mmsi = table.column("mmsi").to_numpy().astype(np.int64)
            table = table.filter(pa.array(mmsi % partition.buckets == partition.bucket))
        return table.sort_by([("mmsi", "ascending"), ("time", "ascending")]).select(columns)

    def summary(self):
        """Totals of the archive: days, parts, positions, bytes on disk, first and last day."""
        parts = self.parts()
        rows = sum(self._footer(p).num_rows for p in parts)
        days = self.days()
        return {"path": str(self.path), "days": len(days), "parts": len(parts), "positions": rows,
                "bytes": sum(p.stat().st_size for p in parts),
                "first_day": days[0].isoformat() if days else None,
                "last_day": days[-1].isoformat() if days else None}


def _boxes(bbox, within):
    """The query's boxes ``(minlon, minlat, maxlon, maxlat)`` with minlon <= maxlon; None for no box."""
    boxes = []
    if bbox is not None:
        minx, miny, maxx, maxy = (float(v) for v in bbox)
        if miny > maxy:
            raise InputError(f"box {bbox} has its minimum latitude above its maximum")
        if minx > maxx:
            boxes += [(minx, miny, 180.0, maxy), (-180.0, miny, maxx, maxy)]
        else:
            boxes.append((minx, miny, maxx, maxy))
    if within is not None:
        import shapely

        parts = shapely.get_parts(within)
        part_boxes = [tuple(b) for b in shapely.bounds(parts)] if len(parts) else []
        if boxes:
            # Both given: keep the pieces of the polygon's boxes inside the bbox.
            clipped = []
            for a in part_boxes:
                for b in boxes:
                    lo = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
                    if lo[0] <= lo[2] and lo[1] <= lo[3]:
                        clipped.append(lo)
            boxes = clipped
        else:
            boxes = part_boxes
        if not boxes:
            boxes = [(1.0, 1.0, 0.0, 0.0)]  # matches nothing
    return np.array(boxes, dtype=float).reshape(-1, 4) if boxes else None


def _stat(rg, i):
    s = rg.column(i).statistics
    if s is None or not s.has_min_max:
        return None, None
    lo, hi = s.min, s.max
    if isinstance(lo, datetime):
        # Statistics of a UTC timestamp column; a reader that hands them back naive means UTC too.
        lo, hi = (_ms(v if v.tzinfo else v.replace(tzinfo=timezone.utc)) for v in (lo, hi))
    return lo, hi


def _overlaps(rg, idx, since_ms, until_ms, boxes, wanted):
    lo, hi = _stat(rg, idx["time"])
    if lo is not None and (hi < since_ms or lo > until_ms):
        return False
    if boxes is not None:
        x0, x1 = _stat(rg, idx["lon"])
        y0, y1 = _stat(rg, idx["lat"])
        if x0 is not None and y0 is not None:
            hit = (boxes[:, 0] <= x1) & (boxes[:, 2] >= x0) & (boxes[:, 1] <= y1) & (boxes[:, 3] >= y0)
            if not hit.any():
                return False
    if wanted is not None:
        m0, m1 = _stat(rg, idx["mmsi"])
        if m0 is not None:
            i = np.searchsorted(wanted, m0)
            if i >= len(wanted) or wanted[i] > m1:
                return False
    return True


def _exact(table, since_ms, until_ms, boxes, wanted, within):
    ms = table.column("time").cast(pa.int64()).to_numpy()
    keep = (ms >= since_ms) & (ms <= until_ms)
    if boxes is not None:
        lon = table.column("lon").to_numpy()
        lat = table.column("lat").to_numpy()
        inside = np.zeros(len(keep), dtype=bool)
        for x0, y0, x1, y1 in boxes:
            inside |= (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
        keep &= inside
        if within is not None and keep.any():
            import shapely

            idx = np.flatnonzero(keep)
            keep[idx] = shapely.intersects_xy(within, lon[idx], lat[idx])
    if wanted is not None:
        keep &= np.isin(table.column("mmsi").to_numpy(), wanted)
    return keep


def open_archive(path, *, create=False):
    """Open the AIS archive folder at ``path``.

    Parameters
    ----------
    path : str or Path
    create : bool, keyword-only
        Accept a missing folder: it is made when positions are first written
        to it (so that an import refused while reading its file leaves no
        empty archive behind), and reads as empty until then. Else a missing
        folder is an :class:`~shipsight.errors.InputError`.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{path} is a file, not an AIS archive folder; name a folder with --ais")
    if not path.exists():
        if not create:
            raise InputError(f"no AIS archive at {path}; import AIS first with 'shipsight ais import FILE' "
                             "or name the archive with --ais / SHIPSIGHT_AIS")
    return Archive(path)


def default_archive_path(db, ais=None):
    """Where the AIS archive of a store lives: ``ais`` if given, else beside a SQLite store
    (``X.db`` -> ``X.ais``). A PostGIS store has no folder of its own: it needs ``ais``.

    >>> str(default_archive_path("team/log.db"))
    'team/log.ais'
    """
    if ais:
        return Path(ais)
    if str(db).startswith(("postgresql://", "postgres://")):
        raise InputError("a PostGIS store needs the AIS archive named: give --ais PATH (or set SHIPSIGHT_AIS) "
                         "to a folder every analyst's machine can reach")
    return Path(db).with_suffix(".ais")
