#!/usr/bin/env bash
# Coverage-guided fuzzing of every loader of untrusted input (docs/testing.md): builds the libFuzzer harness
# (Fuzz/Sources/embody-fuzz) with AddressSanitizer in its own scratch path, re-runs every committed regression
# input, then fuzzes each target for a bounded time. Fails on any crash, trap, timeout or memory blow-up and
# leaves the offending input in .build-fuzz/artifacts/<target>/.
#
# Settings (environment or `make fuzz VAR=…`):
#   FUZZ_SECONDS   seconds of fuzzing per target (default 60)
#   FUZZ_TIMEOUT   seconds one input may take before it counts as a hang (default 10)
#   FUZZ_RSS_MB    memory limit in MB, for the process and for any single allocation (default 2048)
#   FUZZ_TARGETS   space-separated target names (default: every target the harness lists)
#   FUZZ_BUILD     "release" (default) or "debug"
#   FUZZ_SKIP_BUILD=1  use the harness already built
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

seconds=${FUZZ_SECONDS:-60}
timeout=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
configuration=${FUZZ_BUILD:-release}
scratch=.build-fuzz

started=$(date +%s)
echo "fuzz: building the harness ($configuration, libFuzzer + AddressSanitizer, scratch path $scratch)"
if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
  # swiftc keeps only the last `-sanitize=` it is given, and SwiftPM passes `-sanitize=fuzzer -sanitize=address`:
  # without the explicit coverage options the Swift code is built with ASan but no coverage counters, and
  # libFuzzer fuzzes it blind (only the C in libyaml reports coverage). These are the options
  # `-sanitize=fuzzer` implies. The C and C++ get `-fsanitize=fuzzer-no-link,address` from SwiftPM.
  mkdir -p "$scratch"
  EMBODY_FUZZ=1 swift build -c "$configuration" --scratch-path "$scratch" --product embody-fuzz \
    --sanitize=fuzzer --sanitize=address \
    -Xswiftc -sanitize-coverage=edge,indirect-calls,trace-cmp,inline-8bit-counters,pc-table \
    >"$scratch.log" 2>&1 || { tail -40 "$scratch.log" >&2; exit 1; }
  mv "$scratch.log" "$scratch/build.log"
fi
binary="$scratch/$configuration/embody-fuzz"
built=$(date +%s)
echo "fuzz: built in $((built - started)) s"

# ASan: a failed allocation is a report, not a null pointer; leaks are not findings here (the harness
# keeps process-wide caches), memory errors and traps are.
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=0:detect_leaks=0:abort_on_error=0}

targets=${FUZZ_TARGETS:-$(EMBODY_FUZZ_LIST=1 "$binary" 2>/dev/null | cut -f1)}
[ -n "$targets" ] || { echo "fuzz: the harness lists no targets" >&2; exit 1; }

summary="$scratch/fuzz-summary.txt"
: >"$summary"
failed=0
for target in $targets; do
  work="$scratch/corpus/$target" seeds="$scratch/seeds/$target" artifacts="$scratch/artifacts/$target"
  log="$scratch/fuzz-$target.log"
  rm -rf "$seeds" "$artifacts"
  mkdir -p "$work" "$seeds" "$artifacts" "Fuzz/Corpus/$target"
  EMBODY_FUZZ_TARGET=$target EMBODY_FUZZ_WRITE_SEEDS=$seeds "$binary" >/dev/null
  limits=(-rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" -timeout="$timeout")
  dict=(); [ -f "Fuzz/Dictionaries/$target.dict" ] && dict=(-dict="Fuzz/Dictionaries/$target.dict")

  # Every input that once crashed a loader must still load (or be refused) cleanly.
  regressions=()
  if [ -d "Fuzz/Regressions/$target" ]; then
    while IFS= read -r -d '' f; do regressions+=("$f"); done < <(find "Fuzz/Regressions/$target" -type f -print0 | sort -z)
  fi
  if [ ${#regressions[@]} -gt 0 ]; then
    if ! EMBODY_FUZZ_TARGET=$target "$binary" "${limits[@]}" -artifact_prefix="$artifacts/" "${regressions[@]}" >"$log.regressions" 2>&1; then
      failed=$((failed + 1))
      echo "fuzz: $target: a committed regression input fails again; see $log.regressions" >&2
      tail -30 "$log.regressions" >&2
      continue
    fi
  fi

  status=0 target_started=$(date +%s)
  EMBODY_FUZZ_TARGET=$target "$binary" "$work" "$seeds" "Fuzz/Corpus/$target" \
    "${limits[@]}" "${dict[@]}" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$artifacts/" >"$log" 2>&1 || status=$?
  elapsed=$(( $(date +%s) - target_started ))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
  peak=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1 || true)
  coverage=$(grep -ao 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  corpus=$(grep -ao 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  added=$(find "$work" -type f | wc -l)
  findings=$(find "$artifacts" -type f | wc -l)
  line="$target: ${runs:-?} execs in ${elapsed} s, corpus ${corpus:-?} (${added} new), findings $findings (coverage ${coverage:-?} edges, peak RSS ${peak:-?} MB)"
  if [ "$status" -eq 0 ] && [ "${coverage:-0}" -lt 100 ]; then
    # A target whose code reports (almost) no coverage is being fuzzed blind: the build lost its instrumentation.
    status=1
    line="$line, FAILED: no coverage, the harness is not instrumented"
  elif [ "$status" -ne 0 ]; then
    line="$line, FAILED (exit $status; input in $artifacts/)"
  fi
  if [ "$status" -ne 0 ]; then
    failed=$((failed + 1))
    grep -aE '==ERROR|^SUMMARY|Fatal error:|ALARM|deadly signal|out-of-memory|Test unit written' "$log" | head -8 >&2 || true
    tail -40 "$log" >&2
  fi
  echo "fuzz: $line" | tee -a "$summary"
done
echo "fuzz: total $(( $(date +%s) - started )) s (build $((built - started)) s); summary in $summary"
[ "$failed" -eq 0 ]
