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
        raise InputError(f"cannot read the file ({exc})", where=str(path)) from None


def header_of(path):
    """The first line of the CSV text of ``path``, as a list of column names."""
    with open_stream(path) as stream:
        head = stream.read(65536)
    text = bytes(head).decode("utf-8-sig", errors="replace")
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


def _locate_bad_value(path, mapping, types, exc):
    """Find the rows behind pyarrow's conversion error (it names no row) and refuse them."""
    import pyarrow.csv as pcsv

    table = pcsv.read_csv(open_stream(path), convert_options=pcsv.ConvertOptions(
        column_types={c: pa.string() for c in mapping.values()}, include_columns=list(mapping.values())))
    problems = []
    for column, typ in types.items():
        if pa.types.is_string(typ):
            continue
        text = table.column(column).to_pandas()
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
        raise InputError(f"cannot read the CSV ({exc}); check that it is comma-separated UTF-8",
                         where=str(path)) from None
    problems.sort()
    raise RowErrors(str(path), problems[:20]) from None


def sniff(path):
    """``("nmea", None)`` or ``("csv", layout)`` for a file, from its first lines; None if neither."""
    with open_stream(path) as stream:
        head = bytes(stream.read(65536))
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

