"""The flag rules: vectorised spatial-temporal joins (:mod:`.joins`) and their severity (:mod:`.severity`).

The rule names and default thresholds live here, free of heavy imports, so
that the CLI can offer them as choices before it loads the rules.
"""

RULES = ("sanctioned-vessel", "at-sanctioned-vessel-location", "watchlist-port", "ship-to-ship", "identity-mismatch",
         "dark-vessel")
DEFAULTS = {"distance_m": 500.0, "window_h": 72.0, "sts_distance_m": 300.0, "sts_window_h": 1.0,
            # dark-vessel: a listed vessel silent since its last ping reaches its last speed (else this) times
            # the time since, at most dark_reach_max_m; its last ping is looked for dark_lookback_h back.
            "dark_speed_kn": 12.0, "dark_reach_max_m": 50_000.0, "dark_lookback_h": 72.0}
