"""``shipsight sanctions``: import, list, search and compare sanctions lists."""

import click

from shipsight.cli.options import analyst_option, json_option
from shipsight.cli.output import count, echo_err, echo_json, echo_table, records
from shipsight.io.formats import LIST_FORMAT_NAMES, LIST_FORMATS

ENTRY_COLUMNS = ["list", "entry_id", "name", "imos", "mmsis", "program", "flag", "vessel_type"]
_FORMAT_HELP = "List layout (auto tells them apart): " + "; ".join(
    f"{name}: {what}" for name, what in LIST_FORMAT_NAMES.items()) + "."


@click.group()
def sanctions():
    """Sanctions lists: OFAC (sdn.csv, SDN.XML, advanced XML), UN, UK, EU, OpenSanctions, plain CSV.

    Import each list (every import is a dated version), search it, and run
    `shipsight flag` to screen sightings against every list at once.

    \b
    Example:
      shipsight sanctions import sdn.csv
      shipsight sanctions search 9179842
    """


def _report_lines(result, file):
    """The import report, one line each: rows kept out, company IMOs, placeholders, values left out."""
    r = result.report or {}
    lines = []
    if r.get("kept_out"):
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(r["kept_out"].items(), key=lambda kv: -kv[1]))
        lines.append(f"note: {kinds} {'row' if sum(r['kept_out'].values()) == 1 else 'rows'} in {file} {'is' if sum(r['kept_out'].values()) == 1 else 'are'} not {'a vessel' if sum(r['kept_out'].values()) == 1 else 'vessels'}; kept out of vessel screening")
    if r.get("company_imos"):
        lines.append(f"note: {count(r['company_imos'], 'non-vessel entry', 'non-vessel entries')} {'carries' if r['company_imos'] == 1 else 'carry'} an IMO company number; not read as ships")
    placeholders = r.get("placeholders") or {}
    for kind, noun, what in (("imo", "IMO number", "0, 0000000, ..."), ("mmsi", "MMSI", "000000000, non-ship MIDs...")):
        if placeholders.get(kind):
            lines.append(f"note: {count(placeholders[kind], 'placeholder ' + noun)} ({what}) read as unknown; "
                         "never matched")
    for item in r.get("left_out") or []:
        lines.append(f"warning: entry {item['entry']}: {item['field'].upper()} {item['value']!r} left out "
                     f"({item['why']})")
    return lines


@sanctions.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "format_", type=click.Choice(LIST_FORMATS), default="auto", show_default=True,
              help=_FORMAT_HELP)
@click.option("--list", "list_name",
              help="Name of the list (default by layout: OFAC SDN, UN SC Consolidated, UK Sanctions List, "
                   "EU Consolidated, OpenSanctions; else the file name).")
@analyst_option
@json_option
@click.pass_obj
def import_(app, file, format_, list_name, analyst, as_json):
    """Import a list file as a new dated version of a named list.

    Importing the same file again changes nothing. Only vessels are
    listed: persons, organisations and aircraft are counted and kept out,
    as are IMO company numbers. Every IMO, MMSI, call sign, flag, alias and
    former name is kept. Placeholders (IMO 0, 0000000; MMSI 000000000) mean
    unknown and are counted; IMO numbers with a bad check digit are kept,
    marked, and counted.

    \b
    Example:
      shipsight sanctions import samples/sanctions_sdn.csv
      shipsight sanctions import vessels.json --format opensanctions --list "OpenSanctions vessels"
    """
    from shipsight.lists import import_list

    result = import_list(app.store(), file, format=format_, list_name=list_name, analyst=analyst)
    for line in _report_lines(result, file):
        echo_err(line)
    if result.bad_imos:
        echo_err(f"warning: {count(result.bad_imos, 'IMO number')} in {file} {'fails' if result.bad_imos == 1 else 'fail'} the check "
                 "digit; kept and marked imo_valid=false")
    if as_json:
        echo_json(result.__dict__)
    elif result.created:
        click.echo(f"{result.list} version {result.version}: {count(result.entries, 'vessel')} "
                   f"(+{result.added} added, -{result.removed} removed, {result.changed} changed); "
                   f"{count(result.bad_imos, 'bad IMO check digit')}")
    else:
        click.echo(f"{result.list}: unchanged (same as version {result.version}); nothing imported")


@sanctions.command("list")
@click.option("--list", "list_name", help="Only this list.")
@json_option
@click.pass_obj
def list_(app, list_name, as_json):
    """List the vessels on the latest version of each list.

    \b
    Example:
      shipsight sanctions list --list "OFAC SDN" --json
    """
    entries = app.store(create=False).list_entries(list_name=list_name)
    if as_json:
        echo_json(records(entries.drop(columns=["list_version_id", "latest"], errors="ignore")))
    else:
        echo_table(entries, ENTRY_COLUMNS, title="Listed vessels")


@sanctions.command("versions")
@click.option("--list", "list_name", help="Only this list.")
@json_option
@click.pass_obj
def versions(app, list_name, as_json):
    """List the imported versions of each list, with their file hashes.

    \b
    Example:
      shipsight sanctions versions
    """
    frame = app.store(create=False).list_versions(list_name)
    if as_json:
        echo_json(records(frame))
    else:
        echo_table(frame, ["list", "version", "imported_at", "entries", "bad_imos", "format", "source", "sha256"],
                   title="List versions")


@sanctions.command("search")
@click.argument("name", metavar="QUERY")
@click.option("--list", "list_name", help="Only this list.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True, help="Show at most this many hits.")
@json_option
@click.pass_obj
def search(app, name, list_name, limit, as_json):
    """Find listed vessels by any identifier or name form.

    An IMO, MMSI or call sign (every one an entry has had, in any version of
    its list), or a name as the flag rule compares names: normalised (case,
    punctuation, M/V, NO./Nº, Roman numerals, spacing, Cyrillic and Hangul)
    and fuzzy, over names, aliases and former names. Each hit has the score,
    level (high >= 90, medium >= 60) and sentence that a sighting with the
    same value would get in a sanctioned-vessel flag. The search also reaches
    spellings the flag rule does not (ratio down to 60 over every name);
    would_flag says whether a sighting with that value would be flagged.

    \b
    Example:
      shipsight sanctions search "angara"
      shipsight sanctions search 9179842
      shipsight sanctions search "NAM SAN NO.8"
    """
    from shipsight.lists import search_entries

    hits = search_entries(app.store(create=False), name, list_name=list_name, limit=limit)
    if as_json:
        echo_json(records(hits))
    else:
        # Scores as the sentences write them (echo_table would print 100 as 100.0 beside 95).
        shown = hits.assign(score=hits["score"].map("{:g}".format), would_flag=hits["would_flag"].map({True: "yes", False: "no"}))
        echo_table(shown,
                   ["score", "level", "would_flag", "matched_on", "matched_name", *ENTRY_COLUMNS], title=f"Listed vessels like {name!r}")
        for sentence in hits["explanation"]:
            click.echo(sentence)


@sanctions.command("diff")
@click.option("--list", "list_name", help="Which list (needed when there are several).")
@click.option("--from", "old", type=int, help="Older version (default: the one before --to).")
@click.option("--to", "new", type=int, help="Newer version (default: the latest).")
@json_option
@click.pass_obj
def diff(app, list_name, old, new, as_json):
    """Show what a version of a list added, removed and changed.

    \b
    Example:
      shipsight sanctions diff --list "OFAC SDN"
      shipsight sanctions diff --list "OFAC SDN" --from 1 --to 3 --json
    """
    from shipsight.lists import diff_versions

    d = diff_versions(app.store(create=False), list_name, old, new)
    if as_json:
        echo_json({"list": d["list"], "from": d["old"], "to": d["new"],
                   **{k: records(d[k]) for k in ("added", "removed", "changed")}})
        return
    click.echo(f"{d['list']}: version {d['old']} -> {d['new']}")
    for key in ("added", "removed", "changed"):
        echo_table(d[key], ENTRY_COLUMNS + (["fields"] if key == "changed" else []), title=key.capitalize())
