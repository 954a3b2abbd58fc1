"""The flag rules: vectorised spatial-temporal joins (:mod:`.joins`) and their severity (:mod:`.severity`).

The rule names and default thresholds live here, free of heavy imports, so
that the CLI can offer them as choices before it loads the rules.

Sighting rules (``shipsight flag``) flag sightings; AIS behaviour rules
(``shipsight ais behaviour``, :mod:`shipsight.ais.behaviour`) flag an MMSI over
a span of time.
"""

SIGHTING_RULES = ("sanctioned-vessel", "at-sanctioned-vessel-location", "watchlist-port", "ship-to-ship",
                  "identity-mismatch", "dark-vessel")
BEHAVIOUR_RULES = ("ais-gap", "ais-gap-near-watchlist", "ais-encounter", "loitering", "identity-change",
                   "ais-spoofing")
RULES = SIGHTING_RULES + BEHAVIOUR_RULES
DEFAULTS = {"distance_m": 500.0, "window_h": 72.0, "sts_distance_m": 300.0, "sts_window_h": 1.0,
            # dark-vessel: a listed vessel silent since its last ping reaches its last speed (else this) times
            # the time since, at most dark_reach_max_m; its last ping is looked for dark_lookback_h back.
            "dark_speed_kn": 12.0, "dark_reach_max_m": 50_000.0, "dark_lookback_h": 72.0}

#: Thresholds of the AIS behaviour rules and port calls, each an option of ``ais behaviour``
#: (the sources are cited in :mod:`shipsight.ais.behaviour`).
BEHAVIOUR_DEFAULTS = {
    # ais-gap: Global Fishing Watch's suspected disabling, after Welch et al. (2022)
    "gap_hours": 12.0, "gap_shore_nm": 50.0, "gap_positions": 14, "gap_lookback_hours": 12.0,
    # ais-gap-near-watchlist
    "watchlist_gap_hours": 1.0, "watchlist_nm": 50.0,
    # ais-encounter: GFW encounters
    "encounter_m": 500.0, "encounter_hours": 2.0, "encounter_knots": 2.0, "encounter_port_km": 10.0,
    "resample_minutes": 10.0, "interpolate_hours": 1.0,
    # loitering: GFW loitering
    "loiter_knots": 2.0, "loiter_hours": 2.0, "loiter_shore_nm": 20.0,
    # ...measured on steps of at most an hour (GFW never interpolates across a longer silence), from
    # at least 3 slow positions (the fewest a 2 h run of such steps has)
    "loiter_gap_hours": 1.0, "loiter_positions": 3,
    # identity-change
    "identity_days": 30.0,
    # ais-spoofing: GFW's segmenter speed test; same-second reports apart; positions on land
    "spoof_knots": 30.0, "spoof_km": 10.0, "same_place_m": 1000.0, "land_margin_m": 500.0,
    # port calls from AIS
    "call_hours": 1.0, "call_knots": 1.0,
    # a track's runs (loitering, encounters, port calls) break at a silence longer than this
    "break_hours": 12.0,
}
