#!/usr/bin/env bash
# Checks that debug and release builds compute the same bits: every bundled scenario (every file in
# Scenarios/, so a new one cannot be left out) must end in the same state hash from `.build/debug/embody`
# and `.build/release/embody`. Variants below add, by override, the controller and task kinds that no
# bundled scenario uses, and the RK4 integrator, so every kind's arithmetic is compared too.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
swift build --product embody >/dev/null
swift build -c release --product embody >/dev/null

runs=()
for file in Scenarios/*.yaml Scenarios/*.yml Scenarios/*.json; do
  [ -e "$file" ] && runs+=("$file")
done
[ ${#runs[@]} -gt 0 ] || { echo "determinism: no scenario found in Scenarios/" >&2; exit 1; }
# Kinds and settings that no bundled scenario uses (scenario|override|override…).
variants=(
  "Scenarios/arm-hold.yaml|controller.type=pid|controller.gains.ki=20|duration=1"
  "Scenarios/arm-hold.yaml|controller.type=stable_pd|duration=1"
  "Scenarios/arm-joint-waypoints.yaml|task.type=joint_trajectory"
  # The shim's RK4 integrator (no bundled scenario sets physics.integrator; all run the default euler).
  "Scenarios/arm-hold.yaml|physics.integrator=rk4|duration=1"
)

hash_of() { # build, scenario|overrides…
  local binary=$1 spec=$2 file args=()
  IFS='|' read -r -a parts <<<"$spec"
  file=${parts[0]}
  for o in "${parts[@]:1}"; do args+=(--set "$o"); done
  ".build/$binary/embody" run "$file" "${args[@]}" --json 2>"$errors" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["state_hash"])' 2>/dev/null || head -3 "$errors" >&2
}

errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
started=$(date +%s)
passed=0 failed=0
for spec in "${runs[@]}" "${variants[@]}"; do
  debug=$(hash_of debug "$spec")
  release=$(hash_of release "$spec")
  label=${spec//|/ --set }
  if [ -n "$debug" ] && [ "$debug" = "$release" ]; then
    passed=$((passed + 1)); echo "determinism: $label: debug and release both end in state $debug"
  else
    failed=$((failed + 1)); echo "determinism: $label differs: debug '$debug', release '$release'" >&2
  fi
done
echo "determinism across builds: $passed passed, $failed failed ($(( $(date +%s) - started )) s of runs)"
[ "$failed" -eq 0 ]
