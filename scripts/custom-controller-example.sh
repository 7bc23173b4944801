#!/usr/bin/env bash
# The worked example of docs/controllers-in-swift.md, end to end, as a user would do it (run by `make test`):
#
#   1. build Examples/custom-controller, a separate Swift package that depends on Embody by path, from a clean
#      state (its dependencies resolve from SwiftPM's local cache, as the main package's do: no network);
#   2. its program, my-embody, validates and runs the example scenario (a Swift controller registered as
#      `saturated_pd_gravity`), recording it: exit 0, outcome success;
#   3. `my-embody replay --verify` re-simulates the recording: exit 0, every record bit-identical;
#   4. a misspelled or out-of-range parameter is refused at its line with the declared key suggested (exit 1);
#   5. the plain `embody`, which registers no Swift controllers, refuses the scenario and the log (exit 1)
#      with a message that names the controller and how to register it; it never crashes.
#
# Fails (non-zero) on the first check that does not hold.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export PATH=/opt/swift/usr/bin:$PATH
EXAMPLE="$ROOT/Examples/custom-controller"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

fail() { echo "custom-controller-example: FAIL: $*" >&2; exit 1; }

# Runs a command, recording its exit status in $status and its outputs in $WORK/out and $WORK/err.
capture() { set +e; "$@" >"$WORK/out" 2>"$WORK/err"; status=$?; set -e; }

expect_status() {  # expected, what
    [ "$status" -eq "$1" ] || { cat "$WORK/err" >&2; fail "$2: exit $status, expected $1"; }
}

expect_err() {  # text, what
    grep -qF -- "$1" "$WORK/err" || { cat "$WORK/err" >&2; fail "$2: stderr lacks: $1"; }
}

# 0. The page that walks through the example quotes it: each snippet marked `<!-- code from FILE -->` must appear
#    in FILE line for line (indentation aside), so the page cannot drift from the code that is built below.
python3 - "$ROOT" <<'PYEOF' || fail "docs/controllers-in-swift.md quotes code that is not in the example"
import os, re, sys
root = sys.argv[1]
doc = open(os.path.join(root, "docs/controllers-in-swift.md"), encoding="utf-8").read()
snippets = re.findall(r"<!-- code from (\S+) -->\n```swift\n(.*?)```", doc, re.S)
assert len(snippets) >= 4, "expected at least 4 quoted snippets, found %d" % len(snippets)
for path, snippet in snippets:
    want = [l.strip() for l in snippet.strip("\n").split("\n")]
    have = [l.strip() for l in open(os.path.join(root, path), encoding="utf-8").read().split("\n")]
    found = any(have[i:i + len(want)] == want for i in range(len(have) - len(want) + 1))
    assert found, "the snippet starting %r is not in %s" % (want[0], path)
print("custom-controller-example: the %d snippets of docs/controllers-in-swift.md are in the example" % len(snippets))
PYEOF

echo "custom-controller-example: building Examples/custom-controller from a clean state"
rm -rf "$EXAMPLE/.build" "$EXAMPLE/Package.resolved"
(cd "$EXAMPLE" && swift build >"$WORK/build.log" 2>&1) || { tail -40 "$WORK/build.log" >&2; fail "the example package does not build"; }
MY="$EXAMPLE/.build/debug/my-embody"
[ -x "$MY" ] || fail "no $MY after the build"

cd "$EXAMPLE"

# 2. validate, then run with a recording.
capture "$MY" validate scenario.yaml
expect_status 0 "my-embody validate scenario.yaml"
capture "$MY" run scenario.yaml --json --record "$WORK/run.emblog"
expect_status 0 "my-embody run scenario.yaml --record"
python3 - "$WORK/out" <<'EOF' || fail "my-embody run --json: unexpected summary"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["outcome"] == "success", s["outcome"]
assert s["success"] is True
assert s["steps"] == 6000, s["steps"]
assert s["metrics"]["final_joint_error_max"] < 0.005, s["metrics"]["final_joint_error_max"]
print("custom-controller-example: run ok: outcome %s, %d steps, final_joint_error_max %.6f rad, state hash %s"
      % (s["outcome"], s["steps"], s["metrics"]["final_joint_error_max"], s["state_hash"]))
EOF
cp "$WORK/out" "$WORK/run.json"

# 3. replay --verify on the recording: every record bit-identical.
capture "$MY" replay "$WORK/run.emblog" --verify --json
expect_status 0 "my-embody replay --verify"
python3 - "$WORK/out" <<'EOF' || fail "my-embody replay --verify: not bit-identical"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["identical"] is True, r
assert r["records_checked"] == 6001, r["records_checked"]   # tick 0 and each of the 6000 steps
assert r["truncated_tail"] is False
print("custom-controller-example: replay --verify ok: %d records bit-identical" % r["records_checked"])
EOF

# A second run in a new process gives the same state hash.
capture "$MY" run scenario.yaml --json
expect_status 0 "my-embody run (second)"
python3 - "$WORK/run.json" "$WORK/out" <<'EOF' || fail "two runs of the example differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["state_hash"] == b["state_hash"], (a["state_hash"], b["state_hash"])
EOF

# `list` shows the registered controller with its law and parameters (the plain embody lists none, below).
capture "$MY" list
expect_status 0 "my-embody list"
grep -qF "saturated_pd_gravity     τ = kp ε tanh((q* − q)/ε) − kd q̇ + c g(q)" "$WORK/out" || fail "my-embody list does not show the controller's law"
grep -qF "  error_saturation       number in [0.001, 10] (rad), default 0.2: " "$WORK/out" || fail "my-embody list does not show the parameters"

# 4. The registered parameters are checked like a built-in kind's keys.
capture "$MY" validate scenario.yaml --set controller.parameters.error_saturaton=0.5
expect_status 1 "a misspelled parameter"
expect_err "error: unknown key 'error_saturaton' in controller.parameters for controller 'saturated_pd_gravity'; did you mean 'error_saturation'?" "a misspelled parameter"
capture "$MY" validate scenario.yaml --set controller.parameters.gravity_compensation=2
expect_status 1 "a parameter out of range"
expect_err "controller.parameters.gravity_compensation must be a number in [0, 1]" "a parameter out of range"
capture "$MY" validate scenario.yaml --set controller.name=saturated_pd_gravty
expect_status 1 "an unknown controller name"
expect_err "no Swift controller named 'saturated_pd_gravty' is registered; did you mean 'saturated_pd_gravity'?" "an unknown controller name"

# 5. The plain embody has no Swift controllers: it refuses clearly, exit 1, never a crash.
EMBODY="$ROOT/.build/debug/embody"
[ -x "$EMBODY" ] || (cd "$ROOT" && swift build --product embody >"$WORK/embody-build.log" 2>&1) || fail "cannot build embody"
capture "$EMBODY" run scenario.yaml
expect_status 1 "plain embody run"
expect_err "scenario.yaml:17:9: error: controller type custom runs a Swift controller registered by a program of your own, and this program has none registered, so 'saturated_pd_gravity' cannot run here" "plain embody run"
expect_err "ControllerRegistry.register(name: \"saturated_pd_gravity\"" "plain embody run"
capture "$EMBODY" list
expect_status 0 "plain embody list"
if grep -qF "Swift controllers registered" "$WORK/out"; then fail "the plain embody lists Swift controllers"; fi
capture "$EMBODY" replay "$WORK/run.emblog" --verify
expect_status 1 "plain embody replay --verify"
expect_err "none registered, so 'saturated_pd_gravity' cannot run here" "plain embody replay --verify"

echo "custom-controller-example: ok"
