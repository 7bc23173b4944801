"""Zero copy: the arrays view Embody's buffers, at stable addresses, and show each step's new state."""

import numpy as np

import embody


def address(a):
    return a.__array_interface__["data"][0]


def test_addresses_are_stable_across_steps_and_values_change():
    with embody.Simulation("humanoid-stand") as sim:
        arrays = {"q": sim.q, "qd": sim.qd, "base": sim.base, "tau_commanded": sim.tau_commanded,
                  "tau_applied": sim.tau_applied, "torques": sim.torques}
        before = {k: address(v) for k, v in arrays.items()}
        base_before = np.array(sim.base)
        q_before = np.array(sim.q)
        for _ in range(5):
            sim.step(20)
            for k, v in arrays.items():
                assert address(getattr(sim, k)) == before[k], k
                assert address(v) == before[k], k
        # The same array objects now hold new values: no copy was handed out.
        assert not np.array_equal(q_before, sim.q)
        assert not np.array_equal(base_before, sim.base)
        assert sim.qd.any()
        sim.reset()
        for k, v in arrays.items():
            assert address(getattr(sim, k)) == before[k], k
        assert np.array_equal(sim.q, q_before)


def test_views_share_memory_and_state_arrays_are_read_only():
    with embody.Simulation("arm-hold", overrides={"controller.type": "external"}) as sim:
        assert not sim.q.flags.owndata and not sim.q.flags.writeable
        assert sim.torques.flags.writeable
        sim.torques[:] = 1.0
        sim.step(1)
        assert np.all(sim.tau_commanded == 1.0)  # the step read the buffer Python wrote
        sensors_view = sim._channels
        a = address(sensors_view)
        sim.step(5)
        sim.refresh_channels()
        assert address(sim._channels) == a
