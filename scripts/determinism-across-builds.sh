#!/usr/bin/env bash
# Checks that debug and release builds compute the same bits: each bundled scenario's final state
# hash must be identical from `.build/debug/embody` and `.build/release/embody`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
swift build --product embody >/dev/null
swift build -c release --product embody >/dev/null
passed=0 failed=0
for scenario in arm-hold arm-joint-waypoints humanoid-push; do
  debug=$(.build/debug/embody run "$scenario" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["state_hash"])' || true)
  release=$(.build/release/embody run "$scenario" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["state_hash"])' || true)
  if [ -n "$debug" ] && [ "$debug" = "$release" ]; then
    passed=$((passed + 1)); echo "determinism: $scenario debug and release both end in state $debug"
  else
    failed=$((failed + 1)); echo "determinism: $scenario differs: debug '$debug', release '$release'" >&2
  fi
done
echo "determinism across builds: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
