#!/usr/bin/env bash
# The viewer's and the MCAP export's tests (docs/viewer.md), run by `make test`:
#   - a log written before the plot channels still replays, verifies, exports and views;
#   - MCAP read back with the `mcap` package, each message validated against its JSON schema;
#   - the viewer page in headless Chromium (WebGL through SwiftShader).
# Installs what it needs (Debian's chromium, PyPI's mcap and jsonschema) and fails loudly when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

if ! command -v chromium >/dev/null 2>&1; then
  echo "viewer-tests: installing chromium from Debian" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq chromium >/dev/null
fi
command -v chromium >/dev/null || { echo "viewer-tests: chromium is not installed" >&2; exit 1; }
if ! python3 -c "import mcap, jsonschema" >/dev/null 2>&1; then
  echo "viewer-tests: installing mcap and jsonschema from PyPI" >&2
  python3 -m pip install --quiet --disable-pip-version-check mcap jsonschema
fi

swift build --product embody >/dev/null
embody="$PWD/.build/debug/embody"
out=.build/viewer-tests
rm -rf "$out"
mkdir -p "$out"
python3 Tests/Viewer/test_old_log.py "$embody" "$out"
python3 Tests/Viewer/test_view_cli.py "$embody" "$out"
python3 Tests/Viewer/test_mcap.py "$embody" "$out"
python3 Tests/Viewer/test_viewer_browser.py "$embody" "$out"
