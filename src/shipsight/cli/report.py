"""``shipsight report``: the offline HTML map report."""

import click

from shipsight.cli.output import count
from shipsight.cli.options import bbox_option, since_option, until_option
from shipsight.cli.progress import prepare_coast, progress_bar
from shipsight.rules import RULES


@click.command()
@click.argument("out_html", type=click.Path(dir_okay=False))
@since_option
@until_option
@bbox_option
@click.option("--port", help="Only inside this port (id or name), with the berths and terminals inside it.")
@click.option("--rule", type=click.Choice(RULES), help="Only flags of this rule.")
@click.option("--title", default="shipsight report", show_default=True, help="Title of the page.")
@click.option("--overwrite", is_flag=True, help="Replace an existing OUT_HTML.")
@click.pass_obj
def report(app, out_html, since, until, bbox, port, rule, title, overwrite):
    """Write the map report: ONE self-contained HTML file that needs no network.

    Ports (watch-listed ones marked), sightings coloured by their flags,
    lines for co-location and ship-to-ship flags, AIS tracks around the time of
    each scene correlated with AIS (and the AIS-only vessels), a popup per
    sighting with its AIS status, a
    table of flags and a timeline of sightings per port. The map library is
    inlined from a package and the coastline drawn from GSHHG data a package
    ships: no CDN, no tile server. Every string from the data is shown as text.

    \b
    Example:
      shipsight report log.html
      shipsight report vostochny-2024.html --port Vostochny --since 2024-01-01 --until 2024-12-31
    """
    from shipsight.outputs import write_report

    if out_html.lower().rsplit(".", 1)[-1] not in ("html", "htm"):
        raise click.BadParameter("the report is one HTML file; end OUT_HTML in .html", param_hint="OUT_HTML")
    from shipsight.errors import InputError

    try:
        archive = app.archive()
    except InputError:
        archive = None  # no AIS archive here: AIS statuses are drawn, tracks are not
    prepare_coast()
    with progress_bar("writing the report", "steps") as progress:
        path, layers = write_report(app.store(create=False), out_html, since=since, until=until, bbox=bbox,
                                    port=port, rule=rule, title=title, overwrite=overwrite, progress=progress,
                                    archive=archive)
    click.echo(f"wrote {path}: {count(len(layers['sightings']), 'sighting')}, {count(len(layers['flags']), 'flag')}, "
               f"{count(len(layers['ports']), 'port')}")
