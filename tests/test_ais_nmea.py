"""NMEA reading: every real sample decodes with its counts; tag blocks, Gatehouse, multipart, junk."""

from collections import Counter
from datetime import datetime, timezone

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipsight.ais.identities import final_runs, statement_runs
from shipsight.ais.nmea import read_nmea
from tests.conftest import shared

RECEIVED = datetime(2024, 1, 1, tzinfo=timezone.utc)

# Counts of each sample in ../shared/data/ais/nmea (pyais's test files), worked out line by line:
# e.g. sample.ais has 6 plain type-1 lines (no time), a tag-block line without a checksum (broken),
# a two-sentence type 5 whose group carries c:1428621738, two tag blocks whose checksum '*A' fails
# (their messages untimed), an AAVDM with fragment count 0 (broken), and a $PGHP before one message.
SAMPLES = {
    "sample.ais": dict(lines=22, blank=1, other=6, sentences=13, broken=2, messages=11, timed=2, untimed=9,
                       bad_time=2, gatehouse=1, type_1=10, type_5=1, positions=1, statics=1),
    "mixed.txt": dict(lines=35, blank=7, other=11, sentences=15, broken=1, messages=12, timed=2, untimed=10,
                      bad_time=2, gatehouse=2, type_1=10, type_5=2, positions=1, statics=1),
    "gatehouse.nmea": dict(lines=11, blank=2, other=1, sentences=4, messages=4, timed=2, untimed=2, gatehouse=4,
                           type_1=4, positions=2),
    "timestamped.ais": dict(lines=11, blank=2, other=1, sentences=4, messages=4, timed=2, untimed=2, gatehouse=4,
                            type_1=4, positions=2),
    "messages.ais": dict(lines=11, blank=3, other=2, sentences=6, messages=6, untimed=6, type_1=6),
    "ais_test_messages": dict(lines=9, other=1, sentences=8, messages=7, untimed=7, type_1=6, type_5=1),
    # 897 newline-ended lines and a last one without: 100 empty payloads, 20 first halves never completed.
    "nmea_data_sample.txt": dict(lines=898, sentences=898, empty=100, incomplete=20, messages=778, untimed=778,
                                 type_1=667, type_3=76, type_4=6, type_15=7, type_18=19, type_20=1, type_24=2),
}


def _read(path, **kw):
    counts = Counter()
    batches = list(read_nmea(path, counts=counts, **kw))
    positions = pa.concat_tables([p for p, _ in batches]) if batches else None
    statements = [s for _, s in batches]
    return counts, positions, statements


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_decodes_with_its_counts(name):
    counts, positions, _ = _read(shared(f"ais/nmea/{name}"))
    got = {k: v for k, v in counts.items() if v}
    assert got == SAMPLES[name]
    assert (positions.num_rows if positions else 0) == SAMPLES[name].get("positions", 0)


def test_sample_times_from_tag_block_and_gatehouse():
    counts, positions, statements = _read(shared("ais/nmea/sample.ais"))
    # The one timed position follows "$PGHP,1,2009,5,9,0,0,0,10,...": 2009-05-09 00:00:00.010 UTC.
    assert positions.column("time").to_pylist() == [datetime(2009, 5, 9, 0, 0, 0, 10_000, tzinfo=timezone.utc)]
    runs = final_runs([statement_runs(s) for s in statements])
    # The two-sentence type 5 of tag-block group 27300 takes its first sentence's c:1428621738.
    assert runs["valid_from"].tolist() == [1428621738000]
    assert runs["name"].tolist() == ["EVER DIADEM"] or len(runs) == 1


def test_received_at_gives_untimed_messages_a_marked_time():
    counts, positions, statements = _read(shared("ais/nmea/nmea_data_sample.txt"), received_at=RECEIVED)
    assert counts["time_assumed"] == 778 and counts["untimed"] == 0
    # 667 + 76 + 19 position reports, 4 of them (class B) with lon 181 "not available".
    assert counts["no_position"] == 4
    assert positions.num_rows == 758
    assert all(positions.column("time_assumed").to_pylist())
    runs = final_runs([statement_runs(s) for s in statements])
    # Its 24A (name) and 24B (call sign, type, size) make one identity.
    assert runs[["mmsi", "name", "call_sign", "vessel_type", "length_m"]].values.tolist() == \
        [["244270489", "SY-LUNDE", "PH7460", "sailing", 12.0]]


def _nmea(fields, **kw):
    from pyais.encode import encode_dict

    return encode_dict(fields, talker_id="AI", **kw)


def _tag(c, sentence, group=None):
    body = f"c:{c}" + (f",g:{group}" if group else "")
    checksum = 0
    for ch in body:
        checksum ^= ord(ch)
    return f"\\{body}*{checksum:02X}\\{sentence}"


def test_synthetic_feed(tmp_path):
    t0 = 1_700_000_000
    lines = []
    # A class A position with heading 511 and SOG 102.3 (not available).
    lines += [_tag(t0, s) for s in _nmea({"type": 1, "mmsi": 273456780, "lon": 130.3, "lat": 42.25, "speed": 102.3,
                                         "course": 90.0, "heading": 511})]
    # A type 5 over two sentences, each with its own tag block (second without c:, same group).
    five = _nmea({"type": 5, "mmsi": 273456780, "imo": 9179842, "callsign": "UBCF2", "shipname": "ANGARA",
                  "ship_type": 80, "to_bow": 90, "to_stern": 30}, seq_id=3)
    lines += [_tag(t0 + 10, five[0], "1-2-7"), "\\g:2-2-7*" + _checksum_of("g:2-2-7") + "\\" + five[1]]
    # A Gatehouse time before a plain position; then a position with a millisecond tag time.
    lines += ["$PGHP,1,2023,11,14,22,15,0,0,,,,1,*00"]
    lines += _nmea({"type": 18, "mmsi": 412000111, "lon": -179.99, "lat": -16.5, "speed": 3.0, "course": 45.0,
                    "heading": 44})
    lines += [_tag((t0 + 60) * 1000, s) for s in _nmea({"type": 27, "mmsi": 412000111, "lon": 179.99, "lat": -16.5,
                                                           "speed": 63, "course": 511})]
    # Junk: an empty payload, a bad checksum, a stray second fragment, garbage.
    lines += ["!AIVDM,1,1,,A,,0*" + _checksum_of("AIVDM,1,1,,A,,0"),
              "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*24",
              "!AIVDM,2,2,9,A,88888888880,2*" + _checksum_of("AIVDM,2,2,9,A,88888888880,2"), "hello"]
    path = tmp_path / "feed.nmea"
    path.write_text("\n".join(lines) + "\n")
    counts, positions, statements = _read(path)
    assert counts["broken"] == 1 and counts["empty"] == 1 and counts["incomplete"] == 1 and counts["other"] == 1
    assert counts["messages"] == 4 and counts["timed"] == 4
    pos = positions.to_pylist()
    assert [p["mmsi"] for p in pos] == [273456780, 412000111, 412000111]
    assert pos[0]["time"] == datetime.fromtimestamp(t0, timezone.utc)
    assert pos[0]["sog"] is None and pos[0]["heading"] is None and pos[0]["cog"] == pytest.approx(90.0)
    assert pos[1]["time"] == datetime(2023, 11, 14, 22, 15, tzinfo=timezone.utc)
    assert pos[1]["heading"] == 44 and pos[1]["msg_type"] == 18
    # Type 27: whole knots (63 = not available), course 511 = not available.
    assert pos[2]["time"] == datetime.fromtimestamp(t0 + 60, timezone.utc)
    assert pos[2]["sog"] is None and pos[2]["cog"] is None
    runs = final_runs([statement_runs(s) for s in statements])
    assert runs[["mmsi", "name", "imo", "call_sign", "vessel_type", "length_m", "valid_from"]].values.tolist() == \
        [["273456780", "ANGARA", "9179842", "UBCF2", "tanker", 120.0, (t0 + 10) * 1000]]


def _checksum_of(body):
    checksum = 0
    for ch in body:
        checksum ^= ord(ch)
    return f"{checksum:02X}"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(
    st.text(alphabet="!\\$AIVDMGHP,*0123456789:cgn-ABCDEFabcdef<>?@`", max_size=80),
    st.sampled_from(["!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23", "!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EH,0*00",
                     "\\c:1428621738*55\\!AIVDM,1,1,,B,15N4cJ005Jrek0H@9nDW5608EP,0*13", "$PGHP,1,2008,5,9,0,0,0,10,338,2,,1,09*17",
                     "!AIVDM,1,1,,B,,0*25"])), max_size=30))
def test_any_text_is_counted_never_fatal(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("fuzz") / "x.nmea"
    text = "\n".join(line.replace("\n", " ").replace("\r", " ") for line in lines)
    path.write_bytes(text.encode())
    counts = Counter()
    for _ in read_nmea(path, counts=counts, received_at=RECEIVED):
        pass
    assert counts["lines"] == (len(text.splitlines()) if text else 0)
