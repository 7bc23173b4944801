"""Embody from Python: a deterministic robot-control simulator (docs/python.md).

    import embody
    sim = embody.Simulation("arm-hold", seed=7, overrides={"physics.dt": 0.001})
    sim.step(100)
    print(sim.q, sim.qd)          # NumPy views of Embody's buffers, no copies
    summary = sim.run()           # the dict `embody run --json` prints

`embody.gym.make("Embody/ArmHold-v0")` and `embody.gym.make(scenario, …)` give Gymnasium environments.
"""

from ._lib import embody_version as _version, path as library_path
from .simulation import (Controller, EmbodyError, InternalError, InvalidArgument, InvalidInput, InvalidState,
                         Simulation, State, replay)

__version__ = _version().decode()

__all__ = ["Simulation", "State", "Controller", "replay", "EmbodyError", "InvalidArgument", "InvalidInput",
           "InvalidState", "InternalError", "library_path", "gym"]


def __getattr__(name):
    if name == "gym":  # imported on first use: gymnasium is an optional dependency
        import importlib
        return importlib.import_module(".gym", __name__)
    raise AttributeError(name)
