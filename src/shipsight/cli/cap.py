"""``shipsight cap``: refined-product deliveries estimated from tanker port calls, against the UN cap."""

import click

from shipsight.cli.options import json_option, overwrite_option
from shipsight.cli.output import echo_json, echo_table
from shipsight.model.vocab import DEFAULT_MAX_GAP_H, WATCH_LISTED


def _fractions(ctx, param, value):
    try:
        fractions = tuple(float(v) for v in str(value).split(",") if v.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a comma-separated list of fractions, e.g. 0.33,0.5,0.9") from None
    if not fractions or not all(0 < f <= 1 for f in fractions):
        raise click.BadParameter(f"{value!r}: each laden fraction must lie in (0, 1], e.g. 0.33,0.5,0.9")
    return fractions


@click.command()
@click.option("--year", type=int, required=True, help="Calendar year (UTC) of the port calls.")
@click.option("--ports", default=WATCH_LISTED, show_default=True,
              help="'watch-listed', or port names or ids separated by commas.")
@click.option("--laden", default="0.33,0.5,0.9", show_default=True, callback=_fractions,
              help="Laden fractions, one scenario each.")
@click.option("--barrels-per-tonne", type=float, default=7.33, show_default=True,
              help="Barrels per metric tonne of refined product.")
@click.option("--gt-to-dwt", type=float, default=1.6, show_default=True,
              help="Deadweight tonnes per gross ton, used when only the gross tonnage is known.")
@click.option("--cap-barrels", type=float, default=500_000, show_default=True,
              help="The annual cap (UNSC resolution 2397).")
@click.option("--max-gap-h", type=float, default=DEFAULT_MAX_GAP_H, show_default=True,
              help="Imagery calls: a longer gap between sightings in a port starts a new call.")
@click.option("--chart", type=click.Path(dir_okay=False), help="Also write a PNG chart of cumulative barrels.")
@overwrite_option
@json_option
@click.pass_obj
def cap(app, year, ports, laden, barrels_per_tonne, gt_to_dwt, cap_barrels, max_gap_h, chart, overwrite, as_json):
    """Estimate refined-product deliveries from tanker port calls, after the UN Panel of Experts.

    Each call of a tanker at the chosen ports, from imagery or AIS (column
    source: imagery, ais, or imagery+ais for one call both saw), counts once: its capacity
    (deadweight, else gross tonnage x --gt-to-dwt; from the sanctions lists,
    else 'shipsight vessels') x --barrels-per-tonne x the laden fraction.
    Per scenario: total barrels, the month the cap was passed, the tankers
    and calls counted; calls whose capacity is unknown are listed, not counted.

    \b
    Example:
      shipsight cap --year 2024
      shipsight cap --year 2024 --ports Vostochny,Nampo --laden 0.5,0.9 --chart cap-2024.png
    """
    from shipsight.outputs import store_cap

    out = store_cap(app.store(create=False), year=year, ports=ports, laden=laden,
                    barrels_per_tonne=barrels_per_tonne, cap_barrels=cap_barrels, gt_to_dwt=gt_to_dwt,
                    max_gap_h=max_gap_h, chart=chart, overwrite=overwrite)
    if as_json:
        # The scenario columns are named by their laden fraction ("33%"): they hold barrels.
        echo_json(out.to_dict(), decimals={k: 2 for k in ("totals", "monthly", "tankers", "calls", "unknown")})
        return
    r = out.result
    labels = list(r.scenarios)
    click.echo(f"Cap tracker {r.year}: tanker calls at {', '.join(out.ports)}")
    click.echo(f"Method: capacity (deadweight, else GT x {r.gt_to_dwt:g}) x {r.barrels_per_tonne:g} bbl/t x laden "
               f"fraction per call; cap {r.cap_barrels:,.0f} bbl a year.")
    totals = r.totals()
    for label in labels:
        passed = r.passed[label]
        share = totals[label] / r.cap_barrels * 100
        click.echo(f"  {label} laden: {totals[label]:,.0f} bbl ({share:.0f}% of the cap), "
                   + (f"cap passed in {passed}" if passed else "cap not passed"))
    echo_table(r.tankers, ["name", "imo", "calls", "capacity_t", "capacity_source", "capacity_from", *labels],
               title="Tankers counted")
    echo_table(r.calls, ["first_seen", "name", "imo", "port", "source", "capacity_t", *labels], title="Calls counted")
    if len(r.unknown):
        echo_table(r.unknown, ["first_seen", "name", "imo", "vessel_type", "port", "source", "reason"],
                   title="Calls not counted")
        click.echo("Enter a capacity with: shipsight vessels set --imo N --deadweight T --vessel-type tanker")
    else:
        click.echo("Calls not counted: none")
    if out.chart is not None:
        click.echo(f"chart: {out.chart}")
