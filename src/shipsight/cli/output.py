"""Printing for people (rich tables) and for pipes (JSON, GeoJSON).

numpy, pandas, shapely and rich are imported where they are used: only a
command that prints a frame pays for them.
"""

import functools
import json
import math
from datetime import datetime

import click


@functools.cache
def _plain_converter():
    """The function that makes one value JSON-able, built once with the libraries it tests against."""
    import numpy as np
    import pandas as pd
    import shapely

    def plain(value):
        if value is None or value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, (pd.Timestamp, datetime)):
            return value.isoformat().replace("+00:00", "Z")
        if isinstance(value, np.generic):
            return plain(value.item())
        if isinstance(value, (list, tuple, np.ndarray)):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, shapely.Geometry):
            return value.wkt
        return value

    return plain


#: Decimals that carry meaning in the fields shipsight prints: degrees to 1e-6 (about 0.1 m; AIS
#: reports positions to 1/10,000 minute, ITU-R M.1371), speed and course over ground to a tenth (their
#: AIS resolution), metres to a tenth; 0 makes a whole number (heading, counts, codes).
DECIMALS = {"lon": 6, "lat": 6, "sog": 1, "cog": 1, "heading": 0, "nav_status": 0, "msg_type": 0,
            "length_m": 1, "distance_m": 1, "gate_m": 1, "positions": 0}


def rounded(df, decimals=None):
    """``df`` with its float columns named in ``decimals`` (default :data:`DECIMALS`) as float64 rounded.

    A float32 column then prints as it was written (238.6, not 238.60000610351562);
    a column rounded to 0 decimals becomes a nullable integer.

    >>> import numpy as np, pandas as pd
    >>> out = rounded(pd.DataFrame({"cog": np.float32([238.6]), "heading": [237.0]}))
    >>> float(out["cog"].iat[0]), str(out["heading"].dtype)
    (238.6, 'Int64')
    """
    decimals = {c: d for c, d in (DECIMALS if decimals is None else decimals).items()
                if c in df.columns and df[c].dtype.kind == "f"}
    if not decimals:
        return df
    out = df.astype({c: "float64" for c in decimals}).round(decimals)
    return out.astype({c: "Int64" for c, d in decimals.items() if d == 0})


def fixed(df, decimals):
    """A copy of ``df`` with the named columns as text of fixed decimals, for a table.

    >>> import pandas as pd
    >>> fixed(pd.DataFrame({"lon": [130.123456]}), {"lon": 5})["lon"].tolist()
    ['130.12346']
    """
    out = df.copy()
    for c, d in decimals.items():
        out[c] = out[c].map(f"{{:.{d}f}}".format, na_action="ignore")
    return out


def records(df):
    """Rows of a frame as JSON-able dicts (geometry dropped; times as ISO 8601 UTC)."""
    plain = _plain_converter()
    geometry = getattr(df, "_geometry_column_name", None)
    cols = [c for c in df.columns if c != geometry]
    return [{c: plain(v) for c, v in zip(cols, row)} for row in df[cols].itertuples(index=False, name=None)]


def echo_json(obj):
    click.echo(json.dumps(obj, indent=None if isinstance(obj, list) and len(obj) > 50 else 2, ensure_ascii=False))


def echo_geojson(gdf):
    """A FeatureCollection with every field as properties."""
    import shapely

    props = records(gdf)
    geoms = [json.loads(g) if g else None for g in shapely.to_geojson(gdf.geometry.values).tolist()] if len(gdf) else []
    click.echo(json.dumps({"type": "FeatureCollection",
                           "features": [{"type": "Feature", "geometry": g, "properties": p} for g, p in zip(geoms, props)]},
                          ensure_ascii=False))


def _console():
    from rich.console import Console

    stream = click.get_text_stream("stdout")
    # Cells are data, shown as text: no markup ("[b]"), emoji codes (":ship:") or
    # highlighting, which would change what a name says and cost a regex pass per cell.
    return Console(file=stream, width=None if stream.isatty() else 200, soft_wrap=False, markup=False, emoji=False,
                   highlight=False)


def _cell(value):
    value = _plain_converter()(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def echo_table(df, columns, *, title=None):
    """A table of the named columns for people; 'none' when empty."""
    if len(df) == 0:
        click.echo(f"{title}: none" if title else "none")
        return
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for c in columns:
        table.add_column(c, overflow="fold")
    for row in df[list(columns)].itertuples(index=False, name=None):
        table.add_row(*(_cell(v) for v in row))
    _console().print(table)


def echo_record(record, *, as_json=False):
    """One record: JSON for pipes, else one aligned ``field  value`` line per field."""
    if as_json:
        echo_json(record)
        return
    width = max(map(len, record))
    for key, value in record.items():
        click.echo(f"{key:<{width}}  {'' if value is None else value}")


def count(n, singular, plural=None, *, thousands=False):
    """``n`` and the noun agreeing with it, for messages: ``1 sighting``, ``2 sightings``, ``0 entries``.

    >>> count(1, "sighting"), count(3, "row"), count(0, "entry", "entries"), count(12345, "position", thousands=True)
    ('1 sighting', '3 rows', '0 entries', '12,345 positions')
    """
    number = f"{n:,}" if thousands else f"{n}"
    return f"{number} {singular if n == 1 else plural or singular + 's'}"


def id_span(ids):
    """The ids of rows just written, for messages: `` (id 7)``, `` (ids 7-9)``, or nothing.

    >>> id_span([7]), id_span([7, 8, 9]), id_span([])
    (' (id 7)', ' (ids 7-9)', '')
    """
    if not len(ids):
        return ""
    return f" (id {ids[0]})" if len(ids) == 1 else f" (ids {ids[0]}-{ids[-1]})"


def echo_err(message):
    click.echo(message, err=True)
