"""xView3 / Ai2 vessel-detection CSVs -> sighting import columns."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shipsight.errors import InputError, RowErrors
from shipsight.io.xview3 import COLUMNS, read_xview3

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "detections"
BUCKETS = [f"heading_bucket_{i}" for i in range(16)]


def ai2_rows(n=2, *, best=(9, 2), orientation=(0, 0)):
    rows = []
    for i in range(n):
        probs = np.full(16, 0.02)
        probs[best[i]] = 0.7
        rows.append({
            "preprocess_row": 10 + i, "preprocess_column": 20 + i,
            "lon": 129.7 + i / 100, "lat": 42.3, "score": 0.91, "vessel_length_m": 120.0 + i,
            "vessel_width_m": 20.0, **dict(zip(BUCKETS, probs)), "vessel_speed_k": 4.0,
            "is_fishing_vessel": 0.01, "column": 300 + i, "row": 400 + i, "orientation": orientation[i],
            "meters_per_pixel": 10, "detect_id": f"S1A_IW_GRDH_1SDV_20240301T093012_x.SAFE_{i}",
            "scene_id": "S1A_IW_GRDH_1SDV_20240301T093012_20240301T093037_052_ABC_1234.SAFE",
        })
    return pd.DataFrame(rows)


def test_ai2_layout(tmp_path):
    p = tmp_path / "predictions.csv"
    ai2_rows(orientation=(0, 12)).to_csv(p, index=False)
    df = read_xview3(p)
    assert list(df.columns) == list(COLUMNS)
    assert str(df["time"].dtype) == "datetime64[us, UTC]"
    assert df["time"].iloc[0] == pd.Timestamp("2024-03-01T09:30:12Z")
    assert df["lon"].tolist() == pytest.approx([129.7, 129.71]) and df["length_m"].tolist() == [120.0, 121.0]
    # Bucket 9 covers [202.5, 225) degrees: its centre. A rotated image gives no heading.
    assert df["heading"].iloc[0] == 213.75 and np.isnan(df["heading"].iloc[1])
    assert "image not north-up" in df["note"].iloc[1]
    assert (df["confidence"] == "possible").all()
    assert (df["source"] == "detector: ai2 vessel-detection-sentinels").all()
    assert df["pixel_row"].tolist() == [400, 401] and df["pixel_col"].tolist() == [300, 301]
    assert str(df["pixel_row"].dtype) == "Int64"
    assert "score 0.910" in df["note"].iloc[0] and "heading bucket p 0.70" in df["note"].iloc[0]
    assert "detect_id S1A_IW_GRDH_1SDV_20240301T093012_x.SAFE_0" in df["note"].iloc[0]
    assert read_xview3(p, source="detector: my run 7")["source"].iloc[0] == "detector: my run 7"


def test_xview3_label_layout(tmp_path):
    p = tmp_path / "validation.csv"
    p.write_text(
        "detect_lat,detect_lon,vessel_length_m,source,detect_scene_row,detect_scene_column,is_vessel,"
        "is_fishing,distance_from_shore_km,scene_id,confidence,top,left,bottom,right,detect_id\n"
        "42.25,130.1,88.5,ais,1200,3400,True,False,12.25,05bc615a9b0e1159t,HIGH,1,2,3,4,d1\n"
        "42.26,130.2,,manual,1300,3500,False,,0.5,05bc615a9b0e1159t,MEDIUM,1,2,3,4,d2\n"
        "42.27,130.3,,manual,1310,3510,,,3.0,05bc615a9b0e1159t,LOW,1,2,3,4,d3\n"
    )
    df = read_xview3(p)
    assert len(df) == 2 and df.attrs["skipped_not_vessel"] == 1  # the platform (is_vessel False) is left out
    assert df["time"].isna().all()  # hashed xView3 scene ids carry no time: the caller supplies it
    assert df["lon"].tolist() == [130.1, 130.3] and df["lat"].tolist() == [42.25, 42.27]
    assert df["length_m"].iloc[0] == 88.5 and np.isnan(df["length_m"].iloc[1])
    assert df["heading"].isna().all()
    assert df["pixel_row"].tolist() == [1200, 1310] and df["pixel_col"].tolist() == [3400, 3510]
    assert (df["source"] == "detector: xview3").all()
    assert "xview3 confidence HIGH" in df["note"].iloc[0] and "label source ais" in df["note"].iloc[0]
    assert "from shore 12.2 km" in df["note"].iloc[0] or "from shore 12.3 km" in df["note"].iloc[0]


def test_missing_columns_are_all_named(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("score,vessel_length_m\n0.9,100\n")
    with pytest.raises(InputError) as e:
        read_xview3(p)
    msg = str(e.value)
    assert "lon (or detect_lon)" in msg and "lat (or detect_lat)" in msg and "scene_id" in msg
    assert str(p) in msg and "\n" not in msg


def test_bad_rows_are_all_reported(tmp_path):
    df = ai2_rows(3, best=(1, 2, 3), orientation=(0, 0, 0))
    df.loc[0, "lon"] = 200.0
    df["lat"] = df["lat"].astype(object)
    df.loc[2, "lat"] = "north"
    p = tmp_path / "bad.csv"
    df.to_csv(p, index=False)
    with pytest.raises(RowErrors) as e:
        read_xview3(p)
    assert [(r, f) for r, f, _ in e.value.problems] == [(2, "lon"), (4, "lat")]
    assert "row 2, field lon" in str(e.value)


def test_empty_and_header_only(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_text("")
    with pytest.raises(InputError, match="empty"):
        read_xview3(p)
    p = tmp_path / "header.csv"
    ai2_rows().iloc[:0].to_csv(p, index=False)
    df = read_xview3(p)
    assert len(df) == 0 and list(df.columns) == list(COLUMNS)
    with pytest.raises(InputError, match="no such file"):
        read_xview3(tmp_path / "nope.csv")


@pytest.mark.parametrize("n,expect", [
    # Figures from ../shared/data/detections/allenai_sentinel{1,2}_predictions.csv (Ai2, Apache-2.0).
    (1, {"rows": 2, "time": "2021-11-30T02:52:11Z", "row": 756, "col": 17135, "length": 234.34085845947266,
         "lon": 39.06649085329079, "heading": 213.75}),
    (2, {"rows": 1, "time": "2021-11-02T06:10:19Z", "row": 8359, "col": 223, "length": 175.80862045288086,
         "lon": 67.04745338881632, "heading": 213.75}),
])
def test_real_ai2_predictions(n, expect):
    p = DATA / f"allenai_sentinel{n}_predictions.csv"
    if not p.exists():
        pytest.skip(f"real data absent: {p}")
    df = read_xview3(p)
    assert len(df) == expect["rows"]
    first = df.iloc[0]
    assert first["time"] == pd.Timestamp(expect["time"])
    assert (first["pixel_row"], first["pixel_col"]) == (expect["row"], expect["col"])
    assert first["length_m"] == pytest.approx(expect["length"])
    assert first["lon"] == pytest.approx(expect["lon"])
    assert first["heading"] == expect["heading"]  # bucket 9 is the most probable in both files
    assert first["scene"].startswith(f"S{n}")
