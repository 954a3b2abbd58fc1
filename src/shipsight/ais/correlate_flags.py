"""The ``dark-vessel`` rule: dark detections where a listed ship could be, or in a watch-listed port.

A sighting the AIS correlation found ``dark`` (a ship in the image, no AIS
for it while other vessels' AIS covers the scene) is flagged when

* it lies inside a watch-listed port polygon, or
* it lies within reach of a listed vessel's last AIS position before that
  vessel went silent: no ping of it within ``silent_minutes`` of the scene,
  its last ping before that at most ``lookback_h`` earlier, and the reach its
  last reported speed (``speed_kn``, 12 kn, when it reported none) times the
  time since, at least the correlation's base gate and at most
  ``reach_max_m`` (50 km). A listed vessel is an AIS identity that the lists
  match on an identifier (IMO or MMSI; :mod:`shipsight.ais.screen`), never on
  a name alone.

Flags keep their evidence: the port, or the listed vessel (its list entry),
the distance from its last position, the hours since, and the ping itself
(``last_ping``: MMSI, time, position, speed, reach).
"""

import json

import numpy as np
import pandas as pd

from shipsight.geodesy import distance_m


def dark_vessel_flags(store, archive, scope, listed, *, speed_kn=12.0, reach_max_m=50_000.0, lookback_h=72.0,
                      silent_minutes=30.0, min_reach_m=1500.0):
    """Flags of rule ``dark-vessel`` for the sightings of ``scope`` the correlation found dark.

    Parameters
    ----------
    store : Store
    archive : Archive or None
        The AIS archive; without it only the watch-listed-port half runs.
    scope : DataFrame
        :meth:`Store.flag_inputs` rows (id, time, lon, lat, port_id).
    listed : callable
        Returns the listed AIS identities: ``mmsi`` (nine-digit text) and the match columns
        of :func:`shipsight.sanctions.screening.screen` (``list_key``, ``list_entry_id``,
        ``matched_on``, ``score``...), one row per MMSI. Called only when a dark sighting
        is in scope and the archive is given (screening every AIS identity costs seconds).

    Returns
    -------
    DataFrame
        One row per flag: rule, severity, sighting_id, port_id, list_key and the match
        columns, distance_m, hours_apart, last_ping (JSON text).
    """
    from shipsight.rules.severity import severity

    dark = store.ais_matches(sighting_ids=scope["id"].tolist(), status="dark") if len(scope) else None
    if dark is None or dark.empty:
        return pd.DataFrame()
    d = scope[scope["id"].isin(dark["sighting_id"])]
    parts = []
    hits = store.watchlist_hits(d)
    if len(hits):
        parts.append(hits.assign(rule="dark-vessel", severity=0.7, distance_m=np.nan, hours_apart=np.nan,
                                 list_key=None, last_ping=None))
    listed = listed() if archive is not None and len(d) else None
    if listed is not None and len(listed):
        scenes = dark.set_index("sighting_id")["scene_id"]
        d = d.assign(scene_id=scenes.reindex(d["id"].to_numpy()).to_numpy())
        mmsis = sorted({int(m) for m in listed["mmsi"]})
        by_mmsi = listed.drop_duplicates("mmsi").set_index("mmsi")
        for scene_id, group in d.groupby("scene_id", sort=True):
            t0 = pd.Timestamp(group["time"].iloc[0]).tz_convert("UTC")
            silent = pd.Timedelta(minutes=silent_minutes)
            pings = archive.positions((t0 - pd.Timedelta(hours=lookback_h)).to_pydatetime(),
                                      (t0 + silent).to_pydatetime(), mmsi=mmsis, timed_only=True,
                                      columns=["mmsi", "time", "lon", "lat", "sog"]).to_pandas()
            if pings.empty:
                continue
            pings["time"] = pd.to_datetime(pings["time"], utc=True)
            # Heard within +-silent_minutes of the scene: not silent, so not this rule's (the correlation places it).
            heard = set(pings.loc[(pings["time"] - t0).abs() <= silent, "mmsi"])
            last = pings[(pings["time"] < t0 - silent) & ~pings["mmsi"].isin(heard)]
            last = last.sort_values(["mmsi", "time"]).drop_duplicates("mmsi", keep="last")
            if last.empty:
                continue
            hours = ((t0 - last["time"]).dt.total_seconds() / 3600.0).to_numpy()
            sog = last["sog"].astype(float).to_numpy()
            speed = np.where(np.isfinite(sog), sog, speed_kn)
            reach = np.clip(speed * 1852.0 * hours, min_reach_m, reach_max_m)
            si = np.repeat(np.arange(len(group)), len(last))
            li = np.tile(np.arange(len(last)), len(group))
            dist = distance_m(group["lon"].to_numpy()[si], group["lat"].to_numpy()[si],
                              last["lon"].to_numpy()[li], last["lat"].to_numpy()[li])
            ok = dist <= reach[li]
            if not ok.any():
                continue
            si, li, dist = si[ok], li[ok], dist[ok]
            keys = [f"{int(m):09d}" for m in last["mmsi"].to_numpy()[li]]
            match = by_mmsi.reindex(keys).reset_index()
            # UTC ISO 8601 with a Z, as every time shipsight prints.
            stamps = [t.isoformat().replace("+00:00", "Z") for t in last["time"].dt.tz_convert("UTC").iloc[li]]
            ev = [json.dumps({"mmsi": k, "last_ping": t,
                              "lon": round(float(x), 6), "lat": round(float(y), 6),
                              "sog": None if not np.isfinite(s) else round(float(s), 1),
                              "reach_m": round(float(r), 0), "scene_id": scene_id}, sort_keys=True)
                  for k, t, x, y, s, r in zip(keys, stamps,
                                              last["lon"].to_numpy()[li], last["lat"].to_numpy()[li], sog[li],
                                              reach[li])]
            f = match.assign(rule="dark-vessel", sighting_id=group["id"].to_numpy()[si], port_id=pd.NA,
                             distance_m=dist, hours_apart=hours[li], last_ping=ev)
            f["severity"] = severity(f["distance_m"], f["hours_apart"], max_distance_m=reach_max_m,
                                     max_hours=lookback_h)
            # One flag per sighting and listed vessel.
            parts.append(f.sort_values(["sighting_id", "list_key", "distance_m"]).drop_duplicates(
                ["sighting_id", "list_key"]))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
