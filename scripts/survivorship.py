#!/usr/bin/env python3
"""How often a table run's canonical rows are the original record, on FEBRL-style data.

    python3 scripts/survivorship.py OUT_DIR

Reads OUT_DIR/canonical.csv and OUT_DIR/provenance.csv. For every entity with an original
record (`rec-N-org`), finds the canonical row that original went into and compares every
canonical field with the original's value as written (an empty cell is an empty value).
Prints how many entities match in full, overall and among those whose canonical row merged
two records or more (the only ones survivorship decides).
"""
import csv
import re
import sys


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def main():
    out = sys.argv[1]
    canonical = {r["canonical_id"]: r for r in read(f"{out}/canonical.csv")}
    fixed = {"canonical_id", "source_count", "record_ids"}
    fields = [c for c in next(iter(canonical.values())) if c not in fixed]
    total = same = merged = merged_same = 0
    for p in read(f"{out}/provenance.csv"):
        if not re.fullmatch(r"rec-\d+-org", p["record_id"]):
            continue
        row = canonical[p["canonical_id"]]
        equal = all(row[f] == p[f] for f in fields)
        total += 1
        same += equal
        if row["source_count"] != "1":
            merged += 1
            merged_same += equal
    print(f"originals {total}: canonical row equal to the original {same}")
    print(f"merged with a duplicate {merged}: canonical row equal to the original {merged_same}")


if __name__ == "__main__":
    main()
