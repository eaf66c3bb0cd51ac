#!/usr/bin/env python3
"""Counts a run's compared pairs by kind (decision and reason) and truth: for each kind, how
many pairs show one document (true) and how many two (false).

    python3 scripts/pairkinds.py OUT/decisions.csv TRUTH.csv [--all]

A kind is the decision and its reason with the figures taken out ("review: score >= match
threshold on title only ..., but on title alone with dates not the same: left for review").
Without --all only the kinds that matter for accuracy are printed: matches, and review pairs
(every review pair is a duplicate left for a person, or a false merge avoided).
"""
import csv
import re
import signal
import sys
from collections import Counter


def kind(decision, reason):
    r = re.sub(r"\d+(\.\d+)?", "N", reason)
    r = re.sub(r"\([^)]*\)", "(...)", r) if "different numbers" in r else r
    return f"{decision}: {r}"


def main():
    decisions, truth_path = sys.argv[1], sys.argv[2]
    show_all = "--all" in sys.argv[3:]
    entity = {}
    with open(truth_path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            entity[r["record_id"]] = r["entity_id"]
    counts = Counter()
    with open(decisions, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if not show_all and r["decision"] == "no-match":
                continue
            a, b = entity.get(r["record_a"]), entity.get(r["record_b"])
            same = a is not None and a == b
            counts[(kind(r["decision"], r["reason"]), same)] += 1
    kinds = sorted({k for k, _ in counts}, key=lambda k: -(counts[(k, True)] + counts[(k, False)]))
    print(f"{'true':>8} {'false':>7}  kind")
    for k in kinds:
        print(f"{counts[(k, True)]:>8} {counts[(k, False)]:>7}  {k}")


if __name__ == "__main__":
    # A closed pipe (`| head`) ends the listing quietly.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
