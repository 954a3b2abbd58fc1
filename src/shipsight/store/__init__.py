"""The store: one interface (:class:`~shipsight.store.base.Store`), two back ends.

``open_store("shipsight.db")`` gives the embedded SQLite store;
``open_store("postgresql://...")`` the PostGIS team store (needs the
``postgis`` extra).

>>> import tempfile, os
>>> with open_store(os.path.join(tempfile.mkdtemp(), "log.db")) as store:
...     store.schema_version() == SCHEMA_VERSION
True
"""

from shipsight.store.base import SCHEMA_VERSION, SightingQuery, Store


def is_server_url(target):
    """True when ``target`` names a PostgreSQL server rather than a file."""
    return str(target).startswith(("postgresql://", "postgres://"))


def open_store(target, *, create=True):
    """Open (and, with ``create``, create or upgrade) the store at a path or URL.

    Parameters
    ----------
    target : str or path
        A SQLite file path, or a ``postgresql://`` URL.
    create : bool, keyword-only
        Create a missing store and apply pending migrations. With False a
        missing store is an error (for read-only commands).
    """
    if is_server_url(target):
        from shipsight.store.postgis import PostgisStore  # optional back end, loaded lazily

        return PostgisStore(str(target), create=create)
    from shipsight.store.sqlite import SQLiteStore

    return SQLiteStore(target, create=create)


__all__ = ["open_store", "is_server_url", "Store", "SightingQuery", "SCHEMA_VERSION"]
