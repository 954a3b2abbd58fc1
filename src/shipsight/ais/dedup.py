"""Recognising AIS reports the archive already holds, whichever file they came in.

The same AIS reaches an analyst more than once: a MarineCadastre day as the
published ``.zip`` and as the unzipped CSV, a receiver's NMEA log copied into
a merged feed, two providers' extracts of one area. The files differ (so their
SHA-256 does), the reports do not. An import therefore skips every position
already in the archive and counts it.

The key of a report is its **MMSI, its time truncated to the whole second,
and its position within** :data:`SAME_REPORT_DEG` **degrees** in latitude and
longitude (about 11 m). The second is what AIS itself carries (the UTC second
of the report, ITU-R M.1371-5, and the whole-second times of MarineCadastre
and of NMEA tag blocks); the position tolerance lets the same report written
at different precisions match (MarineCadastre keeps 5 decimals, NMEA the
1/10,000 minute of the message). The position stays in the key because two
reports of one MMSI in the same second *far apart* are not a duplicate: they
are the evidence of the ``ais-spoofing`` rule's ``simultaneous`` kind.
For NMEA this is "the same message at the same time": a sentence heard again
(another receiver, another file) decodes to the same MMSI, second and place.

Only the day partitions an import touches are read, four columns of them,
once per import; the match is a sorted-key search in numpy.

>>> import tempfile, datetime as dt
>>> from shipsight.ais.archive import open_archive, positions_table
>>> archive = open_archive(tempfile.mkdtemp(), create=True)
>>> t0 = dt.datetime(2022, 1, 3, 12, tzinfo=dt.timezone.utc)
>>> with archive.writer("first") as w:
...     w.write(positions_table(mmsi=[367000001], time=[t0], lon=[-90.123451], lat=[29.5]))
>>> again = positions_table(mmsi=[367000001, 367000001, 367000002], time=[t0 + dt.timedelta(milliseconds=400)] * 3,
...                         lon=[-90.12345, -90.3, -90.12345], lat=[29.5, 29.5, 29.5])
>>> ArchivedPositions(archive).seen(again).tolist()   # same report; same second 16 km away; another MMSI
[True, False, False]
"""

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

#: Two reports of one MMSI in one second whose latitudes and longitudes differ by no more than this
#: (degrees, about 11 m) are the same report. Far below ``same_place_m`` (1 km) of the spoofing rule.
SAME_REPORT_DEG = 1e-4

_MS_PER_DAY = 86_400_000
_SECOND_BITS = 17  # 86,400 seconds of a day < 2**17


def _keys(mmsi, ms, day):
    """One int64 per report: the MMSI and the second of ``day`` (day number since 1970)."""
    second = ms // 1000 - day * 86_400
    return np.asarray(mmsi, np.int64) * (1 << _SECOND_BITS) + second


class ArchivedPositions:
    """The positions an archive holds, day by day as an import needs them (see the module docstring).

    ``staged`` names the staging folders of files read earlier in the same
    import (:attr:`~shipsight.ais.archive.ArchiveWriter.staging`, not yet
    published): their positions count as archived too.

    Memory: 24 bytes per archived position of the days an import touches.
    """

    def __init__(self, archive, *, staged=(), tolerance_deg=SAME_REPORT_DEG):
        self.archive = archive
        self.staged = list(staged)
        self.tolerance_deg = tolerance_deg
        self._days = {}

    def _day(self, day):
        if day not in self._days:
            from shipsight.ais.archive import _day

            name = self.archive.day_dir(_day(day)).name
            folders = [self.archive.day_dir(_day(day)), *(s / name for s in self.staged)]
            paths = [p for f in folders if f.is_dir() for p in sorted(f.glob("*.parquet"))]
            if paths:
                table = pa.concat_tables([pq.read_table(p, columns=["mmsi", "time", "lon", "lat"]) for p in paths])
                key = _keys(table.column("mmsi").to_numpy(), table.column("time").cast(pa.int64()).to_numpy(), day)
                order = np.argsort(key, kind="stable")
                self._days[day] = (key[order], table.column("lon").to_numpy()[order],
                                   table.column("lat").to_numpy()[order])
            else:
                self._days[day] = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
        return self._days[day]

    def seen(self, table):
        """True for each row of ``table`` (columns mmsi, time, lon, lat) that the archive already holds."""
        n = table.num_rows
        out = np.zeros(n, bool)
        if n == 0:
            return out
        ms = table.column("time").cast(pa.int64()).to_numpy()
        mmsi = table.column("mmsi").to_numpy().astype(np.int64)
        lon = table.column("lon").to_numpy()
        lat = table.column("lat").to_numpy()
        day = ms // _MS_PER_DAY
        for d in np.unique(day):
            keys, a_lon, a_lat = self._day(int(d))
            if not len(keys):
                continue
            rows = np.flatnonzero(day == d)
            k = _keys(mmsi[rows], ms[rows], int(d))
            lo = np.searchsorted(keys, k, side="left")
            hi = np.searchsorted(keys, k, side="right")
            count = hi - lo
            has = count > 0
            if not has.any():
                continue
            # Every archived report of the same MMSI and second, paired with the new row.
            row = np.repeat(rows[has], count[has])
            start = np.repeat(lo[has], count[has])
            offset = np.arange(len(row)) - np.repeat(np.cumsum(count[has]) - count[has], count[has])
            j = start + offset
            dlon = np.abs(a_lon[j] - lon[row])
            dlon = np.minimum(dlon, 360.0 - dlon)
            same = (dlon <= self.tolerance_deg) & (np.abs(a_lat[j] - lat[row]) <= self.tolerance_deg)
            out[row[same]] = True
        return out
