"""Sanctions list readers: OFAC sdn.csv, OpenSanctions JSON/CSV, plain CSV, bad files."""

import gzip
import hashlib
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipsight.errors import InputError, RowErrors
from shipsight.digest import sha256_file
from shipsight.sanctions import COLUMNS, bad_imo_count, parse_ofac_remarks, read_list

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
OFAC_REAL = SHARED / "sanctions" / "ofac_sdn_2024-05-03.csv"


@pytest.fixture(scope="module")
def ofac():
    if not OFAC_REAL.exists():
        pytest.skip(f"real OFAC list not found at {OFAC_REAL}; shared data absent")
    return read_list(OFAC_REAL)


def _row(df, entry_id):
    return df.set_index("entry_id").loc[entry_id]


# ---------------------------------------------------------------- real OFAC file
# Every figure in this block comes from shared/data/sanctions/ofac_sdn_2024-05-03.csv.

def test_real_ofac_vessel_rows_and_imos(ofac):
    assert ofac.attrs["format"] == "ofac-sdn"
    assert list(ofac.columns) == list(COLUMNS)
    assert len(ofac) == 851
    assert ofac["entry_id"].is_unique
    # 842 remarks carry "IMO nnnnnnn" with one space; two more have "IMO  nnnnnnn"
    # (CHIZHOVKA, MEKHANIK BRILIN) and two a bare 7-digit registration number
    # that passes the IMO check (RYONG GUN BONG 8606173, FU YUAN YU 8683 9894387).
    assert ofac["remarks"].str.contains(r"IMO \d{7}", regex=True, na=False).sum() == 842
    assert ofac["imo"].notna().sum() == 846
    assert _row(ofac, "37032")["imo"] == "8730455"
    assert _row(ofac, "17104")["imo"] == "8606173"
    # BONU 5's "Vessel Registration Identification 15411 (Malta)" is a national number, not an IMO
    assert _row(ofac, "23424")["imo"] is None
    assert bad_imo_count(ofac) == 0 == ofac.attrs["bad_imo"]
    assert ofac["mmsi"].notna().sum() == 154


def test_real_ofac_angara_and_sasco_angara(ofac):
    angara = _row(ofac, "37059")
    assert angara["name"] == "ANGARA"
    assert angara["imo"] == "9179842" and angara["imo_valid"]
    assert angara["program"] == "RUSSIA-EO14024"
    assert angara["flag"] == "Russia"
    assert angara["vessel_type"] == "Roll-on Roll-off"
    assert angara["gross_tonnage"] == 8811.0 and np.isnan(angara["deadweight"])
    assert angara["former_names"] == [] and angara["aliases"] == []
    assert "M LEASING LLC" in angara["remarks"]
    sasco = _row(ofac, "44245")
    assert (sasco["name"], sasco["imo"], sasco["call_sign"]) == ("SASCO ANGARA", "9242986", "UBUO6")


def test_real_ofac_former_names_aliases_tonnage(ofac):
    ark = _row(ofac, "15037")
    assert ark["name"] == "ARK III"
    assert ark["former_names"] == ["ABADEH", "CRYSTAL", "SUNDIAL", "ARK"]
    sea_star = _row(ofac, "15076")
    assert sea_star["aliases"] == ["YARD NO. 1220 SHANGHAI WAIGAOQIAO", "SEASTAR III"]
    assert sea_star["former_names"] == ["SAFE", "CARNATION", "SUNSHINE"]
    artavil = _row(ofac, "15036")
    assert artavil["mmsi"] == "572469210"
    # OFAC's "tonnage" column is the deadweight (99,144 t); "grt" the gross tonnage
    assert (artavil["deadweight"], artavil["gross_tonnage"]) == (99144.0, 56068.0)
    assert (ofac["former_names"].str.len() > 0).sum() == 22


def test_real_ofac_programs_cleaned(ofac):
    assert not ofac["program"].str.contains(r"[\[\]]", regex=True).any()
    assert (ofac["program"] == "IRAN; NPWMD; IFSR").sum() == 118
    assert (ofac["program"] == "RUSSIA-EO14024").sum() == 222


def test_real_ofac_digest_matches_hashlib():
    if not OFAC_REAL.exists():
        pytest.skip(f"real OFAC list not found at {OFAC_REAL}; shared data absent")
    assert sha256_file(OFAC_REAL) == hashlib.sha256(OFAC_REAL.read_bytes()).hexdigest()


# ---------------------------------------------------------------- fixtures per format

def test_ofac_fixture_latin1_eof_marker_and_bad_check_digit():
    df = read_list(DATA / "sanctions_ofac_small.csv")
    assert df.attrs["format"] == "ofac-sdn"
    assert df["entry_id"].tolist() == ["4243", "15076", "37059", "90001"]  # the company row is skipped
    senora = _row(df, "90001")
    assert senora["name"] == "SEÑORA DEL MAR"  # decoded from Latin-1
    assert senora["imo"] == "9179843" and not senora["imo_valid"]  # kept, marked
    assert senora["former_names"] == ["SENORITA"]
    assert senora["program"] == "IRAN; SDGT"
    assert senora["flag"] is None  # "None Identified"
    assert senora["mmsi"] == "572469210" and senora["call_sign"] == "9HXX1"
    assert _row(df, "4243")["former_names"] == ["ANA I", "SAND SWAN"]
    assert bad_imo_count(df) == 1 == df.attrs["bad_imo"]


def test_ofac_utf8_reads_the_same(tmp_path):
    latin = (DATA / "sanctions_ofac_small.csv").read_bytes()
    path = tmp_path / "sdn_utf8.csv"
    path.write_bytes(latin.decode("latin-1").encode("utf-8"))
    df = read_list(path, format="ofac-sdn")
    assert _row(df, "90001")["name"] == "SEÑORA DEL MAR"


def test_opensanctions_json_lines():
    df = read_list(DATA / "sanctions_opensanctions.jsonl")
    assert df.attrs["format"] == "opensanctions"
    assert df["entry_id"].tolist() == ["ofac-37059", "ofac-44245", "eu-fake-1", "nested-1"]
    angara = _row(df, "ofac-37059")
    assert angara["imo"] == "9179842" and angara["mmsi"] == "273456780"
    assert angara["aliases"] == ["ANGARA I"]
    assert angara["former_names"] == ["HALIT BEY"]  # its own name is not a former name
    assert angara["program"] == "US-RUSSIA-EO14024"
    assert (angara["flag"], angara["call_sign"], angara["gross_tonnage"]) == ("ru", "UBCR6", 8811.0)
    sasco = _row(df, "ofac-44245")
    assert sasco["program"] == "RUSSIA-EO14024"  # from the separate Sanction entity
    assert sasco["deadweight"] == 6600.0 and "tonnage 5000" in sasco["remarks"]
    bad = _row(df, "eu-fake-1")
    assert bad["imo"] == "9179843" and not bad["imo_valid"]
    assert _row(df, "nested-1")["program"] == "IRAN"  # nested sanction
    assert _row(df, "nested-1")["aliases"] == ["SEASTAR III"]


def test_opensanctions_json_array(tmp_path):
    lines = (DATA / "sanctions_opensanctions.jsonl").read_text().split("\n")
    path = tmp_path / "entities.json"
    path.write_text("[\n" + ",\n".join(x for x in lines if x.strip()) + "\n]\n")
    df = read_list(path)
    assert len(df) == 4 and _row(df, "ofac-44245")["program"] == "RUSSIA-EO14024"


def test_opensanctions_simple_csv():
    df = read_list(DATA / "sanctions_opensanctions_simple.csv")
    assert df.attrs["format"] == "opensanctions"
    assert df["entry_id"].tolist() == ["ofac-37059", "ofac-15076", "x-bad"]  # the Person is skipped
    angara = _row(df, "ofac-37059")
    assert (angara["imo"], angara["mmsi"], angara["flag"]) == ("9179842", "273456780", "ru")
    assert angara["aliases"] == ["ANGARA I", "HALIT BEY"]
    assert angara["program"] == "RUSSIA-EO14024"
    sea_star = _row(df, "ofac-15076")
    assert sea_star["aliases"] == ["SEASTAR; III", "SAFE", "CARNATION"]  # a quoted ';' survives
    assert sea_star["flag"] is None and "ir; pa" in sea_star["remarks"]
    assert sea_star["imo"] == "9569205"
    assert not _row(df, "x-bad")["imo_valid"]


def test_plain_csv():
    df = read_list(DATA / "sanctions_plain.csv")
    assert df.attrs["format"] == "csv"
    assert df["entry_id"].tolist() == ["9179842", "9242986", "9179843", "NAMELESS IMO"]
    angara = _row(df, "9179842")
    assert angara["former_names"] == ["HALIT BEY", "ANGARA II"]
    assert angara["gross_tonnage"] == 8811.0 and np.isnan(angara["deadweight"])
    assert _row(df, "9242986")["mmsi"] == "273123456"
    typo = _row(df, "9179843")
    assert not typo["imo_valid"] and typo["aliases"] == ["TYPO", "T SHIP"]
    assert df.attrs["bad_imo"] == 1
    nameless = _row(df, "NAMELESS IMO")
    assert nameless["imo"] is None and not nameless["imo_valid"]


def test_plain_csv_id_column_and_synonyms(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("ID,Name,IMO,DWT,Type\nA-1,Angara,9179842,\"5,000\",ro-ro\nA-2,Angara,,,\n")
    df = read_list(path)
    assert df["entry_id"].tolist() == ["A-1", "A-2"]
    assert df["deadweight"].iloc[0] == 5000.0 and df["vessel_type"].iloc[0] == "ro-ro"


def test_explicit_format_must_fit(tmp_path):
    with pytest.raises(InputError, match=r"has 10 columns where OFAC's sdn.csv has 12"):
        read_list(DATA / "sanctions_plain.csv", format="ofac-sdn")
    with pytest.raises(InputError, match="unknown list format 'xml'"):
        read_list(DATA / "sanctions_plain.csv", format="xml")
    with pytest.raises(InputError, match="lacks column"):
        read_list(DATA / "sanctions_plain.csv", format="opensanctions")


# ---------------------------------------------------------------- bad files

def _one_line_error(path, match, **kw):
    with pytest.raises(InputError, match=match) as info:
        read_list(path, **kw)
    message = str(info.value)
    assert "\n" not in message
    assert str(Path(path).name) in message
    return info.value


@pytest.mark.parametrize(
    "name, content, match",
    [
        ("empty.csv", b"", "is empty"),
        ("blank.csv", b"  \r\n\n", "is empty"),
        ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is binary"),
        ("list.csv.gz", gzip.compress(b"name,imo\nX,9179842\n"), "compressed"),
        ("semicolons.csv", b"a;b;c\n1;2;3\n", "not a list layout"),
        ("header_only.csv", b"name,imo,mmsi\n", "header but no rows"),
        ("no_vessels.csv", b'36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a',
         "no vessel rows"),
        ("people.jsonl", b'{"id": "Q1", "schema": "Person", "properties": {"name": ["X"]}}\n', "no Vessel entities"),
        ("cut.jsonl", b'{"id": "v1", "schema": "Vessel", "properties": {"name": ["X"]}}\n{"id": "v2", "schema": "Vessel", "prop\n',
         r"line 2.*not valid JSON"),
        ("junk.jsonl", b'{"id": "v1", "schema": "Vessel", "properties": {"name": ["X"]}}\nhello\n', r"line 2.*not a JSON object"),
        ("nameless.jsonl", b'{"id": "v1", "schema": "Vessel", "properties": {}}\n', r"line 1.*no name"),
        ("os_people.csv", b"id,schema,name\nQ1,Person,X\n", "no rows with schema Vessel"),
        ("ragged.csv", b"name,imo\nA,9179842\nB,9179842,extra,more\n", "not a well-formed CSV"),
    ],
)
def test_bad_files_raise_one_line(tmp_path, name, content, match):
    path = tmp_path / name
    path.write_bytes(content)
    _one_line_error(path, match)


def test_ofac_short_row_names_the_row(tmp_path):
    text = (DATA / "sanctions_ofac_small.csv").read_bytes().decode("latin-1").split("\r\n")
    text.insert(2, '4249,"TIFON","vessel","CUBA",-0- ,"CL2059","Tug",-0- ,"189","Cuba"')
    path = tmp_path / "sdn.csv"
    path.write_bytes("\r\n".join(text).encode("latin-1"))
    error = _one_line_error(path, "has 10 columns", format="ofac-sdn")
    assert "row 3" in str(error)


def test_missing_file_and_folder(tmp_path):
    _one_line_error(tmp_path / "nope.csv", "cannot read the file")
    with pytest.raises(InputError, match="is a folder"):
        read_list(tmp_path)
    with pytest.raises(InputError, match="cannot read the file"):
        sha256_file(tmp_path / "nope.csv")


def test_plain_csv_reports_every_bad_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "name,imo,mmsi,gross_tonnage\n"
        "GOOD,9179842,,\n"
        ",9242986,,\n"                    # row 3: blank name
        "SHORT IMO,12345,,\n"             # row 4: IMO not seven digits
        "BAD MMSI,,27312,\n"              # row 5
        "HEAVY,,,lots\n"                  # row 6
        "GOOD AGAIN,9179842,,\n"          # row 7: repeats the key of row 2
    )
    with pytest.raises(RowErrors) as info:
        read_list(path)
    problems = info.value.problems
    assert [(row, field) for row, field, _ in problems] == [
        (3, "name"), (4, "imo"), (5, "mmsi"), (6, "gross_tonnage"), (7, "imo/name"),
    ]
    message = str(info.value)
    assert "row 3, field name" in message and "4 more bad rows" in message and "\n" not in message


# ---------------------------------------------------------------- the remark parser

def test_remark_parser_patterns():
    r = parse_ofac_remarks(
        "Former Vessel Flag Malta; alt. Former Vessel Flag Tuvalu; Identification Number IMO 9339301; "
        "MMSI 572469210; alt. a.k.a. 'KING'S PRIDE'; n.k.a. \"NEW ONE\"; Former Vessel Name OLD ONE; "
        "Linked To: IMO 1234567 SHIPPING LLC."
    )
    assert r == {"imo": "9339301", "mmsi": "572469210", "imos": ["9339301"], "mmsis": ["572469210"],
                 "aliases": ["KING'S PRIDE", "NEW ONE"], "former_names": ["OLD ONE"], "flags": [], "call_signs": []}
    assert parse_ofac_remarks(None) == {"imo": None, "mmsi": None, "imos": [], "mmsis": [], "aliases": [],
                                        "former_names": [], "flags": [], "call_signs": []}
    # several numbers of one kind are all kept
    two = parse_ofac_remarks("Vessel Registration Identification IMO 9179842; alt. Vessel Registration "
                             "Identification IMO 9417127; MMSI 445111000; alt. MMSI 457222000; "
                             "alt. Vessel Flag Mongolia; Other Vessel Call Sign JVXX2")
    assert two["imos"] == ["9179842", "9417127"] and two["mmsis"] == ["445111000", "457222000"]
    assert two["flags"] == ["Mongolia"] and two["call_signs"] == ["JVXX2"]
    # 8 digits is not an IMO; a bare 7-digit registration that fails the check digit is not taken
    assert parse_ofac_remarks("IMO 91798420")["imo"] is None
    assert parse_ofac_remarks("Vessel Registration Identification 9179843")["imo"] is None
    assert parse_ofac_remarks("Vessel Registration Identification 9179842.")["imo"] == "9179842"


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_remark_parser_never_crashes(text):
    r = parse_ofac_remarks(text)
    assert set(r) == {"imo", "mmsi", "imos", "mmsis", "aliases", "former_names", "flags", "call_signs"}
    assert r["imo"] is None or re.fullmatch(r"\d{7}", r["imo"])
    assert r["mmsi"] is None or re.fullmatch(r"\d{9}", r["mmsi"])
    assert all(isinstance(n, str) and n for n in r["aliases"] + r["former_names"])


_NAME = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -", min_size=1, max_size=20).map(str.strip).filter(bool)


@given(imo=st.from_regex(r"\A[1-9]\d{6}\Z"), aka=st.lists(_NAME, max_size=3, unique=True),
       fka=st.lists(_NAME, max_size=3, unique=True))
@settings(max_examples=150, deadline=None)
def test_remark_parser_reads_back_what_was_written(imo, aka, fka):
    parts = [f"Vessel Registration Identification IMO {imo}"]
    parts += [f"a.k.a. '{a}'" for a in aka] + [f"alt. f.k.a. '{f}'" for f in fka]
    parts.append("Linked To: SOMEONE LLC")
    r = parse_ofac_remarks("; ".join(parts) + ".")
    assert (r["imo"], r["aliases"], r["former_names"]) == (imo, aka, fka)
