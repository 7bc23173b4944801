#!/usr/bin/env bash
# Every bundled walking scenario (Scenarios/humanoid-walk*.yaml and humanoid-step-recover.yaml) for seeds 1..10 on a
# release build, with the IMU and joint encoders in the loop and the controller on estimated state
# (docs/locomotion.md, "Walking on estimated state"). Fails unless every run succeeds.
#
# The sensors are put in with `embody run`'s overrides, not a variant file: `--set sensors=[…]` replaces the
# scenario's sensor list with humanoid-imu-stand-wbc's pelvis IMU and joint encoders (the same keys, values and
# units as in that file), and `--set estimation={ use_ground_truth: false, … }` hands the controller the estimate.
# An override is checked exactly like a value written in the file (docs/scenarios.md, "Overrides"). `--seeds`
# sets the scenario seed, from which each sensor's noise stream and the walk's foothold noise are drawn, so every
# seed has its own sensor noise.
#
# Usage: scripts/walking-seeds-estimated.sh [--seeds A..B] [--jobs N] [scenario.yaml ...]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="1..10"
jobs="$(nproc 2>/dev/null || echo 1)"
scenarios=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seeds) seeds="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) scenarios+=("$1"); shift ;;
    esac
done
if [ ${#scenarios[@]} -eq 0 ]; then
    shopt -s nullglob
    scenarios=(Scenarios/humanoid-walk*.yaml Scenarios/humanoid-step-recover.yaml)
fi

export PATH=/opt/swift/usr/bin:$PATH
swift build -c release --product embody >/dev/null
embody=".build/release/embody"

sensors='sensors=[{ name: imu, type: imu, link: pelvis, rate: 500, latency: 1, noise: 0.05, gyro_noise: 0.005, gyro_bias: [0.002, -0.001, 0.001] }, { name: encoders, type: joint_encoders, rate: 1000, latency: 1, resolution: 0.0001, noise: 0.0002 }]'
estimation='estimation={ use_ground_truth: false, velocity_filter_hz: 50 }'

failed=0
for scenario in "${scenarios[@]}"; do
    name="$(basename "$scenario" .yaml)"
    out="$(mktemp)"
    status=0
    "$embody" run "$scenario" --set "$sensors" --set "$estimation" --seeds "$seeds" --jobs "$jobs" --json >"$out" 2>/dev/null || status=$?
    python3 - "$name" "$out" "$status" <<'PY'
import json, sys
name, path, status = sys.argv[1], sys.argv[2], int(sys.argv[3])
runs = [json.loads(line) for line in open(path) if line.strip().startswith("{")]
ok = [r for r in runs if r.get("success") is True]
print(f"{name}: {len(ok)} of {len(runs)} seeds succeed on estimated state (exit {status})")
for r in runs:
    if r.get("success") is not True:
        m = r.get("metrics", {})
        print(f"  seed {r.get('seed')}: {r.get('outcome', r.get('result'))}; base_position_error_max "
              f"{m.get('base_position_error_max')}, base_orientation_error_max {m.get('base_orientation_error_max')}")
PY
    [ "$status" -eq 0 ] || failed=1
    rm -f "$out"
done
exit "$failed"
