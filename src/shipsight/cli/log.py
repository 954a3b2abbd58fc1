"""``shipsight log``: log one sighting."""

import click

from shipsight.cli.options import analyst_option, field_values, json_option, sighting_fields, tz_option
from shipsight.cli.output import echo_json
from shipsight.sightings import log_sighting


@click.command()
@sighting_fields
@tz_option
@analyst_option
@json_option
@click.pass_obj
def log(app, tz, analyst, as_json, **fields):
    """Log one sighting and print its id.

    Give the position (--lon/--lat or --wkt) and --time; identity when known.

    \b
    Example:
      shipsight log --lon 130.301 --lat 42.245 --time 2023-10-05T02:10:00Z \\
          --name ANGARA --imo 9179842 --confidence probable --source Sentinel-2
    """
    values = field_values(fields)
    values["analyst"] = analyst
    sighting_id = log_sighting(app.store(), values, tz=tz, analyst=analyst)
    if as_json:
        echo_json({"id": sighting_id})
    else:
        click.echo(sighting_id)


COMMANDS = [log]
