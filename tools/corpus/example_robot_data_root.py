#!/usr/bin/env python3
"""Where example-robot-data 6.0.0 (PyPI; installed by scripts/setup.sh) keeps its robots.

The wheel installs the robots under `cmeel.prefix/share/example-robot-data/robots` in a site-packages folder,
and has no Python API that names that folder; every caller (tests, benchmarks, peers) finds it here.

Usage: example_robot_data_root.py [RELATIVE]
Prints the robots folder, or RELATIVE inside it (which must exist); exit 1 with a message when it is missing.
"""
import os
import sys

SUBDIR = os.path.join("cmeel.prefix", "share", "example-robot-data", "robots")


def root():
    """The robots folder of the installed example-robot-data, or SystemExit with a message."""
    for base in sys.path:
        d = os.path.join(base or ".", SUBDIR)
        if os.path.isdir(d):
            return d
    raise SystemExit("example-robot-data is not installed (pip install example-robot-data==6.0.0; scripts/setup.sh does)")


if __name__ == "__main__":
    if len(sys.argv) > 2:
        raise SystemExit(__doc__.strip().splitlines()[-2])
    path = root() if len(sys.argv) == 1 else os.path.join(root(), sys.argv[1])
    if not os.path.exists(path):
        raise SystemExit(f"{path} does not exist in the installed example-robot-data")
    print(path)
