"""One sentence per flag, rendered from its stored evidence.

The sentence is written when a flag is read, not stored: it always names the
sighting, port and list entry as they are now, and a flag run writes only
evidence (ids, distances, times, scores).
"""

import pandas as pd

_MATCHED_ON = {"imo": "IMO", "mmsi": "MMSI", "name": "name"}


def _time(series):
    return series.dt.strftime("%Y-%m-%d %H:%M UTC").astype(object)


def _who(frame, prefix=""):
    """'ANGARA (IMO 9179842)', 'IMO 9179842', or 'an unidentified vessel', per row."""
    name = frame[f"{prefix}name"].astype("string").str.strip().replace("", pd.NA)
    ident = ("IMO " + frame[f"{prefix}imo"].astype("string")).fillna("MMSI " + frame[f"{prefix}mmsi"].astype("string"))
    return (name + " (" + ident + ")").fillna(name).fillna(ident).fillna("an unidentified vessel").astype(object)


def _where(frame):
    sea = "at sea near " + frame["lat"].map("{:.4f}".format) + ", " + frame["lon"].map("{:.4f}".format)
    return ("at " + frame["port"].astype("string")).fillna(sea).astype(object)


def _listed(frame):
    """'ANGARA (IMO 9179842) on OFAC SDN under RUSSIA-EO14024', per row."""
    imo = (" (IMO " + frame["listed_imo"].astype("string") + ")").fillna("").astype(object)
    return (frame["listed_name"].astype(str) + imo + " on " + frame["list"].astype(str) + " under "
            + frame["program"].fillna("no program").astype(str))


def explain(flags):
    """The explanation of each flag, as a Series aligned with ``flags``.

    ``flags`` is the frame a store's ``flags()`` query builds (evidence joined
    with the sightings, list entry and port). Vectorised per rule.

    Examples
    --------
    >>> f = pd.DataFrame({"rule": ["watchlist-port"], "sighting_id": [7], "name": ["MAIA-1"], "imo": ["9358010"],
    ...                   "mmsi": [None], "time": pd.to_datetime(["2023-10-30T02:11Z"]), "port": ["Rajin"],
    ...                   "port_reason": ["DPRK port"]})
    >>> explain(f).iat[0]
    'Sighting 7 of MAIA-1 (IMO 9358010) on 2023-10-30 02:11 UTC lies inside watch-listed Rajin (DPRK port).'
    """
    out = pd.Series([None] * len(flags), index=flags.index, dtype=object)
    for rule, render in _RENDER.items():
        rows = flags[flags["rule"] == rule]
        if len(rows):
            out[rows.index] = render(rows)
    return out


def _sanctioned(f):
    return ("Sighting " + f["sighting_id"].astype(str) + " of " + _who(f) + " " + _where(f) + " on " + _time(f["time"])
            + " matches " + _listed(f) + ", by " + f["matched_on"].map(_MATCHED_ON).astype(str)
            + " (score " + f["score"].round(0).astype(int).astype(str) + ").")


def _colocated(f):
    return ("Sighting " + f["sighting_id"].astype(str) + " of " + _who(f) + " " + _where(f) + " on "
            + _time(f["time"]) + " was " + f["distance_m"].round(0).astype(int).astype(str) + " m and "
            + f["hours_apart"].round(1).astype(str) + " h from sighting "
            + f["related_sighting_id"].astype(str) + " of " + _who(f, "related_") + ", which matches "
            + _listed(f) + ".")


def _watchlisted(f):
    reason = (" (" + f["port_reason"].astype("string") + ")").fillna("").astype(object)
    return ("Sighting " + f["sighting_id"].astype(str) + " of " + _who(f) + " on " + _time(f["time"])
            + " lies inside watch-listed " + f["port"].astype(str) + reason + ".")


def _ship_to_ship(f):
    return ("Sightings " + f["sighting_id"].astype(str) + " (" + _who(f) + ") and "
            + f["related_sighting_id"].astype(str) + " (" + _who(f, "related_") + ") were "
            + f["distance_m"].round(0).astype(int).astype(str) + " m and "
            + (f["hours_apart"] * 60).round(0).astype(int).astype(str) + " min apart at sea near "
            + f["lat"].map("{:.4f}".format) + ", " + f["lon"].map("{:.4f}".format) + " on " + _time(f["time"])
            + ": a candidate ship-to-ship transfer.")


_RENDER = {"sanctioned-vessel": _sanctioned, "at-sanctioned-vessel-location": _colocated,
           "watchlist-port": _watchlisted, "ship-to-ship": _ship_to_ship}
