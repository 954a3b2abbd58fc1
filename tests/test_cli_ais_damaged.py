"""``shipsight ais import`` of damaged files: one line, exit 2, nothing written; and every row accounted for.

Every reader path (CSV, .gz, .zst, .zip, NMEA, NMEA .gz) is given a file the
test damages: cut short, corrupted, ragged, binary, in another encoding,
empty. Each must be refused on one line naming the file (and the row or line
where known) with exit code 2, and leave no archive folder behind, or an
existing archive byte-for-byte as it was and the store's imports unchanged.
"""

import gzip
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import shared

MC_HEADER = ("MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,"
             "Draft,Cargo,TransceiverClass")


def _sentence(payload, channel="A"):
    """An ``!AIVDM`` sentence of one fragment with its checksum (NMEA 0183: XOR of the characters)."""
    body = f"AIVDM,1,1,,{channel},{payload},0"
    checksum = 0
    for char in body.encode():
        checksum ^= char
    return f"!{body}*{checksum:02X}"


# Class A position reports (type 1): four ships, one sentence each.
NMEA = [_sentence(p, c) for p, c in [("13HOI:0P0000VOHLCnHQKwvL05Ip", "A"), ("15M67FC000G?ufbE`FepT@3n00Sa", "B"),
                                     ("15NG6V0P01G?cFhE`R2IU?wn28R>", "B"), ("15Mw1U001o8?T0jE`bdRc?vN0D0o", "A")]]


def mc_csv(n=400, seed=0, first_day=3):
    """A MarineCadastre-style day (two UTC days, in fact) of ``n`` rows as CSV text."""
    rng = np.random.default_rng(seed)
    rows = [MC_HEADER]
    for i in range(n):
        mmsi = 367000000 + int(rng.integers(0, 50))
        day, second = first_day + i * 2 // n, int(rng.integers(0, 86_400))
        rows.append(f"{mmsi},2022-01-{day:02d}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d},"
                    f"{rng.uniform(25, 45):.5f},{rng.uniform(-125, -70):.5f},{rng.uniform(0, 20):.1f},"
                    f"{rng.uniform(0, 360):.1f},511,VESSEL {mmsi % 1000},IMO0000000,WDC{mmsi % 10000},70,0,"
                    "120,20,8.0,70,A")
    return "\n".join(rows) + "\n"


def _zip(text, name="AIS_2022_01_03.csv"):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, text)
    return out.getvalue()


def _zstd(data):
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, "zstd") as stream:
        stream.write(data)
    return sink.getvalue().to_pybytes()


def _flip(data, start, count=64):
    out = bytearray(data)
    for i in range(start, start + count):
        out[i] ^= 0x5A
    return bytes(out)


def _damaged_inputs():
    text = mc_csv()
    raw = text.encode()
    lines = text.splitlines()
    gz = gzip.compress(raw)
    zipped = _zip(text)
    member_start = zipped.index(b"AIS_2022_01_03.csv") + len("AIS_2022_01_03.csv")
    ragged = lines[:]
    ragged[40] = ",".join(ragged[40].split(",")[:6])
    quoted = lines[:]
    quoted[40] = quoted[40].replace(",VESSEL", ',"VESSEL')
    latin = raw.replace(lines[7].encode(), lines[7].encode().replace(b"VESSEL", b"V\xc9SSEL"))
    nmea = "\n".join(NMEA * 5000).encode()  # more than the 64 KiB read to tell the format: cut while imported
    # name, bytes, what the one line must say
    return [
        ("cut.csv.gz", gz[: len(gz) * 2 // 3], "gzip data is cut short or damaged after line"),
        ("corrupt.csv.gz", _flip(gz, len(gz) // 2), "gzip data is cut short or damaged after line"),
        ("notgzip.csv.gz", raw, "gzip data is cut short or damaged"),
        ("cut.csv.zst", (z := _zstd(raw))[: len(z) // 2], "zstd data is cut short or damaged"),
        ("cut.zip", zipped[: len(zipped) // 2], "damaged or cut short"),
        ("corrupt.zip", _flip(zipped, member_start + 200), "zip data is cut short or damaged"),
        ("cut.csv", raw[: len(raw) - 40], f"row {len(lines)}: "),
        ("ragged.csv", "\n".join(ragged).encode() + b"\n", "row 41: 6 fields where the header has 17"),
        ("quote.csv", "\n".join(quoted).encode() + b"\n", "row 41: "),
        ("latin1.csv", latin, "row 8, field VesselName: text that is not UTF-8"),
        ("utf16.csv", text.encode("utf-16"), "UTF-16"),
        ("garbage.csv", np.random.default_rng(1).integers(0, 256, 20_000, dtype=np.uint8).tobytes(), "binary data"),
        ("empty.csv", b"", "is empty: no AIS in it"),
        ("header.csv", (MC_HEADER + "\n").encode(), "a header and no rows"),
        ("cut.nmea.gz", (g := gzip.compress(nmea))[: len(g) // 2], "gzip data is cut short or damaged after line"),
        ("garbage.nmea", b"!AIVDM" + np.random.default_rng(2).integers(0, 256, 5000, dtype=np.uint8).tobytes(),
         "binary data"),
    ]


DAMAGED = _damaged_inputs()


def snapshot(folder):
    """Every file and folder under ``folder`` with its bytes (None: the folder does not exist)."""
    folder = Path(folder)
    if not folder.exists():
        return None
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else "dir") for p in sorted(folder.rglob("*"))}


def refused(ais, *files, text):
    result = ais("ais", "import", *files, code=2)
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert Path(files[-1]).name in err and text in err, err
    return err


@pytest.mark.parametrize("name,data,text", DAMAGED, ids=[d[0] for d in DAMAGED])
def test_damaged_file_refused_on_one_line_and_nothing_written(ais, tmp_path, name, data, text):
    bad = tmp_path / name
    bad.write_bytes(data)
    # No archive yet: none is made.
    refused(ais, bad, text=text)
    assert not ais.folder.exists()
    # An archive with an import in it: byte for byte as it was, and the store's imports too.
    good = tmp_path / "good.csv"
    good.write_text(mc_csv(seed=7, first_day=3))
    ais("ais", "import", good)
    before, imports = snapshot(ais.folder), ais("ais", "imports", "--json").stdout
    assert before and any(k.endswith(".parquet") for k in before)
    refused(ais, bad, text=text)
    assert snapshot(ais.folder) == before
    assert ais("ais", "imports", "--json").stdout == imports
    # Given with a good file before it: neither is imported.
    other = tmp_path / "other.csv"
    other.write_text(mc_csv(seed=8, first_day=5))
    err = refused(ais, other, bad, text=text)
    assert "none of the 2 files was imported" in err
    assert snapshot(ais.folder) == before and ais("ais", "imports", "--json").stdout == imports


def test_truncated_gzip_says_where_it_breaks_off(ais, tmp_path):
    text = mc_csv(n=3000).encode()
    gz = gzip.compress(text)
    cut = tmp_path / "AIS_2022_01_03.csv.gz"
    cut.write_bytes(gz[: len(gz) * 2 // 3])
    intact = zlib_prefix(cut.read_bytes())
    err = refused(ais, cut, text="cut short")
    lines = intact.count(b"\n")
    assert f"after line {lines:,} (byte {len(intact):,} of its text" in err
    assert f"head -n {lines} > part.csv" in err


def zlib_prefix(data):
    """The text a gzip stream holds before it breaks off."""
    import zlib

    inflate = zlib.decompressobj(wbits=31)
    return inflate.decompress(data)


def test_nmea_cut_mid_sentence_imports_the_whole_sentences(ais, tmp_path):
    text = "\n".join(NMEA)
    cut = tmp_path / "cut.nmea"
    cut.write_text(text[: len(text) - 12])
    rec = json.loads(ais("ais", "import", cut, "--received-at", "2024-01-01T00:00:00Z", "--json").stdout)[0]
    assert rec["counts"]["broken"] == 1 and rec["counts"]["lines"] == 4
    assert rec["positions"] == 3 and rec["rows"] == rec["positions"] + sum(rec["not_recorded"].values())


def test_csv_without_final_line_break_warns_of_its_last_row(ais, tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text("mmsi,time,lon,lat\n273456780,2024-03-01T00:00:00Z,130.3,42.25\n"
                    "273456780,2024-03-01T01:00:00Z,130.3,42.2")
    result = ais("ais", "import", path)
    assert "does not end with a line break, so its last row (row 3) may be cut short" in result.stderr


def test_every_row_is_accounted_for(ais, tmp_path):
    header = "mmsi,time,lon,lat,sog"
    first = tmp_path / "first.csv"
    first.write_text(f"{header}\n273456780,2024-03-01T00:00:00Z,130.30000,42.25000,1\n")
    ais("ais", "import", first)
    rows = [f"273456780,2024-03-01T0{h}:00:00Z,130.3{h},42.25,1" for h in range(1, 8)]   # 7 recorded
    rows += [rows[0], rows[1]]                                            # 2 repeated exactly
    rows += ["273456780,2024-03-01T00:00:00Z,130.300001,42.25,1"]         # the first file's, more decimals
    rows += ["273456780,2024-03-01T09:00:00Z,181,91,1",                   # AIS's 'not available'
             "273456780,2024-03-01T09:00:00Z,,,1",
             "273456780,2024-03-01T10:00:00Z,-218.5,42.25,1",             # out of range
             ",2024-03-01T11:00:00Z,130.3,42.25,1"]                       # no MMSI
    second = tmp_path / "second.csv"
    second.write_text("\n".join([header, *rows]) + "\n")
    out = ais("ais", "import", second, "--json")
    rec = json.loads(out.stdout)[0]
    assert rec["rows"] == 14 and rec["positions"] == 7
    assert rec["not_recorded"] == {"duplicates": 2, "already_archived": 1, "no_position": 2, "invalid_position": 1,
                                   "invalid_mmsi": 1}
    assert rec["positions"] + sum(rec["not_recorded"].values()) == rec["rows"]
    # The summary line says the same: every row either recorded or said why not.
    third = tmp_path / "third.csv"
    third.write_text(second.read_text().replace("130.3", "131.3"))
    line = ais("ais", "import", third).stdout
    assert "14 rows -> 8 positions of 1 MMSI" in line   # the first file's row is new at 131.3
    assert ("6 rows not recorded: 2 duplicates (same MMSI, second and position as another report of the file), "
            "2 without a position") in line
    assert "1 with a longitude or latitude out of range, 1 with a blank or out-of-range MMSI" in line


def test_marinecadastre_day_accounts_for_its_three_missing_rows(ais):
    line = ais("ais", "import", shared("ais/marinecadastre/AIS_2022_01_03_first99999.csv.gz")).stdout
    # Three rows repeat another row's MMSI, second and position (two differ only in COG/heading).
    assert "99,999 rows -> 99,996 positions" in line
    assert "3 rows not recorded: 3 duplicates (same MMSI, second and position" in line


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(cut=st.floats(0.0, 1.0), gz=st.booleans())
def test_a_file_cut_anywhere_is_imported_whole_or_refused_leaving_nothing(tmp_path_factory, cut, gz):
    from shipsight.ais.archive import open_archive
    from shipsight.ais.imports import import_ais
    from shipsight.errors import InputError
    from shipsight.store import open_store

    folder = tmp_path_factory.mktemp("cut")
    data = mc_csv(n=200).encode()
    data = gzip.compress(data) if gz else data
    path = folder / ("feed.csv.gz" if gz else "feed.csv")
    path.write_bytes(data[: int(len(data) * cut)])
    store, archive = open_store(folder / "log.db"), open_archive(folder / "log.ais", create=True)
    try:
        results = import_ais(store, archive, [path], analyst="kim")
    except InputError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
        assert not archive.path.exists() and store.ais_imports().empty
    else:
        done = results[0]
        assert done.positions + sum(done.not_recorded().values()) == done.counts["rows"] > 0
    finally:
        store.close()
