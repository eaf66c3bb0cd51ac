#!/usr/bin/env python3
"""Pairwise precision, recall and F1 of a concord run against a truth file.

    python3 scripts/pairwise.py OUT/provenance.csv TRUTH.csv

provenance.csv maps record_id -> canonical_id; the truth file maps record_id -> entity_id. (`concord eval` reads the provenance of page runs only.) A pair
of records is predicted when they share a canonical record, true when they share an entity.
"""
import csv
import sys
from collections import defaultdict
from itertools import combinations


def pairs(groups):
    out = set()
    for members in groups.values():
        out.update(combinations(sorted(members), 2))
    return out


def main():
    prov, truth = sys.argv[1], sys.argv[2]
    pred, true = defaultdict(list), defaultdict(list)
    with open(prov, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            pred[r["canonical_id"]].append(r["record_id"])
    with open(truth, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            true[r["entity_id"]].append(r["record_id"])
    p, t = pairs(pred), pairs(true)
    tp = len(p & t)
    precision = tp / len(p) if p else 1.0
    recall = tp / len(t) if t else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"predicted pairs {len(p)}  true pairs {len(t)}  true positives {tp}")
    print(f"precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}")


if __name__ == "__main__":
    main()
