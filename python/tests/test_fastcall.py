"""`step()` and `set_torques` in C (embody/_fastcall.c) against the ctypes path: the same ticks, bits and errors."""

import json
import os
import subprocess
import sys

import pytest

import embody
import embody.simulation

# One external-controller run stepped every way `step` can be called, with the errors it can raise; printed as JSON.
SCRIPT = r"""
import json, math, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import embody, embody.simulation
out = {"fastcall": embody.simulation.FASTCALL, "calls": [], "errors": []}
sim = embody.Simulation("arm-hold", overrides={"controller.type": "external", "duration": 0.04})
out["bound"] = bool(getattr(sim, "_fastcall_bound", False))
kp, kd = 300.0, 20.0
target = np.linspace(-0.4, 0.4, sim.dof)
def law():
    np.multiply(target - sim.q, kp, out=sim.torques)
    sim.torques[:] -= kd * sim.qd
for k, call in enumerate([lambda: sim.step(), lambda: sim.step(1), lambda: sim.step(n=1), lambda: sim.step(0),
                          lambda: sim.step(2), lambda: sim.step(True)] * 5):
    law()
    out["calls"].append(call())
sim.torques[3] = math.nan
for call in (lambda: sim.step(), lambda: sim.step(1), lambda: sim.step(2), lambda: sim.step(-1)):
    try:
        call()
    except embody.EmbodyError as e:
        out["errors"].append([type(e).__name__, e.message])
sim.torques[3] = 0.0
# set_torques: the C path takes 1-D float64 buffers; lists, other dtypes and strided views go to the Python method.
wide = np.linspace(-1.0, 1.0, 2 * sim.dof)
for k, value in enumerate([np.full(sim.dof, 0.5), [0.25] * sim.dof, np.full(sim.dof, 0.75, dtype=np.float32),
                           wide[::2], tuple(range(sim.dof)), np.arange(sim.dof, dtype=np.int64)]):
    sim.set_torques(value)
    sim.step()
    out["calls"].append([float(x).hex() for x in sim.tau_commanded])
bad = np.zeros(sim.dof)
bad[5] = -math.inf
for value in (np.zeros(3), [0.0] * 3, bad, list(bad), np.zeros((1, sim.dof)), np.zeros(sim.dof, dtype=np.complex128),
              "nine"):
    try:
        sim.set_torques(value)
    except (embody.EmbodyError, TypeError, ValueError) as e:
        out["errors"].append([type(e).__name__, getattr(e, "message", str(e))])
out["tick"] = sim.tick
out["while_running"] = [sim.step() for _ in range(15)]   # runs past the 40-tick end: 0 from there on
out["hash"] = sim.state_hash
out["q"] = [float(x).hex() for x in sim.q]
sim.run()
for call in (lambda: sim.step(), lambda: sim.step(3)):
    try:
        call()
    except embody.EmbodyError as e:
        out["errors"].append([type(e).__name__, e.message])
sim.close()
out["bound_after_close"] = bool(getattr(sim, "_fastcall_bound", False))
for call in (lambda: sim.step(), lambda: sim.step(1), lambda: sim.step(4), lambda: sim.set_torques(np.zeros(9))):
    try:
        call()
    except embody.EmbodyError as e:
        out["errors"].append([type(e).__name__, e.message])
print(json.dumps(out))
"""


def run(fastcall):
    package = os.path.dirname(os.path.dirname(os.path.abspath(embody.__file__)))
    env = dict(os.environ, EMBODY_PYTHON_FASTCALL="1" if fastcall else "0")
    r = subprocess.run([sys.executable, "-c", SCRIPT, package], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.skipif(os.environ.get("EMBODY_PYTHON_FASTCALL") == "0", reason="turned off by EMBODY_PYTHON_FASTCALL=0")
def test_the_installed_package_steps_in_c():
    # pip builds the extension (setup.py, optional=True): a failed build would fall back to ctypes silently, so the
    # test set-up, which has a compiler, checks that it is there and in use.
    assert embody.simulation.FASTCALL, "embody._fastcall was not built or does not import"
    assert type(embody.Simulation.step).__name__ == "method_descriptor"
    sim = embody.Simulation("arm-hold")
    assert sim._fastcall_bound
    sim.close()
    assert not sim._fastcall_bound  # unbound before the handle is freed


def test_c_and_ctypes_steps_give_the_same_ticks_bits_and_errors():
    c, plain = run(True), run(False)
    assert c["fastcall"] and c["bound"] and not c["bound_after_close"]
    assert not plain["fastcall"] and not plain["bound"]
    for key in ("fastcall", "bound", "bound_after_close"):
        del c[key], plain[key]
    assert c == plain
    # What the run did, so that the comparison is not of two empty runs.
    assert c["calls"][:30] == [1, 1, 1, 0, 2, 1] * 5
    # The torques set were applied at the next tick: 0.5, 0.25, 0.75, the strided view, 0…8, 0…8.
    applied = [[float.fromhex(x) for x in row] for row in c["calls"][30:]]
    assert applied[0] == [0.5] * 9 and applied[1] == [0.25] * 9 and applied[2] == [0.75] * 9
    assert applied[4] == applied[5] == [float(i) for i in range(9)]
    assert c["tick"] == 36
    assert c["while_running"] == [1] * 4 + [0] * 11
    kinds = [e[0] for e in c["errors"]]
    assert kinds[:4] == ["InvalidArgument"] * 4 and kinds[-6:] == ["InvalidState"] * 6
    assert "torque 3 (joint joint_4) is nan" in c["errors"][0][1]
    assert "3 torques given; the robot has 9 joints" in c["errors"][4][1] and c["errors"][5][1] == c["errors"][4][1]
    assert "torque 5 (joint joint_6) is -inf" in c["errors"][6][1] and c["errors"][7][1] == c["errors"][6][1]
    assert "1-D array" in c["errors"][8][1]
    assert "real numbers, got complex128" in c["errors"][9][1]
    assert "finished" in c["errors"][-6][1] and all("closed" in e[1] for e in c["errors"][-4:])
