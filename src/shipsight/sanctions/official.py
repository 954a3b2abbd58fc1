"""The UN Security Council consolidated list, the UK Sanctions List and the EU consolidated list.

Layouts, as their publishers print them (and OpenSanctions' crawlers read
them: ``datasets/_global/un_sc_sanctions``, ``datasets/gb/fcdo_sanctions``,
``zavod/shed/fsf.py``):

* UN SC consolidated XML: ``CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL`` and
  ``ENTITIES/ENTITY`` (``DATAID``, ``FIRST_NAME``, ``UN_LIST_TYPE``,
  ``REFERENCE_NUMBER``, ``LISTED_ON``, ``COMMENTS1``, ``ENTITY_ALIAS`` with
  ``QUALITY`` and ``ALIAS_NAME``). The list has no vessel type: an entity is
  read as a vessel when its comments give a ship's IMO number (``IMO`` and
  seven digits with a valid check digit) and its name is not a company's.
  The 1718 Committee writes several values in one cell, numbered ``1: ...
  2: ...``; they are split.
* UK Sanctions List XML (``Designations/Designation``; ``IndividualEntityShip``
  is ``Ship``; ``ShipDetails/Ship/IMONumbers/IMONumber``...) and CSV (one row
  per name; ``Designation Type`` ``Ship``, ``IMO number``, ``Current believed
  flag of ship``...; a ``Report Date`` line may precede the header).
* EU consolidated financial sanctions list XML (``export/sanctionEntity`` with
  ``subjectType``, ``nameAlias``, ``identification``, ``regulation``) and its
  CSV (``;``-separated, one row per name, identification or address, grouped
  by ``Entity_LogicalId``). The EU list types subjects as person or
  enterprise only: an enterprise is read as a vessel when it has an ``imo``
  identification with a ship's check digit (the IMO *company* numbers of
  shipping companies are counted instead).
"""

import csv
import io
import re
from datetime import datetime

from shipsight.errors import InputError
from shipsight.model.identity import clean_imos
from shipsight.sanctions.records import entries_frame, keep_out, new_report, unique
from shipsight.sanctions.xmlread import child_text, children, iter_elements, local

_NUMBERED = re.compile(r"(?:^|\s)\d{1,2}\s*[:)]\s*")
_IMO_TEXT = re.compile(r"\bIMO(?:\s*(?:number|no\.?|#))?\s*[:.]?\s*(\d{7})(?!\d)", re.IGNORECASE)
_MMSI_TEXT = re.compile(r"\bMMSI\b([^.;]*)", re.IGNORECASE)
_NINE = re.compile(r"(?<!\d)\d{9}(?!\d)")
_CALL_SIGN_TEXT = re.compile(r"\bcall\s*sign\s*[:.]?\s*([A-Z0-9]{3,8})", re.IGNORECASE)
_COMPANY = re.compile(r"\b(?:CO|CORP|CORPORATION|COMPANY|LTD|LIMITED|LLC|INC|GROUP|BANK|TRADING|SHIPPING|MANAGEMENT|"
                      r"OOO|JSC|PLC|GMBH|SA|FZE|DMCC|HOLDINGS?)\b\.?", re.IGNORECASE)


def split_numbered(text):
    """The values of a UN 1718 style cell: ``"1: CHON MA SAN 2: EXAMPLE STAR 3"`` -> two names.

    >>> split_numbered("1: 445111000 2: 457222000"), split_numbered("ANGARA")
    (['445111000', '457222000'], ['ANGARA'])
    """
    if not text:
        return []
    parts = _NUMBERED.split(str(text))
    return unique(p.strip(" ;,") for p in parts)


def _dmy(text):
    """``01/02/2024`` (day first, maybe with a time) -> ``2024-02-01``; ISO dates pass through."""
    if not text:
        return None
    text = text.strip().split()[0]
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _ship_imos(text):
    found = _IMO_TEXT.findall(text or "")
    out = clean_imos(found)
    return [v for v, s in zip(out.values, out.status) if s == "valid"]


# ---------------------------------------------------------------- UN

def read_un_xml(path):
    """The UN Security Council consolidated list XML (see the module)."""
    report = new_report("un")
    records, seen = [], 0
    for el in iter_elements(path, "INDIVIDUAL", "ENTITY"):
        seen += 1
        if local(el.tag) == "INDIVIDUAL":
            keep_out(report, "individual")
            continue
        comments = " ".join(filter(None, [child_text(el, "COMMENTS1")]))
        name = " ".join(filter(None, (child_text(el, k) for k in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME"))))
        names = split_numbered(name)
        imos = _ship_imos(comments) + _ship_imos(name)
        if not imos or (names and _COMPANY.search(names[0])):
            keep_out(report, "entity")
            if _IMO_TEXT.search(comments):
                report["company_imos"] += 1
            continue
        aliases, former = names[1:], []
        for alias in children(el, "ENTITY_ALIAS"):
            quality = (child_text(alias, "QUALITY") or "").lower()
            values = split_numbered(child_text(alias, "ALIAS_NAME"))
            (former if quality.startswith("f") else aliases).extend(values)
        aliases += split_numbered(child_text(el, "NAME_ORIGINAL_SCRIPT"))
        mmsis = [m for group in _MMSI_TEXT.findall(comments) for m in _NINE.findall(group)]
        records.append({
            "entry_id": child_text(el, "REFERENCE_NUMBER") or child_text(el, "DATAID"),
            "name": names[0] if names else "", "imos": imos, "mmsis": mmsis,
            "call_signs": _CALL_SIGN_TEXT.findall(comments), "aliases": aliases, "former_names": former,
            "programs": [child_text(el, "UN_LIST_TYPE")], "listed_on": _dmy(child_text(el, "LISTED_ON")),
            "remarks": comments or None,
        })
    if not seen:
        raise InputError("holds no INDIVIDUAL or ENTITY elements; is it the UN consolidated list XML?",
                         where=str(path))
    return entries_frame(records, source=path, format="un", report=report)


# ---------------------------------------------------------------- UK

def _uk_name_kind(name_type):
    t = (name_type or "").lower()
    if "previous" in t or "former" in t:
        return "former_names"
    if t.startswith("primary name") and "variation" not in t:
        return "name"
    return "aliases"


def _uk_record(entry_id, names, regime, designated, imos, flags, ship_type, tonnage, info, path):
    primary = [n for kind, n in names if kind == "name"]
    aliases = [n for kind, n in names if kind == "aliases"]
    if not primary and not aliases:
        raise InputError(f"ship designation {entry_id} has no name; download the list again", where=str(path))
    return {
        "entry_id": entry_id, "name": (primary or aliases)[0], "imos": imos,
        "mmsis": [m for group in _MMSI_TEXT.findall(info or "") for m in _NINE.findall(group)],
        "aliases": primary[1:] + aliases, "former_names": [n for kind, n in names if kind == "former_names"],
        "flags": flags, "vessel_type": ship_type, "deadweight": tonnage, "programs": [regime],
        "listed_on": _dmy(designated), "remarks": info,
    }


def read_uk_xml(path):
    """The UK Sanctions List XML (see the module)."""
    report = new_report("uk")
    records, seen = [], 0
    for d in iter_elements(path, "Designation"):
        seen += 1
        kind = (child_text(d, "IndividualEntityShip") or child_text(d, "DesignationType") or "").lower()
        if kind != "ship":
            keep_out(report, kind or "unknown")
            continue
        names = []
        for n in children(d, "Names", "Name"):
            text = " ".join(filter(None, (child_text(n, f"Name{i}") for i in range(1, 7)))) or child_text(n, "Name")
            if text:
                names.append((_uk_name_kind(child_text(n, "NameType")), text))
        for n in d.iter():
            if local(n.tag) == "NameNonLatinScript" and (n.text or "").strip():
                names.append(("aliases", n.text.strip()))
        ships = children(d, "ShipDetails", "Ship")
        texts = lambda tag: [e.text.strip() for s in ships for e in s.iter() if local(e.tag) == tag and e.text]  # noqa: E731
        records.append(_uk_record(
            child_text(d, "UniqueID"), names, child_text(d, "RegimeName"), child_text(d, "DateDesignated"),
            texts("IMONumber"), texts("CurrentBelievedFlagOfShip"), next(iter(texts("TypeOfShip")), None),
            next(iter(texts("TonnageOfShip")), None), child_text(d, "OtherInformation"), path))
    if not seen:
        raise InputError("holds no Designation elements; is it the UK Sanctions List XML?", where=str(path))
    return entries_frame(records, source=path, format="uk", report=report)


def _table(text, path, delimiter=","):
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines[:10]) if "Unique ID" in line or "Entity_LogicalId" in line
                  or "Group ID" in line), 0)
    try:
        return list(csv.DictReader(io.StringIO("\n".join(lines[start:])), delimiter=delimiter)), start
    except csv.Error as exc:
        raise InputError(f"is not readable as CSV ({exc})", where=str(path)) from None


def read_uk_csv(text, path):
    """The UK Sanctions List CSV (see the module): rows grouped by ``Unique ID``."""
    report = new_report("uk")
    rows, start = _table(text, path)
    groups = {}
    for number, row in enumerate(rows, start=start + 2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        key = row.get("Unique ID") or row.get("Group ID")
        if not key:
            raise InputError("has no Unique ID; is it the UK Sanctions List CSV?", where=f"{path}, row {number}")
        groups.setdefault(key, []).append(row)
    if not groups:
        raise InputError("has a header but no designations", where=str(path))
    records = []
    for key, group in groups.items():
        first = group[0]
        kind = (first.get("Designation Type") or first.get("Group Type") or "").lower()
        if kind != "ship":
            keep_out(report, kind or "unknown")
            continue
        names = []
        for row in group:
            text = " ".join(filter(None, (row.get(f"Name {i}") for i in range(1, 7))))
            if text:
                names.append((_uk_name_kind(row.get("Name type") or row.get("Alias Type")), text))
            if row.get("Name non-latin script"):
                names.append(("aliases", row["Name non-latin script"]))
        pick = lambda col: unique(v for row in group for v in re.split(r"\s*[|;]\s*", row.get(col, "")))  # noqa: E731
        records.append(_uk_record(
            key, names, first.get("Regime Name") or first.get("Regime"),
            first.get("Date Designated") or first.get("Listed On"), pick("IMO number"),
            pick("Current believed flag of ship"), first.get("Type of ship") or None,
            first.get("Tonnage of ship") or None, first.get("Other Information") or None, path))
    return entries_frame(records, source=path, format="uk", report=report)


# ---------------------------------------------------------------- EU

def _eu_entry(key, kind, names, strong, ids, programmes, designated, remark, report):
    """A record for an EU subject that is a vessel, else None (counted)."""
    imo_numbers = [number for code, number in ids if code == "imo"]
    checked = clean_imos(imo_numbers)
    ship_imos = [v for v, s in zip(checked.values, checked.status) if s == "valid"]
    vessel = "vessel" in kind or "ship" in kind or (kind in ("enterprise", "e") and ship_imos)
    if not vessel:
        keep_out(report, {"p": "person", "e": "enterprise"}.get(kind, kind))
        if imo_numbers:
            report["company_imos"] += 1
        return None
    primary = [n for n, s in zip(names, strong) if s] or names
    return {"entry_id": key, "name": primary[0] if primary else "", "imos": ship_imos or imo_numbers,
            "aliases": names, "programs": programmes, "listed_on": _dmy(designated), "remarks": remark,
            "other_ids": [number for code, number in ids if code != "imo"]}


def read_eu_xml(path):
    """The EU consolidated financial sanctions list XML (see the module)."""
    report = new_report("eu")
    records, seen = [], 0
    for e in iter_elements(path, "sanctionEntity"):
        seen += 1
        subject = children(e, "subjectType")
        kind = (subject[0].get("code") or subject[0].get("classificationCode") or "").lower() if subject else ""
        aliases = children(e, "nameAlias")
        names = [a.get("wholeName", "").strip() for a in aliases if a.get("wholeName", "").strip()]
        strong = [a.get("strong", "true").lower() != "false" for a in aliases if a.get("wholeName", "").strip()]
        ids = [((i.get("identificationTypeCode") or "").lower(), i.get("number") or i.get("latinNumber") or "")
               for i in children(e, "identification")]
        regulations = children(e, "regulation")
        record = _eu_entry(e.get("euReferenceNumber") or e.get("logicalId"), kind, names, strong, ids,
                           [r.get("programme") for r in regulations],
                           e.get("designationDate") or next((r.get("publicationDate") for r in regulations), None),
                           child_text(e, "remark"), report)
        if record:
            records.append(record)
    if not seen:
        raise InputError("holds no sanctionEntity elements; is it the EU consolidated list XML?", where=str(path))
    return entries_frame(records, source=path, format="eu", report=report)


def read_eu_csv(text, path):
    """The EU consolidated financial sanctions list CSV (``;``-separated; see the module)."""
    report = new_report("eu")
    rows, start = _table(text, path, delimiter=";")
    groups = {}
    for number, row in enumerate(rows, start=start + 2):
        key = (row.get("Entity_LogicalId") or "").strip()
        if not key:
            raise InputError("has no Entity_LogicalId; is it the EU consolidated list CSV?",
                             where=f"{path}, row {number}")
        groups.setdefault(key, []).append({k: (v or "").strip() for k, v in row.items() if k})
    records = []
    for key, group in groups.items():
        first = group[0]
        codes = {(first.get("Entity_SubjectType") or "").lower(),
                 (first.get("Entity_SubjectType_ClassificationCode") or "").lower()}
        kind = next((c for c in codes if c in ("person", "enterprise") or "vessel" in c or "ship" in c),
                    next(iter(codes - {""}), ""))
        names = unique(r.get("NameAlias_WholeName") for r in group)
        ids = list(dict.fromkeys((r.get("Identification_TypeCode", "").lower(), r["Identification_Number"])
                                 for r in group if r.get("Identification_Number")))
        record = _eu_entry(first.get("Entity_EU_ReferenceNumber") or key, kind, names, [True] * len(names),
                           ids, unique(r.get("Entity_Regulation_Programme") for r in group),
                           first.get("Entity_DesignationDate") or first.get("Entity_Regulation_PublicationDate"),
                           first.get("Entity_Remark") or None, report)
        if record:
            records.append(record)
    return entries_frame(records, source=path, format="eu", report=report)

