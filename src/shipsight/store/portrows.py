"""Port rows as both back ends audit them."""

import json

import shapely

from shipsight.store.convert import nullable

#: What tells ports of one name apart, kept beside the name (schema version 3).
PORT_IDENTITY = ("country", "locode", "wpi_number", "alternate_name")


def port_identity_values(ports):
    """Each :data:`PORT_IDENTITY` column of a ports frame as a list (None where absent)."""
    return [nullable(ports[c]) if c in ports.columns else [None] * len(ports) for c in PORT_IDENTITY]


def port_audit_values(ports, areas):
    """The audit log's ``new`` value of each imported port: its fields and its polygon as WKT."""
    wkt = shapely.to_wkt(ports.geometry.values, rounding_precision=7)
    identity = port_identity_values(ports)
    return [json.dumps({"name": name, "kind": kind, "watchlist": bool(watch),
                        "reason": None if reason is None or reason != reason else reason,
                        **{k: v for k, v in zip(PORT_IDENTITY, ident) if v is not None},
                        "area_m2": float(area), "geometry": geom})
            for name, kind, watch, reason, area, geom, *ident in zip(
                ports["name"], ports["kind"], ports["watchlist"], ports["reason"], areas, wkt, *identity)]


def _locode_key(text):
    return "".join(str(text).split()).upper()


def select_port(ports, key, *, where="--port"):
    """The one port a user names by id, UN/LOCODE (``XA VIC`` or ``XAVIC``) or name (any case).

    Parameters
    ----------
    ports : pandas.DataFrame
        The store's ports (at least id, name, country, locode).
    key : str or int
        What the user gave.
    where : str
        The option named in errors.

    Returns
    -------
    pandas.Series
        The port's row.

    Raises
    ------
    NotFoundError
        No port of that id, UN/LOCODE or name.
    InputError
        A name several ports share: each is listed with its id, country and UN/LOCODE.

    Examples
    --------
    >>> import pandas as pd
    >>> ports = pd.DataFrame({"id": [1, 2], "name": ["Victoria", "Victoria"], "country": ["Canada", "Seychelles"],
    ...                       "locode": ["CA VIC", "SC POV"]})
    >>> int(select_port(ports, "SCPOV")["id"])
    2
    >>> select_port(ports, "victoria")
    Traceback (most recent call last):
    ...
    shipsight.errors.InputError: --port: 'victoria' matches 2 ports: id 1 (Canada, CA VIC), id 2 (Seychelles, SC POV); give the id or the UN/LOCODE
    """
    from shipsight.errors import InputError, NotFoundError

    text = str(key).strip()
    hit = ports[ports["id"].astype(str) == text]
    if hit.empty and "locode" in ports.columns:
        hit = ports[ports["locode"].map(lambda v: v is not None and v == v and _locode_key(v) == _locode_key(text))]
    if hit.empty:
        hit = ports[ports["name"].str.lower() == text.lower()]
    if hit.empty:
        raise NotFoundError(f"unknown port {key!r}; see 'shipsight ports list'", where=where)
    if len(hit) > 1:
        def label(row):
            parts = [str(row.get(c)) for c in ("country", "locode") if row.get(c) is not None and row.get(c) == row.get(c)]
            return f"id {int(row['id'])}" + (f" ({', '.join(parts)})" if parts else "")

        listed = ", ".join(label(row) for _, row in hit.iterrows())
        raise InputError(f"{key!r} matches {len(hit)} ports: {listed}; give the id or the UN/LOCODE", where=where)
    return hit.iloc[0]
