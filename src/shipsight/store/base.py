"""The Store interface every back end implements, and what they share.

Above this line nothing knows which database it talks to: frames go in and
come out (pandas / geopandas, geometry as shapely in EPSG:4326, times as UTC
datetimes).
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from shipsight.errors import InputError, NotFoundError
from shipsight.model.sightings import default_analyst

#: The newest schema this code knows; both back ends migrate to it.
SCHEMA_VERSION = 10

#: Every table of the log, parents before children: the order a copy writes them in.
TABLES = ("ports", "scenes", "structures", "imports", "sightings", "list_versions", "list_entries", "vessels",
          "ais_imports", "ais_identities", "ais_correlations", "ais_matches", "flags", "audit")

#: Sighting fields an edit may change (ids, attribution and status are derived or managed).
EDITABLE = (
    "time", "lon", "lat", "name", "imo", "mmsi", "vessel_type", "length_m", "heading",
    "confidence", "source", "scene_id", "pixel_row", "pixel_col", "analyst", "note",
)


def check_table(name):
    """Refuse a table name that is not one of :data:`TABLES` (names are put into SQL as text)."""
    if name not in TABLES:
        raise InputError(f"unknown table {name!r}; the log's tables are {', '.join(TABLES)}")


def os_user():
    """Who runs the process, recorded beside the analyst name in the audit log."""
    return default_analyst()


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
    def add_ports(self, ports, *, analyst, source=None, duplicates="keep"):
        """Insert validated port polygons (GeoDataFrame: name, kind, watchlist, reason, geometry,
        and optionally country, locode, wpi_number, alternate_name) and re-attribute the
        sightings they touch; return the new ids (in frame order). ``duplicates="skip"``
        leaves out ports identical to a stored one (see
        :func:`shipsight.store.portrows.stored_already`): re-importing a file adds nothing."""

    @abstractmethod
    def ports(self):
        """All ports as a GeoDataFrame (id, name, kind, watchlist, reason, country, locode, wpi_number,
        alternate_name, area_m2, source, geometry)."""

    # fixed structures (shipsight.infra)
    @abstractmethod
    def add_structures(self, structures, *, analyst, source=None):
        """Insert structures (GeoDataFrame: name, kind, status, radius_sar_m, radius_optical_m,
        evidence (JSON text or None), geometry in EPSG:4326), each audited; return the new ids."""

    @abstractmethod
    def structures(self, *, status=None, bbox=None, ids=None):
        """Structures as a GeoDataFrame (id, name, kind, status, radius_sar_m, radius_optical_m,
        source, evidence, analyst, created_at, updated_at, geometry), by id; ``status`` one
        or a tuple of them, ``bbox`` (minlon, minlat, maxlon, maxlat; minlon > maxlon across
        the antimeridian) keeps those whose bounding box meets it."""

    @abstractmethod
    def set_structure_status(self, ids, status, *, analyst, reason=None):
        """Set the status (accepted, candidate, rejected) of structures ``ids``, each change
        audited with the old and new status and the reason; NotFoundError for an unknown id.
        Returns the ids whose status changed."""

    # scenes
    @abstractmethod
    def add_scene(self, record, *, analyst):
        """Register a scene (a dict of its metadata and footprint); return its id."""

    @abstractmethod
    def scenes(self, ids=None):
        """Scenes as a GeoDataFrame of their footprints."""

    # sightings
    @abstractmethod
    def add_sightings(self, frame, *, analyst, source=None, sha256=None, duplicates="keep", progress=None):
        """Insert validated sightings (columns of ``model.sightings.FIELDS``) with
        their port attribution; return the new ids (consecutive, in frame order).

        With a ``source`` (a file) the rows are one import: one audit entry
        names the file, its ``sha256``, the analyst and the ids created (the
        rows themselves are the values). Without one each sighting gets its own
        ``insert`` entry. ``duplicates="skip"`` leaves out rows whose time,
        position, identity and source are already in the log (the ids returned
        are then fewer than the rows); ``"keep"`` writes them. ``progress``,
        if given, is called as ``progress(rows_written, rows)``."""

    @abstractmethod
    def sightings(self, query=SightingQuery(), *, geometry=True):
        """Sightings matching ``query`` as a GeoDataFrame, ordered by time then id; with
        ``geometry=False`` a plain DataFrame of the same columns less the point (lon and lat
        are columns either way), for callers that print rows and need not load geopandas."""

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
        """The audit log as a DataFrame, oldest first; for ``entity="sighting"`` with the
        entries of the imports that brought those sightings in."""

    @abstractmethod
    def audit_mark(self):
        """The id of the newest audit entry (0 for none): an export's ``revision``, which
        :mod:`shipsight.sync` compares later edits with."""

    # sanctions lists
    @abstractmethod
    def add_list_version(self, list_name, entries, *, format, source, sha256, analyst):
        """Store ``entries`` (the frame of :func:`shipsight.sanctions.read_list`) as the next
        version of ``list_name``. A file already imported, or entries equal to the latest
        version's, change nothing. Returns ``(version, created)``."""

    @abstractmethod
    def list_versions(self, list_name=None):
        """Versions of the lists (id, list, version, format, source, sha256, entries,
        bad_imos, analyst, imported_at, report), oldest first; ``report`` is the import
        report (a dict, see :func:`shipsight.sanctions.records.entries_frame`) or None."""

    @abstractmethod
    def list_entries(self, *, list_name=None, version=None):
        """Entries of a list version (default: the latest version of every list; ``"all"``:
        every version), with ``id`` (row id), ``list``, ``version``, ``imported_at`` and
        ``latest`` (the version is its list's newest) beside the reader's columns; list
        columns as lists."""

    # flag rules: the inputs and the spatial-temporal joins
    @abstractmethod
    def flag_inputs(self, query=SightingQuery()):
        """The active sightings the rules look at: id, time, lon, lat, name, imo, mmsi,
        port_id; lean, since the rules may read millions."""

    def pairs_near(self, a, b, *, distance_m, window_h):
        """Pairs of sightings of ``a`` and ``b`` (frames of :meth:`flag_inputs`) within
        ``distance_m`` geodesic metres and ``window_h`` hours: a_id, b_id, distance_m,
        hours (b's time minus a's). In process here; a server back end runs it in SQL."""
        from shipsight.rules.joins import pairs_within

        ia, ib, dist, hours = pairs_within(
            a["lon"].to_numpy(), a["lat"].to_numpy(), a["time"], b["lon"].to_numpy(), b["lat"].to_numpy(),
            b["time"], distance_m=distance_m, window_h=window_h)
        return _pairs_frame(a["id"].to_numpy()[ia], b["id"].to_numpy()[ib], dist, hours)

    def self_pairs_near(self, s, *, distance_m, window_h):
        """Pairs within one frame (a_id < b_id by position), as :meth:`pairs_near`."""
        from shipsight.rules.joins import self_pairs_within

        i, j, dist, hours = self_pairs_within(s["lon"].to_numpy(), s["lat"].to_numpy(), s["time"],
                                              distance_m=distance_m, window_h=window_h)
        return _pairs_frame(s["id"].to_numpy()[i], s["id"].to_numpy()[j], dist, hours)

    def watchlist_hits(self, s):
        """For sightings ``s`` inside watch-listed ports: sighting_id, port_id of the
        smallest watch-listed port containing each."""
        import shapely

        ports = self.ports()
        ports = ports[ports["watchlist"]]
        # A sighting inside any port has a port_id; only those can be inside a watch-listed one.
        s = s[s["port_id"].notna()]
        if ports.empty or s.empty:
            return pd.DataFrame({"sighting_id": pd.Series([], dtype="int64"), "port_id": pd.Series([], dtype="int64")})
        tree = shapely.STRtree(ports.geometry.values)
        si, pi = tree.query(shapely.points(s["lon"].to_numpy(), s["lat"].to_numpy()), predicate="intersects")
        hits = pd.DataFrame({"sighting_id": s["id"].to_numpy()[si], "port_id": ports["id"].to_numpy()[pi],
                             "area": ports["area_m2"].to_numpy()[pi]})
        hits = hits.sort_values(["sighting_id", "area"]).drop_duplicates("sighting_id")
        return hits[["sighting_id", "port_id"]].reset_index(drop=True)

    # vessels: the analyst's own particulars (capacity for the cap tracker)
    @abstractmethod
    def set_vessel(self, imo, *, analyst, mmsi=None, name=None, vessel_type=None, deadweight=None,
                   gross_tonnage=None, note=None):
        """Insert or update the ``vessels`` row of IMO ``imo`` (a checked seven-digit string); only
        fields given (not None) change. Audited as entity ``vessel``, entity_id the IMO, with old
        and new values; a call that changes nothing writes nothing. Returns the row id."""

    @abstractmethod
    def vessels(self):
        """The ``vessels`` table as a DataFrame (id, imo, mmsi, name, vessel_type, deadweight,
        gross_tonnage as float, note, updated_at as UTC datetime), ordered by IMO."""

    # AIS: the import log and identities over time (positions live in the AIS archive)
    @abstractmethod
    def ais_import(self, sha256):
        """The stored AIS import of the file with this SHA-256, as a dict, or None."""

    @abstractmethod
    def ais_imports(self, *, sha256=None):
        """AIS imports (id, source, sha256, format, archive, tag, received_at, first_time,
        last_time, positions, statics, vessels, counts as a dict, analyst, at), oldest first."""

    @abstractmethod
    def add_ais_import(self, record, runs, *, analyst):
        """Record an AIS import and merge its identity runs in one transaction (audited);
        returns ``(import_id, added, extended)``, ``added`` None when the file was imported before."""

    @abstractmethod
    def ais_identities(self, *, mmsi=None, imo=None, name=None, since=None, until=None, ids=None):
        """Identity runs (id, mmsi, name, imo, call_sign, ship_type, vessel_type, length_m,
        valid_from, valid_to, reports, import_id), by MMSI then time."""

    # AIS correlation: a row per correlated scene and per sighting (shipsight.ais.correlate_scene)
    @abstractmethod
    def ais_matches(self, *, sighting_ids=None, scene_id=None, status=None):
        """Sightings' correlation (id, sighting_id, scene_id, status, mmsi, identity_id, distance_m,
        gate_m, evidence and applied as dicts, analyst, updated_at), by sighting id."""

    @abstractmethod
    def ais_correlations(self, *, scene_ids=None):
        """Correlated scenes (id, scene_id, time, coverage, placed, counts, ais_only, params,
        analyst, updated_at), by scene id."""

    @abstractmethod
    def save_ais_correlation(self, record, matches, edits, *, analyst):
        """Write a scene's correlation, its sightings' rows and the identities it fills in, in one
        transaction; only changes are written, each audited. Returns counts."""

    # flags
    @abstractmethod
    def sync_flags(self, flags, *, scope_ids, analyst, rules=None, window=None, bucket=0, buckets=1):
        """Make the stored flags of ``rules`` (default: the sighting rules) equal ``flags``.

        New keys are inserted, changed evidence updated, flags no longer found withdrawn
        (``active`` false); each change audited. Review status is kept: a dismissed flag
        stays dismissed. Only flags in scope are withdrawn: those of the sightings in
        ``scope_ids`` (None: all), and, given a ``window`` (start, end), AIS flags ending
        in it whose ``mmsi % buckets == bucket``. Returns counts: new, updated,
        withdrawn, unchanged."""

    @abstractmethod
    def write_behaviour(self, flags, calls, *, rules, window, bucket, buckets, analyst):
        """One partition of the AIS behaviour job, in one transaction: sync the flags of
        ``rules`` ending in ``window`` (see :meth:`sync_flags`) and replace the AIS port
        calls ending in it (``calls``: mmsi, port_id, entry, exit, hours, stopped_hours,
        positions, name, imo, vessel_type; None leaves them)."""

    @abstractmethod
    def record_search(self, scene_id, *, detector, found, saved, analyst):
        """Note in the audit log that ``detector`` searched the scene (found and saved counts)."""

    @abstractmethod
    def searched_scenes(self, *, detector):
        """Ids of the scenes ``detector`` has searched (:meth:`record_search`)."""

    @abstractmethod
    def ais_port_calls(self, *, since=None, until=None, port_ids=None):
        """AIS port calls (id, mmsi, port_id, port, entry, exit, hours, stopped_hours,
        positions, name, imo, vessel_type) overlapping ``[since, until]``, by entry."""

    @abstractmethod
    def flags(self, *, ids=None, rule=None, status=None, include_withdrawn=False):
        """Flags with their evidence joined in (sighting identity and position, related
        sighting, list entry, port), newest first."""

    @abstractmethod
    def review_flag(self, flag_id, *, status, note, analyst):
        """Set a flag's review status (open, confirmed, dismissed) with a note, audited."""

    # whole-log copy between stores (shipsight.copy)
    @abstractmethod
    def dump_table(self, name):
        """Every row of table ``name`` (one of :data:`TABLES`), ordered by id, in the
        back-end neutral form :mod:`shipsight.copy` moves: one object column per stored
        column, NULL as None, times as UTC text (``2024-03-01T00:30:00.000000Z``),
        geometry as WKB bytes in EPSG:4326."""

    @abstractmethod
    def record_copy(self, *, source, added, updated, analyst):
        """Note in the copy log that ``added``/``updated`` (table: rows) came from ``source``.
        Call inside the copy's :meth:`transaction`."""

    @abstractmethod
    def copies(self):
        """The copy log: id, at, analyst, db_user, source, added, updated (dicts), oldest first."""

    @abstractmethod
    def load_rows(self, name, frame, *, replace=False):
        """Write rows of :meth:`dump_table`'s form into ``name`` keeping their ids, with no
        audit entries of their own (the copied audit log carries their history). With
        ``replace``, rows whose id exists are overwritten. Call inside :meth:`transaction`."""


def _pairs_frame(a_id, b_id, dist, hours):
    return pd.DataFrame({"a_id": a_id.astype("int64"), "b_id": b_id.astype("int64"),
                         "distance_m": dist, "hours": hours})
