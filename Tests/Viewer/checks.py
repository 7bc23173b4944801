"""What every viewer test script shares: named checks that collect failures, running the embody binary, and
reading the data a viewer page embeds. Imported by the Tests/Viewer/test_*.py scripts (run from their folder's
parent, so this folder is on sys.path as the script's own)."""
import json
import subprocess
import sys

FAILURES = []


def check(ok, what):
    """Prints one named check and remembers it when it failed; `finish` turns any failure into exit 1."""
    print(("  ok   " if ok else "  FAIL ") + what, flush=True)
    if not ok:
        FAILURES.append(what)


def run(cmd):
    """Runs a command; exit 0 (success) or 2 (criteria failed, the run itself is fine) is expected, anything else stops the test."""
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in (0, 2):
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    return r


def page_data(html):
    """The JSON object a page written by `embody view` / `--view` embeds (ViewerPage.PageData, or an index's runs)."""
    text = open(html, encoding="utf-8").read()
    return json.loads(text.split('<script type="application/json" id="embody-data">', 1)[1].split("</script>", 1)[0])


def finish(what):
    """Exits 1 listing the failed checks, if any; otherwise says all passed."""
    if FAILURES:
        sys.exit(f"{len(FAILURES)} {what} check(s) failed:\n  " + "\n  ".join(FAILURES))
    print(f"{what} test: all checks passed")
