"""Readers of sanctions lists: OFAC's sdn.csv, OpenSanctions, plain CSV.

Every reader returns the same frame, one row per listed vessel, with the
columns in :data:`COLUMNS`. An IMO number whose check digit fails is kept and
marked ``imo_valid = False``: the list says what it says, and the analyst must
see it.

Example
-------
>>> df = read_list("sdn.csv")                                  # doctest: +SKIP
>>> df.loc[df.name == "ANGARA", ["entry_id", "imo"]].values     # doctest: +SKIP
array([['37059', '9179842']], dtype=object)
"""

import csv
import io
import json
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from shipsight.errors import InputError, RowErrors
from shipsight.io.formats import LIST_FORMATS
from shipsight.model import imo_is_valid

#: The columns of every frame :func:`read_list` returns, in order.
COLUMNS = (
    "entry_id", "name", "imo", "imo_valid", "mmsi", "aliases", "former_names",
    "program", "flag", "vessel_type", "gross_tonnage", "deadweight",
    "call_sign", "remarks",
)
FORMATS = LIST_FORMATS

_OFAC_FIELDS = (
    "ent_num", "name", "sdn_type", "program", "title", "call_sign", "vess_type",
    "tonnage", "grt", "vess_flag", "vess_owner", "remarks",
)
_HEAD_BYTES = 65536
_MEND_FORMAT = "pass format= one of ofac-sdn, opensanctions, csv (or --format on the command line)"


# ---------------------------------------------------------------- public API

def read_list(path, *, format="auto"):
    """Read a sanctions list into one row per listed vessel.

    Parameters
    ----------
    path : str or pathlib.Path
        The list file.
    format : {"auto", "ofac-sdn", "opensanctions", "csv"}, keyword-only
        ``"ofac-sdn"``: OFAC's legacy ``sdn.csv`` (no header, 12 columns,
        ``-0-`` for empty; rows whose ``sdn_type`` is ``vessel``; IMO, MMSI,
        ``a.k.a.`` aliases and ``f.k.a.`` former names parsed from remarks;
        OFAC's ``tonnage`` column, which holds the deadweight in practice, goes
        to ``deadweight`` and ``grt`` to ``gross_tonnage``).
        ``"opensanctions"``: FollowTheMoney entities as JSON lines (or a JSON
        array), or OpenSanctions' ``targets.simple.csv``; ``Vessel`` entities
        only. ``"csv"``: a plain CSV with a header holding at least ``name``;
        optional ``id, imo, mmsi, program, aliases, former_names`` (``;``
        separated), ``flag, vessel_type, gross_tonnage, deadweight, call_sign,
        remarks``; other columns are ignored. ``"auto"`` tells them apart
        by content.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS` on a RangeIndex. ``entry_id`` is the list's
        stable key (OFAC ent_num, OpenSanctions id, or the CSV's ``id``, else
        its IMO, else its name) and is unique. ``imo`` is a seven-digit string
        or None, ``imo_valid`` a bool (False also where there is no IMO),
        ``aliases``/``former_names`` lists of str, tonnages float (NaN when
        unknown), other text columns str or None. ``df.attrs`` holds
        ``source``, ``format`` (the one used) and ``bad_imo`` (see
        :func:`bad_imo_count`).

    Raises
    ------
    InputError
        One line naming the file (and row where it helps) and how to mend it:
        missing, empty, binary or compressed file, an unknown layout, bad rows,
        no vessels. Bad rows of a plain CSV come together as
        :class:`~shipsight.errors.RowErrors`.

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
    kind = _detect(head, path) if format == "auto" else format
    if kind == "ofac-sdn":
        records = _read_ofac(_text(path), path)
    elif kind == "opensanctions":
        first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if first in (b"{", b"["):
            records = _read_ftm_json(path)
        else:
            records = _read_os_csv(_text(path), path)
    else:
        records = _read_plain_csv(_text(path), path)
    df = _frame(records)
    df.attrs.update(source=str(path), format=kind, bad_imo=bad_imo_count(df))
    return df


def bad_imo_count(entries):
    """How many listed IMO numbers fail their check digit.

    >>> bad_imo_count(pd.DataFrame({"imo": ["9179842", "9179843", None],
    ...                             "imo_valid": [True, False, False]}))
    1
    """
    return int((entries["imo"].notna() & ~entries["imo_valid"].astype(bool)).sum())


def parse_ofac_remarks(remarks):
    """Identity facts from an OFAC ``remarks`` field.

    Parameters
    ----------
    remarks : str or None
        The free-text remarks, ``;``-separated clauses such as
        ``Vessel Registration Identification IMO 9187629; MMSI 572469210;
        f.k.a. 'ALPHA'; a.k.a. 'SEASTAR III'; Linked To: ...``.

    Returns
    -------
    dict
        ``imo`` (7-digit str or None; the first ``IMO nnnnnnn``, else a bare
        seven-digit ``Vessel Registration Identification`` number whose check
        digit passes, since a national register number would almost never
        pass it), ``mmsi`` (9-digit str or None), ``aliases`` and
        ``former_names`` (lists of str from ``a.k.a.``/``n.k.a.`` and
        ``f.k.a.``/``Former Vessel Name`` clauses).

    Examples
    --------
    >>> r = parse_ofac_remarks("Vessel Registration Identification IMO 9187655; "
    ...                        "f.k.a. 'ABADEH'; f.k.a. 'CRYSTAL'; Linked To: NITC.")
    >>> r["imo"], r["former_names"]
    ('9187655', ['ABADEH', 'CRYSTAL'])
    """
    out = {"imo": None, "mmsi": None, "aliases": [], "former_names": []}
    if not isinstance(remarks, str):
        return out
    bare_imo = None
    for part in remarks.split(";"):
        part = part.strip()
        if not part or part.startswith("Linked To"):
            continue
        m = _AKA.match(part)
        if m:
            name = _unquote(m.group(2))
            kind = "former_names" if m.group(1).lower().startswith("f") else "aliases"
            if name and name not in out[kind]:
                out[kind].append(name)
            continue
        m = _FORMER_NAME.match(part)
        if m:
            name = _unquote(m.group(1))
            if name and name not in out["former_names"]:
                out["former_names"].append(name)
            continue
        if out["imo"] is None:
            m = _IMO.search(part)
            if m:
                out["imo"] = m.group(1)
                continue
        if bare_imo is None:
            m = _BARE_REGISTRATION.match(part)
            if m and imo_is_valid(m.group(1)):
                bare_imo = m.group(1)
        if out["mmsi"] is None:
            m = _MMSI.search(part)
            if m:
                out["mmsi"] = m.group(1)
    if out["imo"] is None:
        out["imo"] = bare_imo
    return out


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
        raise InputError("is binary, not a text list; give a CSV or JSON-lines sanctions list", where=str(path))
    return head


def _text(path):
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # OFAC has published sdn.csv in Latin-1; it decodes any byte, and
        # binary files were refused already by _head.
        return raw.decode("latin-1")


def _first_rows(head, n):
    text = head.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    if len(head) == _HEAD_BYTES and lines:
        lines = lines[:-1]  # the last line may be cut short
    rows = []
    try:
        for row in csv.reader(lines):
            if row and any(cell.strip() for cell in row):
                rows.append(row)
            if len(rows) >= n:
                break
    except csv.Error:
        pass
    return rows


def _detect(head, path):
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return "opensanctions"
    rows = _first_rows(head, 20)
    if not rows:
        raise InputError("holds no rows; download the list again", where=str(path))
    header = [cell.strip().lower() for cell in rows[0]]
    if "schema" in header and "id" in header:
        return "opensanctions"
    if "name" in header:
        return "csv"
    body = [r for r in rows if not (len(r) == 1 and r[0][:1] < " ")]
    if body and all(len(r) == 12 for r in body) and any("-0-" in c for r in body for c in r):
        return "ofac-sdn"
    raise InputError(
        "is not a sanctions list shipsight can tell apart (no JSON, no header with 'name' or "
        f"'schema', not OFAC's 12-column sdn.csv); add a header row or {_MEND_FORMAT}",
        where=str(path),
    )


# ---------------------------------------------------------------- OFAC

_AKA = re.compile(r"^(?:alt\.\s*)?(a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*(.*)$", re.IGNORECASE | re.DOTALL)
_FORMER_NAME = re.compile(r"^(?:alt\.\s*)?Former\s+(?:Vessel\s+)?Names?\s*:?\s*(.*)$", re.IGNORECASE | re.DOTALL)
_IMO = re.compile(r"\bIMO\s*(\d{7})(?!\d)")
_BARE_REGISTRATION = re.compile(r"^Vessel Registration Identification\s+(\d{7})\.?$")
_MMSI = re.compile(r"\bMMSI\s*(\d{9})(?!\d)")


def _unquote(text):
    text = text.strip().rstrip(".").strip()
    if len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0]:
        text = text[1:-1].strip()
    return text


def _ofac_value(cell):
    cell = cell.strip()
    return None if cell in ("-0-", "") else cell


def _ofac_number(cell):
    cell = _ofac_value(cell)
    if cell is None:
        return np.nan
    try:
        return float(cell.replace(",", ""))
    except ValueError:
        return np.nan


def _clean_program(text):
    """``"IRAN] [NPWMD"`` or ``"[RUSSIA-EO14024]"`` -> ``"IRAN; NPWMD"`` / ``"RUSSIA-EO14024"``."""
    if text is None:
        return None
    parts = [p.strip(" []") for p in re.split(r"\]\s*\[", text)]
    parts = [p for p in parts if p]
    return "; ".join(parts) or None


def _read_ofac(text, path):
    records, seen = [], {}
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(f"is not readable as CSV ({exc}); download sdn.csv again", where=str(path)) from None
    for number, row in enumerate(rows, start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) == 1 and row[0][:1] < " ":
            continue  # the end-of-file marker row (\x1a) OFAC appends
        if len(row) != 12:
            raise InputError(
                f"has {len(row)} columns where OFAC's sdn.csv has 12; is this sdn.csv? "
                f"If not, {_MEND_FORMAT}",
                where=f"{path}, row {number}",
            )
        fields = dict(zip(_OFAC_FIELDS, row))
        if fields["sdn_type"].strip().lower() != "vessel":
            continue
        entry_id = fields["ent_num"].strip()
        if not entry_id:
            raise InputError("has no ent_num; download sdn.csv again", where=f"{path}, row {number}")
        if entry_id in seen:
            raise InputError(
                f"repeats ent_num {entry_id} of row {seen[entry_id]}; download sdn.csv again",
                where=f"{path}, row {number}",
            )
        seen[entry_id] = number
        remarks = _ofac_value(fields["remarks"])
        facts = parse_ofac_remarks(remarks)
        flag = _ofac_value(fields["vess_flag"])
        records.append({
            "entry_id": entry_id,
            "name": fields["name"].strip(),
            "imo": facts["imo"],
            "mmsi": facts["mmsi"],
            "aliases": facts["aliases"],
            "former_names": facts["former_names"],
            "program": _clean_program(_ofac_value(fields["program"])),
            "flag": None if flag == "None Identified" else flag,
            "vessel_type": _ofac_value(fields["vess_type"]),
            "gross_tonnage": _ofac_number(fields["grt"]),
            "deadweight": _ofac_number(fields["tonnage"]),
            "call_sign": _ofac_value(fields["call_sign"]),
            "remarks": remarks,
        })
    if not records:
        raise InputError(
            "has no vessel rows (sdn_type 'vessel'); is this the full sdn.csv rather than an extract?",
            where=str(path),
        )
    return records


# ---------------------------------------------------------------- OpenSanctions

_IMO_TOKEN = re.compile(r"^\s*(?:IMO)?[\s:#-]*(\d{7})\s*$", re.IGNORECASE)
_MMSI_TOKEN = re.compile(r"^\s*(?:MMSI)?[\s:#-]*(\d{9})\s*$", re.IGNORECASE)


def _strings(values):
    """The plain string values of an FtM property (nested entities skipped)."""
    if values is None:
        return []
    if not isinstance(values, list):
        values = [values]
    return [str(v).strip() for v in values if isinstance(v, (str, int, float)) and str(v).strip()]


def _pick_imo(candidates):
    imos = [m.group(1) for m in map(_IMO_TOKEN.match, candidates) if m]
    valid = [i for i in imos if imo_is_valid(i)]
    return (valid or imos or [None])[0]


def _pick_mmsi(candidates):
    mmsis = [m.group(1) for m in map(_MMSI_TOKEN.match, candidates) if m]
    return mmsis[0] if mmsis else None


def _number(values):
    for value in values:
        try:
            return float(str(value).replace(",", ""))
        except ValueError:
            continue
    return np.nan


def _unique(items, drop=()):
    out = []
    for item in items:
        if item and item not in out and item not in drop:
            out.append(item)
    return out


def _joined(values):
    values = _unique(values)
    return "; ".join(values) if values else None


def _ftm_vessel(entity, programs):
    props = entity.get("properties") or {}
    names = _strings(props.get("name"))
    caption = entity.get("caption")
    primary = caption if isinstance(caption, str) and caption in names else (names[0] if names else caption)
    if not isinstance(primary, str) or not primary.strip():
        return None
    primary = primary.strip()
    aliases = _unique(names + _strings(props.get("alias")) + _strings(props.get("weakAlias")), drop=(primary,))
    nested = [programs.get(entity.get("id"), [])]
    for sanction in props.get("sanctions") or []:
        if isinstance(sanction, dict):
            sp = sanction.get("properties") or {}
            nested.append(_strings(sp.get("programId")) + _strings(sp.get("program")))
    program_values = _strings(props.get("programId")) + _strings(props.get("program"))
    for values in nested:
        program_values += values
    tonnage = _strings(props.get("tonnage"))
    remarks = _strings(props.get("notes")) + _strings(props.get("summary"))
    if tonnage:
        remarks.append(f"tonnage {tonnage[0]}")
    return {
        "entry_id": str(entity.get("id")),
        "name": primary,
        "imo": _pick_imo(_strings(props.get("imoNumber"))),
        "mmsi": _pick_mmsi(_strings(props.get("mmsi"))),
        "aliases": aliases,
        "former_names": _unique(_strings(props.get("previousName")), drop=(primary,)),
        "program": _joined(program_values),
        "flag": _joined(_strings(props.get("flag"))),
        "vessel_type": _joined(_strings(props.get("type"))),
        "gross_tonnage": _number(_strings(props.get("grossRegisteredTonnage"))),
        "deadweight": _number(_strings(props.get("deadweightTonnage"))),
        "call_sign": _joined(_strings(props.get("callSign"))),
        "remarks": _joined(remarks),
    }


def _iter_json_entities(path):
    """(line number, entity dict) for the Vessel and Sanction entities of a JSON-lines or JSON-array file."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            first = fh.read(1)
            while first.isspace():
                first = fh.read(1)
            if first == "[":
                fh.seek(0)
                try:
                    data = json.load(fh)
                except json.JSONDecodeError as exc:
                    raise InputError(
                        f"is not valid JSON ({exc.msg} at line {exc.lineno}); download the list again",
                        where=str(path),
                    ) from None
                for number, entity in enumerate(data, start=1):
                    if not isinstance(entity, dict):
                        raise InputError("item is not a JSON object (an FtM entity)", where=f"{path}, item {number}")
                    yield number, entity
                return
            fh.seek(0)
            for number, line in enumerate(fh, start=1):
                line = line.strip()
                if not line:
                    continue
                if not line.startswith("{"):
                    raise InputError(
                        "is not a JSON object; OpenSanctions JSON has one entity per line",
                        where=f"{path}, line {number}",
                    )
                # Full OpenSanctions dumps run to gigabytes of people and
                # companies: parse only the lines that can matter.
                if '"Vessel"' not in line and '"Sanction"' not in line:
                    continue
                try:
                    entity = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(
                        f"is not valid JSON ({exc.msg}); the file may be cut short, download it again",
                        where=f"{path}, line {number}",
                    ) from None
                if isinstance(entity, dict):
                    yield number, entity
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text; OpenSanctions JSON is UTF-8, download it again", where=str(path)) from None


def _read_ftm_json(path):
    vessels, programs = [], defaultdict(list)
    for number, entity in _iter_json_entities(path):
        schema = entity.get("schema")
        if schema == "Vessel":
            vessels.append((number, entity))
        elif schema == "Sanction":
            # Flat FtM exports keep sanctions as separate entities pointing at the vessel.
            props = entity.get("properties") or {}
            found = _strings(props.get("programId")) + _strings(props.get("program"))
            for target in _strings(props.get("entity")):
                programs[target].extend(found)
    records, seen = [], {}
    for number, entity in vessels:
        if not isinstance(entity.get("id"), str) or not entity["id"]:
            raise InputError("Vessel entity has no id; download the list again", where=f"{path}, line {number}")
        if entity["id"] in seen:
            raise InputError(f"repeats entity id {entity['id']} of line {seen[entity['id']]}",
                             where=f"{path}, line {number}")
        seen[entity["id"]] = number
        record = _ftm_vessel(entity, programs)
        if record is None:
            raise InputError("Vessel entity has no name; download the list again", where=f"{path}, line {number}")
        records.append(record)
    if not records:
        raise InputError("holds no Vessel entities; use a list that includes vessels", where=str(path))
    return records


def _split_multi(text):
    """OpenSanctions joins multi-values with ';' as a quoted CSV row."""
    if not text:
        return []
    return [v.strip() for v in next(csv.reader([text], delimiter=";")) if v.strip()]


def _read_os_csv(text, path):
    table = _read_table(text, path)
    missing = {"id", "schema", "name"} - set(table.columns)
    if missing:
        raise InputError(
            f"lacks column(s) {', '.join(sorted(missing))} of OpenSanctions' targets.simple.csv; "
            f"is it that file? If not, {_MEND_FORMAT}",
            where=str(path),
        )
    vessels = table[table["schema"].str.strip() == "Vessel"]
    if vessels.empty:
        raise InputError("holds no rows with schema Vessel; use a list that includes vessels", where=str(path))
    records, seen = [], {}
    for row_number, row in zip(vessels.index + 2, vessels.to_dict("records")):
        entry_id, name = row["id"].strip(), row["name"].strip()
        if not entry_id or not name:
            field = "id" if not entry_id else "name"
            raise InputError(f"blank {field}; download the list again", where=f"{path}, row {row_number}, field {field}")
        if entry_id in seen:
            raise InputError(f"repeats id {entry_id} of row {seen[entry_id]}", where=f"{path}, row {row_number}")
        seen[entry_id] = row_number
        identifiers = _split_multi(row.get("identifiers", ""))
        if "program_ids" in row:
            program = _split_multi(row["program_ids"])
        else:
            # Each 'sanctions' value is "program - reason - status - dates".
            program = [s.split(" - ")[0] for s in _split_multi(row.get("sanctions", ""))]
        countries = _split_multi(row.get("countries", ""))
        remarks = [f"countries: {'; '.join(countries)}"] if len(countries) > 1 else []
        records.append({
            "entry_id": entry_id,
            "name": name,
            "imo": _pick_imo(identifiers),
            "mmsi": _pick_mmsi(identifiers),
            # The simple CSV folds aliases and previous names into one column.
            "aliases": _unique(_split_multi(row.get("aliases", "")), drop=(name,)),
            "former_names": [],
            "program": _joined(program),
            # The simple CSV does not say which country is the flag; one country
            # is taken as the flag, several are left in remarks.
            "flag": countries[0] if len(countries) == 1 else None,
            "vessel_type": None,
            "gross_tonnage": np.nan,
            "deadweight": np.nan,
            "call_sign": None,
            "remarks": _joined(remarks),
        })
    return records


# ---------------------------------------------------------------- plain CSV

_SYNONYMS = {
    "type": "vessel_type", "ship_type": "vessel_type", "gt": "gross_tonnage", "grt": "gross_tonnage",
    "dwt": "deadweight", "alias": "aliases", "former_name": "former_names", "previous_names": "former_names",
    "callsign": "call_sign", "notes": "remarks",
}
_PLAIN_IMO = re.compile(r"^\s*(?:IMO[\s:#-]*)?(\d{7})\s*$", re.IGNORECASE)
_PLAIN_MMSI = re.compile(r"^\s*(\d{9})\s*$")


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


def _split_names(text):
    return _unique([part.strip() for part in text.split(";")])


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
    problems, records = [], []
    for row_number, row in zip(table.index + 2, table.to_dict("records")):
        get = lambda key: str(row.get(key, "") or "").strip()  # noqa: E731
        name = get("name")
        if not name:
            problems.append((row_number, "name", "blank name; every listed vessel needs one"))
        imo = None
        if get("imo"):
            m = _PLAIN_IMO.match(get("imo"))
            if m:
                imo = m.group(1)
            else:
                problems.append((row_number, "imo", f"IMO {get('imo')!r} is not seven digits; write it as 9179842"))
        mmsi = None
        if get("mmsi"):
            m = _PLAIN_MMSI.match(get("mmsi"))
            if m:
                mmsi = m.group(1)
            else:
                problems.append((row_number, "mmsi", f"MMSI {get('mmsi')!r} is not nine digits"))
        numbers = {}
        for field in ("gross_tonnage", "deadweight"):
            value = get(field)
            try:
                numbers[field] = float(value.replace(",", "")) if value else np.nan
            except ValueError:
                problems.append((row_number, field, f"{value!r} is not a number of tonnes"))
        if "id" in table.columns:
            entry_id = get("id")
            if not entry_id:
                problems.append((row_number, "id", "blank id; give every row an id or drop the id column"))
        else:
            entry_id = imo or name
        records.append({
            "entry_id": entry_id,
            "name": name,
            "imo": imo,
            "mmsi": mmsi,
            "aliases": _split_names(get("aliases")),
            "former_names": _split_names(get("former_names")),
            "program": get("program") or None,
            "flag": get("flag") or None,
            "vessel_type": get("vessel_type") or None,
            "gross_tonnage": numbers.get("gross_tonnage", np.nan),
            "deadweight": numbers.get("deadweight", np.nan),
            "call_sign": get("call_sign") or None,
            "remarks": get("remarks") or None,
        })
    first_row = {}
    key_field = "id" if "id" in table.columns else "imo/name"
    for row_number, record in zip(table.index + 2, records):
        key = record["entry_id"]
        if not key:
            continue
        if key in first_row:
            problems.append((row_number, key_field,
                             f"repeats {key!r} of row {first_row[key]}; give each row a distinct id column"))
        else:
            first_row[key] = row_number
    if problems:
        raise RowErrors(str(path), sorted(problems))
    return records


# ---------------------------------------------------------------- frame

def _frame(records):
    data = {}
    for column in COLUMNS:
        if column == "imo_valid":
            continue
        values = [record[column] for record in records]
        if column in ("gross_tonnage", "deadweight"):
            data[column] = pd.Series(values, dtype="float64")
        else:
            # object, not pandas' str dtype: missing values stay None, lists stay lists
            data[column] = pd.Series(values, dtype=object)
    imo = data["imo"]
    has = imo.notna().to_numpy()
    valid = np.zeros(len(imo), dtype=bool)
    if has.any():
        valid[has] = imo_is_valid(imo[has].astype(str).tolist())
    data["imo_valid"] = pd.Series(valid)
    return pd.DataFrame({column: data[column] for column in COLUMNS})
