"""Installs the `embody` package and records where its checkout is, so that the package finds the C library
(libEmbodyC.so, built by `swift build`) without EMBODY_LIBRARY. When the checkout has no library yet and Swift is
available, the release library is built here (a few minutes the first time)."""

import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


class BuildPy(build_py):
    def run(self):
        super().run()
        repo = REPO if os.path.exists(os.path.join(REPO, "Package.swift")) else ""
        if repo and os.environ.get("EMBODY_SKIP_BUILD") != "1":
            built = [os.path.join(repo, ".build", c, "libEmbodyC.so") for c in ("release", "debug")]
            swift = shutil.which("swift") or ("/opt/swift/usr/bin/swift" if os.path.exists("/opt/swift/usr/bin/swift") else None)
            if not any(os.path.exists(p) for p in built) and swift:
                print("embody: building libEmbodyC.so (swift build -c release --product EmbodyC)", file=sys.stderr)
                subprocess.run([swift, "build", "-c", "release", "--product", "EmbodyC"], cwd=repo, check=False)
        target = os.path.join(self.build_lib, "embody", "_checkout.py")
        with open(target, "w") as f:
            f.write('"""Written by setup.py at install time: the Embody checkout this package was installed from."""\n')
            f.write(f"CHECKOUT = {repo!r}\n")


# The one-tick step() and set_torques in C (embody/_fastcall.c); optional: without a C compiler or Python's headers the package
# installs without it and steps through ctypes alone.
setup(cmdclass={"build_py": BuildPy},
      ext_modules=[Extension("embody._fastcall", sources=["embody/_fastcall.c"], optional=True)])
