"""``shipsight export``: layers to GIS files (GeoPackage, GeoJSON, KML, Shapefile, ...)."""

import click

from shipsight.cli.output import count
from shipsight.cli.options import bbox_option, overwrite_option, since_option, until_option
from shipsight.cli.progress import progress_bar
from shipsight.io.formats import EXPORT_FORMATS, LAYER_NAMES
from shipsight.rules import RULES

#: What each format is, for --help.
_FORMAT_HELP = "; ".join(f"{name}: {'/'.join(spec['extensions'])}" for name, spec in EXPORT_FORMATS.items())


@click.command()
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--layer", type=click.Choice(LAYER_NAMES + ("all",)), default="sightings", show_default=True,
              help="What to export; 'all' writes every layer into one GeoPackage.")
@click.option("--format", "format_",
              help=f"Output format (default: from OUT's extension). Supported: {_FORMAT_HELP}.")
@since_option
@until_option
@bbox_option
@click.option("--port", help="Only inside this port (id or name), with the berths and terminals inside it.")
@click.option("--rule", type=click.Choice(RULES), help="Only flags of this rule (flags and all).")
@overwrite_option
@click.pass_obj
def export(app, out, layer, format_, since, until, bbox, port, rule, overwrite):
    """Export a layer of the log to a GIS file in EPSG:4326.

    Field types are kept where the format can hold them (UTC datetimes,
    integers); Shapefile names are cut to 10 characters with the mapping
    written to OUT.fields.csv; KML has a placemark per feature with time
    stamps for Google Earth's time slider. Flags carry both sightings, with a
    line between them for co-location and ship-to-ship flags. An unknown
    format or extension is refused, and an existing OUT is kept unless
    --overwrite.

    \b
    Example:
      shipsight export --layer sightings --format gpkg sightings.gpkg
      shipsight export --layer all log.gpkg
      shipsight export --layer flags --rule ship-to-ship sts.kml
      shipsight export --layer port-calls --port Vostochny --since 2024-01-01 calls.geojson
    """
    from shipsight.io.export import write_layer, write_layers
    from shipsight.layers import all_layers, layer_frame

    store = app.store(create=False)
    filters = dict(since=since, until=until, bbox=bbox, port=port, rule=rule)
    if layer == "all":
        if format_ is not None and format_.lower() != "gpkg":
            raise click.BadParameter("--layer all writes one GeoPackage; use --format gpkg", param_hint="--format")
        with progress_bar("exporting", "steps") as progress:
            progress(0, 1, label="reading layers")
            frames = all_layers(store, **filters)
            progress(0, len(frames) + 1, label="writing")
            path = write_layers(frames, out, overwrite=overwrite, progress=progress)
        click.echo(f"wrote {', '.join(_features(len(f), n) for n, f in frames.items())} to {path}")
        return
    with progress_bar("exporting", "steps") as progress:
        progress(0, 2)
        frame = layer_frame(store, layer, **filters)
        progress(1, 2)
        path = write_layer(frame, out, layer=layer, format=format_, overwrite=overwrite)
        progress(2, 2)
    click.echo(f"wrote {_features(len(frame), layer)} to {path}")


def _features(n, layer):
    """``1 sighting``, ``27 port calls``: a layer's rows counted in words."""
    noun = layer.replace("-", " ")
    return count(n, noun[:-1], noun)
