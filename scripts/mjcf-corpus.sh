#!/usr/bin/env bash
# Installs the MJCF test corpus (docs/mjcf.md): the `mujoco` package (MuJoCo's own compiler, the reference),
# `gymnasium` (whose package holds its MuJoCo models), and dm_control's suite models, unpacked from the
# dm-control wheel (`pip download --no-deps`; a wheel is a zip) into .corpus/mjcf. Nothing is committed.
# Safe to run again; quiet when everything is present. EMBODY_SKIP_PYTHON=1 skips it (the MJCF corpus
# tests then fail, saying what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${EMBODY_SKIP_PYTHON:-0}" = 1 ] && exit 0

DM_CONTROL=1.0.52
pip=(python3 -m pip --disable-pip-version-check)
if ! python3 -c "import mujoco" >/dev/null 2>&1; then
  echo "setup: installing mujoco 4.0.1 from PyPI (the reference for the MJCF tests)" >&2
  "${pip[@]}" install --quiet mujoco==4.0.1
fi
if ! python3 -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('gymnasium') is None)"; then
  echo "setup: installing gymnasium 1.4.0 from PyPI (its MuJoCo models are MJCF test models)" >&2
  "${pip[@]}" install --quiet gymnasium==1.4.0
fi
dest=.corpus/mjcf/dm_control-$DM_CONTROL
if [ ! -f "$dest/dm_control/suite/humanoid.xml" ] || [ ! -f "$dest/dm_control/suite/dog_assets/skin_texture.png" ]; then
  echo "setup: downloading dm-control $DM_CONTROL's wheel from PyPI for its suite models" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  "${pip[@]}" download --quiet --no-deps "dm-control==$DM_CONTROL" -d "$tmp"
  python3 - "$tmp"/dm_control-"$DM_CONTROL"-*.whl "$dest" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.startswith("dm_control/suite/") and not n.endswith(".py")]
    if not any(n.endswith("suite/humanoid.xml") for n in names):
        sys.exit(f"{wheel} holds no dm_control/suite/humanoid.xml")
    z.extractall(dest, names)
PY
fi
