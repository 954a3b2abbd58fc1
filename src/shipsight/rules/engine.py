"""The flag run: identity matching and the four rules, then one sync with the store.

Rules (each flag keeps its evidence):

``sanctioned-vessel``
    The sighting's identity matches a listed vessel (IMO, MMSI or name).
``at-sanctioned-vessel-location``
    The sighting lies within ``distance_m`` of a sighting of a listed vessel and
    within ``window_h`` hours of it (another vessel: a ship alongside, a
    transfer partner, one that takes the listed ship's place). One flag per
    sighting and listed vessel, with the closest encounter as its evidence.
``watchlist-port``
    The sighting lies inside a watch-listed port polygon.
``ship-to-ship``
    Two sightings of different vessels within ``sts_distance_m`` and
    ``sts_window_h`` of each other, both outside every port polygon.

The joins run where the store runs them (in process for SQLite, in SQL for
PostGIS); matching is vectorised here. Flags store evidence only; their
explanations are rendered when read (:mod:`shipsight.explain`).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shipsight.errors import InputError
from shipsight.portcalls import vessel_key
from shipsight.rules import DEFAULTS, SIGHTING_RULES
from shipsight.rules.severity import severity
from shipsight.sanctions.screening import SCREEN_COLUMNS, screen, screening_entries
from shipsight.store import SightingQuery



#: What a flag keeps of the identity match behind it (see :func:`shipsight.sanctions.screening.screen`).
MATCH_EVIDENCE = [c for c in SCREEN_COLUMNS if c not in ("identity", "list_key")]

#: The steps of a flag run, as ``progress`` counts them.
STEPS = ("read sightings", "match identities", "sanctioned-vessel", "at-sanctioned-vessel-location",
         "watchlist-port", "ship-to-ship", "identity-mismatch", "dark-vessel", "sync flags")


@dataclass(frozen=True)
class FlagRun:
    """What a run found and changed: flags per rule, and new/updated/withdrawn/unchanged counts."""

    found: dict
    changes: dict


def run_flags(store, *, since=None, until=None, bbox=None, analyst, distance_m=DEFAULTS["distance_m"],
              window_h=DEFAULTS["window_h"], sts_distance_m=DEFAULTS["sts_distance_m"],
              sts_window_h=DEFAULTS["sts_window_h"], fuzzy_threshold=90, progress=None, archive=None,
              dark_speed_kn=DEFAULTS["dark_speed_kn"], dark_reach_max_m=DEFAULTS["dark_reach_max_m"],
              dark_lookback_h=DEFAULTS["dark_lookback_h"]):
    """Run every rule over the sightings in scope and bring the stored flags in line.

    Idempotent: a second run with the same inputs changes nothing; a changed
    input updates or withdraws the flags it affects; review status is kept.
    ``progress(done, total)``, if given, is called after each of the run's
    :data:`STEPS` steps.

    Examples
    --------
    >>> import tempfile, os
    >>> from shipsight.store import open_store
    >>> run_flags(open_store(os.path.join(tempfile.mkdtemp(), "x.db")), analyst="kim").changes["new"]
    0
    """
    for name, value in (("distance_m", distance_m), ("window_h", window_h), ("sts_distance_m", sts_distance_m),
                        ("sts_window_h", sts_window_h), ("dark_speed_kn", dark_speed_kn),
                        ("dark_reach_max_m", dark_reach_max_m), ("dark_lookback_h", dark_lookback_h)):
        if not value > 0:
            raise InputError(f"--{name.replace('_', '-')} must be positive, not {value}")
    step = _stepper(progress)
    scope_q = SightingQuery(since=since, until=until, bbox=bbox)
    scope = store.flag_inputs(scope_q)
    entries = screening_entries(store.list_entries(version="all"))

    # Sightings of listed vessels near the scope in time are the other side of the co-location join.
    wide = scope
    if since is not None or until is not None or bbox is not None:
        pad = pd.Timedelta(hours=window_h)
        wide = store.flag_inputs(SightingQuery(since=None if since is None else since - pad,
                                               until=None if until is None else until + pad))
    step()
    matches = _ais_aware(store, _best_matches(wide, entries, fuzzy_threshold), wide, entries, fuzzy_threshold)
    step()
    parts = []

    # 1. sanctioned-vessel (a listed vessel's numbers under another identity are rule 5's, not a plain hit)
    m = matches[matches["sighting_id"].isin(scope["id"]) & (matches["status"] != "identity-mismatch")]
    if len(m):
        f = m.merge(scope, left_on="sighting_id", right_on="id")
        f["severity"] = f["score"] / 100.0
        parts.append(f.assign(rule="sanctioned-vessel", related_sighting_id=pd.NA, distance_m=np.nan,
                              hours_apart=np.nan))
    step()

    # 2. at-sanctioned-vessel-location
    listed = wide[wide["id"].isin(matches["sighting_id"])]
    if len(listed) and len(scope):
        pairs = store.pairs_near(scope, listed, distance_m=distance_m, window_h=window_h)
        pairs = pairs[~_same_vessel(wide, pairs)]
        if len(pairs):
            f = (pairs.merge(scope, left_on="a_id", right_on="id")
                 .merge(matches, left_on="b_id", right_on="sighting_id", suffixes=("", "_m")))
            f["sighting_id"] = f["a_id"]
            f["related_sighting_id"] = f["b_id"]
            f["hours_apart"] = f["hours"].abs()
            f["severity"] = severity(f["distance_m"], f["hours_apart"], max_distance_m=distance_m, max_hours=window_h)
            # One flag per sighting and listed vessel: the closest encounter in space and time is the evidence.
            f = f.sort_values(["a_id", "list_key", "severity", "distance_m", "b_id"],
                              ascending=[True, True, False, True, True]).drop_duplicates(["a_id", "list_key"])
            parts.append(f.assign(rule="at-sanctioned-vessel-location"))
    step()

    # 3. watchlist-port
    hits = store.watchlist_hits(scope)
    if len(hits):
        f = hits.assign(severity=0.5)
        parts.append(f.assign(rule="watchlist-port", related_sighting_id=pd.NA, distance_m=np.nan,
                              hours_apart=np.nan, list_key=None))
    step()

    # 4. ship-to-ship, among sightings outside every port polygon
    # port_id is the smallest port containing a sighting, kept current as ports change: NA means at sea.
    at_sea = wide[wide["port_id"].isna()]
    if len(at_sea) > 1:
        pairs = store.self_pairs_near(at_sea, distance_m=sts_distance_m, window_h=sts_window_h)
        pairs = pairs[pairs["a_id"].isin(scope["id"]) | pairs["b_id"].isin(scope["id"])]
        pairs = pairs[~_same_vessel(at_sea, pairs)]
        if len(pairs):
            f = pairs.assign(sighting_id=pairs["a_id"], related_sighting_id=pairs["b_id"])
            f["hours_apart"] = f["hours"].abs()
            f["severity"] = severity(f["distance_m"], f["hours_apart"], max_distance_m=sts_distance_m,
                                     max_hours=sts_window_h)
            parts.append(f.assign(rule="ship-to-ship", port_id=pd.NA, list_key=None))
    step()

    # 5. identity-mismatch: a listed vessel's IMO under another name or MMSI, its MMSI under another IMO
    m = matches[matches["sighting_id"].isin(scope["id"]) & (matches["status"] == "identity-mismatch")]
    if len(m):
        f = m.drop(columns=["match_conflict"]).rename(columns={"mismatch": "match_conflict"})
        parts.append(f.assign(rule="identity-mismatch", severity=f["score"] / 100.0, related_sighting_id=pd.NA,
                              distance_m=np.nan, hours_apart=np.nan))
    step()

    # 6. dark-vessel: dark detections in watch-listed ports or within reach of a listed vessel gone silent
    from shipsight.ais.correlate_flags import dark_vessel_flags

    f = dark_vessel_flags(store, archive, scope, lambda: _listed_ais(store, entries, fuzzy_threshold),
                          speed_kn=dark_speed_kn, reach_max_m=dark_reach_max_m, lookback_h=dark_lookback_h)
    if len(f):
        parts.append(f)
    step()

    flags = _assemble(parts)
    found = {rule: int((flags["rule"] == rule).sum()) for rule in SIGHTING_RULES}
    scope_ids = None
    if (since, until, bbox) != (None, None, None):
        # Flags of retracted sightings in scope are withdrawn too, so the scope includes them.
        scope_ids = store.flag_inputs(SightingQuery(since=since, until=until, bbox=bbox, include_retracted=True))["id"]
    changes = store.sync_flags(flags, scope_ids=scope_ids, analyst=analyst)
    step()
    return FlagRun(found=found, changes=changes)


def _stepper(progress):
    """A function that reports the next of :data:`STEPS` done to ``progress`` (or does nothing)."""
    done = [0]

    def step():
        done[0] += 1
        if progress is not None:
            progress(done[0], len(STEPS))

    return step


def _same_vessel(sightings, pairs):
    """True where both sightings of a pair carry the same identity (a ship is not its own partner)."""
    if len(pairs) == 0:
        return np.zeros(0, dtype=bool)
    # Keys of the sightings in pairs only: a few thousand, not every sighting in scope.
    ids = sightings["id"].to_numpy()
    wanted = np.isin(ids, np.union1d(pairs["a_id"].to_numpy(), pairs["b_id"].to_numpy()))
    keys = vessel_key(sightings.loc[wanted, ["name", "imo", "mmsi"]].set_axis(ids[wanted]))
    a = keys.reindex(pairs["a_id"].to_numpy()).reset_index(drop=True)
    b = keys.reindex(pairs["b_id"].to_numpy()).reset_index(drop=True)
    return a.eq(b).fillna(False).to_numpy(dtype=bool)


def _ais_aware(store, matches, sightings, entries, fuzzy_threshold):
    """Each match's status (:func:`shipsight.ais.screen.classify_matches`); for a sighting whose identity
    the AIS correlation wrote, a name alone is a coincidence (many ships broadcast FREEDOM), not a match."""
    from shipsight.ais.screen import classify_matches

    if matches.empty:
        return matches.assign(status=None, mismatch=None)
    c = classify_matches(matches.set_index("sighting_id"), sightings.set_index("id")[["name", "imo", "mmsi"]],
                         entries, fuzzy_threshold=fuzzy_threshold)
    matches = matches.assign(status=c["status"].to_numpy(dtype=object), mismatch=c["mismatch"].to_numpy(dtype=object))
    ais = store.ais_matches(sighting_ids=matches.loc[matches["status"] == "name-only", "sighting_id"].tolist()) \
        if (matches["status"] == "name-only").any() else None
    if ais is not None and len(ais):
        mmsi = sightings.set_index("id")["mmsi"]
        from_ais = {int(s) for s, a in zip(ais["sighting_id"], ais["applied"])
                    if a and a["fields"].get("mmsi") == mmsi.get(int(s))}
        matches = matches[~(matches["sighting_id"].isin(from_ais) & (matches["status"] == "name-only"))]
    return matches.reset_index(drop=True)


def _listed_ais(store, entries, fuzzy_threshold):
    """AIS identities the lists match on an identifier: ``mmsi`` and the match columns, one row per MMSI."""
    from shipsight.ais.screen import identity_mismatches

    identities = store.ais_identities()
    if identities.empty or entries.empty:
        return pd.DataFrame(columns=["mmsi"])
    found = identity_mismatches(identities.set_index("id")[["name", "imo", "mmsi", "call_sign"]], entries,
                                fuzzy_threshold=fuzzy_threshold)
    found = found[found["status"].isin(["listed", "identity-mismatch"])]
    mmsi = identities.set_index("id")["mmsi"].reindex(found.index).to_numpy(dtype=object)
    return found.assign(mmsi=mmsi).reset_index(drop=True).drop_duplicates("mmsi")


def _best_matches(sightings, entries, fuzzy_threshold):
    """The best listed vessel per sighting, with the evidence of the match (:func:`screen`)."""
    m = screen(sightings.set_index("id")[["name", "imo", "mmsi"]], entries, fuzzy_threshold=fuzzy_threshold)
    return m.rename(columns={"identity": "sighting_id"})


def _assemble(parts):
    columns = ["rule", "severity", "sighting_id", "related_sighting_id", "list_key", *MATCH_EVIDENCE, "port_id",
               "distance_m", "hours_apart", "last_ping"]
    if not parts:
        flags = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    else:
        flags = pd.concat([p.reindex(columns=columns) for p in parts], ignore_index=True)
    for c in ("sighting_id", "related_sighting_id", "list_entry_id", "match_entry_id", "port_id"):
        flags[c] = pd.to_numeric(flags[c]).astype("Int64")
    for c in ("severity", "score", "distance_m", "hours_apart"):
        flags[c] = pd.to_numeric(flags[c]).astype(float)
    for c in [*MATCH_EVIDENCE, "last_ping"]:
        if c not in ("list_entry_id", "match_entry_id", "score"):
            flags[c] = flags[c].astype(object).where(flags[c].notna(), None)
    # A co-location flag is one per sighting and listed vessel, so its related sighting is evidence
    # (which a later run may update), not identity; a ship-to-ship flag is the pair itself.
    related = flags["related_sighting_id"].astype("string").fillna("").where(flags["rule"] == "ship-to-ship", "")
    entry = flags["list_key"].astype("string").fillna("")
    flags["key"] = flags["rule"] + ":" + flags["sighting_id"].astype(str) + ":" + related + ":" + entry
    return flags.drop(columns=["list_key"])
