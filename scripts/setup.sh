#!/usr/bin/env bash
# Installs what Embody needs on a fresh Debian machine, and nothing that is already there:
# Bullet (double precision), Eigen and Assimp (mesh files) from Debian's packages, valgrind for
# `make bench-check`, and from PyPI pybullet (parity and corpus tests) and example-robot-data 6.0.0
# (the robot corpus of the corpus test and of docs/robots.md; never committed). Safe to run again; quiet when everything is present.
set -euo pipefail

packages=(libbullet-dev libbullet-extras-dev libeigen3-dev libassimp-dev pkg-config valgrind)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! pkg-config --exists bullet-float64; then
  echo "setup: pkg-config cannot find bullet-float64 after installing libbullet-dev" >&2
  exit 1
fi

if [ "${EMBODY_SKIP_PYTHON:-0}" != 1 ] && ! python3 -c "import pybullet" >/dev/null 2>&1; then
  echo "setup: installing pybullet 3.2.7 from PyPI (used by the parity tests)" >&2
  python3 -m pip install --quiet --disable-pip-version-check pybullet==3.2.7
fi

# The MJCF test corpus (MuJoCo, Gymnasium, dm_control suite models): scripts/mjcf-corpus.sh.
bash "$(dirname "$0")/mjcf-corpus.sh"
if [ "${EMBODY_SKIP_PYTHON:-0}" != 1 ] && ! python3 "$(dirname "$0")/../tools/corpus/example_robot_data_root.py" >/dev/null 2>&1; then
  echo "setup: installing example-robot-data 6.0.0 from PyPI (the robot corpus of the corpus tests)" >&2
  python3 -m pip install --quiet --disable-pip-version-check example-robot-data==6.0.0
fi
