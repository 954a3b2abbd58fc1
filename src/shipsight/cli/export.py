"""``shipsight export``: layers to GIS files (GeoPackage, GeoJSON, KML, Shapefile, ...)."""

import click

from shipsight.cli.options import bbox_option, overwrite_option, since_option, until_option
from shipsight.io.export import FORMATS, write_layer, write_layers
from shipsight.layers import LAYER_NAMES, layer_frame


@click.command()
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--layer", type=click.Choice(LAYER_NAMES + ("all",)), default="sightings", show_default=True,
              help="What to export; 'all' writes every layer into one GeoPackage.")
@click.option("--format", "format_", type=click.Choice(tuple(FORMATS)),
              help="Output format (default: from OUT's extension).")
@since_option
@until_option
@bbox_option
@click.option("--port", help="Only inside this port (id or name).")
@click.option("--rule", help="Only flags of this rule.")
@overwrite_option
@click.pass_obj
def export(app, out, layer, format_, since, until, bbox, port, rule, overwrite):
    """Export a layer of the log to a GIS file in EPSG:4326.

    \b
    Example:
      shipsight export --layer sightings --format gpkg sightings.gpkg
      shipsight export --layer all log.gpkg
      shipsight export --layer flags --rule ship-to-ship sts.kml
    """
    store = app.store(create=False)
    filters = dict(since=since, until=until, bbox=bbox, port=port)
    if layer == "all":
        frames = {name: layer_frame(store, name, **filters, rule=rule if name == "flags" else None)
                  for name in LAYER_NAMES}
        if format_ not in (None, "gpkg"):
            raise click.BadParameter("--layer all writes one GeoPackage; use --format gpkg", param_hint="--format")
        path = write_layers(frames, out, overwrite=overwrite)
        click.echo(f"wrote {', '.join(f'{len(f)} {n}' for n, f in frames.items())} to {path}")
        return
    frame = layer_frame(store, layer, **filters, rule=rule)
    path = write_layer(frame, out, layer=layer, format=format_, overwrite=overwrite)
    click.echo(f"wrote {len(frame)} {layer} to {path}")


COMMANDS = [export]
