"""``shipsight demo``: build the sample scenario and show what it finds."""

from pathlib import Path

import click

from shipsight.cli.output import count, echo_table


@click.command()
@click.option("--out", default="shipsight-demo.db", show_default=True,
              help="Store to build the scenario into (replaced if it exists).")
@click.option("--samples", type=click.Path(file_okay=False, exists=True),
              help="Samples folder (default: ./samples).")
def demo(out, samples):
    """Build a store from samples/ and print what the log finds.

    \b
    Example:
      shipsight demo
      shipsight --db demo.db sightings list --port Rajin
    """
    from shipsight.demo import DEMO_CAP_YEAR, build_demo
    from shipsight.store import is_server_url

    stem = "shipsight-demo" if is_server_url(out) else str(Path(out).with_suffix(""))
    result = build_demo(out, samples=samples, report=f"{stem}.html", chart=f"{stem}-cap-{DEMO_CAP_YEAR}.png")
    ports = result.ports
    click.echo(f"Built {result.db}: {count(len(ports), 'port')} ({int(ports['watchlist'].sum())} watch-listed), "
               f"{count(len(result.sightings), 'sighting')}.")
    counts = result.sightings.groupby("port", dropna=False).size().rename("sightings").reset_index()
    counts["port"] = counts["port"].fillna("(at sea)")
    echo_table(counts, ["port", "sightings"], title="Sightings per port")
    echo_table(result.port_calls, ["vessel", "name", "port", "first_seen", "last_seen", "n_sightings"],
               title="Port calls")
    for listed in result.lists:
        click.echo(f"Sanctions list {listed.list} v{listed.version}: {count(listed.entries, 'vessel')}.")
    found = ", ".join(f"{n} {rule}" for rule, n in result.flag_run.found.items())
    click.echo(f"Flags: {found}.")
    flags = result.flags.sort_values(["severity", "id"], ascending=[False, True])
    for rule in ("sanctioned-vessel", "at-sanctioned-vessel-location", "ship-to-ship", "watchlist-port"):
        some = flags[flags["rule"] == rule]
        if len(some):
            click.echo(f"\n{rule} ({len(some)}):")
            for _, row in some.head(6).iterrows():
                click.echo(f"  [{row['id']}] {row['explanation']}")
            if len(some) > 6:
                click.echo(f"  ... and {len(some) - 6} more: shipsight --db {result.db} flags list --rule {rule}")
    cap = result.cap.result
    click.echo(f"\nOil-cap tracker {cap.year} at watch-listed ports ({count(result.vessels, 'tanker deadweight')} from "
               f"samples/vessels.csv, illustrative): {count(len(cap.calls), 'tanker call')} counted, {len(cap.unknown)} not.")
    totals = cap.totals()
    for label in cap.scenarios:
        passed = cap.passed[label]
        click.echo(f"  {label} laden: {totals[label]:,.0f} bbl of the {cap.cap_barrels:,.0f} cap"
                   + (f", passed in {passed}" if passed else ", not passed"))
    click.echo(f"\nMap report: {result.report}")
    click.echo(f"Cap chart:  {result.cap.chart}")
    click.echo(f"\nExplore it: shipsight --db {result.db} flags list   (or sightings list, port-calls, history, "
               f"cap --year {cap.year})")
