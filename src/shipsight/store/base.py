"""The Store interface every back end implements, and what they share.

Above this line nothing knows which database it talks to: frames go in and
come out (pandas / geopandas, geometry as shapely in EPSG:4326, times as UTC
datetimes).
"""

import getpass
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from shipsight.errors import NotFoundError

#: The newest schema this code knows; both back ends migrate to it.
SCHEMA_VERSION = 1

#: Sighting fields an edit may change (ids, attribution and status are derived or managed).
EDITABLE = (
    "time", "lon", "lat", "name", "imo", "mmsi", "vessel_type", "length_m", "heading",
    "confidence", "source", "scene_id", "pixel_row", "pixel_col", "analyst", "note",
)


def os_user():
    """Who runs the process, recorded beside the analyst name in the audit log."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass(frozen=True)
class SightingQuery:
    """Filters for :meth:`Store.sightings`; every field optional.

    ``port`` is a port id or name; ``vessel`` a name, IMO or MMSI; ``bbox`` is
    ``(minlon, minlat, maxlon, maxlat)``, with minlon > maxlon meaning a box
    across the antimeridian.
    """

    ids: tuple | None = None
    port: str | int | None = None
    vessel: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    bbox: tuple | None = None
    include_retracted: bool = False


class Store(ABC):
    """A shipsight log: ports, scenes, sightings, lists, flags and the audit trail.

    Use as a context manager; writes go through :meth:`transaction`, so that an
    import is all or nothing.
    """

    url: str
    kind: str

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @abstractmethod
    def close(self): ...

    @abstractmethod
    def schema_version(self):
        """The schema version the store is at (0 for an empty one)."""

    @abstractmethod
    def migrate(self):
        """Apply pending migrations; return the new version."""

    @abstractmethod
    def transaction(self):
        """A context manager: one write transaction (nested calls join the outer one)."""

    # ports
    @abstractmethod
    def add_ports(self, ports, *, analyst, source=None):
        """Insert validated port polygons (GeoDataFrame: name, kind, watchlist, reason,
        geometry) and re-attribute the sightings they touch; return the new ids."""

    @abstractmethod
    def ports(self):
        """All ports as a GeoDataFrame (id, name, kind, watchlist, reason, area_m2, geometry)."""

    # scenes
    @abstractmethod
    def add_scene(self, record, *, analyst):
        """Register a scene (a dict of its metadata and footprint); return its id."""

    @abstractmethod
    def scenes(self, ids=None):
        """Scenes as a GeoDataFrame of their footprints."""

    # sightings
    @abstractmethod
    def add_sightings(self, frame, *, analyst, source=None, sha256=None):
        """Insert validated sightings (columns of ``model.sightings.FIELDS``) with
        their port attribution, each with its audit entry; return the new ids."""

    @abstractmethod
    def sightings(self, query=SightingQuery()):
        """Sightings matching ``query`` as a GeoDataFrame, ordered by time then id."""

    def sighting(self, sighting_id):
        """One sighting, retracted ones too, as a one-row GeoDataFrame; NotFoundError if none."""
        rows = self.sightings(SightingQuery(ids=(int(sighting_id),), include_retracted=True))
        if rows.empty:
            raise NotFoundError(f"no sighting {sighting_id}; list them with 'shipsight sightings list'")
        return rows

    @abstractmethod
    def edit_sighting(self, sighting_id, changes, *, reason, analyst):
        """Change fields of one sighting, recorded with old and new values."""

    @abstractmethod
    def retract_sighting(self, sighting_id, *, reason, analyst):
        """Mark a sighting retracted (never deleted), with the reason."""

    @abstractmethod
    def history(self, *, entity=None, entity_id=None):
        """The audit log as a DataFrame, oldest first."""
