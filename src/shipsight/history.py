"""The log's history: the audit log, with the copies written into this store.

>>> import tempfile, os
>>> from shipsight.store import open_store
>>> from shipsight.sightings import log_sighting
>>> with open_store(os.path.join(tempfile.mkdtemp(), "log.db")) as store:
...     _ = log_sighting(store, {"time": "2024-01-05T03:00:00Z", "lon": 130.3, "lat": 42.24}, analyst="kim")
...     history(store)[["action", "entity", "entity_id"]].values.tolist()
[['insert', 'sighting', '1']]
"""

import json

import pandas as pd


def history(store, *, entity=None, entity_id=None):
    """Audit entries, oldest first; without ``entity`` the copy log's entries are merged in.

    A copy appears as action ``copy`` on entity ``store`` (its id in the copy
    log as ``entity_id``, no audit id), its ``new`` value the source and the
    rows added and updated per table: the copied rows bring their own audit
    entries, and this one says how they came.
    """
    audit = store.history(entity=entity, entity_id=entity_id)
    if entity is not None:
        return audit
    copies = store.copies()
    if copies.empty:
        return audit
    rows = pd.DataFrame({
        "id": None, "at": copies["at"], "analyst": copies["analyst"], "db_user": copies["db_user"],
        "action": "copy", "entity": "store", "entity_id": copies["id"].astype(str), "old": None,
        "new": [json.dumps({"from": s, "added": a, "updated": u})
                for s, a, u in zip(copies["source"], copies["added"], copies["updated"])],
        "reason": None,
    })
    merged = pd.concat([audit.astype({"id": object}), rows], ignore_index=True)
    return merged.sort_values("at", kind="stable").reset_index(drop=True)
