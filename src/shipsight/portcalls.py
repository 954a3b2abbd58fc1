"""Port calls: consecutive sightings of one identified vessel inside one port."""

import numpy as np
import pandas as pd

from shipsight.model.vocab import DEFAULT_MAX_GAP_H


def vessel_key(sightings):
    """One identity key per sighting: ``IMO n``, else ``MMSI n``, else the upper-cased name.

    Sightings with no identity get NA.

    >>> vessel_key(pd.DataFrame({"imo": ["9179842", None, None], "mmsi": [None, "273000000", None],
    ...                          "name": ["Angara", "X", None]})).tolist()
    ['IMO 9179842', 'MMSI 273000000', <NA>]
    """
    imo = "IMO " + sightings["imo"].astype("string")
    mmsi = "MMSI " + sightings["mmsi"].astype("string")
    name = sightings["name"].astype("string").str.strip().str.upper().replace("", pd.NA)
    return imo.fillna(mmsi).fillna(name)


def port_calls(sightings, *, max_gap_h=DEFAULT_MAX_GAP_H):
    """Group sightings into port calls.

    A vessel's sightings in time order form a call while they stay in one port;
    a sighting elsewhere (another port or at sea) ends it, and so does a gap of
    more than ``max_gap_h`` hours, since revisits of a satellite are sparse and
    a ship seen in a port twice a month apart has most likely left between.

    Parameters
    ----------
    sightings : DataFrame
        As :meth:`Store.sightings` returns (active sightings).

    Returns
    -------
    DataFrame
        vessel, name, imo, mmsi, vessel_type, port_id, port, first_seen,
        last_seen, hours, n_sightings, sighting_ids; ordered by first_seen.
    """
    columns = ["vessel", "name", "imo", "mmsi", "vessel_type", "port_id", "port", "first_seen",
               "last_seen", "hours", "n_sightings", "sighting_ids"]
    s = sightings.assign(vessel=vessel_key(sightings))
    s = s[s["vessel"].notna()].sort_values(["vessel", "time", "id"], kind="stable")
    if s.empty:
        return pd.DataFrame(columns=columns)
    key = s["vessel"].to_numpy(dtype=object)
    port = s["port_id"].fillna(-1).to_numpy(dtype=np.int64)
    t = s["time"].to_numpy("datetime64[us]")
    gap_h = np.r_[np.inf, np.diff(t).astype("timedelta64[us]").astype(np.int64) / 3.6e9]
    new = np.r_[True, (key[1:] != key[:-1]) | (port[1:] != port[:-1])] | (gap_h > max_gap_h)
    s = s.assign(call=np.cumsum(new))
    s = s[port >= 0]
    if s.empty:
        return pd.DataFrame(columns=columns)
    calls = s.groupby("call", sort=False).agg(
        vessel=("vessel", "first"), name=("name", "last"), imo=("imo", "last"), mmsi=("mmsi", "last"),
        vessel_type=("vessel_type", "last"), port_id=("port_id", "first"), port=("port", "first"),
        first_seen=("time", "min"), last_seen=("time", "max"), n_sightings=("id", "size"),
        sighting_ids=("id", list),
    )
    calls["hours"] = (calls["last_seen"] - calls["first_seen"]).dt.total_seconds() / 3600.0
    return calls.sort_values(["first_seen", "vessel"]).reset_index(drop=True)[columns]


def store_port_calls(store, *, port=None, vessel=None, since=None, until=None, max_gap_h=DEFAULT_MAX_GAP_H):
    """Port calls from a store's active sightings, optionally only at one port.

    Calls are built from all of a vessel's sightings in the window (a sighting
    elsewhere ends a call), then those at ``port`` (or at a berth or terminal
    inside it) are kept.
    """
    from shipsight.store import SightingQuery

    calls = port_calls(store.sightings(SightingQuery(vessel=vessel, since=since, until=until)), max_gap_h=max_gap_h)
    if port is not None:
        inside = store.sightings(SightingQuery(port=port, vessel=vessel, since=since, until=until))["id"]
        hit = calls["sighting_ids"].explode().isin(inside).groupby(level=0).any()
        calls = calls[hit.reindex(calls.index, fill_value=False)].reset_index(drop=True)
    return calls
