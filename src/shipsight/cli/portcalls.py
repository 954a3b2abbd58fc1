"""``shipsight port-calls``: when identified vessels were in which port."""

import click

from shipsight.cli.options import json_option, since_option, until_option
from shipsight.cli.output import echo_json, echo_table, records
from shipsight.model.vocab import DEFAULT_MAX_GAP_H


@click.command("port-calls")
@click.option("--port", help="Only calls at this port (id or name), its berths and terminals included.")
@click.option("--vessel", help="Only this vessel (name, IMO or MMSI).")
@since_option
@until_option
@click.option("--max-gap-h", type=click.FloatRange(min=0), default=DEFAULT_MAX_GAP_H, show_default=True,
              help="A longer gap between sightings in one port starts a new call.")
@json_option
@click.pass_obj
def port_calls(app, port, vessel, since, until, max_gap_h, as_json):
    """List port calls: consecutive sightings of one identified vessel inside one port.

    \b
    Example:
      shipsight port-calls --port Rajin --json
    """
    from shipsight.portcalls import store_port_calls

    calls = store_port_calls(app.store(create=False), port=port, vessel=vessel, since=since, until=until,
                             max_gap_h=max_gap_h)
    if as_json:
        echo_json(records(calls))
    else:
        echo_table(calls, ["vessel", "name", "port", "first_seen", "last_seen", "hours", "n_sightings", "source"],
                   title="Port calls")
