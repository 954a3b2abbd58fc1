"""OpenSanctions exports: FollowTheMoney JSON lines, ``targets.simple.csv`` and ``maritime.csv``.

* FtM entities (one JSON object a line, or a JSON array): ``Vessel`` entities
  with ``name``, ``alias``, ``weakAlias``, ``previousName``, ``imoNumber``,
  ``mmsi``, ``callSign``, ``flag``, ``type``, tonnages; programs and listing
  dates from ``Sanction`` entities pointing at the vessel (flat exports) or
  nested in ``sanctions``. Other schemas are counted.
* ``targets.simple.csv``: ``id, schema, name, aliases, countries,
  identifiers, sanctions, dataset...``; identifiers are split into IMO
  numbers, MMSIs and other identifiers (kept as ``other_ids``).
* ``maritime.csv`` (opensanctions ``zavod/exporters/maritime.py``): ``type,
  caption, imo, risk, countries, flag, mmsi, id, url, datasets, aliases``,
  one row per IMO number of an entity, multi-values joined with ``;``;
  ``ORGANIZATION`` rows (companies with an IMO company number) are counted.
"""

import csv
import json
import re
from collections import defaultdict

from shipsight.errors import InputError
from shipsight.sanctions.records import entries_frame, keep_out, new_report, unique

_IMO_TOKEN = re.compile(r"^\s*IMO[\s:#-]*(\d+)\s*$|^\s*(\d{7})\s*$", re.IGNORECASE)
_MMSI_TOKEN = re.compile(r"^\s*(?:MMSI[\s:#-]*)?(\d{9})\s*$", re.IGNORECASE)
_SCHEMA = re.compile(r'"schema"\s*:\s*"(\w+)"')
MEND = "pass --format opensanctions only for OpenSanctions' JSON lines, targets.simple.csv or maritime.csv"


def strings(values):
    """The plain string values of an FtM property (nested entities skipped)."""
    if values is None:
        return []
    if not isinstance(values, list):
        values = [values]
    return [str(v).strip() for v in values if isinstance(v, (str, int, float)) and str(v).strip()]


def split_multi(text):
    """OpenSanctions joins multi-values with ';' as a quoted CSV row.

    >>> split_multi("445111000;457222000"), split_multi("")
    (['445111000', '457222000'], [])
    """
    if not text:
        return []
    return [v.strip() for v in next(csv.reader([text], delimiter=";")) if v.strip()]


def sort_identifiers(values):
    """(imos, mmsis, others) of a mixed list of identifiers.

    >>> sort_identifiers(["445111000", "HMXX1", "IMO8660313"])
    (['8660313'], ['445111000'], ['HMXX1'])
    """
    imos, mmsis, others = [], [], []
    for value in values:
        m = _IMO_TOKEN.match(value)
        if m:
            imos.append(m.group(1) or m.group(2))
            continue
        m = _MMSI_TOKEN.match(value)
        if m:
            mmsis.append(m.group(1))
        else:
            others.append(value)
    return imos, mmsis, others


def _iter_json(path):
    """(line number, entity dict or None, schema) for each entity of a JSON-lines or JSON-array file."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            first = fh.read(1)
            while first.isspace():
                first = fh.read(1)
            fh.seek(0)
            if first == "[":
                try:
                    data = json.load(fh)
                except json.JSONDecodeError as exc:
                    raise InputError(f"is not valid JSON ({exc.msg} at line {exc.lineno}); download the list again",
                                     where=str(path)) from None
                for number, entity in enumerate(data, start=1):
                    if not isinstance(entity, dict):
                        raise InputError("item is not a JSON object (an FtM entity)", where=f"{path}, item {number}")
                    yield number, entity, entity.get("schema")
                return
            for number, line in enumerate(fh, start=1):
                line = line.strip()
                if not line:
                    continue
                if not line.startswith("{"):
                    raise InputError("is not a JSON object; OpenSanctions JSON has one entity per line",
                                     where=f"{path}, line {number}")
                # Full OpenSanctions dumps run to gigabytes of people and companies:
                # parse only the lines that can matter, count the others by schema.
                m = _SCHEMA.search(line)
                schema = m.group(1) if m else None
                if schema not in ("Vessel", "Sanction"):
                    yield number, None, schema
                    continue
                try:
                    entity = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"is not valid JSON ({exc.msg}); the file may be cut short, download it again",
                                     where=f"{path}, line {number}") from None
                yield number, entity, schema
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text; OpenSanctions JSON is UTF-8, download it again", where=str(path)) from None


def _sanction_facts(props):
    programs = strings(props.get("programId")) + strings(props.get("program"))
    dates = strings(props.get("listingDate")) + strings(props.get("startDate"))
    return programs, dates


def read_ftm_json(path):
    """OpenSanctions FollowTheMoney entities (see the module)."""
    report = new_report("opensanctions")
    vessels, programs, dates, seen = [], defaultdict(list), defaultdict(list), {}
    for number, entity, schema in _iter_json(path):
        if schema == "Vessel" and entity is not None:
            vessels.append((number, entity))
        elif schema == "Sanction" and entity is not None:
            found, when = _sanction_facts(entity.get("properties") or {})
            for target in strings((entity.get("properties") or {}).get("entity")):
                programs[target] += found
                dates[target] += when
        elif schema != "Sanction":
            keep_out(report, schema or "unknown")
            if entity is not None and (entity.get("properties") or {}).get("imoNumber"):
                report["company_imos"] += 1
    records = []
    for number, entity in vessels:
        entity_id = entity.get("id")
        if not isinstance(entity_id, str) or not entity_id:
            raise InputError("Vessel entity has no id; download the list again", where=f"{path}, line {number}")
        if entity_id in seen:
            raise InputError(f"repeats entity id {entity_id} of line {seen[entity_id]}", where=f"{path}, line {number}")
        seen[entity_id] = number
        props = entity.get("properties") or {}
        names = strings(props.get("name"))
        caption = entity.get("caption")
        primary = caption if isinstance(caption, str) and caption in names else (names[0] if names else caption)
        if not isinstance(primary, str) or not primary.strip():
            raise InputError("Vessel entity has no name; download the list again", where=f"{path}, line {number}")
        own_programs, own_dates = _sanction_facts(props)
        own_programs += programs.get(entity_id, [])
        own_dates += dates.get(entity_id, [])
        for sanction in props.get("sanctions") or []:
            if isinstance(sanction, dict):
                found, when = _sanction_facts(sanction.get("properties") or {})
                own_programs += found
                own_dates += when
        imos, mmsis, _ = sort_identifiers(strings(props.get("imoNumber")) + strings(props.get("mmsi")))
        tonnage = strings(props.get("tonnage"))
        records.append({
            "entry_id": entity_id, "name": primary.strip(),
            "imos": imos + [v for v in strings(props.get("imoNumber")) if not _IMO_TOKEN.match(v)],
            "mmsis": mmsis + [v for v in strings(props.get("mmsi")) if not _MMSI_TOKEN.match(v)],
            "call_signs": strings(props.get("callSign")), "flags": strings(props.get("flag")),
            "aliases": names + strings(props.get("alias")) + strings(props.get("weakAlias")),
            "former_names": strings(props.get("previousName")), "programs": own_programs,
            "vessel_type": "; ".join(unique(strings(props.get("type")))) or None,
            "gross_tonnage": next(iter(strings(props.get("grossRegisteredTonnage"))), None),
            "deadweight": next(iter(strings(props.get("deadweightTonnage"))), None),
            "listed_on": min(own_dates) if own_dates else None,
            "risk": "; ".join(t for t in strings(props.get("topics")) if t in ("sanction", "sanction.linked",
                                                                              "debarment")) or None,
            "datasets": strings(entity.get("datasets")),
            # FtM's "tonnage" does not say which tonnage it is: kept as a remark.
            "remarks": "; ".join(strings(props.get("notes")) + strings(props.get("summary"))
                                 + [f"tonnage {t}" for t in tonnage[:1]]) or None,
        })
    if not records:
        raise InputError("holds no Vessel entities; use a list that includes vessels", where=str(path))
    return entries_frame(records, source=path, format="opensanctions", report=report)


def read_simple_csv(table, path):
    """OpenSanctions' ``targets.simple.csv`` as a DataFrame of text (see the module)."""
    report = new_report("opensanctions")
    missing = {"id", "schema", "name"} - set(table.columns)
    if missing:
        raise InputError(f"lacks column(s) {', '.join(sorted(missing))} of OpenSanctions' targets.simple.csv; {MEND}",
                         where=str(path))
    records, seen = [], {}
    for row_number, row in zip(table.index + 2, table.to_dict("records")):
        schema = row["schema"].strip()
        if schema != "Vessel":
            keep_out(report, schema)
            if any(v.upper().startswith("IMO") for v in split_multi(row.get("identifiers", ""))):
                report["company_imos"] += 1
            continue
        entry_id, name = row["id"].strip(), row["name"].strip()
        if not entry_id or not name:
            field = "id" if not entry_id else "name"
            raise InputError(f"blank {field}; download the list again", where=f"{path}, row {row_number}, field {field}")
        if entry_id in seen:
            raise InputError(f"repeats id {entry_id} of row {seen[entry_id]}", where=f"{path}, row {row_number}")
        seen[entry_id] = row_number
        imos, mmsis, others = sort_identifiers(split_multi(row.get("identifiers", "")))
        if "program_ids" in row:
            program = split_multi(row["program_ids"])
        else:
            # Each 'sanctions' value is "program - reason - status - dates".
            program = [s.split(" - ")[0] for s in split_multi(row.get("sanctions", ""))]
        countries = split_multi(row.get("countries", ""))
        records.append({
            "entry_id": entry_id, "name": name, "imos": imos, "mmsis": mmsis, "other_ids": others,
            # The simple CSV folds aliases and previous names into one column.
            "aliases": split_multi(row.get("aliases", "")), "programs": program,
            # It does not say which country is the flag: one country is taken as the
            # flag, several are left in remarks.
            "flags": countries if len(countries) == 1 else [],
            "remarks": f"countries: {'; '.join(countries)}" if len(countries) > 1 else None,
            "datasets": split_multi(row.get("dataset", "")),
        })
    if not records:
        raise InputError("holds no rows with schema Vessel; use a list that includes vessels", where=str(path))
    return entries_frame(records, source=path, format="opensanctions", report=report)


def read_maritime_csv(table, path):
    """OpenSanctions' ``maritime.csv`` (see the module): rows grouped by ``id``."""
    report = new_report("opensanctions")
    groups = {}
    for row_number, row in zip(table.index + 2, table.to_dict("records")):
        entry_id = row.get("id", "").strip()
        if not entry_id:
            raise InputError("blank id; download maritime.csv again", where=f"{path}, row {row_number}, field id")
        groups.setdefault(entry_id, []).append((row_number, row))
    records = []
    for entry_id, rows in groups.items():
        first = rows[0][1]
        kind = first.get("type", "").strip().upper()
        if kind != "VESSEL":
            keep_out(report, kind or "unknown")
            if any(r.get("imo", "").strip() for _, r in rows):
                report["company_imos"] += 1
            continue
        cells = lambda column: unique(v for _, r in rows for v in split_multi(r.get(column, "")))  # noqa: E731
        name = first.get("caption", "").strip()
        if not name:
            raise InputError("blank caption; download maritime.csv again",
                             where=f"{path}, row {rows[0][0]}, field caption")
        records.append({
            "entry_id": entry_id, "name": name, "imos": cells("imo"), "mmsis": cells("mmsi"),
            "flags": cells("flag"), "aliases": cells("aliases"), "risk": "; ".join(cells("risk")) or None,
            "datasets": cells("datasets"), "programs": cells("datasets"),
            "remarks": "; ".join(f"{k}: {'; '.join(cells(k))}" for k in ("countries", "url") if cells(k)) or None,
        })
    if not records:
        raise InputError("holds no VESSEL rows; use a list that includes vessels", where=str(path))
    return entries_frame(records, source=path, format="opensanctions", report=report)
