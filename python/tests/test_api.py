"""The Python API over the C ABI: loading, stepping, reading, errors as exceptions with Embody's message."""

import json
import math

import numpy as np
import pytest

import embody
from conftest import run_cli


def test_load_bundled_and_read_state():
    with embody.Simulation("arm-hold") as sim:
        assert sim.dof == 9
        assert sim.joint_names[:2] == ["joint_1", "joint_2"]
        assert sim.dt == pytest.approx(0.001)
        # arm-hold starts at its initial q (joint_2 0.8, joint_4 1.0, joint_6 0.5), at rest.
        assert sim.q[1] == 0.8 and sim.q[3] == 1.0 and sim.q[5] == 0.5
        assert np.all(sim.qd == 0)
        assert sim.tick == 0
        assert sim.step(10) == 10
        assert sim.tick == 10 and sim.time == pytest.approx(0.010)
        assert sim.base.shape == (13,)
        assert sim.base[6] == 1.0  # a fixed base at the identity orientation: qw = 1
        assert len(sim.state_hash) == 16
        assert np.all(np.abs(sim.tau_applied) <= sim.effort_limits)


def test_run_matches_the_cli_json(cli):
    """`Simulation.run()` returns what `embody run --json` prints: same keys, same state hash, same metrics."""
    with embody.Simulation("arm-hold", overrides={"duration": 0.5}) as sim:
        summary = sim.run()
    r = run_cli(cli, "run", "arm-hold", "--set", "duration=0.5", "--json")
    assert r.returncode == 0, r.stderr
    cli_summary = json.loads(r.stdout)
    assert set(summary) == set(cli_summary)
    assert summary["state_hash"] == cli_summary["state_hash"]
    assert summary["steps"] == cli_summary["steps"] == 500
    assert summary["metrics"] == cli_summary["metrics"]
    assert summary["outcome"] == cli_summary["outcome"]


def test_seed_and_overrides_reach_the_scenario():
    with embody.Simulation("arm-hold", seed=42, overrides={"physics.dt": 0.002, "rates.control": 500, "duration": 0.1}) as sim:
        assert sim.seed == 42
        assert sim.dt == pytest.approx(0.002)
        assert sim.duration_ticks == 50


def test_reset_returns_to_the_same_state():
    with embody.Simulation("arm-hold") as sim:
        h0 = sim.state_hash
        sim.step(50)
        h50 = sim.state_hash
        assert h50 != h0
        sim.reset()
        assert sim.tick == 0 and sim.state_hash == h0
        sim.step(50)
        assert sim.state_hash == h50


def test_stepping_a_finished_run_raises():
    with embody.Simulation("arm-hold", overrides={"duration": 0.01}) as sim:
        assert sim.step(1000) == 10
        assert sim.finished
        s = sim.run()
        assert s["steps"] == 10
        with pytest.raises(embody.InvalidState, match="finished"):
            sim.step()


def test_one_tick_steps_agree_with_stepping_n_and_end_at_the_duration():
    # step() (one tick, embody_step1) and step(n) (embody_step) take the same ticks to the same state.
    with embody.Simulation("arm-hold", overrides={"duration": 0.02}) as one, \
            embody.Simulation("arm-hold", overrides={"duration": 0.02}) as many:
        taken = [one.step() for _ in range(25)]
        assert taken == [1] * 20 + [0] * 5  # 0 once the 20-tick run has reached its end
        assert many.step(25) == 20
        assert one.state_hash == many.state_hash
        assert np.array_equal(one.q, many.q)


def test_a_closed_simulation_refuses_calls():
    sim = embody.Simulation("arm-hold", overrides={"controller.type": "external"})
    sim.step()
    sim.close()
    for call in (lambda: sim.step(), lambda: sim.step(3), lambda: sim.set_torques(np.zeros(9))):
        with pytest.raises(embody.InvalidState, match="closed"):
            call()


def test_bad_scenario_raises_with_embodys_located_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nduration: 1\nphysics: { dt: 0.001 }\nrobot: { urdf: nowhere.urdf }\n")
    with pytest.raises(embody.InvalidInput) as e:
        embody.Simulation(str(bad))
    assert "bad.yaml" in str(e.value) and "nowhere.urdf" in str(e.value)


def test_bad_override_raises_with_the_cli_message(cli):
    with pytest.raises(embody.InvalidInput) as e:
        embody.Simulation("arm-hold", overrides={"physics.dt": -1})
    r = run_cli(cli, "run", "arm-hold", "--set", "physics.dt=-1")
    assert r.returncode == 1
    assert "physics.dt must be greater than 0 s, found -1" in str(e.value)
    assert "physics.dt must be greater than 0 s, found -1" in r.stderr


def test_unknown_scenario_name():
    with pytest.raises(embody.InvalidInput, match="no scenario file or bundled scenario named 'no-such'.*arm-hold"):
        embody.Simulation("no-such")


def test_torques_need_the_external_controller():
    with embody.Simulation("arm-hold") as sim:
        with pytest.raises(embody.InvalidState, match="not external"):
            sim.set_torques(np.zeros(sim.dof))


def test_torque_arguments_are_checked():
    with embody.Simulation("arm-hold", overrides={"controller.type": "external"}) as sim:
        with pytest.raises(embody.InvalidArgument, match="3 torques given; the robot has 9 joints"):
            sim.set_torques([0, 0, 0])
        bad = np.zeros(sim.dof)
        bad[2] = math.nan
        with pytest.raises(embody.InvalidArgument, match="torque 2 \\(joint joint_3\\) is nan"):
            sim.set_torques(bad)
        sim.torques[4] = math.inf  # the zero-copy path is checked at the step
        with pytest.raises(embody.InvalidArgument, match="torque 4 \\(joint joint_5\\) is inf"):
            sim.step()
        assert sim.tick == 0
        sim.torques[4] = 0
        assert sim.step() == 1
        with pytest.raises(embody.InvalidArgument, match="seed"):
            sim.reset(seed=-1)
        with pytest.raises(embody.InvalidArgument):
            sim.step(-1)


def test_external_torques_are_applied_and_clamped():
    with embody.Simulation("arm-hold", overrides={"controller.type": "external"}) as sim:
        tau = np.zeros(sim.dof)
        tau[0] = 5.0
        tau[1] = 1e6  # beyond joint_2's effort limit
        sim.set_torques(tau)
        sim.step(1)
        assert sim.tau_commanded[0] == 5.0 and sim.tau_commanded[1] == 1e6
        assert sim.tau_applied[0] == 5.0
        assert sim.tau_applied[1] == sim.effort_limits[1]
        assert sim.qd[0] > 0  # a positive torque on a joint at rest accelerates it positively


def test_reference_for_a_builtin_controller():
    with embody.Simulation("arm-hold") as sim:
        target = np.array(sim.q)
        target[0] = 0.3
        sim.set_reference(target)
        sim.step(2000)
        assert abs(sim.q[0] - 0.3) < 0.02
        with pytest.raises(embody.InvalidArgument):
            sim.set_reference(np.zeros(3))


def test_sensors_and_channels():
    with embody.Simulation("humanoid-sensors") as sim:
        assert len(sim.sensors) > 0
        name = next(iter(sim.sensors))
        sim.step(200)
        values = sim.sensors[name]
        assert values.shape == (len(sim.sensors.fields(name)),)
        channels = sim.channels
        for field, v in zip(sim.sensors.fields(name), values):
            assert channels[f"sensor.{name}.{field}"] == v
        assert "ref.q." + sim.joint_names[0] in channels
        with pytest.raises(KeyError):
            sim.sensors["no-such-sensor"]


def test_contacts_of_a_standing_humanoid():
    with embody.Simulation("humanoid-stand") as sim:
        sim.step(300)
        c = sim.contacts
        assert c.shape[1] == 12 and c.shape[0] > 0
        # The feet press on the ground: the total normal force is about the robot's weight.
        assert c[:, 11].sum() > 100


def test_metrics_so_far():
    with embody.Simulation("arm-hold", overrides={"duration": 0.2}) as sim:
        sim.step(100)
        m = sim.metrics
        assert "final_joint_error_max" in m
        final = sim.run()["metrics"]
        assert sim.metrics == final


def test_the_package_finds_the_checkouts_library():
    """Installed with pip (scripts/python-tests.sh), the package finds the library the checkout built, without
    EMBODY_LIBRARY: setup.py records the checkout."""
    import os
    from conftest import ROOT
    assert os.path.exists(embody.library_path)
    if "EMBODY_LIBRARY" not in os.environ:
        assert embody.library_path.startswith(os.path.join(ROOT, ".build") + os.sep)
    assert embody.__version__ == "0.1.0"
