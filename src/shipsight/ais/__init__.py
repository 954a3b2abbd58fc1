"""AIS: the second evidence stream beside imagery.

========================================  =================================================
module                                    holds
========================================  =================================================
:mod:`shipsight.ais.nmea`                 NMEA ``!AIVDM/!AIVDO`` read with pyais, every line counted
:mod:`shipsight.ais.csvfiles`             MarineCadastre (both layouts) and plain CSV
:mod:`shipsight.ais.fields`               names' ``@`` padding, "not available" values, ship types
:mod:`shipsight.ais.identities`           identity runs from static data; identity in force at a time
:mod:`shipsight.ais.archive`              the columnar positions archive: writer and queries
:mod:`shipsight.ais.imports`              a file into the archive and the store
:mod:`shipsight.ais.tracks`               a vessel's track by MMSI or IMO
:mod:`shipsight.ais.vessels`              identities with kind, country and flag
========================================  =================================================

IMO numbers, MMSIs (their kinds, ITU-R M.585, and MIDs) and call signs are
cleaned by :mod:`shipsight.model.identity` and :mod:`shipsight.model.mid`, as
for sightings and lists.

The archive API is what correlation and behaviour rules build on::

    from shipsight.ais import open_archive
    archive = open_archive("shipsight.ais")
    table = archive.positions(since, until, bbox=(129, 41, 131, 43), columns=["mmsi", "time", "lon", "lat"])
"""

from shipsight.ais.archive import (POSITION_SCHEMA, Archive, ArchiveWriter, Partition, default_archive_path,
                                   open_archive, positions_table)

__all__ = ["open_archive", "default_archive_path", "Archive", "ArchiveWriter", "Partition", "POSITION_SCHEMA",
           "positions_table"]
