"""One sentence per flag, rendered from its stored evidence.

The sentence is written when a flag is read, not stored: it always names the
sighting, port and list entry as they are now, and a flag run writes only
evidence (ids, distances, times, scores).
"""

import json

import pandas as pd

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


def _designation_text(designations, list_name, program):
    """'on OFAC SDN under IRAN and on UN SC under DPRK' from a flag's designations (or its one entry)."""
    cited = designations if isinstance(designations, list) and designations else [
        {"list": list_name, "program": program}]
    parts = []
    for d in cited:
        program_text = d.get("program") if isinstance(d.get("program"), str) else None
        parts.append(f"on {d.get('list')} under {program_text or 'no program'}")
    return " and ".join(dict.fromkeys(parts))


def listed_text(frame):
    """'ANGARA (IMO 9179842) on OFAC SDN under RUSSIA-EO14024 [and on ...]', per row.

    ``frame`` has ``listed_name``, ``listed_imo``, ``list``, ``program`` and
    optionally ``designations`` (every list entry naming the vessel).

    >>> listed_text(pd.DataFrame({"listed_name": ["ANGARA"], "listed_imo": ["9179842"], "list": ["OFAC SDN"],
    ...                           "program": ["RUSSIA-EO14024"]})).tolist()
    ['ANGARA (IMO 9179842) on OFAC SDN under RUSSIA-EO14024']
    """
    imo = (" (IMO " + frame["listed_imo"].astype("string") + ")").fillna("").astype(object)
    designations = frame["designations"] if "designations" in frame.columns else pd.Series(None, index=frame.index)
    where = [_designation_text(d, li, p) for d, li, p in zip(designations, frame["list"], frame["program"])]
    return frame["listed_name"].astype(str) + imo + " " + pd.Series(where, index=frame.index, dtype=object)


def _held(row):
    """', listed in version 1 of 2024-01-05 and no longer in the latest' when an older version held the value hit."""
    old, latest = row.get("matched_version"), row.get("listed_version")
    if pd.isna(old) or pd.isna(latest) or int(old) >= int(latest):
        return ""
    date = row.get("matched_version_date")
    return f", listed in version {int(old)}" + (f" of {date:%Y-%m-%d}" if not pd.isna(date) else "") \
        + " and no longer in the latest"


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
    if "identity_source" in flags.columns:
        ais = flags["rule"].isin(_IDENTITY_RULES) & (flags["identity_source"] == "ais").fillna(False)
        if ais.any():
            rows = flags[ais]
            out[rows.index] = (out[rows.index] + " The sighting's identity is from AIS: MMSI "
                               + rows["ais_mmsi"].astype(str) + " matched it in scene "
                               + rows["ais_scene"].astype(str) + ".")
    return out


def _sanctioned(f):
    from shipsight.sanctions.evidence import match_phrase
    from shipsight.sanctions.names import normalise_names

    # The sighting's name as written, where it is what was compared (an AIS identity may have given another).
    compared = (normalise_names(f["name"]).to_numpy() == f["sighting_form"].to_numpy()) \
        if "sighting_form" in f.columns else [False] * len(f)
    evidence = [match_phrase({**row, "identity_name": row["name"] if same else None}, held=_held(row))
                for row, same in zip(f.to_dict("records"), compared)]
    prefix = pd.Series([e[0] for e in evidence], index=f.index, dtype=object)
    suffix = pd.Series([e[1] for e in evidence], index=f.index, dtype=object)
    return ("Sighting " + f["sighting_id"].astype(str) + " of " + _who(f) + " " + _where(f) + " on " + _time(f["time"])
            + " " + prefix + listed_text(f) + " " + suffix + ".")


def _colocated(f):
    return ("Sighting " + f["sighting_id"].astype(str) + " of " + _who(f) + " " + _where(f) + " on "
            + _time(f["time"]) + " was " + f["distance_m"].round(0).astype(int).astype(str) + " m and "
            + f["hours_apart"].round(1).astype(str) + " h from sighting "
            + f["related_sighting_id"].astype(str) + " of " + _who(f, "related_") + ", which matches "
            + listed_text(f) + ".")


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


def _mismatch(f):
    return ("Sighting " + f["sighting_id"].astype(str) + " of " + _who(f) + " " + _where(f) + " on " + _time(f["time"])
            + ": AIS " + f["match_conflict"].astype(str) + " (" + listed_text(f)
            + "): an identity mismatch, the listed ship disguised or another wearing its numbers.")


def _dark(f):
    out = []
    for row in f.to_dict("records"):
        head = (f"Sighting {row['sighting_id']} on {row['time']:%Y-%m-%d %H:%M UTC} is dark (no AIS for it while "
                "other vessels' AIS covers the scene)")
        ev = json.loads(row["last_ping"]) if isinstance(row.get("last_ping"), str) else None
        if ev is None:
            reason = f" ({row['port_reason']})" if isinstance(row.get("port_reason"), str) else ""
            out.append(f"{head} inside watch-listed {row.get('port')}{reason}.")
            continue
        listed = listed_text(pd.DataFrame([row])).iat[0]
        out.append(f"{head}, {row['distance_m'] / 1000:.1f} km from where {listed} was last heard on AIS "
                   f"(MMSI {ev['mmsi']}, {ev['last_ping']}), {row['hours_apart']:.1f} h earlier: within its reach "
                   f"of {ev['reach_m'] / 1000:.1f} km.")
    return pd.Series(out, index=f.index, dtype=object)


def _ais_evidence(f):
    """An AIS behaviour flag's evidence JSON, per row, as dicts."""
    return f["evidence"].map(lambda e: json.loads(e) if isinstance(e, str) else (e or {}))


def _span(f):
    return " from " + _time(f["time"]) + " to " + _time(f["related_time"])


def _at(f, prefix=""):
    return (f[f"{prefix}lat"].map("{:.4f}".format) + ", " + f[f"{prefix}lon"].map("{:.4f}".format)).astype(object)


def _mmsi_who(f, prefix=""):
    """'MMSI 273456780 (ANGARA, IMO 9179842)' per row: the MMSI first, since that is what broadcast."""
    name = f[f"{prefix}name"].astype("string").str.strip().replace("", pd.NA)
    imo = ("IMO " + f[f"{prefix}imo"].astype("string"))
    extra = (name + ", " + imo).fillna(name).fillna(imo)
    return ("MMSI " + f[f"{prefix}mmsi"].astype(str) + (" (" + extra + ")").fillna("")).astype(object)


def _gap(f):
    ev = _ais_evidence(f)
    return (_mmsi_who(f) + " sent no AIS for " + f["hours_apart"].round(1).astype(str) + " h" + _span(f)
            + ", from " + _at(f) + " to " + _at(f, "related_") + " ("
            + ev.map(lambda e: f"{_at_least(e)} positions in the {e.get('lookback_hours', 12):g} h before; "
                               f"{_shores(e.get('start_shore_nm'), e.get('end_shore_nm'))} from shore")
            + ").")


def _at_least(e):
    n = e.get("positions_before")
    return f"{n}+" if n is not None and n == e.get("positions_needed") else str(n)


def _shore(nm):
    """A distance to shore in nm; None means beyond the 100 km the distance looks (54 nm)."""
    return "over 54" if nm is None else f"{nm:g}"


def _shores(start, end):
    """The distances to shore where a silence began and ended: ``went silent 3 nm and came back over 54 nm``."""
    return f"went silent {_shore(start)} nm and came back {_shore(end)} nm"


def _gap_watchlist(f):
    ev = _ais_evidence(f)
    return (_mmsi_who(f) + " sent no AIS for " + f["hours_apart"].round(1).astype(str) + " h" + _span(f)
            + ", " + ev.map(lambda e: f"{min(x for x in (e.get('start_watchlist_port_nm'), e.get('end_watchlist_port_nm')) if x is not None)}")
            + " nm from a watch-listed port.")


def _encounter(f):
    ev = _ais_evidence(f)
    return (_mmsi_who(f) + " and " + _mmsi_who(f, "related_") + " stayed within "
            + ev.map(lambda e: f"{e.get('median_distance_m')} m (median) at {e.get('median_knots')} kn (median)")
            + " for " + f["hours_apart"].round(1).astype(str) + " h" + _span(f) + " near " + _at(f)
            + ": a candidate encounter at sea.")


def _loitering(f):
    ev = _ais_evidence(f)
    return (_mmsi_who(f) + " loitered near " + _at(f) + " for " + f["hours_apart"].round(1).astype(str) + " h"
            + _span(f) + ev.map(lambda e: f" at {e.get('mean_knots')} kn on average, {_shore(e.get('shore_nm'))} nm from shore")
            + ".")


_IDENTITY = {
    "name": lambda e: f"changed its name from {e.get('old')} to {e.get('new')}",
    "imo": lambda e: f"changed its IMO number from {e.get('old')} to {e.get('new')}",
    "imo-on-mmsis": lambda e: f"broadcast IMO {e.get('imo')}, as did MMSI {e.get('mmsis', ['', ''])[1]}",
    "mid-unallocated": lambda e: f"has MID {e.get('mid')}, allocated to no country",
    "mid-flag": lambda e: (f"has MID {e.get('mid')} ({e.get('mid_country')}) while the list gives IMO "
                           f"{e.get('imo')} the flag {e.get('listed_flag')}"),
}


def _identity_change(f):
    ev = _ais_evidence(f)
    what = ev.map(lambda e: _IDENTITY.get(e.get("kind"), lambda e: "changed identity")(e))
    return _mmsi_who(f) + " " + what + _span(f) + "."


_SPOOF = {
    "simultaneous": "reported two places in the same second",
    "interleaved": "reported two tracks at once (two ships on one MMSI, or a spoofed track)",
    "jump": "jumped farther than a ship can sail",
    "on-land": "reported positions on land",
}


def _spoofing(f):
    ev = _ais_evidence(f)
    what = ev.map(lambda e: _SPOOF.get(e.get("kind"), "reported impossible positions"))
    apart = f["distance_m"].map(lambda d: "" if pd.isna(d) else f", {d / 1000:.1f} km apart")
    return _mmsi_who(f) + " " + what + _span(f) + " near " + _at(f) + apart.astype(object) + "."


_RENDER = {"sanctioned-vessel": _sanctioned, "at-sanctioned-vessel-location": _colocated,
           "watchlist-port": _watchlisted, "ship-to-ship": _ship_to_ship, "identity-mismatch": _mismatch,
           "dark-vessel": _dark, "ais-gap": _gap, "ais-gap-near-watchlist": _gap_watchlist,
           "ais-encounter": _encounter, "loitering": _loitering, "identity-change": _identity_change,
           "ais-spoofing": _spoofing}
#: Rules that rest on the sighting's identity: their sentence says when AIS gave it.
_IDENTITY_RULES = ("sanctioned-vessel", "at-sanctioned-vessel-location", "identity-mismatch")
