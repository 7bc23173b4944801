#!/usr/bin/env bash
# Issue 13's "all walking scenarios succeed for 10 seeds": every bundled walking scenario (Scenarios/humanoid-walk*.yaml
# and humanoid-step-recover.yaml, found by glob so that new ones are covered) runs for seeds 1..10 on a release
# build (`embody run --seeds 1..10`, on true state). Fails unless every run succeeds, and unless the seeds vary each
# scenario (its 10 runs must not all end in one state: a scenario with nothing seeded would pass vacuously).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
swift build -c release --product embody >/dev/null

seeds=${WALKING_SEEDS:-1..10}
scenarios=()
for file in Scenarios/humanoid-walk*.yaml Scenarios/humanoid-step-recover.yaml; do
  [ -e "$file" ] && scenarios+=("$file")
done
[ ${#scenarios[@]} -gt 0 ] || { echo "walking-seeds: no walking scenario found in Scenarios/" >&2; exit 1; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
started=$(date +%s)
failed=0
for file in "${scenarios[@]}"; do
  name=$(basename "$file" .yaml)
  # Exit 2 (a failed run) is reported below, run by run; anything else is an error of its own.
  status=0
  .build/release/embody run "$file" --seeds "$seeds" --jobs 2 --json >"$out" 2>/dev/null || status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then
    echo "walking-seeds: $name: embody run exited $status" >&2; failed=$((failed + 1)); continue
  fi
  if ! python3 - "$name" "$out" "$seeds" <<'PY'
import json, sys
name, path, seeds = sys.argv[1], sys.argv[2], sys.argv[3]
runs = [json.loads(line) for line in open(path) if line.strip()]
# A range a..b must give b - a + 1 runs: a run that printed nothing is a failure, not a seed skipped.
if ".." in seeds and "," not in seeds:
    first, last = (int(x) for x in seeds.split(".."))
    if len(runs) != last - first + 1:
        print(f"walking-seeds: {name}: {len(runs)} runs reported for seeds {seeds}", file=sys.stderr)
        sys.exit(1)
bad = [r for r in runs if r.get("outcome") != "success"]
hashes = {r["state_hash"] for r in runs}
keys = ["walk_distance", "walk_final_offset", "foot_slip_max", "com_tracking_rms", "base_height_min", "steps_taken", "wbc_qp_failures"]
def span(k):
    v = [r["metrics"][k] for r in runs if k in r["metrics"]]
    return f"{k} {min(v):.4g}..{max(v):.4g}" if v else None
print(f"walking-seeds: {name}: {len(runs) - len(bad)}/{len(runs)} seeds succeed, {len(hashes)} distinct end states; "
      + ", ".join(s for s in map(span, keys) if s))
for r in bad:
    print(f"walking-seeds: {name} seed {r.get('seed')}: {r.get('outcome')} {r.get('criteria')}", file=sys.stderr)
ok = len(runs) > 0 and not bad and (len(runs) == 1 or len(hashes) > 1)
if len(runs) > 1 and len(hashes) == 1:
    print(f"walking-seeds: {name}: every seed ends in the same state; nothing in the scenario is seeded", file=sys.stderr)
sys.exit(0 if ok else 1)
PY
  then failed=$((failed + 1)); fi
done
echo "walking seeds: ${#scenarios[@]} scenarios × seeds $seeds, $failed failed ($(( $(date +%s) - started )) s of runs)"
[ "$failed" -eq 0 ]
