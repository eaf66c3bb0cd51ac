#!/usr/bin/env bash
# End-to-end benchmark: `concord synth`, then `concord run` (timed with /usr/bin/time -v),
# then `concord eval`, at each size. Prints one line per run and the medians per size.
#
# Usage: scripts/bench.sh [SIZE...]          (default: 10000 100000 1000000)
# Env:   RUNS   runs per size (default 3)
#        SEED   synth seed (default 1)
#        WORK   scratch folder (default /tmp/concord-bench); pages are kept between calls
#        THREADS  passed to --threads when set
#        SYNTH_ARGS  more `concord synth` options (e.g. --realistic); pages kept apart per value
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
SEED=${SEED:-1}
WORK=${WORK:-/tmp/concord-bench}
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(10000 100000 1000000)

if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time (for peak memory)" >&2
  apt-get install -y time >/dev/null
fi
cargo build --release --quiet
BIN=$PWD/target/release/concord
THREAD_ARGS=()
[ -n "${THREADS:-}" ] && THREAD_ARGS=(--threads "$THREADS")

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GB"
printf '%-8s %-4s %9s %11s %10s %12s %9s %8s %8s %6s %6s\n' \
  records run seconds records/s pairs pairs/s peak_MB pair_F1 bcub_F1 fm fm_hard
for n in "${SIZES[@]}"; do
  dir=$WORK/$n-seed$SEED${SYNTH_ARGS:+-$(printf %s "$SYNTH_ARGS" | tr -c "a-z0-9" _)}
  if [ ! -f "$dir/truth.csv" ]; then
    rm -rf "$dir"
    start=$(date +%s.%N)
    "$BIN" synth --records "$n" --seed "$SEED" ${SYNTH_ARGS:-} --out "$dir" -q
    echo "synth $n: $(echo "$(date +%s.%N) - $start" | bc) s" >&2
  fi
  rows=()
  for run in $(seq 1 "$RUNS"); do
    rm -rf "$dir/out"
    /usr/bin/time -v -o "$dir/time.txt" "$BIN" run "$dir/pages" --out "$dir/out" "${THREAD_ARGS[@]}" \
      >"$dir/summary.txt" 2>"$dir/stderr.txt"
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$dir/time.txt")
    peak_kb=$(awk -F': ' '/Maximum resident set size/{print $2}' "$dir/time.txt")
    pairs=$(awk '/^pairs compared/{print $3}' "$dir/summary.txt")
    if [ "$run" -eq 1 ]; then
      # Outputs are byte-identical from run to run: evaluate once.
      "$BIN" eval "$dir/out" --truth "$dir/truth.csv" --json --limit 0 >"$dir/eval.json"
      "$BIN" eval "$dir/out" --truth "$dir/truth.csv" --limit 20 >"$dir/eval.txt"
    fi
    read -r f1 b3 fm fm_hard < <(python3 - "$dir/eval.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
# Synth entity ids: s... same-date siblings, r... one title on many dates (hard negatives).
hard = sum(1 for c in e["false_merges"]
           if c["a"]["entity_id"][0] in "sr" or c["b"]["entity_id"][0] in "sr")
print(f'{e["pairwise"]["f1"]:.4f} {e["bcubed"]["f1"]:.4f} {e["false_merge_count"]} {hard}')
PY
)
    row=$(printf '%-8s %-4s %9.2f %11.0f %10s %12.0f %9.0f %8s %8s %6s %6s' "$n" "$run" "$secs" \
      "$(echo "$n / $secs" | bc -l)" "$pairs" "$(echo "$pairs / $secs" | bc -l)" "$(echo "$peak_kb / 1024" | bc -l)" \
      "$f1" "$b3" "$fm" "$fm_hard")
    echo "$row"
    rows+=("$row")
  done
  printf '%s\n' "${rows[@]}" | sort -k3 -n | awk -v r="$RUNS" 'NR==int((r+1)/2){$2="med"; print}' |
    xargs printf '%-8s %-4s %9s %11s %10s %12s %9s %8s %8s %6s %6s\n'
done
