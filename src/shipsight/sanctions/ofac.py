"""OFAC's SDN list: the legacy ``sdn.csv``, ``SDN.XML`` and the advanced XML (``SDN_ADVANCED.XML``).

Only entries of type *vessel* become listed vessels; individuals, entities
and aircraft are counted, and an entity's IMO number (OFAC prints the IMO
*company* number of shipping companies as "Company Number IMO 5342883",
"Identification Number IMO ..." or even "Vessel Registration Identification
IMO ...") is counted as a company IMO number, never read as a ship's.

Layouts: ``sdn.csv`` as OFAC's "SDN.CSV data specification" (12 columns, no
header, ``-0-`` for empty); ``SDN.XML`` (``sdnList/sdnEntry`` with ``idList``,
``akaList``, ``vesselInfo``); the advanced XML as OFAC's
"sdn_advanced_notes.pdf" (``ReferenceValueSets``, ``DistinctParties`` with
typed ``Feature`` values, ``IDRegDocuments``, ``SanctionsEntries``).
"""

import csv
import io
import re

import numpy as np

from shipsight.errors import InputError
from shipsight.sanctions.records import entries_frame, keep_out, new_report, unique
from shipsight.sanctions.xmlread import child_text, children, iter_elements, local

_FIELDS = ("ent_num", "name", "sdn_type", "program", "title", "call_sign", "vess_type", "tonnage", "grt",
           "vess_flag", "vess_owner", "remarks")
_AKA = re.compile(r"^(?:alt\.\s*)?(a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*(.*)$", re.IGNORECASE | re.DOTALL)
_FORMER_NAME = re.compile(r"^(?:alt\.\s*)?Former\s+(?:Vessel\s+)?Names?\s*:?\s*(.*)$", re.IGNORECASE | re.DOTALL)
_IMO = re.compile(r"\bIMO\s*(\d{7})(?!\d)")
_BARE_REGISTRATION = re.compile(r"^Vessel Registration Identification\s+(\d{7})\.?$")
_MMSI = re.compile(r"\bMMSI\s*(\d{9})(?!\d)")
_FLAG = re.compile(r"^(?:alt\.\s*)?(?:Other\s+)?Vessel\s+Flag\s+(.+?)\.?$", re.IGNORECASE)
_CALL_SIGN = re.compile(r"^(?:alt\.\s*)?(?:Other\s+)?Vessel\s+Call\s+Sign\s+([A-Z0-9]+)\.?$", re.IGNORECASE)
_COMPANY_IMO = re.compile(r"\bIMO\s*\d{7}(?!\d)")
MEND = "pass --format ofac-sdn only for OFAC's sdn.csv"


def _unquote(text):
    text = text.strip().rstrip(".").strip()
    if len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0]:
        text = text[1:-1].strip()
    return text


def parse_remarks(remarks):
    """Identity facts from an OFAC ``remarks`` field.

    Parameters
    ----------
    remarks : str or None
        The free text, ``;``-separated clauses such as ``Vessel Registration
        Identification IMO 9187629; MMSI 572469210; f.k.a. 'ALPHA'``.

    Returns
    -------
    dict
        ``imos`` (every ``IMO nnnnnnn``, else a bare seven-digit ``Vessel
        Registration Identification`` number whose check digit passes),
        ``mmsis``, ``aliases`` (``a.k.a.``/``n.k.a.``), ``former_names``
        (``f.k.a.``, ``Former Vessel Name``), ``flags`` and ``call_signs``
        (``alt. Vessel Flag``, ``Other Vessel Call Sign``), each a list; and
        ``imo``/``mmsi``, the first of each or None.

    Examples
    --------
    >>> r = parse_remarks("Vessel Registration Identification IMO 9187655; "
    ...                   "f.k.a. 'ABADEH'; f.k.a. 'CRYSTAL'; Linked To: NITC.")
    >>> r["imo"], r["former_names"]
    ('9187655', ['ABADEH', 'CRYSTAL'])
    """
    from shipsight.model.identity import imo_is_valid

    out = {"imos": [], "mmsis": [], "aliases": [], "former_names": [], "flags": [], "call_signs": []}
    if isinstance(remarks, str):
        bare = []
        for part in remarks.split(";"):
            part = part.strip()
            if not part or part.startswith("Linked To"):
                continue
            m = _AKA.match(part)
            if m:
                kind = "former_names" if m.group(1).lower().startswith("f") else "aliases"
                out[kind].append(_unquote(m.group(2)))
                continue
            m = _FORMER_NAME.match(part)
            if m:
                out["former_names"].append(_unquote(m.group(1)))
                continue
            for pattern, key in ((_FLAG, "flags"), (_CALL_SIGN, "call_signs")):
                m = pattern.match(part)
                if m:
                    out[key].append(m.group(1).strip())
                    break
            else:
                out["imos"] += _IMO.findall(part)
                out["mmsis"] += _MMSI.findall(part)
                m = _BARE_REGISTRATION.match(part)
                if m and imo_is_valid(m.group(1)):
                    bare.append(m.group(1))
        if not out["imos"]:
            out["imos"] = bare
    out = {k: unique(v) for k, v in out.items()}
    out["imo"] = out["imos"][0] if out["imos"] else None
    out["mmsi"] = out["mmsis"][0] if out["mmsis"] else None
    return out


def _value(cell):
    cell = cell.strip()
    return None if cell in ("-0-", "") else cell


def _number(cell):
    cell = _value(cell or "")
    if cell is None:
        return np.nan
    try:
        return float(cell.replace(",", ""))
    except ValueError:
        return np.nan


def clean_program(text):
    """``"IRAN] [NPWMD"`` or ``"[RUSSIA-EO14024]"`` -> ``["IRAN", "NPWMD"]`` / ``["RUSSIA-EO14024"]``.

    >>> clean_program("IRAN] [NPWMD")
    ['IRAN', 'NPWMD']
    """
    if text is None:
        return []
    return unique(p.strip(" []") for p in re.split(r"\]\s*\[", text))


def read_sdn_csv(text, path):
    """OFAC's legacy ``sdn.csv`` (see the module)."""
    report = new_report("ofac-sdn")
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
            raise InputError(f"has {len(row)} columns where OFAC's sdn.csv has 12; is this sdn.csv? If not, {MEND}",
                             where=f"{path}, row {number}")
        fields = dict(zip(_FIELDS, row))
        kind = (_value(fields["sdn_type"]) or "entity").lower()
        if kind != "vessel":
            keep_out(report, kind)
            if _COMPANY_IMO.search(fields["remarks"]):
                report["company_imos"] += 1
            continue
        entry_id = fields["ent_num"].strip()
        if not entry_id:
            raise InputError("has no ent_num; download sdn.csv again", where=f"{path}, row {number}")
        if entry_id in seen:
            raise InputError(f"repeats ent_num {entry_id} of row {seen[entry_id]}; download sdn.csv again",
                             where=f"{path}, row {number}")
        seen[entry_id] = number
        remarks = _value(fields["remarks"])
        facts = parse_remarks(remarks)
        flag = _value(fields["vess_flag"])
        records.append({
            "entry_id": entry_id, "name": fields["name"].strip(),
            "imos": facts["imos"], "mmsis": facts["mmsis"],
            "call_signs": [_value(fields["call_sign"])] + facts["call_signs"],
            "flags": ([] if flag in (None, "None Identified") else [flag]) + facts["flags"],
            "aliases": facts["aliases"], "former_names": facts["former_names"],
            "programs": clean_program(_value(fields["program"])),
            "vessel_type": _value(fields["vess_type"]),
            # OFAC's "tonnage" column holds the deadweight in practice.
            "gross_tonnage": _number(fields["grt"]), "deadweight": _number(fields["tonnage"]),
            "remarks": remarks,
        })
    if not records:
        raise InputError("has no vessel rows (sdn_type 'vessel'); is this the full sdn.csv rather than an extract?",
                         where=str(path))
    return entries_frame(records, source=path, format="ofac-sdn", report=report)


# ---------------------------------------------------------------- SDN.XML

def _add_typed(record, label, value):
    """File a value OFAC labels (an idType, IDRegDocType or FeatureType) under the record's identifiers.

    Returns whether the label was one of them (MMSI, vessel registration/IMO, call sign, current flag).
    """
    t = label.lower()
    key = ("mmsis" if "mmsi" in t else "imos" if "vessel registration" in t or t.startswith("imo")
           else "call_signs" if "call sign" in t else "flags" if "flag" in t and "former" not in t else None)
    if key is not None:
        record[key].append(value)
    return key is not None


def _sdn_name(entry):
    return " ".join(t for t in (child_text(entry, "firstName"), child_text(entry, "lastName")) if t)


def read_sdn_xml(path):
    """OFAC's ``SDN.XML`` (``sdnList/sdnEntry``); any namespace."""
    report = new_report("ofac-xml")
    records = []
    for entry in iter_elements(path, "sdnEntry"):
        kind = (child_text(entry, "sdnType") or "entity").lower()
        ids = [(child_text(i, "idType") or "", child_text(i, "idNumber") or "")
               for i in children(entry, "idList", "id")]
        if kind != "vessel":
            keep_out(report, kind)
            if any(_COMPANY_IMO.search(number) for _, number in ids):
                report["company_imos"] += 1
            continue
        record = {"entry_id": child_text(entry, "uid"), "name": _sdn_name(entry), "imos": [], "mmsis": [],
                  "call_signs": [], "flags": [], "aliases": [], "former_names": [],
                  "programs": [p.text for p in children(entry, "programList", "program")]}
        for id_type, number in ids:
            _add_typed(record, id_type, number)
        for aka in children(entry, "akaList", "aka"):
            kind_of = (child_text(aka, "type") or "").lower()
            key = "former_names" if kind_of.startswith("f") else "aliases"
            record[key].append(_sdn_name(aka))
        for info in children(entry, "vesselInfo"):
            record["call_signs"].append(child_text(info, "callSign"))
            record["flags"].append(child_text(info, "vesselFlag"))
            record["vessel_type"] = child_text(info, "vesselType")
            record["deadweight"] = child_text(info, "tonnage")
            record["gross_tonnage"] = child_text(info, "grossRegisteredTonnage")
        record["flags"] = [f for f in record["flags"] if f and f != "None Identified"]
        if not record["entry_id"]:
            raise InputError("an sdnEntry has no uid; download SDN.XML again", where=str(path))
        records.append(record)
    if not records and not report["kept_out"]:
        raise InputError("holds no sdnEntry elements; is it OFAC's SDN.XML?", where=str(path))
    return entries_frame(records, source=path, format="ofac-xml", report=report)


# ---------------------------------------------------------------- advanced XML

def _refs(element):
    """ReferenceValueSets as {set name: {ID: text}} (e.g. "FeatureType" -> {"3": "Vessel Flag"})."""
    out = {}
    for value_set in element:
        name = local(value_set.tag).removesuffix("Values")
        out[name] = {v.get("ID"): (v.text or v.get("Description") or "").strip() for v in value_set}
    return out


def _date(el):
    if el is None:
        return None
    parts = [child_text(el, k) for k in ("Year", "Month", "Day")]
    if not parts[0]:
        return None
    return "-".join([parts[0]] + [p.zfill(2) for p in parts[1:] if p])


def _party(profile, refs, locations):
    """The summary of one DistinctParty's Profile: kind, identity id, names, features."""
    kind = refs.get("PartySubType", {}).get(profile.get("PartySubTypeID"), "")
    if kind == "Unknown" or not kind:
        kind = refs.get("PartyType", {}).get(profile.get("PartySubTypeID"), "") or "entity"
    names = {"name": [], "aliases": [], "former_names": []}
    identity_id = None
    for identity in children(profile, "Identity"):
        identity_id = identity.get("ID")
        for alias in children(identity, "Alias"):
            alias_type = refs.get("AliasType", {}).get(alias.get("AliasTypeID"), "").upper()
            for documented in children(alias, "DocumentedName"):
                text = " ".join(v.text.strip() for v in documented.iter() if local(v.tag) == "NamePartValue" and v.text)
                if alias.get("Primary") == "true" or alias_type == "NAME":
                    names["name"].append(text)
                elif alias_type.startswith("F"):
                    names["former_names"].append(text)
                else:
                    names["aliases"].append(text)
    features = []
    for feature in children(profile, "Feature"):
        label = refs.get("FeatureType", {}).get(feature.get("FeatureTypeID"), "")
        for el in feature.iter():
            tag = local(el.tag)
            if tag == "VersionDetail":
                ref = el.get("DetailReferenceID")
                value = refs.get("DetailReference", {}).get(ref) if ref else (el.text or "").strip()
                features.append((label, value))
            elif tag == "VersionLocation":
                features.append((label, locations.get(el.get("LocationID"))))
    return {"kind": kind.lower(), "identity": identity_id, "names": names, "features": features}


def read_advanced_xml(path):
    """OFAC's advanced XML (``Sanctions`` with ``DistinctParties``); any namespace."""
    report = new_report("ofac-xml")
    refs, locations, parties, docs, entries = {}, {}, {}, [], {}
    wanted = ("ReferenceValueSets", "Location", "DistinctParty", "IDRegDocument", "SanctionsEntry")
    for el in iter_elements(path, *wanted):
        tag = local(el.tag)
        if tag == "ReferenceValueSets":
            refs = _refs(el)
        elif tag == "Location":
            country = next((refs.get("Country", {}).get(c.get("CountryID")) for c in el.iter()
                            if local(c.tag) == "LocationCountry"), None)
            locations[el.get("ID")] = country
        elif tag == "DistinctParty":
            for profile in children(el, "Profile"):
                parties[profile.get("ID")] = _party(profile, refs, locations)
        elif tag == "IDRegDocument":
            docs.append((el.get("IdentityID"), refs.get("IDRegDocType", {}).get(el.get("IDRegDocTypeID"), ""),
                         child_text(el, "IDRegistrationNo") or ""))
        elif tag == "SanctionsEntry":
            programs, dates = [], []
            for measure in children(el, "SanctionsMeasure"):
                if refs.get("SanctionsType", {}).get(measure.get("SanctionsTypeID")) == "Program":
                    programs.append(child_text(measure, "Comment"))
            for event in children(el, "EntryEvent"):
                dates.append(_date(next((d for d in event.iter() if local(d.tag) == "Date"), None)))
            entry = entries.setdefault(el.get("ProfileID"), {"programs": [], "dates": []})
            entry["programs"] += programs
            entry["dates"] += [d for d in dates if d]
    if not parties:
        raise InputError("holds no DistinctParty elements; is it OFAC's SDN_ADVANCED.XML?", where=str(path))
    by_identity = {}
    for identity, doc_type, number in docs:
        by_identity.setdefault(identity, []).append((doc_type, number))
    records = []
    for profile_id, party in parties.items():
        party_docs = by_identity.get(party["identity"], [])
        if party["kind"] != "vessel":
            keep_out(report, party["kind"])
            if any(_COMPANY_IMO.search(n) for _, n in party_docs):
                report["company_imos"] += 1
            continue
        record = {"entry_id": profile_id, "imos": [], "mmsis": [], "call_signs": [], "flags": [],
                  "former_names": party["names"]["former_names"], "aliases": party["names"]["aliases"]}
        names = party["names"]["name"] or party["names"]["aliases"][:1]
        record["name"] = names[0] if names else ""
        record["aliases"] = names[1:] + record["aliases"]
        for label, value in party_docs + party["features"]:
            if value is None or _add_typed(record, label, value):
                continue
            t = label.lower()
            if t in ("vessel type", "vessel type:"):
                record["vessel_type"] = value
            elif "gross registered tonnage" in t:
                record["gross_tonnage"] = value
            elif t == "vessel tonnage":
                record["deadweight"] = value
        entry = entries.get(profile_id, {"programs": [], "dates": []})
        record["programs"] = entry["programs"]
        record["listed_on"] = min(entry["dates"]) if entry["dates"] else None
        record["flags"] = [f for f in record["flags"] if f != "None Identified"]
        records.append(record)
    return entries_frame(records, source=path, format="ofac-xml", report=report)
