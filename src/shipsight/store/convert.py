"""Conversions between frames and the values the stores write: UTC time text, driver-ready columns."""

from datetime import datetime, timezone

import numpy as np
import pandas as pd


def now_utc():
    """The current time as aware UTC."""
    return datetime.now(timezone.utc)


def time_text(value):
    """One aware datetime as the store's UTC text, e.g. ``2024-03-01T00:30:00.000000Z``."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def times_text(series):
    """A UTC datetime column as the store's text (vectorised; NaT -> None)."""
    values = pd.Series(series).dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
    text = np.char.add(np.datetime_as_string(values, unit="us"), "Z").astype(object)
    text[np.isnat(values)] = None
    return text


def text_times(values):
    """The store's text back to ``datetime64[us, UTC]``."""
    return pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601").astype("datetime64[us, UTC]")


def nullable(values):
    """A column as Python objects for a database driver: NaN/NA become None."""
    arr = np.array(values, dtype=object)
    arr[pd.isna(arr)] = None
    return arr.tolist()


def plain(value):
    """A value from a frame as JSON-able Python (numpy scalars, NaN, timestamps)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value
