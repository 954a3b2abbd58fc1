"""A vessel's track from the archive, with the identity it broadcast at each position.

A track is asked for by MMSI (nine digits) or IMO number (seven digits, or
``IMO 9179842``). By IMO it follows the vessel across MMSIs: the positions of
every MMSI while the identity in force (its latest static report, see
:func:`~shipsight.ais.identities.identity_at`) carried that IMO.
"""

import re
from datetime import timedelta

import numpy as np
import pandas as pd

from shipsight.errors import InputError, NotFoundError

#: Columns of a track frame, in order.
TRACK_COLUMNS = ("mmsi", "time", "lon", "lat", "sog", "cog", "heading", "nav_status", "msg_type", "time_assumed",
                 "name", "imo", "call_sign", "vessel_type", "length_m")


def parse_vessel_key(text):
    """``("mmsi", "273456780")`` or ``("imo", "9179842")`` for what an analyst typed.

    >>> parse_vessel_key("IMO 9179842"), parse_vessel_key("273456780")
    (('imo', '9179842'), ('mmsi', '273456780'))
    """
    from shipsight.model.identity import parse_imo

    key = str(text).strip().upper()
    if re.fullmatch(r"\d{9}", key):
        return "mmsi", key
    if re.fullmatch(r"(?:IMO[\s:#-]*)?\d{7}", key):
        imo = parse_imo(key)
        if imo is None:
            raise InputError(f"{text!r} is a placeholder IMO number (unknown), not a vessel's; give an MMSI or "
                             "a real IMO number")
        return "imo", imo
    raise InputError(f"{text!r} is neither an MMSI (nine digits) nor an IMO number (seven digits, or 'IMO 9179842')")


def vessel_track(store, archive, key, *, since=None, until=None):
    """The positions of a vessel (MMSI or IMO, see :func:`parse_vessel_key`) in ``[since, until]``.

    Without ``since``/``until`` the window is the vessel's identities' span
    (a day either side), or the whole archive for an MMSI with no static data.

    Returns
    -------
    DataFrame
        :data:`TRACK_COLUMNS`, by MMSI then time; ``mmsi`` as nine-digit text, ``time`` UTC.

    Raises
    ------
    NotFoundError
        No AIS identity carries the IMO, or no position matches.
    """
    from shipsight.ais.identities import identity_at
    from shipsight.model.identity import mmsi_text

    kind, value = parse_vessel_key(key)
    identities = store.ais_identities(**{kind: value})
    if kind == "imo":
        if identities.empty:
            raise NotFoundError(f"no AIS identity broadcasts IMO {value}; see 'shipsight ais vessels'")
        identities = store.ais_identities(mmsi=sorted(set(identities["mmsi"])))
    mmsis = sorted({int(m) for m in identities["mmsi"]}) if kind == "imo" else [int(value)]
    if since is None or until is None:
        if len(identities):
            span = (identities["valid_from"].min() - timedelta(days=1), identities["valid_to"].max() + timedelta(days=1))
        else:
            days = archive.days()
            if not days:
                raise NotFoundError(f"the AIS archive {archive.path} holds no positions")
            span = (pd.Timestamp(days[0], tz="UTC"), pd.Timestamp(days[-1], tz="UTC") + timedelta(days=1))
        since = since or span[0].to_pydatetime()
        until = until or span[1].to_pydatetime()
    table = archive.positions(since, until, mmsi=mmsis)
    frame = table.to_pandas()
    frame["time"] = frame["time"].astype("datetime64[ms, UTC]")
    identities = identities.reset_index(drop=True)
    row = identity_at(identities, frame["mmsi"].to_numpy(), frame["time"])
    for c in ("name", "imo", "call_sign", "vessel_type", "length_m"):
        values = identities[c].to_numpy(dtype=object) if len(identities) else np.array([], dtype=object)
        out = np.full(len(frame), None, dtype=object)
        out[row >= 0] = values[row[row >= 0]]
        frame[c] = pd.Series(out, dtype=object, index=frame.index)
    if kind == "imo":
        frame = frame[(frame["imo"] == value).to_numpy(dtype=bool)]
    frame["length_m"] = frame["length_m"].astype(float)
    frame["mmsi"] = mmsi_text(frame["mmsi"].to_numpy()) if len(frame) else frame["mmsi"].astype(object)
    if frame.empty:
        raise NotFoundError(f"no AIS position of {kind.upper()} {value} between {since:%Y-%m-%d %H:%M} and "
                            f"{until:%Y-%m-%d %H:%M} UTC in {archive.path}")
    return frame[list(TRACK_COLUMNS)].reset_index(drop=True)


def track_lines(track):
    """One line per MMSI of a track frame, split where it crosses the antimeridian: a GeoDataFrame
    (mmsi, name, imo, first, last, positions, geometry as LineString or MultiLineString)."""
    import geopandas as gpd
    import shapely

    rows = []
    for mmsi, g in track.groupby("mmsi", sort=True):
        lon, lat = g["lon"].to_numpy(), g["lat"].to_numpy()
        # A jump of more than 180 degrees of longitude is the short way across +-180: cut there.
        cuts = np.flatnonzero(np.abs(np.diff(lon)) > 180) + 1
        pieces = [np.c_[x, y] for x, y in zip(np.split(lon, cuts), np.split(lat, cuts)) if len(x) > 1]
        geom = (shapely.linestrings(pieces[0]) if len(pieces) == 1 else
                shapely.multilinestrings([shapely.linestrings(p) for p in pieces]) if pieces else
                shapely.points(lon[0], lat[0]))
        names = [n for n in g["name"].dropna().unique()]
        imos = [i for i in g["imo"].dropna().unique()]
        rows.append({"mmsi": mmsi, "name": "; ".join(names) or None, "imo": "; ".join(imos) or None,
                     "first": g["time"].min(), "last": g["time"].max(), "positions": len(g), "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
