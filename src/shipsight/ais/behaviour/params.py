"""The thresholds of the AIS behaviour rules, one frozen object sent to every worker."""

from dataclasses import dataclass, fields

from shipsight.errors import InputError
from shipsight.rules import BEHAVIOUR_DEFAULTS

NM = 1852.0


@dataclass(frozen=True)
class BehaviourParams:
    """Every threshold of :mod:`shipsight.ais.behaviour` (defaults: ``shipsight.rules.BEHAVIOUR_DEFAULTS``).

    >>> BehaviourParams().gap_hours, BehaviourParams(gap_hours=6).gap_hours
    (12.0, 6)
    """

    gap_hours: float = BEHAVIOUR_DEFAULTS["gap_hours"]
    gap_shore_nm: float = BEHAVIOUR_DEFAULTS["gap_shore_nm"]
    gap_positions: int = BEHAVIOUR_DEFAULTS["gap_positions"]
    gap_lookback_hours: float = BEHAVIOUR_DEFAULTS["gap_lookback_hours"]
    watchlist_gap_hours: float = BEHAVIOUR_DEFAULTS["watchlist_gap_hours"]
    watchlist_nm: float = BEHAVIOUR_DEFAULTS["watchlist_nm"]
    encounter_m: float = BEHAVIOUR_DEFAULTS["encounter_m"]
    encounter_hours: float = BEHAVIOUR_DEFAULTS["encounter_hours"]
    encounter_knots: float = BEHAVIOUR_DEFAULTS["encounter_knots"]
    encounter_port_km: float = BEHAVIOUR_DEFAULTS["encounter_port_km"]
    resample_minutes: float = BEHAVIOUR_DEFAULTS["resample_minutes"]
    interpolate_hours: float = BEHAVIOUR_DEFAULTS["interpolate_hours"]
    loiter_knots: float = BEHAVIOUR_DEFAULTS["loiter_knots"]
    loiter_hours: float = BEHAVIOUR_DEFAULTS["loiter_hours"]
    loiter_shore_nm: float = BEHAVIOUR_DEFAULTS["loiter_shore_nm"]
    loiter_gap_hours: float = BEHAVIOUR_DEFAULTS["loiter_gap_hours"]
    loiter_positions: int = BEHAVIOUR_DEFAULTS["loiter_positions"]
    identity_days: float = BEHAVIOUR_DEFAULTS["identity_days"]
    spoof_knots: float = BEHAVIOUR_DEFAULTS["spoof_knots"]
    spoof_km: float = BEHAVIOUR_DEFAULTS["spoof_km"]
    same_place_m: float = BEHAVIOUR_DEFAULTS["same_place_m"]
    land_margin_m: float = BEHAVIOUR_DEFAULTS["land_margin_m"]
    call_hours: float = BEHAVIOUR_DEFAULTS["call_hours"]
    call_knots: float = BEHAVIOUR_DEFAULTS["call_knots"]
    break_hours: float = BEHAVIOUR_DEFAULTS["break_hours"]

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if not (isinstance(value, (int, float)) and value >= 0):
                raise InputError(f"--{f.name.replace('_', '-')} must be a number >= 0, not {value!r}")
        if self.resample_minutes <= 0:
            raise InputError("--resample-minutes must be more than 0")

    @property
    def loiter_gap_s(self):
        """The longest step (seconds) a loitering run is measured on: the shorter of
        ``loiter_gap_hours`` and ``break_hours``."""
        return min(self.loiter_gap_hours, self.break_hours) * 3600.0

    @property
    def spoof_m(self):
        return self.spoof_km * 1000.0
