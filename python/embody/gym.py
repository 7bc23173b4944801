"""Gymnasium environments over Embody scenarios (docs/python.md, "Gymnasium").

    import embody.gym
    env = embody.gym.make("Embody/ArmHold-v0")          # a registered task
    env = embody.gym.make("arm-track-sine", action="pd_target", frame_skip=10)   # any scenario

Every environment, whatever its scenario:
  observation  float64: q (rad or m), q̇ (rad/s or m/s), then for a floating base its 13 values (position m,
               quaternion qx qy qz qw, linear velocity m/s, angular velocity rad/s, world frame);
  action       "torque": joint torques in N·m (N), bounded by the effort limits, through the `external` controller;
               "pd_target": joint position targets q* in rad (m), bounded by the joint limits (±π for unlimited
               joints), tracked by the scenario's own controller (its gains, at its control rate);
  step         `frame_skip` physics ticks (default: one control period × 10);
  reward       r = alive − Σᵢ (qᵢ − q*ᵢ)², q* being the scenario task's reference at the new tick (the recorded
               `ref.q.*` channels), alive = 1 for a floating base (0 for a fixed one);
  terminated   the robot fell (termination.base_height_below) or the run diverged;
  truncated    the scenario's duration was reached.
The same seed and the same actions give the same observations, bit for bit (Embody's determinism).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import gymnasium
import numpy as np
from gymnasium import spaces

from .simulation import Simulation

__all__ = ["EmbodyEnv", "make", "REGISTERED"]

#: The registered ids, their bundled scenario and default action kind.
REGISTERED: Dict[str, Dict[str, Any]] = {
    "Embody/ArmHold-v0": {"scenario": "arm-hold", "action": "torque"},
    "Embody/ArmTrackSine-v0": {"scenario": "arm-track-sine", "action": "torque"},
    "Embody/ArmReach-v0": {"scenario": "arm-reach-ik", "action": "pd_target"},
    "Embody/HumanoidStand-v0": {"scenario": "humanoid-stand", "action": "pd_target"},
}


class EmbodyEnv(gymnasium.Env):
    """A Gymnasium environment over one Embody scenario (see the module documentation for spaces and reward)."""

    metadata = {"render_modes": []}

    def __init__(self, scenario: str = "arm-hold", action: str = "torque", frame_skip: Optional[int] = None,
                 overrides: Optional[Dict[str, Any]] = None, seed: Optional[int] = None):
        if action not in ("torque", "pd_target"):
            raise ValueError(f"action must be 'torque' or 'pd_target', not {action!r}")
        items = dict(overrides or {})
        if action == "torque":
            items["controller.type"] = "external"
        self.scenario = scenario
        self.action_kind = action
        self.sim = Simulation(scenario, seed=seed, overrides=items)
        sim = self.sim
        self.frame_skip = int(frame_skip) if frame_skip is not None else sim.control_every * 10
        if self.frame_skip < 1:
            raise ValueError(f"frame_skip must be at least 1, got {frame_skip}")
        self.floating = not sim.fixed_base
        n = sim.dof
        size = 2 * n + (13 if self.floating else 0)
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=(size,), dtype=np.float64)
        if action == "torque":
            limit = np.where(sim.effort_limits > 0, sim.effort_limits, 1.0)
            self.action_space = spaces.Box(-limit, limit, dtype=np.float64)
        else:
            lo = np.where(np.isfinite(sim.position_lower), sim.position_lower, -np.pi)
            hi = np.where(np.isfinite(sim.position_upper), sim.position_upper, np.pi)
            self.action_space = spaces.Box(lo, hi, dtype=np.float64)
        names = sim.channel_names
        self._ref = np.array([names.index(f"ref.q.{j}") for j in sim.joint_names])
        self._obs = np.zeros(size)

    def _observation(self) -> np.ndarray:
        n = self.sim.dof
        obs = self._obs
        obs[:n] = self.sim.q
        obs[n:2 * n] = self.sim.qd
        if self.floating:
            obs[2 * n:] = self.sim.base
        return obs.copy()

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None) -> Tuple[np.ndarray, dict]:
        """Back to the scenario's start; `seed` replaces the scenario seed (sensor noise, random placements)."""
        super().reset(seed=seed)
        self.sim.reset(seed=seed)
        if self.action_kind == "torque":
            self.sim.torques[:] = 0
        else:
            self.sim.clear_reference()
        return self._observation(), {"tick": 0}

    def step(self, action: Any) -> Tuple[np.ndarray, float, bool, bool, dict]:
        a = np.asarray(action, dtype=np.float64)
        if a.shape != self.action_space.shape:
            raise ValueError(f"the action has shape {a.shape}; expected {self.action_space.shape}")
        if self.action_kind == "torque":
            self.sim.set_torques(a)
        else:
            self.sim.set_reference(a)
        self.sim.step(self.frame_skip)
        self.sim.refresh_channels()
        q_ref = self.sim._channels[self._ref]
        error = float(np.sum((self.sim.q - q_ref) ** 2))
        reward = (1.0 if self.floating else 0.0) - error
        terminated = bool(self.sim.fell or self.sim.diverged)
        truncated = bool(self.sim.finished and not terminated)
        info = {"tick": self.sim.tick, "time": self.sim.time, "tracking_error_sq": error}
        return self._observation(), reward, terminated, truncated, info

    def close(self) -> None:
        self.sim.close()


def make(scenario: str, **kwargs: Any) -> gymnasium.Env:
    """A registered id (`Embody/ArmHold-v0`, …) through gymnasium.make, or any scenario (a bundled name or a file)
    as an `EmbodyEnv` with `action`, `frame_skip`, `overrides` and `seed`."""
    if scenario in REGISTERED:
        return gymnasium.make(scenario, **kwargs)
    return EmbodyEnv(scenario, **kwargs)


def _register() -> None:
    for env_id, spec in REGISTERED.items():
        if env_id not in gymnasium.registry:
            gymnasium.register(id=env_id, entry_point="embody.gym:EmbodyEnv",
                               kwargs={"scenario": spec["scenario"], "action": spec["action"]})


_register()
