"""Recording from Python: a Python-controller run replays exactly with `embody replay --verify`."""

import json

import numpy as np
import pytest

import embody
from conftest import run_cli


def pd(kp, kd, target):
    def controller(state):
        return kp * (target - state.q) - kd * state.qd
    return controller


def test_python_controller_recording_replays_exactly(tmp_path, cli):
    log = tmp_path / "python-pd.emblog"
    sim = embody.Simulation("arm-hold", overrides={"duration": 0.5},
                            controller=pd(np.full(9, 300.0), np.full(9, 5.0),
                                          np.array([0.2, 0.8, 0, 1.0, 0, 0.5, 0, 0, 0])))
    sim.record(log)
    summary = sim.run()
    sim.close()
    assert summary["steps"] == 500
    r = run_cli(cli, "replay", str(log), "--verify", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["identical"] is True and report["records_checked"] == 501
    assert embody.replay(log, verify=True)["identical"] is True
    # The recorded torques are what the Python controller returned (the replay reproduces them).
    info = embody.replay(log, verify=False)
    assert info["outcome"] == summary["outcome"] and info["steps"] == 500


def test_random_torques_at_a_slower_control_rate_replay_exactly(tmp_path, cli):
    """Control at 250 Hz (every 4 ticks), recorded every 2 ticks: the torques of every control tick are in the log
    and the replay hands them out again; without them it would step with zeros and differ at the first record."""
    log = tmp_path / "random.emblog"
    rng = np.random.default_rng(3)
    sim = embody.Simulation("arm-hold", overrides={"duration": 0.2, "rates.control": 250},
                            controller=lambda state: rng.uniform(-20, 20, 9))
    assert sim.control_every == 4
    sim.record(log, every=2)
    sim.run()
    sim.close()
    r = run_cli(cli, "replay", str(log), "--verify", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["records_checked"] == 101


def test_record_every_must_divide_the_control_period():
    with embody.Simulation("arm-hold", overrides={"controller.type": "external"}) as sim:
        with pytest.raises(embody.InvalidInput, match="controller type external: a log must hold the torques"):
            sim.record("/tmp/never.emblog", every=2)
    with embody.Simulation("arm-hold", overrides={"controller.type": "external", "rates.control": 250}) as sim:
        with pytest.raises(embody.InvalidInput, match="N dividing 4"):
            sim.record("/tmp/never.emblog", every=3)


def test_record_only_at_tick_zero(tmp_path):
    with embody.Simulation("arm-hold") as sim:
        sim.step(3)
        with pytest.raises(embody.InvalidState, match="tick 0"):
            sim.record(tmp_path / "x.emblog")


def test_replay_of_a_missing_log_raises():
    with pytest.raises(embody.InvalidInput):
        embody.replay("/nonexistent/run.emblog")


def test_a_python_controller_is_called_at_each_control_tick():
    ticks = []

    def controller(state):
        ticks.append((state.tick, state.time, state.dt))
        return np.zeros(9)

    sim = embody.Simulation("arm-hold", overrides={"duration": 0.1, "rates.control": 250}, controller=controller)
    summary = sim.run()
    assert summary["steps"] == 100
    assert [t for t, _, _ in ticks] == list(range(0, 100, 4))
    assert ticks[1][1] == pytest.approx(0.004) and ticks[1][2] == pytest.approx(0.004)


def test_a_python_controller_returning_nan_or_the_wrong_shape_raises():
    sim = embody.Simulation("arm-hold", controller=lambda s: np.full(9, np.nan))
    with pytest.raises(embody.InvalidArgument, match="torque 0 \\(joint joint_1\\) is nan"):
        sim.run()
    assert sim.tick == 0
    sim = embody.Simulation("arm-hold", controller=lambda s: np.zeros(4))
    with pytest.raises(embody.InvalidArgument, match="shape \\(4,\\)"):
        sim.run()
