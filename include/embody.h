/*
 * embody.h: the C ABI of Embody's runtime (libembody; built as .build/<config>/libEmbodyC.so by `swift build`,
 * installed as <prefix>/lib/libembody.so by `make install`). Python's `embody` package (python/) is a ctypes
 * binding of exactly these functions; docs/python.md describes both.
 *
 * Conventions
 *  - One opaque handle per loaded scenario (embody_sim). A handle is used by one thread at a time.
 *  - Functions that can fail return an embody_status; the message is then embody_last_error(handle), valid until
 *    the next call on that handle. embody_open and embody_replay write theirs into a buffer the caller passes.
 *  - Nothing traps: NULL pointers, sizes that do not match, negative counts and non-finite torques are refused
 *    with EMBODY_INVALID_ARGUMENT; a scenario, override or log that does not load gives EMBODY_INVALID_INPUT
 *    with the same located message `embody run` prints.
 *  - Units are SI: rad and rad/s for revolute joints (m and m/s for prismatic), N·m (N) for torques, m, s.
 *  - Arrays in q order are `dof` long, in the order of embody_joint_names.
 *  - Zero copy: the *_buffer pointers are allocated when the handle opens and keep their address until
 *    embody_close, across steps, resets and embody_record. embody_step refreshes q, qd, base and the torques
 *    after its last tick; the channel buffer is refreshed by embody_refresh_channels.
 *  - embody_step allocates nothing in steady state.
 */
#ifndef EMBODY_H
#define EMBODY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct embody_sim embody_sim;

typedef enum {
    EMBODY_OK = 0,
    EMBODY_INVALID_ARGUMENT = 1, /* NULL pointer, wrong size, value out of range or not finite */
    EMBODY_INVALID_INPUT = 2,    /* a scenario, override, model or log that does not load */
    EMBODY_INVALID_STATE = 3,    /* not allowed now: stepping a finished run, recording after tick 0, ... */
    EMBODY_INTERNAL = 4          /* Embody failed (a log that cannot be written, ...) */
} embody_status;

/* The number of doubles per contact in embody_get_contacts: object A id, link A index (-1 for a base or a
 * body), object B id, link B index, the point on B (x, y, z; m, world frame), the unit normal on B towards A
 * (x, y, z), the signed distance (m; negative is penetration) and the normal force (N). */
#define EMBODY_CONTACT_FIELDS 12
/* The number of doubles of the base state: position x, y, z (m, world), orientation quaternion qx, qy, qz, qw,
 * linear velocity vx, vy, vz (m/s, world) and angular velocity wx, wy, wz (rad/s, world). */
#define EMBODY_BASE_FIELDS 13

/* embody_flags bits. */
#define EMBODY_FLAG_FINISHED 1 /* the duration was reached, or the robot fell, or the run diverged */
#define EMBODY_FLAG_FELL 2     /* termination.base_height_below fired */
#define EMBODY_FLAG_DIVERGED 4 /* the state became non-finite or left its bounds (docs/runtime.md) */
#define EMBODY_FLAG_SUMMARY 8  /* embody_run has returned the summary; reset to step again */

/* The library's version, such as "0.1.0". */
const char *embody_version(void);

/* Loads a scenario: a file path (YAML or JSON) or a bundled name (`embody list`), looked up as `embody run` does
 * (then also next to this library: <prefix>/share/embody/Scenarios). `overrides` are `override_count` strings
 * "key.path=value", as `--set` takes them; `seed` (may be NULL: the scenario's) replaces the scenario seed.
 * On success *out is the handle; otherwise *out is NULL and `error` (capacity bytes) holds the message. */
embody_status embody_open(const char *scenario, const char *const *overrides, int32_t override_count,
                          const uint64_t *seed, embody_sim **out, char *error, size_t error_capacity);

/* Frees the handle (a NULL handle is ignored). A recording not finished by embody_run ends without its final
 * record (replay calls it incomplete). */
void embody_close(embody_sim *sim);

/* The last error on this handle ("" when none), valid until the next call on it. */
const char *embody_last_error(const embody_sim *sim);

/* Back to tick 0 with the same scenario, and the same recording settings (the log restarts). `seed` may be
 * NULL (keep the seed) or a new seed. The buffers keep their addresses; the torque buffer keeps its values; a
 * reference set with embody_set_reference is cleared (as by embody_record, which also starts at tick 0). */
embody_status embody_reset(embody_sim *sim, const uint64_t *seed);

/* Advances `ticks` physics ticks (>= 0), stopping early when the run finishes (see embody_flags); *stepped (may
 * be NULL) is how many were taken. With the external controller the torque buffer is read first: a non-finite
 * entry is refused (EMBODY_INVALID_ARGUMENT) and nothing steps. Allocates nothing in steady state. */
embody_status embody_step(embody_sim *sim, int64_t ticks, int64_t *stepped);

/* One tick: embody_step(sim, 1, &stepped) as one call with one argument, for loops that step a tick at a time from
 * a language whose foreign calls cost per argument (Python's ctypes). Returns the ticks taken (1, or 0 when the run
 * has finished) or a negative embody_status (-EMBODY_INVALID_STATE …) with the message in embody_last_error. */
int64_t embody_step1(embody_sim *sim);

/* Steps to the end of the run and finishes it: evaluates the success criteria, closes the log, and makes the
 * summary available from embody_summary_json. A second call does nothing. */
embody_status embody_run(embody_sim *sim);

/* The summary as one line of JSON, the object `embody run --json` prints (keys sorted), or NULL before
 * embody_run. Valid until the handle is reset or closed. `wall_time` is the time spent inside embody_step and
 * embody_run since the last reset; `cpu_time` the calling thread's CPU time from the open or last reset to the
 * end of the run, the host's own work between steps included. */
const char *embody_summary_json(const embody_sim *sim);

/* Records the run into a binary log at `path` (docs/log-format.md), every `every` ticks (>= 1). Only at tick 0:
 * rebuilds the simulation at tick 0 with the log open. With the external controller `every` must divide the
 * control period, so that the log holds every commanded torque and `embody replay --verify` replays them. */
embody_status embody_record(embody_sim *sim, const char *path, int32_t every);
/* No log from the next reset on. */
embody_status embody_stop_recording(embody_sim *sim);

/* Sizes, time and state (-1, NaN or 0 for a NULL handle). */
int32_t embody_dof(const embody_sim *sim);             /* joint coordinates */
int64_t embody_tick(const embody_sim *sim);            /* physics ticks taken; time = tick × dt */
int64_t embody_duration_ticks(const embody_sim *sim);  /* ticks the run lasts */
double embody_dt(const embody_sim *sim);               /* the physics step, s */
int32_t embody_control_every(const embody_sim *sim);   /* physics ticks per control tick */
uint64_t embody_seed(const embody_sim *sim);           /* the scenario seed in use */
int32_t embody_flags(const embody_sim *sim);           /* EMBODY_FLAG_* bits */
int32_t embody_uses_external_controller(const embody_sim *sim); /* 1 when controller.type is external */
int32_t embody_fixed_base(const embody_sim *sim);      /* 1 when the robot's base is fixed to the world */
const char *embody_joint_names(const embody_sim *sim);   /* names in q order, '\n'-separated */
const char *embody_channel_names(const embody_sim *sim); /* the log's channel names, '\n'-separated */
int32_t embody_channel_count(const embody_sim *sim);

/* Per joint, `capacity` >= dof: position limits lower and upper (rad or m; -inf and inf for a continuous or
 * unlimited joint) and the effort limit the runtime clamps torques to (N·m or N; 0 when the model gives none). */
embody_status embody_get_limits(embody_sim *sim, double *lower, double *upper, double *effort, int32_t capacity);

/* Zero-copy buffers, stable for the handle's life (NULL for a NULL handle). */
const double *embody_q_buffer(const embody_sim *sim);            /* q, dof: rad or m */
const double *embody_qd_buffer(const embody_sim *sim);           /* q̇, dof: rad/s or m/s; it follows q in
                                                                   memory (qd = q + dof), so [q, q̇] is one
                                                                   vector of 2 dof doubles at embody_q_buffer */
const double *embody_base_buffer(const embody_sim *sim);         /* EMBODY_BASE_FIELDS */
const double *embody_tau_commanded_buffer(const embody_sim *sim);/* the controller's τ, dof: N·m or N */
const double *embody_tau_applied_buffer(const embody_sim *sim);  /* τ after clamping to the limits, dof */
double *embody_torque_buffer(embody_sim *sim);                   /* the host's τ for the external controller,
                                                                   dof, N·m or N; read by each embody_step */
const double *embody_channels_buffer(const embody_sim *sim);     /* every log channel (embody_channel_names) */
embody_status embody_refresh_channels(embody_sim *sim);          /* fills the channel buffer for this tick */

/* Copies into the caller's buffers of `capacity` doubles (EMBODY_INVALID_ARGUMENT when too small). */
embody_status embody_get_q(embody_sim *sim, double *out, int32_t capacity);
embody_status embody_get_qd(embody_sim *sim, double *out, int32_t capacity);
embody_status embody_get_base(embody_sim *sim, double *out, int32_t capacity);
embody_status embody_get_channels(embody_sim *sim, double *out, int32_t capacity); /* sensor readings, estimates,
                                                                                     objects, references */
/* Writes up to `capacity` contacts (EMBODY_CONTACT_FIELDS doubles each) into `out` (NULL when capacity is 0);
 * *count is the number of contacts, which may exceed capacity. */
embody_status embody_get_contacts(embody_sim *sim, double *out, int32_t capacity, int32_t *count);
/* The world's state hash (q, q̇, base and objects), printed in hex as `state_hash`. */
embody_status embody_state_hash(embody_sim *sim, uint64_t *out);
/* The metrics so far as a JSON object (non-finite values as null), valid until the next call on the handle. */
const char *embody_metrics_json(embody_sim *sim);

/* The external controller's torques (controller.type: external): `count` must be dof, every value finite.
 * Held from the next control tick until the next write; clamped to the limits by the runtime. */
embody_status embody_set_torques(embody_sim *sim, const double *torques, int32_t count);
/* A reference for a built-in controller: q* (rad or m) and q̇* (rad/s or m/s; NULL for zeros), `count` = dof,
 * tracked from the next control tick instead of the task's reference (metrics still use the task's). Refused
 * while recording: the log would not hold it. */
embody_status embody_set_reference(embody_sim *sim, const double *q, const double *qd, int32_t count);
embody_status embody_clear_reference(embody_sim *sim);

/* Reads the log at `path`. verify = 0: its summary (records, steps, outcome, channels, ...) as JSON; verify != 0:
 * re-simulates it as `embody replay --verify` does and answers {"identical", "records_checked",
 * "diverged_at_tick", "diverged_channel", "message", ...}. Writes the JSON (or the error message) into `out`
 * (capacity bytes); *needed (may be NULL) is the size needed including the NUL. EMBODY_INVALID_ARGUMENT when
 * out is too small for the JSON. */
embody_status embody_replay(const char *path, int32_t verify, char *out, size_t capacity, size_t *needed);

#ifdef __cplusplus
}
#endif

#endif /* EMBODY_H */
