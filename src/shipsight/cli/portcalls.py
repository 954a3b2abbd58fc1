"""``shipsight port-calls``: when identified vessels were in which port, from imagery and from AIS."""

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
              help="Imagery calls: a longer gap between sightings in one port starts a new call.")
@json_option
@click.pass_obj
def port_calls(app, port, vessel, since, until, max_gap_h, as_json):
    """List port calls, from imagery and from AIS, each saying its source.

    An imagery call is consecutive sightings of one identified vessel inside
    one port (a sighting elsewhere or a gap over --max-gap-h ends it). An AIS
    call is a vessel's positions stopped inside a port polygon, found by
    'shipsight ais behaviour'. The source column says which: imagery, ais, or
    imagery+ais for one call both saw (same port, the vessel by IMO, else
    MMSI, overlapping in time), which counts once. n_sightings counts the
    imagery sightings; AIS calls have none.

    \b
    Example:
      shipsight port-calls --port Rajin --json
      shipsight port-calls --vessel 9179842 --since 2024-01-01
    """
    from shipsight.portcalls import store_port_calls

    calls = store_port_calls(app.store(create=False), port=port, vessel=vessel, since=since, until=until,
                             max_gap_h=max_gap_h)
    if as_json:
        echo_json(records(calls))
    else:
        echo_table(calls, ["vessel", "name", "port", "first_seen", "last_seen", "hours", "n_sightings", "source"],
                   title="Port calls")
