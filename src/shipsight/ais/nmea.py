r"""NMEA 0183 AIS (``!AIVDM`` / ``!AIVDO``, any talker) read with pyais, every line accounted for.

Times come from each sentence's tag block (``\c:1428621738*..\!AIVDM...``,
NMEA 4.10; seconds since 1970, or milliseconds when the value has 13 digits)
or a Gatehouse ``$PGHP,1,YYYY,M,D,h,m,s,ms,...`` line before the message. A
message of several sentences takes the first time among its sentences, and a
sentence of a tag-block group (``g:2-2-27300``) without a time of its own takes
its group's. A message with no time gets ``received_at`` when it is given
(marked ``time_assumed``), else it is counted ``untimed`` and left out.

Lines are counted, never fatal: ``blank``, ``other`` (not AIS: comments, other
NMEA sentences, text), ``broken`` (an AIS sentence that does not parse or whose
checksum fails), ``empty`` (no payload), ``incomplete`` (a fragment of a
multi-sentence message whose other fragments never came), ``undecodable`` (a
payload pyais cannot decode), ``bad_time`` (a tag-block time outside 1990 to
tomorrow, or a tag block whose checksum fails: its time is not used).

Message types read: positions from 1, 2, 3 (class A), 18, 19 (class B) and 27
(long range); static data (an identity statement) from 5, 19 and 24 (parts A
and B). Other types are counted by type and left.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "feed.nmea")
>>> _ = open(path, "w").write("\\c:1428621738*5F\\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n"
...                          "!AIVDM,1,1,,B,,0*25\n# a comment\n")
>>> counts = Counter()
>>> [(p.num_rows, s.num_rows) for p, s in read_nmea(path, counts=counts)]
[(1, 0)]
>>> counts["timed"], counts["empty"], counts["other"]
(1, 1, 1)
"""

import gzip
import zlib
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa

from shipsight.ais.archive import positions_table

POSITION_TYPES = (1, 2, 3, 18, 19, 27)
STATIC_TYPES = (5, 19, 24)
#: Plausible receive times (ms since 1970): AIS began in 2002; 1990 leaves room for test feeds.
_EARLIEST_MS = int(datetime(1990, 1, 1, tzinfo=timezone.utc).timestamp() * 1000)
#: Messages decoded before a batch is handed on.
BATCH_MESSAGES = 200_000


def open_text(path):
    """A binary file object of ``path``, gunzipped when it ends in ``.gz``."""
    return gzip.open(path, "rb") if str(path).endswith(".gz") else open(path, "rb")


def _lines(path, counts):
    """The lines of ``path``, counted in ``counts["lines"]``; a gzip file that breaks off or is
    damaged is an :class:`~shipsight.errors.InputError` saying after which line."""
    try:
        with open_text(path) as lines:
            for line in lines:
                counts["lines"] += 1
                yield line
    except (OSError, EOFError, zlib.error) as exc:
        from shipsight.ais.csvfiles import damaged

        raise damaged(path, exc) from None


def _tag_time_ms(value, latest_ms):
    """A tag-block ``c:`` value as ms since 1970, or None when it is not a plausible time."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    ms = number if number >= 10**12 else number * 1000
    return ms if _EARLIEST_MS <= ms <= latest_ms else None


class _Batch:
    """Columns of positions and identity statements gathered from decoded messages."""

    def __init__(self):
        self.pos = {k: [] for k in ("time", "mmsi", "lon", "lat", "sog", "cog", "heading", "nav_status", "msg_type",
                                    "time_assumed")}
        self.static = {k: [] for k in ("time", "mmsi", "msg_type", "name", "imo", "call_sign", "ship_type",
                                       "length_m")}

    def __len__(self):
        return len(self.pos["time"]) + len(self.static["time"])

    def positions(self):
        from shipsight.ais.fields import cog_degrees, heading_degrees, sog_knots

        p = self.pos
        return positions_table(mmsi=p["mmsi"], time=np.array(p["time"], dtype=np.int64), lon=p["lon"], lat=p["lat"],
                               sog=sog_knots(p["sog"]), cog=cog_degrees(p["cog"]),
                               heading=heading_degrees(p["heading"]), nav_status=p["nav_status"],
                               msg_type=p["msg_type"], time_assumed=p["time_assumed"])

    def statements(self):
        s = self.static
        return pa.table({"time": pa.array(s["time"], pa.int64()), "mmsi": pa.array(s["mmsi"], pa.int64()),
                         "msg_type": pa.array(s["msg_type"], pa.int8()), "name": pa.array(s["name"], pa.string()),
                         "imo": pa.array(s["imo"], pa.int64()), "call_sign": pa.array(s["call_sign"], pa.string()),
                         "ship_type": pa.array(s["ship_type"], pa.int64()),
                         "length_m": pa.array(s["length_m"], pa.float64())})


def _value(v):
    """An enum or number from pyais as a plain int (None stays None)."""
    return None if v is None else int(v)


def _add(batch, msg, ms, assumed, counts):
    t = msg.msg_type
    if t in POSITION_TYPES:
        lon, lat = msg.lon, msg.lat
        if lon is None or lat is None or lon == 181 or lat == 91:
            # ITU-R M.1371: 181 degrees east / 91 north is "not available".
            counts["no_position"] += 1
        elif not (-180 <= lon <= 180) or not (-90 <= lat <= 90):
            counts["invalid_position"] += 1
        else:
            p = batch.pos
            p["time"].append(ms)
            p["mmsi"].append(int(msg.mmsi))
            p["lon"].append(float(lon))
            p["lat"].append(float(lat))
            if t == 27:
                # Long-range reports: whole knots (63 = not available) and degrees (511).
                p["sog"].append(np.nan if msg.speed is None or msg.speed >= 63 else float(msg.speed))
                p["cog"].append(np.nan if msg.course is None or msg.course >= 360 else float(msg.course))
                p["heading"].append(np.nan)
            else:
                p["sog"].append(np.nan if msg.speed is None else float(msg.speed))
                p["cog"].append(np.nan if msg.course is None else float(msg.course))
                p["heading"].append(np.nan if msg.heading is None else float(msg.heading))
            p["nav_status"].append(_value(getattr(msg, "status", None)) if t in (1, 2, 3, 27) else None)
            p["msg_type"].append(t)
            p["time_assumed"].append(assumed)
            counts["positions"] += 1
    if t in STATIC_TYPES:
        s = batch.static
        part = getattr(msg, "partno", None) if t == 24 else None
        carries_name = t in (5, 19) or part == 0
        carries_rest = t in (5, 19) or part == 1
        s["time"].append(ms)
        s["mmsi"].append(int(msg.mmsi))
        s["msg_type"].append(t)
        # None: this message does not carry the field (filled from the vessel's last statement);
        # "" or 0: it carries it, empty (not known).
        s["name"].append((msg.shipname or "") if carries_name else None)
        s["imo"].append((msg.imo or 0) if t == 5 else None)
        s["call_sign"].append((msg.callsign or "") if t == 5 or part == 1 else None)
        s["ship_type"].append((_value(msg.ship_type) or 0) if carries_rest else None)
        s["length_m"].append(((msg.to_bow or 0) + (msg.to_stern or 0)) if carries_rest else None)
        counts["statics"] += 1


def read_nmea(path, *, received_at=None, counts=None, batch_messages=BATCH_MESSAGES):
    """Decode an NMEA file into batches of ``(positions, statements)``.

    Parameters
    ----------
    path : str or Path
        A text file of NMEA lines (``.gz`` is read through gzip).
    received_at : datetime, optional
        The time to give messages that carry none (aware UTC).
    counts : Counter, optional
        Filled with the line and message counts described in the module docstring,
        plus ``messages``, ``timed``, ``type_N`` for each message type, ``positions``,
        ``statics``, ``no_position``.

    Yields
    ------
    positions : pyarrow.Table of :data:`~shipsight.ais.archive.POSITION_SCHEMA`
    statements : pyarrow.Table (time ms, mmsi, msg_type, name, imo, call_sign,
        ship_type, length_m), null where a message does not carry a field.
    """
    from pyais.exceptions import InvalidNMEAMessageException, UnknownMessageException
    from pyais.messages import AISSentence, GatehouseSentence, NMEAMessage, NMEASentenceFactory

    counts = Counter() if counts is None else counts
    latest_ms = int((datetime.now(timezone.utc).timestamp() + 86_400) * 1000)
    fallback_ms = None if received_at is None else int(received_at.timestamp() * 1000)
    fragments = {}   # (seq_id, channel, talker, count) -> list of (sentence, time)
    groups = {}      # tag-block group id -> its time
    gatehouse_ms = None
    batch = _Batch()
    path = Path(path)
    for line in _lines(path, counts):
        raw = line.strip()
        if not raw:
            counts["blank"] += 1
            continue
        try:
            sentence = NMEASentenceFactory.produce(raw)
        except UnknownMessageException:
            counts["other"] += 1
            continue
        except (InvalidNMEAMessageException, ValueError, IndexError):
            body = raw.rsplit(b"\\", 1)[-1]
            counts["broken" if body[:1] == b"!" and body[3:6] in (b"VDM", b"VDO") else "other"] += 1
            continue
        if sentence.TYPE == GatehouseSentence.TYPE:
            ts = sentence.timestamp.replace(tzinfo=timezone.utc)
            gatehouse_ms = int(ts.timestamp() * 1000)
            counts["gatehouse"] += 1
            continue
        if sentence.TYPE != AISSentence.TYPE:
            counts["other"] += 1
            continue
        counts["sentences"] += 1
        if not sentence.is_valid:
            counts["broken"] += 1
            continue
        if not sentence.payload:
            counts["empty"] += 1
            continue
        ms = None
        tb = sentence.tag_block
        if tb is not None:
            tb.init()
            if not tb.is_valid:
                counts["bad_time"] += 1
            else:
                group = tb.group
                if tb.receiver_timestamp is not None:
                    ms = _tag_time_ms(tb.receiver_timestamp, latest_ms)
                    if ms is None:
                        counts["bad_time"] += 1
                if group is not None:
                    if ms is not None:
                        if len(groups) > 10_000:
                            groups.clear()
                        groups[group.group_id] = ms
                    else:
                        ms = groups.get(group.group_id)
        if sentence.is_single:
            message, parts_ms = sentence, [ms]
        else:
            slot = (sentence.seq_id, sentence.channel, sentence.talker_id, sentence.frag_cnt)
            held = fragments.get(slot)
            if sentence.frag_num == 1:
                if held:
                    counts["incomplete"] += len(held)
                held = fragments[slot] = [(sentence, ms)]
            elif held and sentence.frag_num == len(held) + 1:
                held.append((sentence, ms))
            else:
                counts["incomplete"] += 1
                continue
            if len(held) < sentence.frag_cnt:
                continue
            done = fragments.pop(slot)
            message = NMEAMessage.assemble_from_iterable([s for s, _ in done])
            parts_ms = [t for _, t in done]
        counts["messages"] += 1
        ms = next((t for t in parts_ms if t is not None), None)
        if gatehouse_ms is not None:
            ms = gatehouse_ms if ms is None else ms
            gatehouse_ms = None
        try:
            decoded = message.decode()
        except Exception:  # pyais raises many kinds on a bad payload; each is one undecodable message
            counts["undecodable"] += 1
            continue
        counts[f"type_{decoded.msg_type}"] += 1
        assumed = False
        if ms is None:
            if fallback_ms is None:
                counts["untimed"] += 1
                continue
            ms, assumed = fallback_ms, True
            counts["time_assumed"] += 1
        else:
            counts["timed"] += 1
        _add(batch, decoded, ms, assumed, counts)
        if len(batch) >= batch_messages:
            yield batch.positions(), batch.statements()
            batch = _Batch()
    counts["incomplete"] += sum(len(v) for v in fragments.values())
    if len(batch):
        yield batch.positions(), batch.statements()
