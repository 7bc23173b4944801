"""Gymnasium: every registered environment passes check_env, and seeding gives bit-identical observations."""

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import embody
import embody.gym


@pytest.mark.parametrize("env_id", sorted(embody.gym.REGISTERED))
def test_check_env_on_every_registered_environment(env_id):
    env = gymnasium.make(env_id)
    check_env(env.unwrapped, skip_render_check=True)
    env.close()


@pytest.mark.parametrize("action", ["torque", "pd_target"])
def test_same_seed_same_actions_same_bits(action):
    def rollout():
        env = embody.gym.make("humanoid-sensors", action=action, frame_skip=5)
        obs, _ = env.reset(seed=7)
        rng = np.random.default_rng(0)
        trace = [obs.copy()]
        for _ in range(30):
            a = env.action_space.low + (env.action_space.high - env.action_space.low) * rng.uniform(size=env.action_space.shape)
            a = 0.02 * a if action == "torque" else a * 0.05
            obs, reward, terminated, truncated, info = env.step(a)
            trace.append(obs.copy())
            if terminated or truncated:
                break
        env.close()
        return np.array(trace)
    a, b = rollout(), rollout()
    assert a.tobytes() == b.tobytes()
    assert not np.array_equal(a[0], a[-1])


def test_spaces_and_reward_of_humanoid_stand():
    env = embody.gym.make("Embody/HumanoidStand-v0")
    obs, info = env.reset(seed=1)
    sim = env.unwrapped.sim
    assert obs.shape == (2 * sim.dof + 13,)
    # PD targets equal to the standing posture: the robot keeps standing, reward near the alive bonus of 1.
    obs, reward, terminated, truncated, info = env.step(np.zeros(sim.dof))
    assert not terminated and not truncated
    assert 0.9 < reward <= 1.0
    env.close()


def test_make_unknown_scenario_raises_embodys_error():
    with pytest.raises(embody.InvalidInput):
        embody.gym.make("no-such-scenario")
