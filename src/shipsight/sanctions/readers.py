"""Reading a sanctions list file: which layout it is, and the reader for it.

Every reader returns the same frame, one row per listed vessel
(:data:`~shipsight.sanctions.records.COLUMNS`), with ``attrs["report"]``
saying what the file held besides (persons, companies, aircraft by kind;
IMO company numbers; placeholder identifiers; identifiers left out).
The layouts, by ``format`` name (:data:`FORMATS`):

============== =================================================================
ofac-sdn       OFAC's legacy ``sdn.csv`` (:mod:`shipsight.sanctions.ofac`)
ofac-xml       OFAC's ``SDN.XML`` or advanced XML ``SDN_ADVANCED.XML``
un             UN Security Council consolidated list XML (:mod:`.official`)
uk             UK Sanctions List, XML or CSV
eu             EU consolidated financial sanctions list, XML or CSV
opensanctions  OpenSanctions FtM JSON lines, ``targets.simple.csv``, ``maritime.csv``
csv            a plain CSV: ``name`` and any of ``id, imo, mmsi, call_sign, flag,
               program, aliases, former_names, listed_on, vessel_type...``
============== =================================================================

Example
-------
>>> df = read_list("sdn.csv")                                  # doctest: +SKIP
>>> df.loc[df.name == "ANGARA", ["entry_id", "imo"]].values     # doctest: +SKIP
array([['37059', '9179842']], dtype=object)
"""

import csv
import io
import re
from pathlib import Path

import pandas as pd

from shipsight.errors import InputError, RowErrors
from shipsight.io.formats import LIST_FORMAT_NAMES, LIST_FORMATS
from shipsight.model.identity import clean_imos, clean_mmsis
from shipsight.sanctions import official, ofac, opensanctions
from shipsight.sanctions.records import COLUMNS, entries_frame, new_report
from shipsight.sanctions.xmlread import root_name

FORMATS = LIST_FORMATS
_HEAD_BYTES = 65536


def supported():
    """One phrase naming every layout shipsight reads, for error messages."""
    return "; ".join(f"{name} ({what})" for name, what in LIST_FORMAT_NAMES.items())


def read_list(path, *, format="auto"):
    """Read a sanctions list into one row per listed vessel.

    Parameters
    ----------
    path : str or pathlib.Path
        The list file.
    format : str, keyword-only
        One of :data:`FORMATS` (see the module); ``"auto"`` tells them apart
        by content (XML root element, JSON, CSV header).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~shipsight.sanctions.records.COLUMNS` on a RangeIndex.
        ``entry_id`` is the list's own stable key (OFAC ent_num or profile id,
        UN reference number, UK unique id, EU reference number, OpenSanctions
        id, the CSV's ``id`` else its IMO else its name) and is unique.
        ``attrs``: ``source``, ``format`` (the one used), ``bad_imo``,
        ``report`` (see :func:`~shipsight.sanctions.records.entries_frame`).

    Raises
    ------
    InputError
        One line naming the file (and row where it helps) and how to mend it:
        missing, empty, binary or compressed file, a layout shipsight does
        not read (the message lists those it does), bad rows, no vessels.
        Bad rows of a plain CSV come together as :class:`~shipsight.errors.RowErrors`.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "mine.csv")
    >>> _ = open(p, "w").write("name,imo,program\\nANGARA,9179842,RUSSIA-EO14024\\n")
    >>> df = read_list(p)
    >>> df.loc[0, ["entry_id", "name", "imo"]].tolist(), bool(df.loc[0, "imo_valid"])
    (['9179842', 'ANGARA', '9179842'], True)
    """
    if format not in FORMATS:
        raise InputError(f"unknown list format {format!r}; use one of {', '.join(FORMATS)}")
    path = Path(path)
    head = _head(path)
    layout = _detect(head, path)[1] if format == "auto" else _layout(format, head)
    if layout == "ofac-csv":
        return ofac.read_sdn_csv(_text(path), path)
    if layout == "ofac-xml":
        return ofac.read_sdn_xml(path)
    if layout == "ofac-advanced":
        return ofac.read_advanced_xml(path)
    if layout == "un-xml":
        return official.read_un_xml(path)
    if layout == "uk-xml":
        return official.read_uk_xml(path)
    if layout == "uk-csv":
        return official.read_uk_csv(_text(path), path)
    if layout == "eu-xml":
        return official.read_eu_xml(path)
    if layout == "eu-csv":
        return official.read_eu_csv(_text(path), path)
    if layout == "os-json":
        return opensanctions.read_ftm_json(path)
    if layout == "os-simple":
        return opensanctions.read_simple_csv(_read_table(_text(path), path), path)
    if layout == "os-maritime":
        return opensanctions.read_maritime_csv(_read_table(_text(path), path), path)
    return _read_plain_csv(_text(path), path)


def bad_imo_count(entries):
    """How many listed primary IMO numbers fail their check digit.

    >>> bad_imo_count(pd.DataFrame({"imo": ["9179842", "9179843", None],
    ...                             "imo_valid": [True, False, False]}))
    1
    """
    return int((entries["imo"].notna() & ~entries["imo_valid"].astype(bool)).sum())


# ---------------------------------------------------------------- detection

def _head(path):
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except IsADirectoryError:
        raise InputError("is a folder, not a list file; name the file itself", where=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror}); check the path", where=str(path)) from None
    if head.startswith(b"\x1f\x8b") or head.startswith(b"PK\x03\x04"):
        raise InputError("is compressed (gzip or zip); unpack it and read the list inside", where=str(path))
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n\x1a"):
        raise InputError("is empty; download the list again", where=str(path))
    if b"\x00" in head:
        raise InputError(f"is binary, not a list shipsight reads; it reads {supported()}", where=str(path))
    return head


def _text(path):
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # OFAC has published sdn.csv in Latin-1; it decodes any byte, and
        # binary files were refused already by _head.
        return raw.decode("latin-1")


def _first_rows(head, n, delimiter=","):
    text = head.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    if len(head) == _HEAD_BYTES and lines:
        lines = lines[:-1]  # the last line may be cut short
    rows = []
    try:
        for row in csv.reader(lines, delimiter=delimiter):
            if row and any(cell.strip() for cell in row):
                rows.append(row)
            if len(rows) >= n:
                break
    except csv.Error:
        pass
    return rows


_XML_ROOTS = {"sdnList": ("ofac-xml", "ofac-xml"), "Sanctions": ("ofac-xml", "ofac-advanced"),
              "CONSOLIDATED_LIST": ("un", "un-xml"), "Designations": ("uk", "uk-xml"),
              "Designation": ("uk", "uk-xml"), "export": ("eu", "eu-xml")}


def _layout(format, head):
    """The layout of a file whose format the user named (its own reader then says what does not fit)."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    xml = stripped[:1] == b"<"
    if format == "ofac-sdn":
        return "ofac-csv"
    if format == "ofac-xml":
        return "ofac-advanced" if root_name(stripped) == "Sanctions" else "ofac-xml"
    if format in ("un", "uk", "eu"):
        return f"{format}-xml" if xml or format == "un" else f"{format}-csv"
    if format == "opensanctions":
        if stripped[:1] in (b"{", b"["):
            return "os-json"
        rows = _first_rows(head, 1)
        header = {c.strip().lower() for c in rows[0]} if rows else set()
        return "os-maritime" if {"type", "caption", "imo"} <= header else "os-simple"
    return "plain-csv"


def _detect(head, path):
    """(format name, layout) of a file from its first bytes."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] == b"<":
        root = root_name(stripped)
        if root in _XML_ROOTS:
            return _XML_ROOTS[root]
        raise InputError(f"is XML with root element <{root}>, which is not a list layout shipsight reads; "
                         f"it reads {supported()}", where=str(path))
    if stripped[:1] in (b"{", b"["):
        return "opensanctions", "os-json"
    rows = _first_rows(head, 20)
    if not rows:
        raise InputError("holds no rows; download the list again", where=str(path))
    for row in rows[:10]:
        cells = {c.strip() for c in row}
        if "Unique ID" in cells and ("Name 6" in cells or "Designation Type" in cells):
            return "uk", "uk-csv"
    semi = _first_rows(head, 1, delimiter=";")
    if semi and "Entity_LogicalId" in {c.strip() for c in semi[0]}:
        return "eu", "eu-csv"
    header = [cell.strip().lower() for cell in rows[0]]
    if {"type", "caption", "imo"} <= set(header):
        return "opensanctions", "os-maritime"
    if "schema" in header and "id" in header:
        return "opensanctions", "os-simple"
    if "name" in header:
        return "csv", "plain-csv"
    body = [r for r in rows if not (len(r) == 1 and r[0][:1] < " ")]
    if body and all(len(r) == 12 for r in body) and any("-0-" in c for r in body for c in r):
        return "ofac-sdn", "ofac-csv"
    raise InputError(f"is not a list layout shipsight can tell apart; it reads {supported()}. "
                     "For a list of your own add a header row with name, imo, mmsi, program", where=str(path))


# ---------------------------------------------------------------- plain CSV

_SYNONYMS = {
    "type": "vessel_type", "ship_type": "vessel_type", "gt": "gross_tonnage", "grt": "gross_tonnage",
    "dwt": "deadweight", "alias": "aliases", "former_name": "former_names", "previous_names": "former_names",
    "callsign": "call_sign", "call_signs": "call_sign", "notes": "remarks", "imos": "imo", "mmsis": "mmsi",
    "flags": "flag", "listing_date": "listed_on", "date_listed": "listed_on", "programs": "program",
}


def _read_table(text, path):
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise InputError("is empty; download or write the list again", where=str(path)) from None
    except pd.errors.ParserError as exc:
        detail = str(exc).strip().splitlines()[-1]
        raise InputError(f"is not a well-formed CSV ({detail}); fix that line", where=str(path)) from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    return table


def _split(text):
    return [part.strip() for part in re.split(r"[;|]", text or "") if part.strip()]


def _read_plain_csv(text, path):
    table = _read_table(text, path)
    table.columns = [_SYNONYMS.get(c, c) for c in table.columns]
    if "name" not in table.columns:
        raise InputError("has no 'name' column; add a header row with name, imo, mmsi, program", where=str(path))
    if table.columns.duplicated().any():
        dup = table.columns[table.columns.duplicated()][0]
        raise InputError(f"has two '{dup}' columns; keep one", where=str(path))
    if table.empty:
        raise InputError("has a header but no rows; add the listed vessels", where=str(path))
    rows = table.index.to_numpy() + 2
    get = lambda c: table[c].str.strip() if c in table.columns else pd.Series("", index=table.index)  # noqa: E731
    problems = [(int(r), "name", "blank name; every listed vessel needs one") for r in rows[(get("name") == "").to_numpy()]]
    cells = {c: [_split(v) for v in get(c)] for c in ("imo", "mmsi")}
    for column, clean, width, example in (("imo", clean_imos, "seven", "9179842"), ("mmsi", clean_mmsis, "nine",
                                                                                      "273123456")):
        flat = [(r, v) for r, values in zip(rows, cells[column]) for v in values]
        out = clean([v for _, v in flat])
        for (r, v), status in zip(flat, out.status):
            if status == "malformed":
                problems.append((int(r), column, f"{column.upper()} {v!r} is not {width} digits; write it as "
                                                 f"{example}, or leave it blank"))
    for column in ("gross_tonnage", "deadweight"):
        values = get(column)
        numbers = pd.to_numeric(values.str.replace(",", ""), errors="coerce")
        for r, v in zip(rows[(numbers.isna() & (values != "")).to_numpy()], values[numbers.isna() & (values != "")]):
            problems.append((int(r), column, f"{v!r} is not a number of tonnes"))
    if "id" in table.columns:
        for r in rows[(get("id") == "").to_numpy()]:
            problems.append((int(r), "id", "blank id; give every row an id or drop the id column"))
    records = []
    first_imo = clean_imos([values[0] if values else None for values in cells["imo"]])
    for i, row in enumerate(table.to_dict("records")):
        name = str(row.get("name", "")).strip()
        entry_id = str(row.get("id", "")).strip() if "id" in table.columns else (
            first_imo.values[i]) or name
        records.append({
            "entry_id": entry_id, "name": name, "imos": cells["imo"][i], "mmsis": cells["mmsi"][i],
            "call_signs": _split(row.get("call_sign", "")), "flags": _split(row.get("flag", "")),
            "aliases": _split(row.get("aliases", "")), "former_names": _split(row.get("former_names", "")),
            "programs": _split(row.get("program", "")), "vessel_type": row.get("vessel_type") or None,
            "gross_tonnage": row.get("gross_tonnage") or None, "deadweight": row.get("deadweight") or None,
            "listed_on": row.get("listed_on") or None, "remarks": row.get("remarks") or None,
        })
    first_row = {}
    key_field = "id" if "id" in table.columns else "imo/name"
    for r, record in zip(rows, records):
        key = record["entry_id"]
        if key and key in first_row:
            problems.append((int(r), key_field,
                             f"repeats {key!r} of row {first_row[key]}; give each row a distinct id column"))
        elif key:
            first_row[key] = int(r)
    if problems:
        raise RowErrors(str(path), sorted(problems))
    return entries_frame(records, source=path, format="csv", report=new_report("csv"))


__all__ = ["COLUMNS", "FORMATS", "bad_imo_count", "entries_frame", "read_list", "supported"]
