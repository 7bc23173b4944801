#!/usr/bin/env bash
# `make install` into a fresh prefix, then the installed tools work from another directory, after the prefix
# is moved, with no EMBODY_* variables: they find share/embody relative to themselves. Run by `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export PATH=/opt/swift/usr/bin:$PATH
unset EMBODY_SCENARIOS EMBODY_EXERCISES EMBODY_SECRET_SALT EMBODY_SECRET_SALT_FILE
prefix=$(mktemp -d) elsewhere=$(mktemp -d) moved=$(mktemp -d)
trap 'rm -rf "$prefix" "$elsewhere" "$moved"' EXIT
failures=0
check() {   # check NAME CONDITION-RESULT DETAIL
  if [ "$2" = 0 ]; then echo "install-test: ok   $1"; else echo "install-test: FAIL $1: $3" >&2; failures=$((failures + 1)); fi
}

make install PREFIX="$prefix" >"$elsewhere/install.log" 2>&1 || { cat "$elsewhere/install.log" >&2; exit 1; }
cd "$elsewhere"

set +e
out=$("$prefix/bin/embody" run humanoid-stand 2>&1); rc=$?
check "installed embody run humanoid-stand (exit 0)" $rc "exit $rc: $out"

out=$("$prefix/bin/embody" exercise list 2>&1); rc=$?
echo "$out" | grep -q "1. PD tuning on a single joint" && echo "$out" | grep -q "exercises in $prefix/share/embody/Exercises"
check "installed embody exercise list (its exercises under share/embody)" $((rc + $?)) "exit $rc: $out"

[ ! -e "$prefix/share/embody/Exercises/Reference" ] && [ -f "$prefix/share/embody/Scenarios/robots/humanoid.urdf" ]
check "share/embody holds the scenarios and robots, and no reference solutions" $? "$(ls -R "$prefix/share/embody" | head)"

# Exercise 1 is a file of numbers: graded without a Swift package. The installed starter scores below full marks.
out=$("$prefix/bin/embody" exercise check 1 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "graded: $prefix/share/embody/Exercises/01-pd-tuning/gains.yaml" && echo "$out" | grep -q "total "
check "installed embody exercise check 1 grades the installed gains (exit 2)" $? "exit $rc: $out"

# Swift exercises need the student's package to build the runner: an installed tree has none, and says so.
out=$("$prefix/bin/embody" exercise check 2 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "no Package.swift in $prefix/share/embody"
check "installed embody exercise check 2 explains that it needs a package (exit 1)" $? "exit $rc: $out"

# Relocatable: move the whole prefix; nothing points back at the checkout or the old prefix.
mv "$prefix"/* "$moved"/
out=$("$moved/bin/embody" run arm-hold 2>&1); rc=$?
check "a moved install still runs arm-hold" $rc "exit $rc: $out"
out=$("$moved/bin/embody" list 2>&1); rc=$?
echo "$out" | grep -q humanoid-stand
check "a moved install lists the bundled scenarios" $((rc + $?)) "exit $rc: $out"

# The C library and its header (docs/python.md): a C program compiles against the installed header, links the
# installed library, and opens a bundled scenario by name, found next to the library (share/embody/Scenarios).
cat > "$elsewhere/abi.c" <<'C'
#include <embody.h>
#include <stdio.h>
int main(void) {
    embody_sim *sim = NULL;
    char error[4096];
    const char *overrides[] = {"duration=0.2"};
    if (embody_open("arm-hold", overrides, 1, NULL, &sim, error, sizeof error) != EMBODY_OK) { fprintf(stderr, "%s\n", error); return 1; }
    int64_t stepped = 0;
    if (embody_step(sim, 50, &stepped) != EMBODY_OK || stepped != 50) { fprintf(stderr, "%s\n", embody_last_error(sim)); return 1; }
    if (embody_step(sim, -1, NULL) != EMBODY_INVALID_ARGUMENT) return 1;
    if (embody_run(sim) != EMBODY_OK) { fprintf(stderr, "%s\n", embody_last_error(sim)); return 1; }
    printf("%s\n", embody_summary_json(sim));
    embody_close(sim);
    return 0;
}
C
cc -o "$elsewhere/abi" -I"$moved/include" "$elsewhere/abi.c" -L"$moved/lib" -lembody -Wl,-rpath,"$moved/lib" >"$elsewhere/cc.log" 2>&1
check "a C program compiles against the installed include/embody.h and links lib/libembody.so" $? "$(cat "$elsewhere/cc.log")"
out=$("$elsewhere/abi" 2>&1); rc=$?
echo "$out" | grep -q '"steps":200'
check "the installed library runs the bundled arm-hold from another directory" $((rc + $?)) "exit $rc: $out"
out=$(EMBODY_LIBRARY="$moved/lib/libembody.so" PYTHONPATH="$repo/python" python3 -c "
import embody
with embody.Simulation('humanoid-stand', overrides={'duration': 0.1}) as sim:
    print(embody.library_path, sim.run()['steps'])" 2>&1); rc=$?
echo "$out" | grep -q "$moved/lib/libembody.so 100"
check "Python's embody package drives the installed library" $((rc + $?)) "exit $rc: $out"

# Shell completions from swift-argument-parser.
for f in share/bash-completion/completions/embody share/zsh/site-functions/_embody share/fish/vendor_completions.d/embody.fish; do
  grep -q "replay" "$moved/$f"
  check "completion $f covers the subcommands" $? "missing or empty"
done

# --help covers every subcommand: each one listed by `embody --help` prints its own usage.
subcommands=$("$moved/bin/embody" --help | awk '/^SUBCOMMANDS:/{on=1; next} on && /^  [a-z]/{print $1}')
[ -n "$subcommands" ]
check "embody --help lists subcommands" $? "none found"
for sub in $subcommands; do
  out=$("$moved/bin/embody" help "$sub" 2>&1); rc=$?
  echo "$out" | grep -q "USAGE: embody $sub"
  check "embody help $sub" $((rc + $?)) "exit $rc: $out"
done
for sub in list show check report handout; do
  out=$("$moved/bin/embody" exercise help "$sub" 2>&1); rc=$?
  echo "$out" | grep -q "USAGE: embody exercise $sub"
  check "embody exercise help $sub" $((rc + $?)) "exit $rc: $out"
done
set -e

echo "install-test: $failures failed"
[ "$failures" -eq 0 ]
