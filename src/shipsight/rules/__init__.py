"""The flag rules: vectorised spatial-temporal joins (:mod:`.joins`) and their severity (:mod:`.severity`).

The rule names and default thresholds live here, free of heavy imports, so
that the CLI can offer them as choices before it loads the rules.
"""

RULES = ("sanctioned-vessel", "at-sanctioned-vessel-location", "watchlist-port", "ship-to-ship")
DEFAULTS = {"distance_m": 500.0, "window_h": 72.0, "sts_distance_m": 300.0, "sts_window_h": 1.0}
