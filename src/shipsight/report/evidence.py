"""Evidence packs: everything behind one flag, in a folder or a .zip a reader can check.

A pack holds:

- ``README.md`` — the explanation in words: the flag, each sighting (where,
  when, which image, how sure, who), the list entry, and how to verify;
- ``flag.json`` — the flag as recorded;
- ``sightings.geojson`` — the sightings involved (RFC 7946);
- ``scenes.json`` — the scenes they were seen in (sensor, time, GSD, SHA-256
  of the image file, footprint);
- ``list_entry.json`` — the sanctions-list entry (``null`` if none);
- ``ais.json`` — the AIS correlation of each sighting (status, vessel, pings
  used, placed point, gate, distance, candidates, coverage), when it has one;
- ``audit.csv`` — the audit rows of the flag and its sightings (formula-like
  text behind an apostrophe, :mod:`shipsight.io.cells`);
- ``chips/sighting-<id>.png`` — image chips around each sighting, when a
  chip maker is given;
- ``manifest.json`` and ``SHA256SUMS`` — the SHA-256 of every other file
  (``sha256sum -c SHA256SUMS`` checks them).

Files are written to a temporary folder beside the output and moved into
place only when complete; a zip is written the same way.
"""

import csv
import json
import os
import shutil
import uuid
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from shipsight.digest import sha256_file
from shipsight.errors import InputError
from shipsight.io.cells import guard_formulas

# Fixed time for zip members, so the same pack zips to the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _plain(value):
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        ts = pd.Timestamp(value)
        if pd.isna(ts):
            return None
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        return ts.isoformat().replace("+00:00", "Z")
    if isinstance(value, shapely.Geometry):
        return json.loads(shapely.to_geojson(value)) if not value.is_empty else None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value if isinstance(value, (int, str)) else str(value)


def _dump(obj):
    return json.dumps(_plain(obj), indent=2, ensure_ascii=False, sort_keys=False, allow_nan=False) + "\n"


def _md(text):
    """Text for a Markdown table cell or line: no pipes, no line breaks, no markup."""
    text = "" if text is None else str(text)
    for ch in "\\`*_{}[]<>|#":
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())


def _ais_lines(ais):
    """The README's AIS section: one paragraph per correlated sighting."""
    from shipsight.ais.correlate_scene import describe_candidates, describe_vessel

    lines = ["", "## AIS correlation", ""]
    if not ais:
        return lines + ["(the sightings were not correlated with AIS)"]
    for m in ais:
        ev = m.get("evidence") or {}
        vessel = ev.get("vessel") or {}
        who = f"MMSI {_md(m.get('mmsi'))} {_md(vessel.get('name')) or ''}".strip() if m.get("mmsi") else "no vessel"
        dist = f", {m['distance_m']:.0f} m from the placed AIS position (gate {m['gate_m']:.0f} m)" \
            if m.get("distance_m") is not None and not pd.isna(m["distance_m"]) else ""
        lines.append(f"- sighting {_md(m['sighting_id'])} in scene `{_md(m['scene_id'])}`: **{_md(m['status'])}**, "
                     f"{who}{dist}; {ev.get('coverage', 0)} vessels' AIS in the footprint around the scene time")
        placed = describe_vessel(ev)
        if placed:
            lines.append(f"  - placed: {_md(placed)}")
        cands = describe_candidates(ev)
        if cands:
            lines.append(f"  - candidates in the gate: {_md(cands)}")
        if ev.get("identity"):
            lines.append(f"  - identity: {_md(ev['identity'])}")
    lines.append("- full evidence: `ais.json`")
    return lines


def _readme(flag, sightings, scenes, entry, chips, chip_notes, audit_rows, ais=None):
    f = _plain(dict(flag))
    lines = [
        f"# Evidence pack: flag {_md(f.get('id'))} — {_md(f.get('rule'))}",
        "",
        f"- **Vessel:** {_md(f.get('name')) or 'unidentified'} (IMO {_md(f.get('imo')) or '—'}, MMSI {_md(f.get('mmsi')) or '—'})",
        f"- **Severity:** {_md(f.get('severity'))}  **Review status:** {_md(f.get('status'))}",
        f"- **When:** {_md(f.get('time'))}  **Port:** {_md(f.get('port')) or '—'}",
        "",
        "## Why this was flagged",
        "",
        _md(f.get("explanation")) or "(no explanation recorded)",
        "",
        "## Sightings",
        "",
        "| id | time (UTC) | vessel | lon, lat | scene | pixel (row, col) | confidence | analyst | note |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row, geom in zip(sightings.to_dict("records"), sightings.geometry.array):
        r = _plain(row)
        pos = f"{geom.x:.5f}, {geom.y:.5f}" if geom is not None and not geom.is_empty else "—"
        lines.append(
            f"| {_md(r.get('id'))} | {_md(r.get('time'))} | {_md(r.get('name')) or '—'} | {pos} | {_md(r.get('scene_id'))} "
            f"| {_md(r.get('pixel_row'))}, {_md(r.get('pixel_col'))} | {_md(r.get('confidence'))} | {_md(r.get('analyst'))} "
            f"| {_md(r.get('note'))} |"
        )
    lines += ["", "## Scenes", ""]
    if len(scenes):
        for r in (_plain(x) for x in pd.DataFrame(scenes.drop(columns="geometry", errors="ignore")).to_dict("records")):
            lines.append(f"- `{_md(r.get('id'))}`: {_md(r.get('sensor'))}, acquired {_md(r.get('acquired'))}, "
                         f"GSD {_md(r.get('gsd_m'))} m, SHA-256 of the image file `{_md(r.get('sha256'))}`")
    else:
        lines.append("(no scene records)")
    lines += ["", "## Sanctions-list entry", ""]
    if entry:
        e = _plain(dict(entry))
        for key in ("name", "imo", "mmsi", "list", "program", "listed_on", "remarks", "source_url"):
            if e.get(key) not in (None, ""):
                lines.append(f"- **{key}:** {_md(e[key])}")
        lines.append("- full entry: `list_entry.json`")
    else:
        lines.append("(none: this flag does not rest on a list entry)")
    lines += _ais_lines(ais)
    lines += ["", "## Image chips", ""]
    lines += [f"- `{c}`" for c in chips] or ["(none)"]
    lines += [f"- not made for sighting {_md(sid)}: {_md(why)}" for sid, why in chip_notes]
    lines += [
        "",
        "## Audit trail",
        "",
        f"{audit_rows} row(s) in `audit.csv`: who changed what, when (old and new values).",
        "",
        "## How to check this pack",
        "",
        "Every file's SHA-256 is in `manifest.json` and `SHA256SUMS`; run `sha256sum -c SHA256SUMS` in this folder.",
        "Each scene's `sha256` identifies the exact image file the sightings were read from.",
        "",
    ]
    return "\n".join(lines)


def _prepare_out(out, overwrite):
    out = Path(out)
    is_zip = out.suffix.lower() == ".zip"
    if not out.parent.is_dir():
        raise InputError(f"folder {out.parent} does not exist; create it first", where=str(out))
    if out.exists():
        if is_zip:
            if not overwrite:
                raise InputError(f"{out} exists; pass overwrite=True (--overwrite) to replace it", where=str(out))
        elif not out.is_dir():
            raise InputError(f"{out} exists and is not a folder", where=str(out))
        elif any(out.iterdir()):
            if not overwrite:
                raise InputError(f"folder {out} is not empty; pass overwrite=True (--overwrite) or pick a new folder", where=str(out))
            if not (out / "manifest.json").exists():
                # Never delete a folder we did not make.
                raise InputError(f"folder {out} is not empty and is not an evidence pack; refusing to replace it", where=str(out))
    return out, is_zip


def build_evidence(out, *, flag, sightings, scenes, entry=None, audit=None, chip=None, ais=None, overwrite=False):
    """Write an evidence pack for one flag: a folder, or a .zip when ``out`` ends in .zip.

    Parameters
    ----------
    out : str or os.PathLike
        A new or empty folder, or a file ending in ``.zip``.
    flag : dict or pandas.Series
        The flag (store columns: id, rule, severity, explanation, ...).
    sightings : geopandas.GeoDataFrame
        The sightings involved (the flagged one and any related one).
    scenes : geopandas.GeoDataFrame or pandas.DataFrame
        The scenes they were seen in.
    entry : dict, optional
        The sanctions-list entry the flag rests on.
    audit : pandas.DataFrame, optional
        Audit rows of the flag and its sightings.
    chip : callable, optional
        ``chip(sighting_row, out_png_path) -> path or None`` makes an image
        chip; ``None`` or an :class:`InputError` (say, the scene file is not
        on this machine) is noted in the README and the pack still made.
    ais : list of dict, optional
        The sightings' AIS correlation (rows of :meth:`Store.ais_matches`),
        written to ``ais.json`` and summarised in the README.
    overwrite : bool, default False
        Replace an existing zip, or a non-empty folder that is itself an
        evidence pack (one with ``manifest.json``); any other non-empty folder
        is always refused.

    Returns
    -------
    pathlib.Path
        The folder or the zip.

    Examples
    --------
    >>> import tempfile, os
    >>> from shipsight.report.sample import sample_layers
    >>> L = sample_layers()
    >>> pack = build_evidence(os.path.join(tempfile.mkdtemp(), "flag-1.zip"), flag=L["flags"].iloc[0],
    ...                       sightings=L["sightings"].iloc[[0]], scenes=L["scenes"].iloc[[0]])
    >>> import zipfile; "manifest.json" in zipfile.ZipFile(pack).namelist()
    True
    """
    out, is_zip = _prepare_out(out, overwrite)
    if not hasattr(sightings, "geometry"):
        raise InputError("sightings must be a GeoDataFrame", where="sightings")
    flag = dict(flag)
    flag.pop("geometry", None)
    related_geometry = flag.pop("related_geometry", None)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        flag_out = dict(flag)
        if isinstance(related_geometry, shapely.Geometry):
            flag_out["related_geometry"] = related_geometry
        (tmp / "flag.json").write_text(_dump(flag_out), encoding="utf-8")

        from shipsight.io.export import write_layer

        write_layer(sightings, tmp / "sightings.geojson", layer="sightings")

        scene_records = []
        geoms = scenes.geometry.array if hasattr(scenes, "geometry") else [None] * len(scenes)
        for row, geom in zip(pd.DataFrame(scenes.drop(columns="geometry", errors="ignore")).to_dict("records"), geoms):
            row["footprint"] = geom
            scene_records.append(row)
        (tmp / "scenes.json").write_text(_dump(scene_records), encoding="utf-8")
        (tmp / "list_entry.json").write_text(_dump(dict(entry) if entry else None), encoding="utf-8")
        if ais:
            (tmp / "ais.json").write_text(_dump(ais), encoding="utf-8")

        audit = pd.DataFrame() if audit is None else pd.DataFrame(audit)
        audit_text = audit.map(_plain) if len(audit) else audit
        guard_formulas(audit_text).to_csv(tmp / "audit.csv", index=False, encoding="utf-8", lineterminator="\n",
                                          quoting=csv.QUOTE_MINIMAL)

        chips, chip_notes = [], []
        if chip is not None:
            (tmp / "chips").mkdir()
            for (_, row) in sightings.iterrows():  # a handful of sightings: one chip each
                sid = _plain(row.get("id"))
                target = tmp / "chips" / f"sighting-{sid}.png"
                try:
                    made = chip(row, target)
                except InputError as exc:
                    chip_notes.append((sid, str(exc)))
                    continue
                if made is None or not Path(made).exists():
                    chip_notes.append((sid, "no chip could be made (scene not available)"))
                    continue
                made = Path(made)
                if made.resolve() != target.resolve():
                    shutil.copyfile(made, target)
                chips.append(f"chips/{target.name}")
            if not chips:
                (tmp / "chips").rmdir()

        (tmp / "README.md").write_text(
            _readme(flag, sightings, scenes, entry, chips, chip_notes, len(audit), ais), encoding="utf-8"
        )
        files = sorted(p for p in tmp.rglob("*") if p.is_file())
        listing = [{"path": p.relative_to(tmp).as_posix(), "bytes": p.stat().st_size, "sha256": sha256_file(p)} for p in files]
        manifest = {
            "format": "shipsight evidence pack 1",
            "flag_id": _plain(flag.get("id")),
            "rule": _plain(flag.get("rule")),
            "created": datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "files": listing,
        }
        (tmp / "SHA256SUMS").write_text("".join(f"{f['sha256']}  {f['path']}\n" for f in listing), encoding="utf-8")
        (tmp / "manifest.json").write_text(_dump(manifest), encoding="utf-8")

        if is_zip:
            tmp_zip = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}.zip"
            try:
                with zipfile.ZipFile(tmp_zip, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                    for p in sorted(q for q in tmp.rglob("*") if q.is_file()):
                        info = zipfile.ZipInfo(p.relative_to(tmp).as_posix(), date_time=_ZIP_TIME)
                        info.compress_type = zipfile.ZIP_DEFLATED
                        info.external_attr = 0o644 << 16
                        zf.writestr(info, p.read_bytes())
                os.replace(tmp_zip, out)
            finally:
                if tmp_zip.exists():
                    tmp_zip.unlink()
        else:
            if out.exists():
                old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
                os.replace(out, old)
                os.replace(tmp, out)
                shutil.rmtree(old)
            else:
                os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out
