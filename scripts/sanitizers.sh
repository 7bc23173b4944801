#!/usr/bin/env bash
# The whole test suite (the shim's tests in EmbodyPhysicsTests included) under AddressSanitizer and
# UndefinedBehaviorSanitizer, in its own scratch path so the ordinary build is untouched (docs/testing.md).
#
# What is instrumented:
# - ASan (`--sanitize=address`): the Swift code (swiftc) and the C and C++ we compile (CShims/CBullet,
#   CShims/CAssimp, Yams' libyaml, Tests/CMallocCounter); the runtime checks every heap block anyone allocates.
# - UBSan: swiftc on Linux refuses `-sanitize=undefined` (Swift already traps on overflow, bad casts and
#   out-of-range indices), so UBSan is clang's, passed to the C and C++ with -Xcc/-Xcxx. Its handlers
#   are in the ASan runtime swiftc links. `vptr` is left out: its handler lives in a separate C++ runtime
#   that swiftc does not link (the link would fail), and the shims use no polymorphic casts of their own.
# - The system libraries (Bullet, libxml2, assimp) are not recompiled: ASan still checks every access
#   they make to memory our code allocated, through its interceptors (memcpy, strlen, …), not their own.
#
# Reports stop the process (halt_on_error) so a test cannot pass over one, and every process writes its
# reports to $scratch/reports/ (log_path): the tests run `embody` and `embody-exercise` as child processes,
# whose stderr the tests capture, so a report there would otherwise never reach the log. Any file in that
# folder fails the run.
#
#   SANITIZE_FILTER   a `swift test --filter` expression (default: the whole suite)
#   SANITIZE_SKIP_BUILD=1  use the tests already built in .build-asan
#   SANITIZE_TIMEOUT  seconds the test run may take before it fails as hung (default 2400)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
scratch=.build-asan
ubsan=(-Xcc -fsanitize=undefined -Xcc -fno-sanitize=vptr -Xcxx -fsanitize=undefined -Xcxx -fno-sanitize=vptr)
flags=(--sanitize=address "${ubsan[@]}" --scratch-path "$scratch")

reports="$PWD/$scratch/reports"
# Leak checking is off: the Swift runtime's metadata caches and the test harness's process-wide state are
# never freed by design, and LeakSanitizer would report them on every run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=0:log_path=$reports/report}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:log_path=$reports/report}

started=$(date +%s)
mkdir -p "$scratch"
if [ "${SANITIZE_SKIP_BUILD:-0}" != 1 ]; then
  swift build --build-tests "${flags[@]}" >"$scratch/build.log" 2>&1 || { tail -40 "$scratch/build.log" >&2; exit 1; }
fi
built=$(date +%s)
echo "sanitizers: built the tests with ASan+UBSan in $((built - started)) s"

rm -rf "$reports"
mkdir -p "$reports"
filter=()
[ -n "${SANITIZE_FILTER:-}" ] && filter=(--filter "$SANITIZE_FILTER")
status=0
# A hung test must fail the run, not hold CI until its limit (SANITIZE_TIMEOUT seconds, default 40 minutes).
# Skipped, and only here (`make test` runs them): the three grader tests that crash a student runner on purpose
# (ExerciseTests: crashingSolutionGetsZeroWithAMessage, cliExitsNormallyOnCrashAndLoop; HonestGradingTests:
# aCrashIsLocatedInTheStudentsCode). The grader turns the Swift runtime's backtracer on for runners, since
# it takes the crash's file and line from the backtrace. Under ASan the backtracer cannot work: its
# memserver thread copies the crashed thread's stack with memcpy, redzones included, which ASan reports as
# a stack-buffer-underflow (the runner ends with exit 1 instead of its trap, so the grader cannot name the
# line); and with that report excused, swift-backtrace never finishes (it outlived its --timeout 30 by
# 45 minutes here), holding the test's pipe open so the test hangs. Neither is in our code.
skip=(--skip 'crashingSolutionGetsZeroWithAMessage|cliExitsNormallyOnCrashAndLoop|aCrashIsLocatedInTheStudentsCode')
timeout --kill-after=30 "${SANITIZE_TIMEOUT:-2400}" swift test --skip-build "${flags[@]}" "${filter[@]}" "${skip[@]}" \
  >"$scratch/test.log" 2>&1 || status=$?
finished=$(date +%s)
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "sanitizers: the tests did not finish within ${SANITIZE_TIMEOUT:-2400} s (last lines of $scratch/test.log below)" >&2
  tail -5 "$scratch/test.log" >&2
fi
grep -E "Test run with .* (passed|failed)|✘ Test .* failed|error: " "$scratch/test.log" | tail -20
echo "sanitizers: tests ran in $((finished - built)) s (total $((finished - started)) s), exit $status; log in $scratch/test.log"
found=0
if grep -qE "^==[0-9]+==ERROR|runtime error:" "$scratch/test.log"; then found=1; fi
if [ -n "$(ls -A "$reports")" ]; then found=1; fi
if [ "$found" -ne 0 ]; then
  echo "sanitizers: a sanitizer reported an error (reports in $reports):" >&2
  grep -hE "^==[0-9]+==ERROR|^SUMMARY: |runtime error:" "$scratch/test.log" "$reports"/* 2>/dev/null | head -20 >&2 || true
  exit 1
fi
exit "$status"
