"""Options shared by several commands, each defined once.

Index of shared flags:

--json            machine-readable output (records) instead of a table
--since/--until   time window; ISO 8601 with a zone, or a date (a whole UTC day)
--bbox            minlon,minlat,maxlon,maxlat (minlon > maxlon crosses the antimeridian)
--tz              zone of times written without one (IANA name, e.g. Asia/Vladivostok)
--time-format     layout of an input's times (strptime, or epoch for Unix seconds)
--encoding        text encoding of an input file (CSV, Shapefile without .cpg)
--analyst         who does the work (default: the OS user)
--overwrite       replace an existing output file
--polarisation    Sentinel-1 measurement to read (VV, VH, HH, HV)
--height-m        ground height RPC-only images are placed at (metres; 0 = about sea level)
--layer           the layer of a multi-layer GIS file to import
--on-invalid      raise (any bad feature stops an import) or skip (import the good ones)
--scheduler       a Dask scheduler (tcp://HOST:8786) for whole-archive and many-scene jobs
--workers         worker processes of a local Dask cluster when no scheduler is named
"""

from datetime import datetime, time, timedelta, timezone

import click

from shipsight.errors import InputError
from shipsight.model.vocab import CONFIDENCE, ON_INVALID


class TimeType(click.ParamType):
    """An ISO 8601 time with a zone, or a bare date taken as a UTC day.

    An option's own value: its errors say how to write it, never name the
    --tz or --time-format a command may have for the times in its files.
    """

    name = "TIME"

    def __init__(self, *, end_of_day=False):
        self.end_of_day = end_of_day

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        forms = "an ISO 8601 time with a zone (2024-03-01T09:30:00Z, 2024-03-01T18:30:00+09:00) or a date (YYYY-MM-DD)"
        if len(text) == 10 and text[4:5] == "-":
            try:
                day = datetime.strptime(text, "%Y-%m-%d").date()
            except ValueError:
                self.fail(f"{value!r} is not a real date; give {forms}", param, ctx)
            start = datetime.combine(day, time(), tzinfo=timezone.utc)
            return start + timedelta(days=1, microseconds=-1) if self.end_of_day else start
        from shipsight.model.times import parse_time

        try:
            return parse_time(text)
        except InputError:
            pass
        try:
            as_utc = parse_time(text, tz="UTC")
        except InputError:
            self.fail(f"{value!r} is not a time; give {forms}", param, ctx)
        self.fail(f"{value!r} has no time zone; add one, e.g. {as_utc:%Y-%m-%dT%H:%M:%S}Z if it is UTC", param, ctx)


class BBoxType(click.ParamType):
    """``minlon,minlat,maxlon,maxlat`` in degrees."""

    name = "BBOX"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            minx, miny, maxx, maxy = (float(v) for v in str(value).replace(" ", "").split(","))
        except ValueError:
            self.fail(f"{value!r} is not minlon,minlat,maxlon,maxlat", param, ctx)
        if not all(-180 <= x <= 180 for x in (minx, maxx)) or not all(-90 <= y <= 90 for y in (miny, maxy)):
            self.fail(f"{value!r} is outside lon [-180, 180] / lat [-90, 90]", param, ctx)
        if miny > maxy:
            self.fail(f"{value!r} has minlat above maxlat", param, ctx)
        return (minx, miny, maxx, maxy)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON records instead of a table.")
since_option = click.option("--since", type=TimeType(), help="Only from this time (ISO 8601 with zone, or a date).")
until_option = click.option("--until", type=TimeType(end_of_day=True), help="Only up to this time (a date includes the whole day).")
bbox_option = click.option("--bbox", type=BBoxType(), help="minlon,minlat,maxlon,maxlat.")
tz_option = click.option("--tz", help="Zone of times written without one, e.g. UTC or Asia/Vladivostok.")
time_format_option = click.option(
    "--time-format", help="Layout of the times when not ISO 8601: a strptime layout such as '%d/%m/%Y %H:%M' "
                          "(with --tz unless it has %z), or epoch for Unix seconds.")
encoding_option = click.option(
    "--encoding", help="Text encoding of the file when not UTF-8 (e.g. cp1252, cp1251, latin-1); for a Shapefile, "
                       "over its .cpg.")


def sighting_file_options(func):
    """How to read a file of sightings: layer, --tz, --time-format, --encoding (``sightings import`` and ``sync``)."""
    for option in reversed([click.option("--layer", help="Layer of a GeoPackage, or folder of a KML."), tz_option,
                            time_format_option, encoding_option]):
        func = option(func)
    return func


allow_duplicates_option = click.option(
    "--allow-duplicates", is_flag=True,
    help="Also write what is already in the store (by default it is skipped and counted): for sightings, rows "
         "whose time, position, identity and source are in the log.")


def _os_user():
    from shipsight.model.sightings import default_analyst

    return default_analyst()


analyst_option = click.option("--analyst", default=_os_user, show_default="the OS user",
                              help="Who logs or changes it.")
overwrite_option = click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
polarisation_option = click.option(
    "--polarisation", type=click.Choice(["VV", "VH", "HH", "HV"], case_sensitive=False),
    help="Sentinel-1 product: which measurement (default VV where present, else HH).")
height_option = click.option(
    "--height-m", type=float, default=0.0, show_default=True,
    help="RPC-only images: ground height in metres above the ellipsoid they are placed at (0 is about sea level).")
layer_option = click.option("--layer", help="Layer of a multi-layer file (GeoPackage).")
on_invalid_features_option = click.option(
    "--on-invalid", type=click.Choice(ON_INVALID), default="raise", show_default=True,
    help="raise: any bad feature stops the import; skip: import the good ones, list the bad on stderr.")
scheduler_option = click.option(
    "--scheduler", envvar="SHIPSIGHT_DASK_SCHEDULER", metavar="tcp://HOST:8786",
    help="Run on this Dask cluster (or set SHIPSIGHT_DASK_SCHEDULER); its workers must reach the files.")
workers_option = click.option(
    "--workers", type=click.IntRange(min=1), default=1, show_default=True,
    help="Without --scheduler: worker processes of a local Dask cluster (1: in this process).")


def sighting_fields(func):
    """The fields of a sighting as options, shared by ``log`` and ``sightings edit``."""
    options = [
        click.option("--lon", help="Longitude, degrees east (EPSG:4326); or DMS such as 130°17'55\"E."),
        click.option("--lat", help="Latitude, degrees north; or DMS such as 42°14'43\"N."),
        click.option("--wkt", help="Position as WKT instead of --lon/--lat, e.g. 'POINT (130.3 42.24)'."),
        click.option("--time", "time_", help="ISO 8601 with a zone, e.g. 2024-03-01T09:30:00Z or 2024-03-01 18:30+09."),
        click.option("--name", help="Vessel name as seen or believed."),
        click.option("--imo", help="IMO number (seven digits, check digit verified)."),
        click.option("--mmsi", help="MMSI (nine digits)."),
        click.option("--vessel-type", help="e.g. tanker, general cargo, ro-ro."),
        click.option("--length-m", type=float, help="Length in metres."),
        click.option("--heading", type=float, help="Heading in degrees from north."),
        click.option("--confidence", type=click.Choice(CONFIDENCE), help="How sure the identification is."),
        click.option("--source", help="Imagery source, e.g. Sentinel-2, Planet, Maxar."),
        click.option("--scene", help="Id of a registered scene."),
        click.option("--note", help="Free text."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def field_values(kwargs):
    """The sighting fields given on the command line, keyed as the library names them."""
    names = {"time_": "time", "scene": "scene_id"}
    keys = ("lon", "lat", "wkt", "time_", "name", "imo", "mmsi", "vessel_type", "length_m", "heading",
            "confidence", "source", "scene", "note")
    return {names.get(k, k): kwargs[k] for k in keys if kwargs.get(k) is not None}
