#!/usr/bin/env bash
# The sweep tests (Tests/cluster, docs/cluster.md): Slurm job arrays, collect's statistics, JUnit XML and
# baselines. Installs what they need (pytest, junitparser, scipy from PyPI), builds embody, and runs them.
#
#   scripts/cluster-tests.sh                  skips the Slurm test, with a message, when no cluster answers
#   scripts/cluster-tests.sh --require-slurm  (CI) brings up a single-node cluster with scripts/slurm-up.sh
#                                             and fails when Slurm does not come up or the test is skipped
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

need=()
for m in pytest junitparser scipy; do python3 -c "import $m" >/dev/null 2>&1 || need+=("$m"); done
if [ ${#need[@]} -gt 0 ]; then
  echo "cluster-tests: installing ${need[*]} from PyPI" >&2
  python3 -m pip install --quiet --disable-pip-version-check "${need[@]}"
fi

if [ "${1:-}" = "--require-slurm" ]; then
  bash scripts/slurm-up.sh
  export EMBODY_REQUIRE_SLURM=1
fi

swift build --product embody >&2
python3 -m pytest -rs -q Tests/cluster
