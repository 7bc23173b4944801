#!/usr/bin/env python3
"""MCAP export read back with the `mcap` package (PyPI), every JSON message validated against its declared schema.

Checks: the file's CRCs; the channel topics and schema names; every message decodes as JSON and validates
(jsonschema) against its channel's schema; log times never decrease within the file; and the /tf link poses
equal Embody's forward kinematics (`embody export --link-poses`) at three ticks.
Usage: test_mcap.py EMBODY_BINARY OUT_DIR
"""
import csv
import json
import os
import sys

import jsonschema
from mcap.reader import make_reader

from checks import check, finish, run

EXPECTED = {"/tf": "foxglove.FrameTransforms", "/scene": "foxglove.SceneUpdate", "/joint_states": "embody.JointStates",
            "/events": "embody.Event", "/result": "embody.RunResult"}


def check_log(embody, out_dir, scenario, overrides, link_names, sensors=False):
    log = os.path.join(out_dir, f"{scenario}.mcap-test.emblog")
    run([embody, "run", scenario, "--record", log] + sum((["--set", o] for o in overrides), []))
    path = os.path.join(out_dir, f"{scenario}.mcap")
    run([embody, "export", log, "--format", "mcap", "-o", path])
    fk_csv = os.path.join(out_dir, f"{scenario}.fk.csv")
    run([embody, "export", log, "--format", "csv", "--link-poses", "--no-units", "-o", fk_csv])
    with open(fk_csv, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    fk = {int(r[0]): r for r in rows}

    expected = dict(EXPECTED)
    if sensors:
        expected["/sensors"] = "embody.Channels"
    with open(path, "rb") as f:
        reader = make_reader(f, validate_crcs=True)
        summary = reader.get_summary()
        topics = {c.topic: summary.schemas[c.schema_id].name for c in summary.channels.values()}
        check(topics == expected, f"{scenario}: channels and schemas {topics}")
        check(all(c.message_encoding == "json" for c in summary.channels.values())
              and all(s.encoding == "jsonschema" for s in summary.schemas.values()),
              f"{scenario}: JSON messages with JSON-schema schemas")
        validators = {sid: jsonschema.Draft202012Validator(json.loads(s.data)) for sid, s in summary.schemas.items()}
        count, last_time, ordered, invalid, per_topic = 0, -1, True, [], {}
        tf_by_time = {}
        for schema, channel, message in reader.iter_messages(log_time_order=False):
            count += 1
            ordered = ordered and message.log_time >= last_time
            last_time = message.log_time
            body = json.loads(message.data)
            errors = list(validators[schema.id].iter_errors(body))
            if errors:
                invalid.append(f"{channel.topic} @ {message.log_time}: {errors[0].message}")
            per_topic[channel.topic] = per_topic.get(channel.topic, 0) + 1
            if channel.topic == "/tf":
                tf_by_time[message.log_time] = body
        check(count == summary.statistics.message_count, f"{scenario}: read {count} messages, statistics say {summary.statistics.message_count}")
        check(not invalid, f"{scenario}: every message validates against its schema {invalid[:3]}")
        check(ordered, f"{scenario}: log times never decrease")
        check(per_topic.get("/tf") == len(rows) and per_topic.get("/joint_states") == len(rows) and per_topic.get("/scene") == 1
              and per_topic.get("/result") == 1, f"{scenario}: one /tf and /joint_states per record, one /scene and /result {per_topic}")

    ticks = sorted(fk)
    for tick in (ticks[0], ticks[len(ticks) // 2], ticks[-1]):
        row = fk[tick]
        ns = round(float(row[1]) * 1e9)
        body = tf_by_time.get(ns)
        check(body is not None, f"{scenario}: /tf message at tick {tick} ({ns} ns)")
        if body is None:
            continue
        frames = {t["child_frame_id"]: t for t in body["transforms"]}
        worst = 0.0
        for link in link_names:
            c = header.index(f"link.{link}.x")
            want = [float(v) for v in row[c:c + 7]]
            t = frames[link]
            got = [t["translation"][k] for k in "xyz"] + [t["rotation"][k] for k in "xyzw"]
            worst = max(worst, max(abs(a - b) for a, b in zip(want, got)))
            check(t["parent_frame_id"] == "world", f"{scenario}: {link} is a child of world")
        check(worst <= 1e-12, f"{scenario}: /tf link poses equal Embody's forward kinematics at tick {tick} (max diff {worst:.1e})")
        # The leaf links' poses the simulation itself recorded (frame.<link>.*, from the live physics robot)
        # agree with the forward kinematics of the recorded q and base pose.
        leaves = sorted({h.split(".")[1] for h in header if h.startswith("frame.")})
        worst = 0.0
        for link in leaves:
            c = header.index(f"frame.{link}.x")
            logged = [float(v) for v in row[c:c + 3]]
            t = frames[link]
            worst = max(worst, max(abs(logged[k] - t["translation"][a]) for k, a in enumerate("xyz")))
        check(leaves and worst <= 1e-9, f"{scenario}: /tf matches the simulation's own recorded frames {leaves} at tick {tick} (max diff {worst:.1e} m)")


def main():
    embody, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    check_log(embody, out_dir, "humanoid-push", ["duration=3.5"], ["pelvis", "torso", "left_foot", "head"])
    check_log(embody, out_dir, "arm-track-sine", ["duration=1"], ["base_link", "link_4", "hand"])
    check_log(embody, out_dir, "humanoid-sensors", ["duration=0.5"], ["pelvis", "right_foot"], sensors=True)
    finish("MCAP")


if __name__ == "__main__":
    main()
