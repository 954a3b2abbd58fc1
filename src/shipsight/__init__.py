"""shipsight: a satellite-imagery ship-sighting logger for sanctions analysts.

The library does the work; :mod:`shipsight.cli` is a thin click front end.
"""


def __getattr__(name):
    # The version is read from the installed metadata when asked for:
    # importlib.metadata costs every command's start-up otherwise.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("shipsight")
        except PackageNotFoundError:  # running from a source tree without install
            return "0+unknown"
    raise AttributeError(f"module 'shipsight' has no attribute {name!r}")
