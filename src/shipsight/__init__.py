"""shipsight: a satellite-imagery ship-sighting logger for sanctions analysts.

The library does the work; :mod:`shipsight.cli` is a thin click front end.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("shipsight")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0+unknown"
