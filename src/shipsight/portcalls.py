"""Port calls: consecutive sightings of one identified vessel inside one port, and calls from AIS.

Calls come from two sources, each call saying which: ``imagery`` (sightings,
:func:`port_calls`) and ``ais`` (positions stopped inside a port polygon,
found by ``shipsight ais behaviour`` and kept in the store). A call seen by
both (the same vessel by IMO, else MMSI, at the same port, overlapping in
time) is one call, ``imagery+ais``.
"""

import numpy as np
import pandas as pd

from shipsight.model.vocab import DEFAULT_MAX_GAP_H


CALL_COLUMNS = ["vessel", "name", "imo", "mmsi", "vessel_type", "port_id", "port", "first_seen", "last_seen", "hours",
                "n_sightings", "sighting_ids"]


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
    columns = CALL_COLUMNS
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


def ais_calls(frame):
    """AIS port calls (rows of ``Store.ais_port_calls``) in the columns of :func:`port_calls`,
    plus ``ais_positions``; ``source`` is ``ais``."""
    if frame.empty:
        return pd.DataFrame(columns=[*CALL_COLUMNS, "ais_positions", "source"])
    out = pd.DataFrame({"name": frame["name"], "imo": frame["imo"], "mmsi": frame["mmsi"],
                        "vessel_type": frame["vessel_type"], "port_id": frame["port_id"], "port": frame["port"],
                        "first_seen": frame["entry"], "last_seen": frame["exit"], "hours": frame["hours"],
                        "n_sightings": 0, "sighting_ids": [[] for _ in range(len(frame))],
                        "ais_positions": frame["positions"]})
    out["vessel"] = vessel_key(out)
    return out.assign(source="ais")[[*CALL_COLUMNS, "ais_positions", "source"]]


def combine_calls(imagery, ais):
    """Imagery and AIS calls as one list: a call both saw (same port, the vessel by IMO where both
    know it, else MMSI, times overlapping) is one, ``source`` ``imagery+ais``, spanning both.

    >>> t = pd.to_datetime(["2024-03-01T10:00Z", "2024-03-01T12:00Z", "2024-03-05T00:00Z"])
    >>> img = pd.DataFrame({"vessel": ["IMO 9179842"], "name": ["ANGARA"], "imo": ["9179842"], "mmsi": [None],
    ...     "vessel_type": [None], "port_id": [1], "port": ["Rajin"], "first_seen": t[[1]], "last_seen": t[[1]],
    ...     "hours": [0.0], "n_sightings": [1], "sighting_ids": [[7]]})
    >>> a = img.assign(first_seen=t[[0]], last_seen=t[[2]], mmsi=["273456780"], n_sightings=0, sighting_ids=[[]])
    >>> combine_calls(img, a)[["source", "first_seen", "sighting_ids"]].values.tolist()
    [['imagery+ais', Timestamp('2024-03-01 10:00:00+0000', tz='UTC'), [7]]]
    """
    imagery = imagery.assign(source="imagery", ais_positions=0)
    ais = ais.assign(source="ais") if "source" not in ais.columns else ais
    if "ais_positions" not in ais.columns:
        ais = ais.assign(ais_positions=0)
    if imagery.empty or ais.empty:
        both = pd.concat([f for f in (imagery, ais) if len(f)], ignore_index=True) if len(imagery) or len(ais) \
            else imagery
        return both.sort_values(["first_seen", "vessel"]).reset_index(drop=True) if len(both) else both
    img = imagery.reset_index(drop=True)
    a = ais.reset_index(drop=True)
    pairs = []
    for key in ("imo", "mmsi"):
        m = img.reset_index().merge(a.reset_index(), on=["port_id", key], suffixes=("", "_a"))
        m = m[m[key].notna()]
        if key == "mmsi":  # by MMSI only where IMOs do not both say otherwise
            m = m[m["imo"].isna() | m["imo_a"].isna() | (m["imo"] == m["imo_a"])]
        m = m[(m["first_seen"] <= m["last_seen_a"]) & (m["last_seen"] >= m["first_seen_a"])]
        pairs.append(m[["index", "index_a"]])
    pairs = pd.concat(pairs).drop_duplicates()
    pairs = pairs.drop_duplicates("index").drop_duplicates("index_a")
    merged = img.loc[pairs["index"]].reset_index(drop=True)
    other = a.loc[pairs["index_a"]].reset_index(drop=True)
    merged["first_seen"] = np.minimum(merged["first_seen"], other["first_seen"])
    merged["last_seen"] = np.maximum(merged["last_seen"], other["last_seen"])
    merged["hours"] = (merged["last_seen"] - merged["first_seen"]).dt.total_seconds() / 3600.0
    for c in ("name", "imo", "mmsi", "vessel_type"):
        merged[c] = merged[c].where(merged[c].notna(), other[c])
    merged["ais_positions"] = other["ais_positions"].to_numpy()
    merged["source"] = "imagery+ais"
    rest = [img.drop(index=pairs["index"]), a.drop(index=pairs["index_a"])]
    out = pd.concat([merged, *rest], ignore_index=True)
    return out.sort_values(["first_seen", "vessel"]).reset_index(drop=True)


def store_port_calls(store, *, port=None, vessel=None, since=None, until=None, max_gap_h=DEFAULT_MAX_GAP_H):
    """Port calls from a store's active sightings and its AIS port calls, optionally at one port.

    Calls are built from all of a vessel's sightings in the window (a sighting
    elsewhere ends a call), then those at ``port`` (or at a berth or terminal
    inside it) are kept; AIS calls at those ports join them (:func:`combine_calls`),
    each with its ``source``.
    """
    from shipsight.store import SightingQuery

    calls = port_calls(store.sightings(SightingQuery(vessel=vessel, since=since, until=until)), max_gap_h=max_gap_h)
    if port is not None:
        inside = store.sightings(SightingQuery(port=port, vessel=vessel, since=since, until=until))["id"]
        hit = calls["sighting_ids"].explode().isin(inside).groupby(level=0).any()
        calls = calls[hit.reindex(calls.index, fill_value=False)].reset_index(drop=True)
    ais = ais_calls(store.ais_port_calls(since=since, until=until))
    if port is not None and len(ais):
        from shipsight.layers import ports_within

        ais = ais[ais["port_id"].isin(ports_within(store, port))]
    if vessel is not None and len(ais):
        v = str(vessel).strip().upper()
        ais = ais[(ais["imo"].astype(str) == v.removeprefix("IMO").strip()) | (ais["mmsi"].astype(str) == v)
                  | ais["name"].astype("string").str.upper().str.contains(v, regex=False).fillna(False)]
    return combine_calls(calls, ais)
