"""The controlled words of the log: confidence levels, port kinds, policies, booleans.

Kept free of heavy imports: the CLI reads these to build its options before it
knows which command runs.
"""

from shipsight.errors import InputError

CONFIDENCE = ("confirmed", "probable", "possible")
PORT_KINDS = ("port", "terminal", "anchorage", "shipyard", "berth")
#: Fixed structures that return like ships (shipsight.infra); "structure" for anything else.
STRUCTURE_KINDS = ("breakwater", "pier", "jetty", "quay", "platform", "wind turbine", "buoy", "light", "island",
                   "structure")
#: A structure's review state: imported and accepted ones suppress detections, candidates wait for an analyst.
STRUCTURE_STATUS = ("accepted", "candidate", "rejected")
#: Default suppression radius (m) around a structure, by sensor: Skylight's distances for
#: Sentinel-1 (SAR) and Sentinel-2 (optical) detections near offshore infrastructure.
STRUCTURE_RADIUS_M = {"sar": 200.0, "optical": 50.0}
#: What an import does with a bad row: stop (nothing written), or skip it into a rejects file.
ON_INVALID = ("raise", "skip")
#: A longer gap between two sightings of a vessel in a port starts a new port call.
DEFAULT_MAX_GAP_H = 168.0
#: The ``--ports`` word that means every watch-listed port.
WATCH_LISTED = "watch-listed"
#: A sighting's status after AIS correlation (:mod:`shipsight.ais.correlate`).
AIS_STATUSES = ("matched", "ambiguous", "dark", "no-coverage")
#: Defaults of the AIS correlation, with their help text; their sources are in
#: :mod:`shipsight.ais.correlate` (Skylight's 1,500 m, GFW's reach growing with the gap).
AIS_CORRELATION = {
    "interpolate_minutes": (60.0, "Interpolate on the great circle when pings lie on both sides within this."),
    "reckon_minutes": (30.0, "Else dead-reckon from the nearer ping when it lies within this."),
    "gate_m": (1500.0, "Gate when the nearest ping is within --gate-minutes of the scene (Skylight's 1,500 m)."),
    "gate_minutes": (10.0, "Beyond this gap to the nearest ping the gate grows."),
    "gate_growth_m_per_min": (500.0, "Gate growth per minute of gap beyond --gate-minutes."),
    "gate_max_m": (5000.0, "Largest gate."),
    "length_weight": (0.5, "Weight of detected-vs-AIS length disagreement in the cost (never a veto)."),
    "length_unknown": (0.25, "Length disagreement assumed when either length is unknown (0-1)."),
    "ambiguity": (0.1, "Ambiguous when another assignment costs less than this (fraction of a gate) more."),
    "coverage_minutes": (30.0, "Dark needs other vessels' AIS in the footprint within this of the scene."),
    "ais_only_min_px": (3.0, "AIS-only vessels must be longer than this many pixels."),
}

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0", ""}


def parse_bool(value):
    """Read a yes/no field as written in CSVs and GIS files.

    >>> parse_bool("Yes"), parse_bool(0)
    (True, False)
    """
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, (int, float)) and value in (0, 1):  # GIS readers turn booleans with gaps into 1.0/0.0
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE or text == "nan":
        return False
    raise InputError(f"{value!r} is not true/false")
