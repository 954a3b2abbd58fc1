"""Port rows as both back ends audit them."""

import json

import numpy as np
import pandas as pd
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


#: What must be equal for an imported port to be one already stored: every field and the polygon.
_SAME_PORT = ("name", "kind", "watchlist", "reason", *PORT_IDENTITY)
#: Polygons whose vertices agree to this many degrees (about a centimetre) are the same polygon.
_GEOMETRY_TOLERANCE = 1e-7


def _port_keys(ports):
    keys = {}
    for c in _SAME_PORT:
        values = ports[c] if c in ports.columns else pd.Series([None] * len(ports), index=ports.index)
        if c == "kind":
            values = values.where(values.notna(), "port")  # the store's default kind
        elif c == "watchlist":
            values = values.fillna(False).astype(bool)
        # One marker for "no value": None, NaN and NA alike.
        keys[c] = pd.Series(values, dtype=object).where(pd.notna(values), "\x00").astype(str).to_numpy()
    return pd.DataFrame(keys)


def stored_already(ports, stored):
    """True for each port of ``ports`` identical to one of ``stored``.

    Identical means the same name, kind, watch-listing, reason, country,
    UN/LOCODE, WPI number and alternate name, and the same polygon (vertices
    within 1e-7 degree, after :func:`shapely.normalize`): what a second import
    of the same file gives. A port that differs in any of these is not
    identical, so an edited file adds the edited ports beside the old ones.

    Parameters
    ----------
    ports, stored : geopandas.GeoDataFrame
        Ports to import, and the store's ports (:meth:`Store.ports`).

    Returns
    -------
    numpy.ndarray of bool, shape (len(ports),)

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> box = shapely.box(130.0, 42.0, 130.1, 42.1)
    >>> stored = gpd.GeoDataFrame({"name": ["Rajin"], "kind": ["port"], "watchlist": [True], "reason": [None]},
    ...                           geometry=[box], crs=4326)
    >>> new = gpd.GeoDataFrame({"name": ["Rajin", "Rajin"], "kind": ["port", "port"], "watchlist": [True, False],
    ...                         "reason": [None, None]}, geometry=[box, box], crs=4326)
    >>> stored_already(new, stored).tolist()
    [True, False]
    """
    if len(stored) == 0 or len(ports) == 0:
        return np.zeros(len(ports), dtype=bool)
    new = _port_keys(ports).assign(_new=np.arange(len(ports)))
    old = _port_keys(stored).assign(_old=np.arange(len(stored)))
    pairs = new.merge(old, on=list(_SAME_PORT))[["_new", "_old"]]
    if pairs.empty:
        return np.zeros(len(ports), dtype=bool)
    a = shapely.normalize(np.asarray(ports.geometry.values, dtype=object)[pairs["_new"].to_numpy()])
    b = shapely.normalize(np.asarray(stored.geometry.values, dtype=object)[pairs["_old"].to_numpy()])
    same = shapely.equals_exact(a, b, tolerance=_GEOMETRY_TOLERANCE)
    out = np.zeros(len(ports), dtype=bool)
    out[pairs["_new"].to_numpy()[same]] = True
    return out


def namesakes(added, before):
    """Ports just added that share name (any case), country and UN/LOCODE with a port stored before.

    Such a port differs from the stored one (else :func:`stored_already` would
    have skipped it), so a name now picks two ports: the import says so.

    Returns
    -------
    list of (str, list of int)
        The added port's name and the ids of the stored ports it shares them with.

    Examples
    --------
    >>> import pandas as pd
    >>> before = pd.DataFrame({"id": [1], "name": ["Rajin"], "country": [None], "locode": [None]})
    >>> added = pd.DataFrame({"id": [2, 3], "name": ["RAJIN", "Najin"], "country": [None, None], "locode": [None, None]})
    >>> namesakes(added, before)
    [('RAJIN', [1])]
    """
    def keys(ports):
        out = pd.DataFrame({"key_name": ports["name"].astype(str).str.lower().to_numpy()})
        for c in ("country", "locode"):
            values = ports[c] if c in ports.columns else pd.Series([None] * len(ports))
            out[c] = pd.Series(values, dtype=object).where(pd.notna(values), "\x00").astype(str).to_numpy()
        return out

    if len(added) == 0 or len(before) == 0:
        return []
    pairs = keys(added).assign(name=added["name"].to_numpy(), added=added["id"].to_numpy()).merge(
        keys(before).assign(stored=before["id"].to_numpy()), on=["key_name", "country", "locode"])
    return [(group["name"].iat[0], sorted(int(i) for i in group["stored"]))
            for _, group in pairs.groupby("added", sort=True)]


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
