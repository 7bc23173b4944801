"""Shared fixtures: the checkout, the CLI binary next to the library, temporary folders."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The package under test comes from PYTHONPATH (scripts/python-tests.sh installs it with pip); run in place otherwise.
if not any(os.path.isdir(os.path.join(p, "embody")) for p in sys.path if p):
    sys.path.insert(0, os.path.join(ROOT, "python"))


def embody_cli():
    """The `embody` binary built next to the library in use (the same build configuration)."""
    import embody
    return os.path.join(os.path.dirname(embody.library_path), "embody")


@pytest.fixture
def cli():
    path = embody_cli()
    if not os.access(path, os.X_OK):
        pytest.fail(f"the embody binary is not built next to the library ({path}); run `swift build`")
    return path


def run_cli(cli, *args):
    env = dict(os.environ, EMBODY_SCENARIOS=os.path.join(ROOT, "Scenarios"))
    return subprocess.run([cli, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
