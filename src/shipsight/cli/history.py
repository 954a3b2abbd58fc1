"""``shipsight history``: the audit log."""

import json

import click

from shipsight.cli.options import json_option
from shipsight.cli.output import echo_json, echo_table, records
from shipsight.errors import InputError

ENTITIES = ("sighting", "port", "scene", "flag", "list", "vessel", "import", "structure")


def parse_target(target):
    """``12`` is sighting 12; ``flag:3``, ``port:2``, ``scene:S1A_...`` name others."""
    if target is None:
        return None, None
    entity, sep, key = str(target).partition(":")
    if not sep:
        entity, key = "sighting", entity
    if entity not in ENTITIES:
        raise InputError(f"unknown record kind {entity!r}; use one of {', '.join(ENTITIES)}, e.g. flag:3",
                         where="ID")
    return entity, key


@click.command()
@click.argument("target", required=False, metavar="[ID]")
@json_option
@click.pass_obj
def history(app, target, as_json):
    """Show the audit log: who changed what, when, old and new values.

    ID is a sighting id, or KIND:ID for other records (flag:3, port:2, scene:ID, vessel:IMO,
    import:1, structure:4). An imported sighting's history starts with its import's entry (the file,
    its SHA-256, the analyst, the ids created). Without ID the copies written into this
    store ('shipsight copy') are listed too.

    \b
    Example:
      shipsight history 12
      shipsight history flag:3 --json
    """
    from shipsight.history import history as log_history

    entity, key = parse_target(target)
    frame = log_history(app.store(create=False), entity=entity, entity_id=key)
    if target is not None and frame.empty and entity != "flag":
        from shipsight.errors import NotFoundError

        # Records other than flags are audited from their creation: no entry means no such record.
        raise NotFoundError(f"no {entity} {key} in the audit log (no such record)", where=target)
    if as_json:
        rows = records(frame)
        for row in rows:
            for k in ("old", "new"):
                row[k] = json.loads(row[k]) if row[k] else None
        # Values as the audit log holds them: an edit in the seventh decimal must show as one.
        echo_json(rows, exact=True)
    else:
        echo_table(frame, ["id", "at", "analyst", "db_user", "action", "entity", "entity_id", "old", "new", "reason"],
                   title="Audit log")
