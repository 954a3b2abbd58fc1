"""AIS as CSV: MarineCadastre's two layouts and a plain layout, read by pyarrow in blocks.

=====================  ==========================================================
layout                 header (the columns used)
=====================  ==========================================================
``marinecadastre``     ``MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,
                       CallSign,VesselType,Status,Length,...`` (2009-2023 files)
``marinecadastre2025``  ``mmsi,base_date_time,longitude,latitude,sog,cog,heading,
                       vessel_name,imo,call_sign,vessel_type,status,length,...``
``plain``              ``mmsi,time,lon,lat`` and any of ``sog,cog,heading,name,imo,
                       call_sign,ship_type,length_m``
=====================  ==========================================================

MarineCadastre times carry no zone: the format defines them as UTC
("BaseDateTime: full UTC date and time", MarineCadastre AIS data dictionary),
so they are read as UTC. A plain file's times need a zone, or ``tz`` naming it.
Files may be ``.csv``, ``.csv.gz``, ``.csv.zst`` or a ``.zip`` holding one CSV.

Each row is a position; a row whose file has static columns is also an
identity statement (every field carried: a blank is "not known", not "not
sent"). A value that does not parse as its type is a malformed file: refused
with its row and column. Positions AIS marks unavailable (blank, lon 181,
lat 91) are dropped and counted as ``no_position``; coordinates outside
+-180 / +-90 otherwise (-218, 95) are wrong values, dropped and counted apart
as ``invalid_position`` (and a row whose MMSI is blank or out of range as
``invalid_mmsi``), so that the import warns of them.
"""

import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from shipsight.errors import InputError, RowErrors

#: Canonical column -> source column, per layout.
LAYOUTS = {
    "marinecadastre": {"mmsi": "MMSI", "time": "BaseDateTime", "lat": "LAT", "lon": "LON", "sog": "SOG",
                       "cog": "COG", "heading": "Heading", "name": "VesselName", "imo": "IMO",
                       "call_sign": "CallSign", "ship_type": "VesselType", "nav_status": "Status",
                       "length_m": "Length"},
    "marinecadastre2025": {"mmsi": "mmsi", "time": "base_date_time", "lat": "latitude", "lon": "longitude",
                           "sog": "sog", "cog": "cog", "heading": "heading", "name": "vessel_name", "imo": "imo",
                           "call_sign": "call_sign", "ship_type": "vessel_type", "nav_status": "status",
                           "length_m": "length"},
    "plain": {c: c for c in ("mmsi", "time", "lon", "lat", "sog", "cog", "heading", "name", "imo", "call_sign",
                             "ship_type", "length_m", "nav_status")},
}
REQUIRED = ("mmsi", "time", "lon", "lat")
STATIC = ("name", "imo", "call_sign", "ship_type", "length_m")
_TYPES = {"mmsi": pa.int64(), "lat": pa.float64(), "lon": pa.float64(), "sog": pa.float64(), "cog": pa.float64(),
          "heading": pa.float64(), "name": pa.string(), "imo": pa.string(), "call_sign": pa.string(),
          "ship_type": pa.string(), "nav_status": pa.float64(), "length_m": pa.float64()}
#: Bytes of CSV parsed per block: memory stays bounded whatever the file's size.
BLOCK_BYTES = 64 << 20
#: What a damaged or cut-short compressed file (or a zip member) raises while it is read.
STREAM_ERRORS = (OSError, EOFError, zlib.error, zipfile.BadZipFile)


def open_stream(path):
    """A binary stream of the CSV text of ``path`` (.csv, .gz, .zst, or a .zip of one CSV)."""
    path = Path(path)
    name = path.name.lower()
    try:
        if name.endswith(".zip"):
            archive = zipfile.ZipFile(path)
            members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
            if len(members) != 1:
                raise InputError(f"the zip holds {len(members)} CSV files; AIS zips hold one (unzip it and "
                                 "import the CSV files)", where=str(path))
            return archive.open(members[0])
        if name.endswith(".gz"):
            return pa.CompressedInputStream(pa.OSFile(str(path)), "gzip")
        if name.endswith(".zst"):
            return pa.CompressedInputStream(pa.OSFile(str(path)), "zstd")
        return pa.OSFile(str(path))
    except (OSError, zipfile.BadZipFile) as exc:
        mend = "; it is damaged or cut short: fetch it again" if name.endswith((".zip", ".gz", ".zst")) else ""
        raise InputError(f"cannot read the file ({exc}){mend}", where=str(path)) from None
    except NotImplementedError as exc:  # a zip compression method Python's zipfile lacks (deflate64...)
        raise InputError(f"cannot read the zip ({exc}); unzip it with another tool and import the CSV",
                         where=str(path)) from None


def _head(path):
    """The first 64 KiB of the CSV text of ``path``, or an InputError saying the file is damaged."""
    with open_stream(path) as stream:
        try:
            return bytes(stream.read(65536))
        except STREAM_ERRORS as exc:
            raise damaged(path, exc) from None


def damaged(path, exc):
    """The :class:`InputError` for a compressed file (or zip) that breaks off or is damaged: where
    (the lines of text intact before it, found by reading the file again) and how to mend it."""
    path = Path(path)
    lines = size = 0
    for chunk in _intact_text(path):
        lines += chunk.count(b"\n")
        size += len(chunk)
    kind = {".gz": "gzip", ".zst": "zstd", ".zip": "zip"}.get(path.suffix.lower(), "file")
    keep = (f", or keep the {lines:,} lines before it: gzip -dc {path.name} | head -n {lines} > part{Path(path.stem).suffix}"
            if kind == "gzip" and lines > 1 else "")
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return InputError(f"the {kind} data is cut short or damaged after line {lines:,} (byte {size:,} of its text: "
                      f"{reason}); the file is damaged or incomplete (a download cut short?): fetch it again{keep}",
                      where=str(path))


def _intact_text(path):
    """The text of a compressed file up to where it breaks off, in chunks (to the byte for gzip,
    read with zlib itself; within 8 KiB otherwise)."""
    try:
        if path.suffix.lower() == ".gz":
            with open(path, "rb") as fh:
                inflate = zlib.decompressobj(wbits=31)
                while data := fh.read(1 << 16):
                    while data:
                        yield inflate.decompress(data)
                        # A gzip file may be several members one after another.
                        data = inflate.unused_data
                        if data:
                            inflate = zlib.decompressobj(wbits=31)
            return
        with open_stream(path) as stream:
            while chunk := bytes(stream.read(8192)):
                yield chunk
    except (*STREAM_ERRORS, InputError):
        return


def refuse_unreadable(path):
    """Raise :class:`InputError` when the head of ``path`` is binary data or UTF-16 text rather
    than the UTF-8 (or ASCII) text of NMEA and CSV; else return None."""
    head = _head(path)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(head) > 16 and head[1:200:2].count(0) > len(head[1:200:2]) // 2):
        raise InputError("the file is UTF-16 text; AIS files are read as UTF-8: convert it, e.g. "
                         f"iconv -f UTF-16 -t UTF-8 {Path(path).name} > converted.csv", where=str(path))
    bytes_seen = np.bincount(np.frombuffer(head, np.uint8), minlength=256)
    control = int(bytes_seen[:32].sum() - bytes_seen[[9, 10, 13]].sum())
    if head and control > len(head) // 10:
        raise InputError(f"binary data, not text ({control:,} control bytes in its first {len(head):,}): not an AIS "
                         "NMEA or CSV file (a compressed file needs its .gz, .zst or .zip suffix)", where=str(path))


def header_of(path):
    """The first line of the CSV text of ``path``, as a list of column names."""
    text = _head(path).decode("utf-8-sig", errors="replace")
    return [c.strip() for c in text.splitlines()[0].split(",")] if text.strip() else []


def csv_layout(columns):
    """The layout whose columns a header holds, or None.

    >>> csv_layout(["MMSI", "BaseDateTime", "LAT", "LON"]), csv_layout(["mmsi", "time", "lat", "lon"])
    ('marinecadastre', 'plain')
    """
    names = set(columns)
    for layout in ("marinecadastre", "marinecadastre2025", "plain"):
        if all(LAYOUTS[layout][c] in names for c in REQUIRED):
            return layout
    return None


def read_csv_ais(path, *, layout, tz=None, counts, block_bytes=BLOCK_BYTES):
    """Read an AIS CSV in blocks: yields ``(positions, statements)`` like :func:`~shipsight.ais.nmea.read_nmea`.

    Raises
    ------
    InputError
        A value that does not parse (with its row and column), a plain file's
        time without a zone and no ``tz``.
    """
    import pyarrow.csv as pcsv

    from shipsight.ais.archive import positions_table
    from shipsight.ais.fields import cog_degrees, heading_degrees, sog_knots

    columns = header_of(path)
    mapping = {k: v for k, v in LAYOUTS[layout].items() if v in columns}
    marine = layout != "plain"
    types = {mapping[k]: _TYPES[k] for k in mapping if k != "time"}
    types[mapping["time"]] = pa.timestamp("s") if marine else pa.string()
    convert = pcsv.ConvertOptions(column_types=types, include_columns=list(mapping.values()),
                                  strings_can_be_null=False, quoted_strings_can_be_null=False)
    read = pcsv.ReadOptions(block_size=block_bytes)
    has_static = [k for k in STATIC if k in mapping]
    row0 = 2
    try:
        reader = pcsv.open_csv(open_stream(path), read_options=read, convert_options=convert)
        for batch in reader:
            frame = {k: batch.column(mapping[k]) for k in mapping}
            n = batch.num_rows
            counts["rows"] += n
            if marine:
                ms = frame["time"].cast(pa.int64()).to_numpy(zero_copy_only=False) * 1000
                bad_time = np.asarray(frame["time"].is_null())
            else:
                from shipsight.model.times import to_utc_series

                times, bad_time = to_utc_series(frame["time"].to_pandas(), tz=tz)
                ms = times.to_numpy("datetime64[ms]").astype(np.int64)
                if bad_time.any():
                    _refuse_times(path, frame["time"].to_pandas(), bad_time, row0, tz)
            if marine and bad_time.any():
                raise RowErrors(str(path), [(row0 + int(i), mapping["time"], "blank time")
                                            for i in np.flatnonzero(bad_time)[:20]])
            mmsi = _numbers(frame["mmsi"], n)
            lon, lat = _numbers(frame["lon"], n), _numbers(frame["lat"], n)
            good_mmsi = (mmsi >= 0) & (mmsi < 2**31)
            # Blank, or ITU-R M.1371's "not available" (181 east, 91 north): no position. Anything else
            # outside +-180 / +-90 is a wrong value, counted apart so that it is not taken for a gap.
            absent = np.isnan(lon) | np.isnan(lat) | (lon == 181) | (lat == 91)
            ok = ~absent & (np.abs(lon) <= 180) & (np.abs(lat) <= 90) & good_mmsi
            counts["no_position"] += int((absent & good_mmsi).sum())
            counts["invalid_position"] += int((~absent & ~ok & good_mmsi).sum())
            counts["invalid_mmsi"] += int((~good_mmsi).sum())
            counts["timed"] += int(ok.sum())
            sel = np.flatnonzero(ok)
            kin = {k: _numbers(frame[k], n)[sel] if k in frame else None for k in ("sog", "cog", "heading")}
            status = _numbers(frame["nav_status"], n)[sel] if "nav_status" in frame else None
            positions = positions_table(
                mmsi=mmsi[sel], time=ms[sel], lon=lon[sel], lat=lat[sel],
                sog=None if kin["sog"] is None else sog_knots(kin["sog"]),
                cog=None if kin["cog"] is None else cog_degrees(kin["cog"]),
                heading=None if kin["heading"] is None else heading_degrees(kin["heading"]),
                nav_status=None if status is None else pd.array(
                    np.where((status >= 0) & (status <= 15), status, np.nan), dtype="Float64").astype("Int8"))
            counts["positions"] += positions.num_rows
            statements = None
            if has_static:
                keep = pa.array((mmsi >= 0) & (mmsi < 2**31))
                st = {"time": pa.array(ms), "mmsi": pa.array(mmsi), "msg_type": pa.array(np.zeros(n, np.int8))}
                for k in STATIC:
                    if k not in frame:
                        st[k] = pa.nulls(n)
                    elif k == "length_m":
                        st[k] = pa.array(np.nan_to_num(_numbers(frame[k], n), nan=0.0))
                    else:
                        st[k] = frame[k]
                statements = pa.table(st).filter(keep)
                counts["statics"] += statements.num_rows
            row0 += n
            yield positions, statements
    except pa.ArrowInvalid as exc:
        _locate_bad_value(path, mapping, types, exc)
    except STREAM_ERRORS as exc:
        raise damaged(path, exc) from None
    if not counts["rows"]:
        raise InputError("the file has a header and no rows under it: nothing to import", where=str(path))
    if _ends_mid_line(path):
        counts["no_final_newline"] = 1
        counts["last_row"] = row0 - 1


def _numbers(column, n):
    """A numeric arrow column as float64 numpy with NaN for nulls (int64 for the MMSI)."""
    if pa.types.is_integer(column.type):
        return column.fill_null(-1).to_numpy().astype(np.int64)
    return column.to_numpy(zero_copy_only=False).astype(np.float64)


def _refuse_times(path, values, bad, row0, tz):
    from shipsight.model.times import to_utc_series

    rows = np.flatnonzero(bad)[:20]
    # A time that reads once given a zone lacks only the zone; any other is unreadable.
    zoneless = ~np.asarray(to_utc_series(values.iloc[rows], tz="UTC")[1]) if tz is None else np.zeros(len(rows), bool)
    problems = []
    for i, no_zone in zip(rows, zoneless):
        text = values.iloc[i]
        reason = ("blank time" if text is None or not str(text).strip() else
                  f"time {text!r} has no zone; add one (2024-03-01T09:30:00Z) or say which with --tz" if no_zone
                  else f"time {text!r} is not ISO 8601; write it as 2024-03-01T09:30:00Z")
        problems.append((row0 + int(i), "time", reason))
    raise RowErrors(str(path), problems)


def _ends_mid_line(path):
    """True when an uncompressed CSV does not end with a line break (its last row may be cut short)."""
    if Path(path).suffix.lower() != ".csv":
        return False  # a compressed file cut short fails its check: see damaged()
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        if not fh.tell():
            return False
        fh.seek(-1, 2)
        return fh.read(1) not in (b"\n", b"\r")


def _locate_bad_value(path, mapping, types, exc):
    """Find the rows behind pyarrow's error (it names no row) and refuse them.

    The file is read again, single-threaded so that pyarrow numbers the rows,
    every column as bytes: a row of the wrong width (a file cut mid-line, an
    unquoted comma) is refused first, then text that is not UTF-8, then values
    that do not parse as their type. Found nothing: pyarrow's own message.
    """
    import pyarrow.csv as pcsv

    ragged = []

    def on_ragged(row):
        ragged.append((row.number, row.actual_columns, row.expected_columns, row.text))
        return "skip"

    columns = list(mapping.values())
    try:
        reader = pcsv.open_csv(open_stream(path), read_options=pcsv.ReadOptions(use_threads=False),
                               parse_options=pcsv.ParseOptions(invalid_row_handler=on_ragged),
                               convert_options=pcsv.ConvertOptions(column_types={c: pa.binary() for c in columns},
                                                                   include_columns=columns))
        batches = list(reader)
    except STREAM_ERRORS as err:
        raise damaged(path, err) from None
    except pa.ArrowInvalid as err:
        # Not a row pyarrow can number: an unclosed quote, a line longer than a block.
        raise InputError(f"cannot read the CSV ({' '.join(str(err).split())}); check that it is comma-separated "
                         "UTF-8 with one header line and balanced quotes", where=str(path)) from None
    if ragged:
        number, got, want, text = ragged[0]
        rows = sum(b.num_rows for b in batches) + len(ragged) + 1
        last = number == rows
        more = f" (and {len(ragged) - 1:,} more rows of the wrong width)" if len(ragged) > 1 else ""
        if text.count('"') % 2:
            mend = "a quote opened in this row is never closed, so the row runs on: close or remove it"
        elif last and len(ragged) == 1:
            mend = "the file ends mid-line, cut short: fetch it again, or delete the last line to import the rows before it"
        else:
            mend = "a field holds an unquoted comma or the row lost fields: quote or mend it"
        raise InputError(f"{got} fields where the header has {want}{more}; {mend}",
                         where=f"{path}, row {number}") from None
    table = pa.concat_tables([pa.Table.from_batches([b]) for b in batches]) if batches else None
    if table is None:
        raise InputError(f"cannot read the CSV ({' '.join(str(exc).split())})", where=str(path)) from None
    problems = []
    for column in columns:
        raw = table.column(column)
        try:
            text = raw.cast(pa.string()).to_pandas()
        except pa.ArrowInvalid:
            row = next(i for i, v in enumerate(raw.to_pylist()) if v is not None and not _is_utf8(v))
            raise InputError(f"text that is not UTF-8 ({raw[row].as_py()[:40]!r}); the file is in another "
                             "encoding: convert it, e.g. iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE.utf8.csv",
                             where=f"{path}, row {row + 2}, field {column}") from None
        typ = types.get(column, pa.string())
        if pa.types.is_string(typ):
            continue
        blank = text.isna() | (text.str.strip() == "")
        if pa.types.is_timestamp(typ):
            parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
        else:
            parsed = pd.to_numeric(text, errors="coerce")
            if pa.types.is_integer(typ):
                parsed = parsed.where(parsed == parsed.round())
        for i in np.flatnonzero((parsed.isna() & ~blank).to_numpy())[:20]:
            problems.append((int(i) + 2, column, f"{text.iloc[i]!r} is not a {'time' if pa.types.is_timestamp(typ) else 'number'}"))
    if not problems:
        raise InputError(f"cannot read the CSV ({' '.join(str(exc).split())}); check that it is comma-separated UTF-8",
                         where=str(path)) from None
    problems.sort()
    raise RowErrors(str(path), problems[:20]) from None


def _is_utf8(data):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff(path):
    """``("nmea", None)`` or ``("csv", layout)`` for a file, from its first lines; None if neither."""
    head = _head(path)
    if head[:2] == b"\x1f\x8b" and not str(path).lower().endswith(".gz"):
        return None
    text = head.decode("utf-8-sig", errors="replace")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if any(ln[:1] in ("!", "\\", "$") for ln in lines[:50]):
        return "nmea", None
    if lines:
        layout = csv_layout([c.strip() for c in lines[0].split(",")])
        if layout:
            return "csv", layout
    return None

