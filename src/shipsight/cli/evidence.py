"""``shipsight evidence``: everything behind one flag, in a folder or a zip a reader can check."""

import click

from shipsight.cli.options import overwrite_option


@click.command()
@click.argument("flag_id", type=int)
@click.argument("out", type=click.Path())
@click.option("--chip-size-m", type=float, default=1000, show_default=True, help="Ground metres across each chip.")
@overwrite_option
@click.pass_obj
def evidence(app, flag_id, out, chip_size_m, overwrite):
    """Write the evidence pack of a flag to OUT (a new folder, or a file ending in .zip).

    The pack holds the flag's explanation (README.md, flag.json), the
    sightings involved and their scenes, image chips cut from the scenes
    (or a note why not), the sanctions-list entry, the audit history of the
    flag and its sightings, and manifest.json / SHA256SUMS with the SHA-256
    of every file (check with 'sha256sum -c SHA256SUMS').

    \b
    Example:
      shipsight evidence 3 flag-3/
      shipsight evidence 3 flag-3.zip --overwrite
    """
    from shipsight.outputs import evidence_pack

    path = evidence_pack(app.store(create=False), flag_id, out, overwrite=overwrite, chip_size_m=chip_size_m)
    click.echo(f"wrote evidence pack for flag {flag_id} to {path}")
