"""``shipsight log``: log one sighting."""

import click

from shipsight.cli.options import (
    analyst_option, field_values, json_option, sighting_fields, time_format_option, tz_option,
)
from shipsight.cli.output import echo_json


@click.command()
@sighting_fields
@click.option("--pixel", nargs=2, type=int, metavar="ROW COL",
              help="Position from a pixel of --scene instead of --lon/--lat: whole numbers from 0 at the "
                   "top-left, the pixel's centre is logged; --time defaults to the scene's.")
@tz_option
@time_format_option
@analyst_option
@json_option
@click.pass_obj
def log(app, pixel, tz, time_format, analyst, as_json, **fields):
    """Log one sighting and print its id.

    Give the position (--lon/--lat or --wkt) and --time; identity when known.
    Or give --scene and --pixel ROW COL: the pixel's centre is converted
    through the scene's transform and CRS, the time defaults to the scene's,
    and the scene id and pixel are kept. A pixel off the image or on nodata,
    or a scene file changed since it was registered, is refused.

    \b
    Example:
      shipsight log --lon 130.301 --lat 42.245 --time 2023-10-05T02:10:00Z \\
          --name ANGARA --imo 9179842 --confidence probable --source Sentinel-2
      shipsight log --lat "42°14'43\"N" --lon "130°17'55\"E" --time "2024-03-05 14:22:00+09"
      shipsight log --scene S2B_20231005_rajin --pixel 1012 2210 --name ANGARA
    """
    from shipsight.sightings import log_sighting

    values = field_values(fields)
    values["analyst"] = analyst
    sighting_id = log_sighting(app.store(), values, tz=tz, analyst=analyst, pixel=pixel or None,
                               time_format=time_format)
    if as_json:
        echo_json({"id": sighting_id})
    else:
        click.echo(sighting_id)
