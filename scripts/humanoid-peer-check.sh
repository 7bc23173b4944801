#!/usr/bin/env bash
# A cheap correctness check of Benchmarks/peers/humanoid_peer.py (no timing): Embody and MuJoCo each stand
# 10 s on the same humanoid.urdf with the same law at dt 1 ms and take humanoid-push's 60 N push, and their
# fidelity numbers (drift, ΣFz vs m·g, foot slip, penetration) lie in the script's CHECK ranges. About 30 s
# on the 2-core machine; needs the release embody (built when missing) and MuJoCo + PyYAML from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c "import mujoco, yaml, numpy" >/dev/null 2>&1; then
  echo "humanoid-peer-check: installing mujoco 4.0.1, PyYAML and NumPy from PyPI" >&2
  python3 -m pip install --quiet --disable-pip-version-check "mujoco==4.0.1" pyyaml numpy
fi
python3 Benchmarks/peers/humanoid_peer.py --check --dt 0.001
