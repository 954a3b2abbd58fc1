"""The analyst's own vessel particulars: type, deadweight, gross tonnage.

Sanctions lists rarely give a tanker's deadweight, which the cap tracker
needs; an analyst enters it from a registry or a Panel of Experts report into
the store's ``vessels`` table, one row per IMO number, every change audited
(entity ``vessel``).

>>> import tempfile, os
>>> from shipsight.store import open_store
>>> store = open_store(os.path.join(tempfile.mkdtemp(), "log.db"))
>>> _ = set_vessel(store, "8604917", deadweight=3300, vessel_type="tanker", analyst="kim")
>>> store.vessels()[["imo", "deadweight"]].values.tolist()
[['8604917', 3300.0]]
"""

import math
from pathlib import Path

import pandas as pd

from shipsight.errors import InputError, RowErrors, names_the_file
from shipsight.model import parse_imo, parse_mmsi

#: Columns of a vessels CSV (``imo`` required; the others optional, blank = unknown).
VESSEL_FIELDS = ("imo", "mmsi", "name", "vessel_type", "deadweight", "gross_tonnage", "note")


def _tonnes(value, field):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).replace(",", "").replace("_", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise InputError(f"{value!r} is not a number of tonnes", where=field) from None
    if math.isnan(number):
        return None
    if not math.isfinite(number) or number <= 0:
        raise InputError(f"{value!r} must be a positive number of tonnes", where=field)
    return number


def _text(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def check_vessel(imo, *, mmsi=None, name=None, vessel_type=None, deadweight=None, gross_tonnage=None, note=None):
    """Validate one vessel's particulars; returns a dict of the fields given (None left out).

    Raises
    ------
    InputError
        A missing or wrong IMO (check digit), a bad MMSI, a tonnage that is
        not a positive number. ``where`` names the field.

    Examples
    --------
    >>> check_vessel("IMO 8604917", deadweight="3,300")
    {'imo': '8604917', 'deadweight': 3300.0}
    """
    try:
        imo = parse_imo(imo)
    except InputError as exc:
        raise InputError(exc.message, where="imo") from None
    if imo is None:
        raise InputError("a vessel record needs its IMO number", where="imo")
    try:
        mmsi = parse_mmsi(mmsi)
    except InputError as exc:
        raise InputError(exc.message, where="mmsi") from None
    out = {"imo": imo, "mmsi": mmsi, "name": _text(name), "vessel_type": _text(vessel_type),
           "deadweight": _tonnes(deadweight, "deadweight"), "gross_tonnage": _tonnes(gross_tonnage, "gross_tonnage"),
           "note": _text(note)}
    return {k: v for k, v in out.items() if v is not None}


def set_vessel(store, imo, *, analyst, mmsi=None, name=None, vessel_type=None, deadweight=None, gross_tonnage=None,
               note=None):
    """Record or update a vessel's particulars (only the fields given change); returns the row id.

    Examples
    --------
    >>> set_vessel(store, "8660313", deadweight=4100, analyst="kim")   # doctest: +SKIP
    2
    """
    fields = check_vessel(imo, mmsi=mmsi, name=name, vessel_type=vessel_type, deadweight=deadweight,
                          gross_tonnage=gross_tonnage, note=note)
    if len(fields) == 1:
        raise InputError("nothing to set; give --deadweight, --gross-tonnage, --vessel-type, --name, --mmsi or --note")
    imo = fields.pop("imo")
    return store.set_vessel(imo, analyst=analyst, **fields)


@names_the_file
def import_vessels(store, path, *, analyst):
    """Import a CSV of vessel particulars (columns :data:`VESSEL_FIELDS`) in one transaction.

    Every bad row is reported (:class:`~shipsight.errors.RowErrors`, rows
    counted as in the file, header = row 1) and nothing is written. Rows
    update existing records of the same IMO; a row that changes nothing
    writes nothing.

    Returns
    -------
    int
        The number of rows read.

    Examples
    --------
    >>> import_vessels(store, "samples/vessels.csv", analyst="kim")   # doctest: +SKIP
    4
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", where=str(path))
    try:
        data = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"not a readable CSV ({exc})", where=str(path)) from None
    data.columns = [c.strip().lower() for c in data.columns]
    if "imo" not in data.columns:
        raise InputError(f"no 'imo' column; the columns are {', '.join(VESSEL_FIELDS)}", where=str(path))
    unknown = [c for c in data.columns if c not in VESSEL_FIELDS]
    if unknown:
        raise InputError(f"unknown column(s) {', '.join(unknown)}; use {', '.join(VESSEL_FIELDS)}", where=str(path))
    records, problems = [], []
    for number, row in enumerate(data.to_dict("records"), start=2):  # a few hundred rows at most
        try:
            records.append(check_vessel(**{k: row.get(k) for k in VESSEL_FIELDS}))
        except InputError as exc:
            problems.append((number, exc.where or "row", exc.message))
    if problems:
        raise RowErrors(str(path), problems)
    if not records:
        raise InputError("holds no vessels", where=str(path))
    with store.transaction():
        for fields in records:
            imo = fields.pop("imo")
            store.set_vessel(imo, analyst=analyst, **fields)
    return len(records)
