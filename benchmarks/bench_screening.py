"""Screening sightings by name against every list at once, against exact-IMO matching of the same sightings.

Run:  python benchmarks/bench_screening.py [--quick] [--sightings 100000]

Lists: the real OFAC sdn.csv of ../shared/data when present, plus synthetic
UN, UK, EU and OpenSanctions lists, about 2,000 listed vessels with 10,000 name
forms (names, aliases, former names; Roman numerals, NO. numbers, Korean names
run together or spaced, Cyrillic spellings). Sightings: 100,000 over 20,000
distinct vessels of a synthetic world fleet, 3 % of them listed, written as
AIS and reports write names (case, M/V, NO./Nº, Roman or Arabic numbers,
spacing, Cyrillic, one-letter typos), each with its IMO.

Both runs call :func:`shipsight.sanctions.match_identities` on the same
entries and the same sightings, in this process: once with the ``imo`` column
alone (the baseline: identifier cleaning and a hash join), once with the
``name`` column alone (normalisation, exact key join and fuzzy candidate
search). Best of three each. Target: name screening at most 5x exact-IMO.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from shipsight.sanctions import match_identities, read_list  # noqa: E402
from shipsight.sanctions.names import ROMAN  # noqa: E402

OFAC = HERE.parent.parent / "shared" / "data" / "sanctions" / "ofac_sdn_2024-05-03.csv"
SYLLABLES = np.array(["KA", "RO", "MI", "SAN", "TO", "NA", "LU", "VE", "ZI", "PO", "GANG", "HO", "CHON", "MA",
                      "SEA", "STAR", "NORD", "OCEAN", "PRIDE", "JIN", "HAI", "YANG", "BO", "RI", "DA", "EL"])
NUMERAL = {v: k for k, v in ROMAN.items()}
CYRILLIC = str.maketrans({"A": "А", "B": "В", "E": "Е", "K": "К", "M": "М", "H": "Н", "O": "О", "P": "Р",
                          "C": "С", "T": "Т", "X": "Х"})


def imo_numbers(k):
    """Valid IMO numbers (check digit computed) for integers ``k``."""
    six = np.char.zfill((100000 + np.asarray(k) % 900000).astype(str), 6)
    digits = np.array([[int(c) for c in s] for s in six])
    check = (digits * np.arange(7, 1, -1)).sum(axis=1) % 10
    return np.char.add(six, check.astype(str)).astype(object)


def fleet(rng, n):
    """``n`` distinct vessel names: one to three syllable words, a third with a number."""
    names = set()
    while len(names) < n:
        words = [("".join(rng.choice(SYLLABLES, rng.integers(1, 3)))) for _ in range(rng.integers(1, 4))]
        name = " ".join(words)
        if rng.random() < 0.33:
            name += f" {rng.integers(1, 21)}"
        names.add(name)
    return np.array(sorted(names), dtype=object)


def variant(rng, name):
    """One way a register, AIS or a report writes ``name``."""
    words = name.split()
    number = words[-1] if words[-1].isdigit() else None
    kind = rng.integers(0, 7)
    if kind == 0 and number:
        return " ".join(words[:-1]) + f" NO.{number}"
    if kind == 1 and number and int(number) <= 20:
        return " ".join(words[:-1]) + f" {NUMERAL[int(number)]}"
    if kind == 2:
        return "".join(words[:-1]) + (f" {number}" if number else words[-1])
    if kind == 3:
        return name.translate(CYRILLIC)
    if kind == 4 and len(name) > 5:
        i = int(rng.integers(1, len(name) - 1))
        return name[:i] + name[i + 1:]  # a letter dropped
    if kind == 5:
        return "M/V " + name.title()
    return name


def make_entries(rng, names, imos):
    """Listed vessels over five lists, the real OFAC list first when present; ~5 name forms each."""
    frames = []
    if OFAC.exists():
        ofac = read_list(OFAC)
        frames.append(pd.DataFrame({"key": "OFAC SDN/" + ofac["entry_id"], "name": ofac["name"],
                                    "imos": ofac["imos"], "mmsis": ofac["mmsis"], "aliases": ofac["aliases"],
                                    "former_names": ofac["former_names"]}))
    have = sum(len(f) for f in frames)
    n = max(0, 2000 - have)
    lists = rng.choice(["UN SC", "UK Sanctions List", "EU Consolidated", "OpenSanctions"], n)
    aliases = [[variant(rng, nm) for _ in range(4)] for nm in names[:n]]
    former = [[str(f) for f in rng.choice(names[n:], 3)] for _ in range(n)]
    frames.append(pd.DataFrame({"key": [f"{li}/{i}" for i, li in enumerate(lists)], "name": names[:n],
                                "imos": [[i] for i in imos[:n]], "mmsis": [[] for _ in range(n)],
                                "aliases": aliases, "former_names": former}))
    return pd.concat(frames, ignore_index=True).set_index("key")


def make_sightings(rng, n, names, imos, n_listed):
    """``n`` sightings of the fleet: 3 % of vessels listed, each sighting's name written its own way."""
    vessels = rng.integers(0, len(names), n)
    listed = rng.random(n) < 0.03
    vessels[listed] = rng.integers(0, n_listed, listed.sum())
    raw = names[vessels]
    written = np.array([variant(rng, nm) if rng.random() < 0.5 else nm for nm in raw], dtype=object)
    return pd.DataFrame({"name": written, "imo": imos[vessels]})


def best_of(repeat, fn):
    times = []
    out = None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sightings", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 sightings, one run each")
    args = parser.parse_args()
    n = 10_000 if args.quick else args.sightings
    repeat = 1 if args.quick else 3
    rng = np.random.default_rng(12)
    names = fleet(rng, 20_000)
    rng.shuffle(names)
    imos = imo_numbers(np.arange(len(names)) * 7 + 1000)
    entries = make_entries(rng, names, imos)
    forms = len(entries) + entries["aliases"].map(len).sum() + entries["former_names"].map(len).sum()
    n_listed = len(entries) - (len(read_list(OFAC)) if OFAC.exists() else 0)
    sightings = make_sightings(rng, n, names, imos, n_listed)
    print(f"lists: {len(entries):,} listed vessels, {forms:,} name forms"
          f"{' (the real OFAC sdn.csv among them)' if OFAC.exists() else ''}; "
          f"sightings: {n:,}, {sightings['name'].nunique():,} distinct names")

    t_imo, by_imo = best_of(repeat, lambda: match_identities(sightings[["imo"]], entries))
    t_name, by_name = best_of(repeat, lambda: match_identities(sightings[["name"]], entries))
    print(f"exact IMO : {t_imo:7.3f} s  {n / t_imo:12,.0f} sightings/s  {by_imo['identity'].nunique():,} matched")
    print(f"by name   : {t_name:7.3f} s  {n / t_name:12,.0f} sightings/s  {by_name['identity'].nunique():,} matched "
          f"({(by_name['matched_on'] == 'fuzzy-name').sum():,} fuzzy)")
    ratio = t_name / t_imo
    print(f"ratio name / exact IMO: {ratio:.2f}x  (target <= 5x: {'met' if ratio <= 5 else 'NOT met'})")
    # Sightings of listed vessels found by name: the share of those found by IMO.
    found = set(by_name["identity"]) & set(by_imo["identity"])
    print(f"listed sightings found by name too: {len(found) / max(1, by_imo['identity'].nunique()):.1%}")


if __name__ == "__main__":
    main()
