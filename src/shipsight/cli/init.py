"""``shipsight init``: create or upgrade the store."""

import click


@click.command()
@click.pass_obj
def init(app):
    """Create the store, or upgrade it to the newest schema.

    \b
    Example:
      shipsight --db team.db init
    """
    store = app.store(create=True, keep=True)
    click.echo(f"{store.url}: schema version {store.schema_version()}")
