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
