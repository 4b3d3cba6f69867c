#!/usr/bin/env python3
"""Writes realistic synthetic social-support registrations for one demo organisation as CSV.

usage: generate.py ORG ROWS SEED > records.csv

Each organisation registers its own schemes: the municipality WMO support and Bijstand, the
benefits agency WW, WIA and AOW, the statistics office a survey of Toeslag recipients. Regional
sizes follow the provinces' population; Zeeland is kept small so that some cells fall below the
minimum cell size and are suppressed.
"""
import csv
import random
import sys

REGIONS = [("Zuid-Holland", 3.8), ("Noord-Holland", 2.9), ("Noord-Brabant", 2.6),
           ("Gelderland", 2.1), ("Utrecht", 1.4), ("Overijssel", 1.2), ("Limburg", 1.1),
           ("Friesland", 0.65), ("Groningen", 0.59), ("Drenthe", 0.5), ("Flevoland", 0.44),
           ("Zeeland", 0.004)]
SCHEMES = {
    "gemeente-utrecht": [("WMO", 0.7, None, (1930, 1975)), ("Bijstand", 0.3, (900, 1400), (1960, 2004))],
    "uwv": [("WW", 0.4, (1100, 2900), (1958, 2004)), ("WIA", 0.3, (1000, 2600), (1958, 1998)),
            ("AOW", 0.3, (1100, 1600), (1930, 1958))],
    "cbs": [("Toeslag", 1.0, (50, 450), (1940, 2005))],
}


def main():
    org, rows, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    regions = [r for r, _ in REGIONS]
    weights = [w for _, w in REGIONS]
    schemes = SCHEMES[org]
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["registration_id", "birth_year", "region", "scheme", "monthly_amount",
                  "start_date", "household_size"])
    for i in range(rows):
        scheme, _, amount, years = rng.choices(schemes, weights=[s[1] for s in schemes])[0]
        birth = rng.randint(*years)
        value = "" if amount is None else f"{rng.uniform(*amount):.2f}"
        start = f"{rng.randint(2012, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        size = "" if rng.random() < 0.1 else str(min(12, max(1, int(rng.expovariate(0.6)) + 1)))
        out.writerow([f"{org}-{seed}-{i:07d}", birth, rng.choices(regions, weights)[0], scheme,
                      value, start, size])


if __name__ == "__main__":
    main()
