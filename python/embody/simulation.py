"""`embody.Simulation`: one scenario, stepped from Python over the C ABI, with NumPy views of Embody's buffers."""

from __future__ import annotations

import ctypes
import json
import os
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Sequence, Union

import numpy as np

from . import _lib
from ._lib import lib  # noqa: F401  (kept alive with the module)

# The one-tick step() and set_torques in C when the optional extension was built (python/embody/_fastcall.c: about
# 0.13 µs per step() on top of the tick instead of 0.4 through ctypes, 0.11 µs per set_torques instead of 1.0);
# EMBODY_PYTHON_FASTCALL=0 turns it off. Without it every call goes through ctypes.
try:
    if os.environ.get("EMBODY_PYTHON_FASTCALL", "1") == "0":
        raise ImportError("turned off by EMBODY_PYTHON_FASTCALL=0")
    from ._fastcall import Stepper as _StepperBase
    FASTCALL = True
except ImportError:
    _StepperBase = object
    FASTCALL = False

__all__ = ["Simulation", "State", "EmbodyError", "InvalidArgument", "InvalidInput", "InvalidState", "InternalError",
           "replay", "Controller"]


# MARK: - Errors


class EmbodyError(Exception):
    """An error Embody reported; `message` is Embody's own text (with file, line and column for scenarios)."""

    status = 0

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidArgument(EmbodyError, ValueError):
    """A wrong size, a value out of range or not finite (status 1)."""

    status = 1


class InvalidInput(EmbodyError):
    """A scenario, override, model or log that does not load (status 2; `embody run` exits 1 for these)."""

    status = 2


class InvalidState(EmbodyError, RuntimeError):
    """A call the simulation's state does not allow now, such as stepping a finished run (status 3)."""

    status = 3


class InternalError(EmbodyError, RuntimeError):
    """Embody itself failed (status 4)."""

    status = 4


_ERRORS = {1: InvalidArgument, 2: InvalidInput, 3: InvalidState, 4: InternalError}


def _raise(status: int, message: str) -> None:
    raise _ERRORS.get(status, EmbodyError)(message)


# MARK: - Helpers


def _override_text(key: str, value: Any) -> str:
    """One `--set` string from a key and a Python value (bools as true/false, sequences as YAML flow lists)."""
    if isinstance(value, bool):
        v = "true" if value else "false"
    elif isinstance(value, (list, tuple, np.ndarray)):
        v = "[" + ", ".join(_override_text("", x)[1:] if not isinstance(x, str) else x for x in value) + "]"
    elif isinstance(value, float):
        v = repr(value)
    else:
        v = str(value)
    return f"{key}={v}"


def _view(pointer, count: int, writeable: bool = False) -> np.ndarray:
    """A NumPy array over `count` doubles at `pointer`, without copying."""
    if count == 0:
        return np.zeros(0)
    array = np.ctypeslib.as_array(pointer, shape=(count,))
    array.flags.writeable = writeable
    return array


Controller = Callable[["State"], Any]
"""A Python controller: called at the control rate with the `State`, returns the joint torques (N·m or N)."""


class State:
    """What a Python controller sees at a control tick. The arrays are views of Embody's buffers (do not keep
    them past the call expecting old values): `q` (rad or m), `qd` (rad/s or m/s), `base` (13 values: position
    m, quaternion qx qy qz qw, linear velocity m/s, angular velocity rad/s, world frame), `tick`, `time` (s) and
    `dt` (the control period, s)."""

    __slots__ = ("q", "qd", "base", "tick", "time", "dt", "simulation")

    def __init__(self, simulation: "Simulation"):
        self.simulation = simulation
        self.q = simulation.q
        self.qd = simulation.qd
        self.base = simulation.base
        self.tick = 0
        self.time = 0.0
        self.dt = simulation.dt * simulation.control_every


class _Sensors(Mapping[str, np.ndarray]):
    """`Simulation.sensors[name]`: the named sensor's readings, a view of the channel buffer (refreshed on access)."""

    def __init__(self, sim: "Simulation"):
        self._sim = sim
        blocks: Dict[str, list] = {}
        for i, name in enumerate(sim.channel_names):
            if name.startswith("sensor."):
                sensor = name.split(".")[1]
                blocks.setdefault(sensor, []).append(i)
        self._slices = {k: slice(v[0], v[-1] + 1) for k, v in blocks.items()}
        self._fields = {k: [sim.channel_names[i].split(".", 2)[2] for i in v] for k, v in blocks.items()}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._slices:
            raise KeyError(f"no sensor named '{name}'; the scenario's sensors with readings: {sorted(self._slices)}")
        self._sim.refresh_channels()
        return self._sim._channels[self._slices[name]]

    def fields(self, name: str) -> list:
        """The names of the values `self[name]` holds, in order (such as fx, fy, fz, tx, ty, tz)."""
        return list(self._fields[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._slices)

    def __len__(self) -> int:
        return len(self._slices)


# MARK: - Simulation


class Simulation(_StepperBase):
    """One scenario, loaded with Embody's own loader and stepped tick by tick.

    `scenario` is a file path (YAML or JSON) or a bundled name (`embody list`, such as "arm-hold"); `seed`
    replaces the scenario's seed; `overrides` are scenario keys to change, as `--set` takes them
    ({"physics.dt": 0.002} or ["physics.dt=0.002"]). With `controller` (a callable, see `run`), the scenario's
    controller is replaced by `external` (torques from Python).

    The arrays `q`, `qd`, `base`, `tau_commanded`, `tau_applied` and `torques` view memory Embody owns: they are
    not copies, stay at the same address for the simulation's life, and show the new state after each `step`.
    They are valid until `close()`.
    """

    def __init__(self, scenario: Union[str, os.PathLike], seed: Optional[int] = None,
                 overrides: Optional[Union[Mapping[str, Any], Sequence[str]]] = None,
                 controller: Optional[Controller] = None):
        self._handle = None
        items = []
        if overrides is not None:
            if isinstance(overrides, Mapping):
                items = [_override_text(k, v) for k, v in overrides.items()]
            else:
                items = [str(o) for o in overrides]
        if controller is not None:
            if not any(o.split("=", 1)[0].strip() == "controller.type" for o in items):
                items.append("controller.type=external")
        self._controller = controller
        self.scenario = os.fspath(scenario)
        self.overrides = list(items)
        c_overrides = (ctypes.c_char_p * max(len(items), 1))(*[o.encode() for o in items])
        c_seed = None
        if seed is not None:
            if not isinstance(seed, (int, np.integer)) or not (0 <= int(seed) < 2 ** 64):
                raise InvalidArgument(f"seed must be an integer in 0…2⁶⁴−1, got {seed!r}")
            c_seed = ctypes.byref(ctypes.c_uint64(int(seed)))
        handle = ctypes.c_void_p()
        error = ctypes.create_string_buffer(65536)
        status = _lib.embody_open(self.scenario.encode(), c_overrides, len(items), c_seed, ctypes.byref(handle),
                                  error, len(error))
        if status != 0:
            _raise(status, error.value.decode(errors="replace"))
        self._handle = handle
        h = handle
        if FASTCALL:
            self._fastcall_bind(ctypes.cast(_lib.embody_step1, ctypes.c_void_p).value,
                                ctypes.cast(_lib.embody_set_torques, ctypes.c_void_p).value, handle.value)
        self.dof: int = _lib.embody_dof(h)
        """The number of joint coordinates."""
        self.joint_names: list = [n for n in _lib.embody_joint_names(h).decode().split("\n") if n]
        """Joint names in q order."""
        self.channel_names: list = [n for n in _lib.embody_channel_names(h).decode().split("\n") if n]
        """The log's channel names (q, q̇, torques, base, objects, estimates, sensors, references, frames)."""
        self.dt: float = _lib.embody_dt(h)
        """The physics step, s."""
        self.control_every: int = _lib.embody_control_every(h)
        """Physics ticks per control tick (the control period is control_every × dt)."""
        self.duration_ticks: int = _lib.embody_duration_ticks(h)
        """Ticks the run lasts."""
        n = self.dof
        self.state = _view(_lib.embody_q_buffer(h), 2 * n)
        """[q, q̇] as one vector of 2 dof values (read-only view; `q` and `qd` are its halves)."""
        self.q = self.state[:n]
        """Joint positions, rad or m (read-only view)."""
        self.qd = self.state[n:]
        """Joint velocities, rad/s or m/s (read-only view)."""
        self.base = _view(_lib.embody_base_buffer(h), _lib.BASE_FIELDS)
        """Base state, 13 values: position x y z (m), quaternion qx qy qz qw, linear velocity (m/s), angular velocity
        (rad/s), world frame (read-only view)."""
        self.tau_commanded = _view(_lib.embody_tau_commanded_buffer(h), n)
        """The controller's torques of the last control tick, N·m or N (read-only view)."""
        self.tau_applied = _view(_lib.embody_tau_applied_buffer(h), n)
        """The torques applied after clamping to the effort limits, N·m or N (read-only view)."""
        self.torques = _view(_lib.embody_torque_buffer(h), n, writeable=True)
        """The external controller's torques, N·m or N: a writable view read by each `step` (the fast path;
        `set_torques` checks and copies). Non-finite entries make `step` raise InvalidArgument."""
        self._channels = _view(_lib.embody_channels_buffer(h), len(self.channel_names))
        self.fixed_base: bool = _lib.embody_fixed_base(h) == 1
        """Whether the robot's base is fixed to the world (else `base` moves)."""
        self.external: bool = _lib.embody_uses_external_controller(h) == 1
        """Whether the controller is `external` (torques from Python)."""
        lower, upper, effort = np.zeros(n), np.zeros(n), np.zeros(n)
        self._check(_lib.embody_get_limits(h, _ptr(lower), _ptr(upper), _ptr(effort), n))
        self.position_lower, self.position_upper, self.effort_limits = lower, upper, effort
        """Per joint: position limits (rad or m, ±inf when unlimited) and effort limits (N·m or N)."""
        self.sensors = _Sensors(self)
        """Sensor readings by sensor name: `sim.sensors["ft_wrist"]` (see `sensors.fields(name)`)."""
        self._stepped = ctypes.c_int64()
        self._dof_shape = (n,)
        self._staging = np.zeros(max(n, 1))
        self._staging_ptr = _ptr(self._staging)
        self._set_torques = _lib.embody_set_torques
        self._step = _lib.embody_step
        self._step1 = _lib.embody_step1
        self._closed = False

    # MARK: Lifecycle

    def close(self) -> None:
        """Frees the simulation; its arrays must not be used afterwards."""
        if self._handle is not None and not self._closed:
            if FASTCALL:
                self._fastcall_unbind()  # before the handle is freed
            _lib.embody_close(self._handle)
            self._closed = True
            self._handle = None  # a later call reaches the library with NULL (refused), never the freed handle

    def __enter__(self) -> "Simulation":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _check(self, status: int) -> None:
        if status != 0:
            _raise(status, (_lib.embody_last_error(self._handle) or b"").decode(errors="replace"))

    def _live(self):
        if self._closed:
            raise InvalidState("the simulation is closed")
        return self._handle

    # MARK: Stepping

    def reset(self, seed: Optional[int] = None) -> None:
        """Back to tick 0 (with a new scenario seed if given). The arrays keep their addresses."""
        h = self._live()
        c_seed = None
        if seed is not None:
            if not isinstance(seed, (int, np.integer)) or not (0 <= int(seed) < 2 ** 64):
                raise InvalidArgument(f"seed must be an integer in 0…2⁶⁴−1, got {seed!r}")
            c_seed = ctypes.byref(ctypes.c_uint64(int(seed)))
        self._check(_lib.embody_reset(h, c_seed))

    def _step_general(self, n: int = 1) -> int:
        """Advances `n` physics ticks (fewer when the run finishes); returns how many were taken."""
        if n == 1:
            # One tick, the control loop's case: one ctypes argument, the answer as the return value.
            taken = self._step1(self._handle)
            if taken >= 0:
                return taken
            self._fastcall_failed(-taken)
        status = self._step(self._handle, n, self._stepped)
        if status != 0:
            self._fastcall_failed(status)
        return self._stepped.value

    def _fastcall_failed(self, status: int) -> None:
        """Raises the error of a call the library refused with `status` (the C methods' error path too)."""
        if self._closed:
            raise InvalidState("the simulation is closed")
        self._check(status)

    if not FASTCALL:
        step = _step_general
    # Else `step` is the C base's: `step()` and `step(1)` call embody_step1 directly; any other call runs
    # `_step_general`, and a refused call `_fastcall_failed`, so both paths behave the same.

    def _set_torques_general(self, torques: Any) -> None:
        """Sets the external controller's torques (N·m or N, one per joint), held from the next control tick."""
        if np.iscomplexobj(torques):  # NumPy would drop the imaginary parts with a warning
            raise InvalidArgument(f"torques must be real numbers, got {np.asarray(torques).dtype}")
        t = np.asarray(torques, dtype=np.float64)
        if t.shape == self._dof_shape and not self._closed:
            # Staged in an array whose C pointer was made once: the library checks and copies it (a ctypes call
            # with a ready pointer costs a fraction of converting an array per call).
            self._staging[:] = t
            status = self._set_torques(self._handle, self._staging_ptr, self.dof)
            if status:
                self._check(status)
            return
        h = self._live()
        t = np.ascontiguousarray(t)
        if t.ndim != 1:
            raise InvalidArgument(f"torques must be a 1-D array of {self.dof} values, got shape {t.shape}")
        self._check(_lib.embody_set_torques(h, _ptr(t), t.shape[0]))

    if not FASTCALL:
        set_torques = _set_torques_general
    # Else `set_torques` is the C base's: a 1-D float64 array goes to embody_set_torques directly (which checks
    # and copies it); anything else runs `_set_torques_general`.

    def set_reference(self, q: Any, qd: Any = None) -> None:
        """Makes the built-in controller track q* = `q` (rad or m) and q̇* = `qd` (rad/s or m/s; zeros if None)
        from the next control tick on, instead of the task's reference. Not while recording."""
        h = self._live()
        a = np.ascontiguousarray(q, dtype=np.float64)
        b = None if qd is None else np.ascontiguousarray(qd, dtype=np.float64)
        if a.ndim != 1 or (b is not None and b.shape != a.shape):
            raise InvalidArgument(f"q (and qd) must be 1-D arrays of {self.dof} values")
        self._check(_lib.embody_set_reference(h, _ptr(a), None if b is None else _ptr(b), a.shape[0]))

    def clear_reference(self) -> None:
        """Returns the built-in controller to the task's reference."""
        self._check(_lib.embody_clear_reference(self._live()))

    def run(self, controller: Optional[Controller] = None) -> Dict[str, Any]:
        """Runs to the end and returns the summary, the dict `embody run --json` prints (`outcome`, `success`,
        `metrics`, `state_hash`, …).

        With `controller` (or the one given to the constructor), a Python callable is called at each control tick
        with the `State` and returns the torques (N·m or N) held until the next control tick: the slow path,
        a Python call per control tick (docs/python.md gives its measured cost)."""
        controller = controller or self._controller
        h = self._live()
        if controller is not None:
            if not self.external:
                raise InvalidState("a Python controller needs controller.type external; create the Simulation with "
                                   "controller=… (or the override controller.type=external)")
            state = State(self)
            every = self.control_every
            torques = self.torques
            step = self._step
            stepped = self._stepped
            while not (_lib.embody_flags(h) & _lib.FLAG_FINISHED):
                tick = _lib.embody_tick(h)
                state.tick = tick
                state.time = tick * self.dt
                tau = controller(state)
                t = np.asarray(tau, dtype=np.float64)
                if t.shape != (self.dof,):
                    raise InvalidArgument(f"the controller returned torques of shape {t.shape}; the robot has "
                                          f"{self.dof} joints")
                torques[:] = t
                # Up to the next control tick, where the external controller samples the torques.
                status = step(h, every - tick % every, stepped)
                if status != 0:
                    self._check(status)
        self._check(_lib.embody_run(h))
        return json.loads(_lib.embody_summary_json(h).decode())

    def record(self, path: Union[str, os.PathLike], every: int = 1) -> None:
        """Records the run into a binary log at `path` every `every` ticks; only at tick 0 (`reset()` first).
        `embody replay --verify PATH` (or `embody.replay(path)`) then re-simulates it bit for bit; the log is
        complete once `run()` has returned."""
        if not isinstance(every, (int, np.integer)) or every < 1 or every > 2 ** 31 - 1:
            raise InvalidArgument(f"every must be an integer ≥ 1, got {every!r}")
        self._check(_lib.embody_record(self._live(), os.fspath(path).encode(), int(every)))

    def stop_recording(self) -> None:
        """Records nothing from the next `reset()` on."""
        self._check(_lib.embody_stop_recording(self._live()))

    # MARK: State

    @property
    def tick(self) -> int:
        """Physics ticks taken."""
        return _lib.embody_tick(self._live())

    @property
    def time(self) -> float:
        """Simulated time, s (tick × dt)."""
        return self.tick * self.dt

    @property
    def seed(self) -> int:
        """The scenario seed in use."""
        return _lib.embody_seed(self._live())

    @property
    def finished(self) -> bool:
        """Whether the run reached its duration, fell or diverged."""
        return bool(_lib.embody_flags(self._live()) & _lib.FLAG_FINISHED)

    @property
    def fell(self) -> bool:
        """Whether the termination condition (base_height_below) fired."""
        return bool(_lib.embody_flags(self._live()) & _lib.FLAG_FELL)

    @property
    def diverged(self) -> bool:
        """Whether the state became non-finite or left its bounds."""
        return bool(_lib.embody_flags(self._live()) & _lib.FLAG_DIVERGED)

    @property
    def state_hash(self) -> str:
        """The world's state hash, 16 hex digits, as `run --json` prints `state_hash`."""
        out = ctypes.c_uint64()
        self._check(_lib.embody_state_hash(self._live(), ctypes.byref(out)))
        return f"{out.value:016x}"

    @property
    def metrics(self) -> Dict[str, Optional[float]]:
        """The metrics so far (final once the run has finished), by name; non-finite values are None."""
        return json.loads(_lib.embody_metrics_json(self._live()).decode())

    def refresh_channels(self) -> None:
        """Fills the channel buffer (sensor readings, estimates, objects, references) for the current tick."""
        self._check(_lib.embody_refresh_channels(self._live()))

    @property
    def channels(self) -> Dict[str, float]:
        """Every log channel's value at the current tick, by name (a copy)."""
        self.refresh_channels()
        return dict(zip(self.channel_names, self._channels.tolist()))

    @property
    def contacts(self) -> np.ndarray:
        """The current contacts, one row each of 12 values: object A id, link A, object B id, link B, the point on B
        (m, world), the normal on B towards A, the signed distance (m) and the normal force (N)."""
        h = self._live()
        count = ctypes.c_int32()
        self._check(_lib.embody_get_contacts(h, None, 0, ctypes.byref(count)))
        out = np.zeros((count.value, _lib.CONTACT_FIELDS))
        if count.value:
            self._check(_lib.embody_get_contacts(h, _ptr(out), count.value, ctypes.byref(count)))
        return out

    def __repr__(self) -> str:
        return f"<embody.Simulation {self.scenario!r} dof={self.dof} tick={self.tick if not self._closed else 'closed'}>"


def _ptr(a: np.ndarray):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_double))


def replay(path: Union[str, os.PathLike], verify: bool = True) -> Dict[str, Any]:
    """Reads a log. With `verify`, re-simulates it as `embody replay --verify` does and returns
    {"identical": bool, "records_checked": int, "diverged_at_tick", "diverged_channel", "message", …};
    otherwise its summary (records, steps, outcome, channels, …)."""
    p = os.fspath(path).encode()
    needed = ctypes.c_size_t()
    out = ctypes.create_string_buffer(1 << 16)
    status = _lib.embody_replay(p, 1 if verify else 0, out, len(out), ctypes.byref(needed))
    if status == 1 and needed.value > len(out):
        out = ctypes.create_string_buffer(needed.value)
        status = _lib.embody_replay(p, 1 if verify else 0, out, len(out), ctypes.byref(needed))
    text = out.value.decode(errors="replace")
    if status != 0:
        _raise(status, text)
    return json.loads(text)
