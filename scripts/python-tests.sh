#!/usr/bin/env bash
# The Python package's tests (docs/python.md), run by `make test`: installs what pytest needs from PyPI when
# missing (numpy, pytest, gymnasium, pybullet), builds the C library and the CLI (debug, as `swift test` does),
# installs ./python with pip into a temporary folder (as a user would, but without touching site-packages), and
# runs python/tests against that installed copy.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
pip=(python3 -m pip --disable-pip-version-check)

need=()
python3 -c "import numpy" 2>/dev/null || need+=(numpy)
python3 -c "import pytest" 2>/dev/null || need+=(pytest)
python3 -c "import gymnasium" 2>/dev/null || need+=(gymnasium==1.4.0)
python3 -c "import pybullet" 2>/dev/null || need+=(pybullet==3.2.7)
if [ ${#need[@]} -gt 0 ]; then
  echo "python-tests: installing ${need[*]} from PyPI" >&2
  "${pip[@]}" install --quiet "${need[@]}"
fi

swift build --product EmbodyC
swift build --product embody

target=$(mktemp -d)
trap 'rm -rf "$target"' EXIT
# As a user installs it (pip fetches setuptools and wheel for the build from the PyPI mirror); --no-deps: numpy
# is checked above.
EMBODY_SKIP_BUILD=1 "${pip[@]}" install --quiet --no-deps --target "$target" ./python
# The installed copy must find the library by itself (recorded checkout), not through EMBODY_LIBRARY.
unset EMBODY_LIBRARY
cd "$target"
PYTHONPATH="$target" python3 -m pytest -q -p no:cacheprovider "$OLDPWD/python/tests" "$@"
