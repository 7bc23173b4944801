#!/usr/bin/env bash
# The test suite (the shim's tests in EmbodyPhysicsTests included) under AddressSanitizer and
# UndefinedBehaviorSanitizer, in its own scratch path so the ordinary build is untouched (docs/testing.md).
# ASan instruments the C and C++ (CShims/CBullet, Yams' libyaml, the test's malloc counter) and checks
# every heap block the Swift code allocates; UBSan instruments the C and C++. Any report fails the run.
#
#   SANITIZE_FILTER   a `swift test --filter` expression (default: the whole suite)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
scratch=.build-asan
flags=(--sanitize=address --sanitize=undefined --scratch-path "$scratch")

# Reports stop the process (halt_on_error) so a test cannot pass over one. Leak checking is off: the Swift
# runtime's metadata caches and the test harness's process-wide state are never freed by design, and
# LeakSanitizer would report them on every run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

started=$(date +%s)
mkdir -p "$scratch"
swift build --build-tests "${flags[@]}" >"$scratch/build.log" 2>&1 || { tail -40 "$scratch/build.log" >&2; exit 1; }
built=$(date +%s)
echo "sanitizers: built the tests with ASan+UBSan in $((built - started)) s"

filter=()
[ -n "${SANITIZE_FILTER:-}" ] && filter=(--filter "$SANITIZE_FILTER")
status=0
swift test --skip-build "${flags[@]}" "${filter[@]}" >"$scratch/test.log" 2>&1 || status=$?
finished=$(date +%s)
grep -E "^(==[0-9]+==ERROR|SUMMARY: (Address|UndefinedBehavior)Sanitizer)|runtime error:" "$scratch/test.log" | head -20 >&2 || true
grep -E "Test run with .* (passed|failed)|✘ Test .* failed|error: " "$scratch/test.log" | tail -20
echo "sanitizers: tests ran in $((finished - built)) s (total $((finished - started)) s), exit $status; log in $scratch/test.log"
if grep -qE "^==[0-9]+==ERROR|runtime error:" "$scratch/test.log"; then
  echo "sanitizers: a sanitizer reported an error" >&2
  exit 1
fi
exit "$status"
