"""The AIS identities in the store, with what the MMSI itself says: kind of station, MID country, flag."""

import numpy as np

from shipsight.model.identity import MMSI_KINDS
from shipsight.errors import InputError

#: Columns of :func:`ais_vessels`, in order.
VESSEL_COLUMNS = ("mmsi", "kind", "country", "flag", "name", "imo", "call_sign", "ship_type", "vessel_type",
                  "length_m", "valid_from", "valid_to", "reports", "id", "import_id")


def ais_vessels(store, *, mmsi=None, imo=None, name=None, since=None, until=None, kind="ship", country=None,
                vessel_type=None):
    """Identity runs with filters: ``kind`` (one of :data:`~shipsight.model.identity.MMSI_KINDS`, or
    ``all``), ``country`` (ISO code or part of the MID country's name), ``vessel_type`` (part of it),
    and those of :meth:`Store.ais_identities`.

    Returns
    -------
    DataFrame of :data:`VESSEL_COLUMNS`, by MMSI then time.
    """
    from shipsight.model.identity import mmsi_kind_codes
    from shipsight.model.mid import mid_country, mid_flag

    if kind != "all" and kind not in MMSI_KINDS:
        raise InputError(f"unknown kind {kind!r}; choose one of all, {', '.join(MMSI_KINDS)}")
    df = store.ais_identities(mmsi=mmsi, imo=imo, name=name, since=since, until=until)
    numbers = df["mmsi"].astype(str).str.fullmatch(r"\d{1,10}").to_numpy(dtype=bool)
    values = np.where(numbers, df["mmsi"].astype(str).where(numbers, "0"), "-1").astype(np.int64)
    codes, mids = mmsi_kind_codes(values)
    df["kind"] = np.asarray(MMSI_KINDS, dtype=object)[codes]
    df["country"] = np.where(mids > 0, mid_country(mids), None)
    df["flag"] = np.where(mids > 0, mid_flag(mids), None)
    keep = np.ones(len(df), dtype=bool)
    if kind != "all":
        keep &= (df["kind"] == kind).to_numpy()
    if country is not None:
        c = str(country).strip().upper()
        flags = df["flag"].fillna("").str.upper().str.split("/")
        keep &= (flags.map(lambda codes: c in codes) | df["country"].fillna("").str.upper().str.contains(c,
                                                                                                        regex=False)
                 ).to_numpy(dtype=bool)
    if vessel_type is not None:
        keep &= df["vessel_type"].fillna("").str.contains(str(vessel_type).strip(), case=False, regex=False
                                                          ).to_numpy(dtype=bool)
    return df[keep][list(VESSEL_COLUMNS)].reset_index(drop=True)
