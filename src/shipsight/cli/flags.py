"""``shipsight flag`` runs the rules; ``shipsight flags`` lists and reviews what they found."""

import click

from shipsight.cli.options import analyst_option, bbox_option, json_option, since_option, until_option
from shipsight.cli.output import echo_json, echo_record, echo_table, records
from shipsight.cli.progress import progress_bar
from shipsight.rules import DEFAULTS, RULES

STATUSES = ("open", "confirmed", "dismissed")


@click.command()
@since_option
@until_option
@bbox_option
@click.option("--distance-m", type=float, default=DEFAULTS["distance_m"], show_default=True,
              help="at-sanctioned-vessel-location: largest distance to a listed vessel's sighting.")
@click.option("--window-h", type=float, default=DEFAULTS["window_h"], show_default=True,
              help="at-sanctioned-vessel-location: largest time apart.")
@click.option("--sts-distance-m", type=float, default=DEFAULTS["sts_distance_m"], show_default=True,
              help="ship-to-ship: largest distance between the two sightings.")
@click.option("--sts-window-h", type=float, default=DEFAULTS["sts_window_h"], show_default=True,
              help="ship-to-ship: largest time apart.")
@click.option("--dark-speed-kn", type=float, default=DEFAULTS["dark_speed_kn"], show_default=True,
              help="dark-vessel: speed of a listed vessel gone silent that reported none.")
@click.option("--dark-reach-max-m", type=float, default=DEFAULTS["dark_reach_max_m"], show_default=True,
              help="dark-vessel: farthest a listed vessel gone silent can have gone.")
@click.option("--dark-lookback-h", type=float, default=DEFAULTS["dark_lookback_h"], show_default=True,
              help="dark-vessel: how far back a listed vessel's last AIS ping is looked for.")
@analyst_option
@json_option
@click.pass_obj
def flag(app, since, until, bbox, distance_m, window_h, sts_distance_m, sts_window_h, dark_speed_kn, dark_reach_max_m,
         dark_lookback_h, analyst, as_json):
    """Run the flag rules over the store (or a time window / box); safe to re-run.

    Rules: sanctioned-vessel, at-sanctioned-vessel-location, watchlist-port,
    ship-to-ship, identity-mismatch (a listed vessel's IMO under another name
    or MMSI, its MMSI under another IMO), dark-vessel (a sighting the AIS
    correlation found dark, in a watch-listed port or within reach of a listed
    vessel's last AIS position; needs the AIS archive). A re-run adds no duplicates, updates flags whose evidence
    changed, withdraws those no longer found, and keeps review decisions.

    \b
    Example:
      shipsight flag
      shipsight flag --since 2024-01-01 --distance-m 300 --window-h 48
    """
    from shipsight.rules.engine import run_flags

    from shipsight.errors import InputError

    try:
        archive = app.archive()
    except InputError:
        archive = None  # no AIS archive here: dark-vessel looks at watch-listed ports only
    with progress_bar("flagging", "steps") as progress:
        run = run_flags(app.store(create=False), since=since, until=until, bbox=bbox, analyst=analyst, distance_m=distance_m,
                        window_h=window_h, sts_distance_m=sts_distance_m, sts_window_h=sts_window_h,
                        progress=progress, archive=archive, dark_speed_kn=dark_speed_kn,
                        dark_reach_max_m=dark_reach_max_m, dark_lookback_h=dark_lookback_h)
    if as_json:
        echo_json({"found": run.found, "changes": run.changes})
        return
    found = ", ".join(f"{n} {rule}" for rule, n in run.found.items())
    c = run.changes
    click.echo(f"flags found: {found}")
    click.echo(f"changes: {c['new']} new, {c['updated']} updated, {c['withdrawn']} withdrawn, "
               f"{c['unchanged']} unchanged")


@click.group()
def flags():
    """Flags raised by the rules: list and review."""


@flags.command("list")
@click.option("--rule", type=click.Choice(RULES), help="Only this rule.")
@click.option("--status", type=click.Choice(STATUSES), help="Only flags with this review status.")
@click.option("--withdrawn", is_flag=True, help="Include flags a later run no longer found.")
@json_option
@click.pass_obj
def list_(app, rule, status, withdrawn, as_json):
    """List flags with their evidence and a one-sentence explanation.

    \b
    Example:
      shipsight flags list --rule ship-to-ship --json
      shipsight flags list --status open
    """
    from shipsight.layers import flag_records

    frame = flag_records(app.store(create=False).flags(rule=rule, status=status, include_withdrawn=withdrawn))
    if as_json:
        echo_json(records(frame))
    else:
        echo_table(frame, ["id", "rule", "level", "sighting_id", "related_sighting_id", "mmsi", "name", "listed_name",
                           "port", "distance_m", "hours_apart", "status"], title="Flags")


@flags.command("show")
@click.argument("flag_id", type=int)
@json_option
@click.pass_obj
def show(app, flag_id, as_json):
    """Show one flag with all its evidence, and its sighting's AIS correlation (ais_*) when it has one.

    \b
    Example:
      shipsight flags show 3
    """
    from shipsight.errors import NotFoundError
    from shipsight.layers import flag_records

    frame = app.store(create=False).flags(ids=[flag_id], include_withdrawn=True)
    if frame.empty:
        raise NotFoundError(f"no flag {flag_id}; list them with 'shipsight flags list'")
    record = records(flag_records(frame))[0]
    ais = {}
    if record["sighting_id"] is not None:  # an AIS behaviour flag concerns an MMSI, not a sighting
        from shipsight.ais.correlate_scene import match_fields

        # The flagged sighting's AIS correlation: where its identity came from, and how sure.
        ais = match_fields(app.store(create=False), record["sighting_id"])
    if not as_json:
        ais.pop("ais_evidence", None)
    echo_record({**record, **ais}, as_json=as_json)


@flags.command("review")
@click.argument("flag_id", type=int)
@click.option("--status", type=click.Choice(STATUSES), required=True, help="The analyst's decision.")
@click.option("--note", required=True, help="Why; kept in the audit log.")
@analyst_option
@click.pass_obj
def review(app, flag_id, status, note, analyst):
    """Confirm or dismiss a flag (a dismissed flag stays dismissed on re-runs).

    \b
    Example:
      shipsight flags review 3 --status dismissed --note "tug alongside, routine"
    """
    app.store().review_flag(flag_id, status=status, note=note, analyst=analyst)
    click.echo(f"flag {flag_id}: {status}")
