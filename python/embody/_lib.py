"""Finding and loading the C library (include/embody.h) and declaring its functions for ctypes.

The library is looked up, first match wins:
  1. $EMBODY_LIBRARY, a path to the .so;
  2. the checkout this package was installed from, or the one it runs in: .build/release or .build/debug
     (libEmbodyC.so; the newer of the two when both exist);
  3. an installed prefix: lib/libembody.so under sys.prefix, $PREFIX, ~/.local and /usr/local, and next to an
     `embody` binary on PATH (<prefix>/bin/embody → <prefix>/lib/libembody.so).
"""

import ctypes
import os
import shutil
import sys
from ctypes import POINTER, c_char, c_char_p, c_double, c_int32, c_int64, c_size_t, c_uint64, c_void_p

from . import _checkout

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _checkouts():
    roots = []
    if _checkout.CHECKOUT:
        roots.append(_checkout.CHECKOUT)
    here = os.path.dirname(os.path.dirname(_PACKAGE_DIR))  # python/embody → the repository, when run in place
    if os.path.exists(os.path.join(here, "Package.swift")):
        roots.append(here)
    return roots


def candidates():
    """Where the library is looked for, in order."""
    found = []
    env = os.environ.get("EMBODY_LIBRARY")
    if env:
        return [env]
    for root in _checkouts():
        built = [os.path.join(root, ".build", c, "libEmbodyC.so") for c in ("release", "debug")]
        built = [p for p in built if os.path.exists(p)]
        found += sorted(built, key=os.path.getmtime, reverse=True)
    prefixes = [sys.prefix, os.environ.get("PREFIX", ""), os.path.expanduser("~/.local"), "/usr/local"]
    exe = shutil.which("embody")
    if exe:
        prefixes.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(exe))))
    for prefix in prefixes:
        if prefix:
            found.append(os.path.join(prefix, "lib", "libembody.so"))
    return found


def _load():
    tried = []
    for path in candidates():
        if os.path.exists(path):
            return ctypes.CDLL(path), path
        tried.append(path)
    raise ImportError("embody: cannot find the C library; build it with `swift build --product EmbodyC` in the "
                      "Embody checkout, install it with `make install`, or set EMBODY_LIBRARY to its path. Looked for: "
                      + ", ".join(tried))


lib, path = _load()

_sim = c_void_p
_dp = POINTER(c_double)


def _fn(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


embody_version = _fn("embody_version", c_char_p)
embody_open = _fn("embody_open", c_int32, c_char_p, POINTER(c_char_p), c_int32, POINTER(c_uint64), POINTER(c_void_p),
                  POINTER(c_char), c_size_t)
embody_close = _fn("embody_close", None, _sim)
embody_last_error = _fn("embody_last_error", c_char_p, _sim)
embody_reset = _fn("embody_reset", c_int32, _sim, POINTER(c_uint64))
embody_step = _fn("embody_step", c_int32, _sim, c_int64, POINTER(c_int64))
embody_step1 = _fn("embody_step1", c_int64, _sim)
embody_run = _fn("embody_run", c_int32, _sim)
embody_summary_json = _fn("embody_summary_json", c_char_p, _sim)
embody_record = _fn("embody_record", c_int32, _sim, c_char_p, c_int32)
embody_stop_recording = _fn("embody_stop_recording", c_int32, _sim)
embody_dof = _fn("embody_dof", c_int32, _sim)
embody_tick = _fn("embody_tick", c_int64, _sim)
embody_duration_ticks = _fn("embody_duration_ticks", c_int64, _sim)
embody_dt = _fn("embody_dt", c_double, _sim)
embody_control_every = _fn("embody_control_every", c_int32, _sim)
embody_seed = _fn("embody_seed", c_uint64, _sim)
embody_flags = _fn("embody_flags", c_int32, _sim)
embody_uses_external_controller = _fn("embody_uses_external_controller", c_int32, _sim)
embody_fixed_base = _fn("embody_fixed_base", c_int32, _sim)
embody_joint_names = _fn("embody_joint_names", c_char_p, _sim)
embody_channel_names = _fn("embody_channel_names", c_char_p, _sim)
embody_channel_count = _fn("embody_channel_count", c_int32, _sim)
embody_q_buffer = _fn("embody_q_buffer", _dp, _sim)
embody_qd_buffer = _fn("embody_qd_buffer", _dp, _sim)
embody_base_buffer = _fn("embody_base_buffer", _dp, _sim)
embody_tau_commanded_buffer = _fn("embody_tau_commanded_buffer", _dp, _sim)
embody_tau_applied_buffer = _fn("embody_tau_applied_buffer", _dp, _sim)
embody_torque_buffer = _fn("embody_torque_buffer", _dp, _sim)
embody_channels_buffer = _fn("embody_channels_buffer", _dp, _sim)
embody_refresh_channels = _fn("embody_refresh_channels", c_int32, _sim)
embody_get_q = _fn("embody_get_q", c_int32, _sim, _dp, c_int32)
embody_get_qd = _fn("embody_get_qd", c_int32, _sim, _dp, c_int32)
embody_get_base = _fn("embody_get_base", c_int32, _sim, _dp, c_int32)
embody_get_channels = _fn("embody_get_channels", c_int32, _sim, _dp, c_int32)
embody_get_contacts = _fn("embody_get_contacts", c_int32, _sim, _dp, c_int32, POINTER(c_int32))
embody_state_hash = _fn("embody_state_hash", c_int32, _sim, POINTER(c_uint64))
embody_metrics_json = _fn("embody_metrics_json", c_char_p, _sim)
embody_set_torques = _fn("embody_set_torques", c_int32, _sim, _dp, c_int32)
embody_set_reference = _fn("embody_set_reference", c_int32, _sim, _dp, _dp, c_int32)
embody_clear_reference = _fn("embody_clear_reference", c_int32, _sim)
embody_get_limits = _fn("embody_get_limits", c_int32, _sim, _dp, _dp, _dp, c_int32)
embody_replay = _fn("embody_replay", c_int32, c_char_p, c_int32, POINTER(c_char), c_size_t, POINTER(c_size_t))

CONTACT_FIELDS = 12
BASE_FIELDS = 13
FLAG_FINISHED, FLAG_FELL, FLAG_DIVERGED, FLAG_SUMMARY = 1, 2, 4, 8
