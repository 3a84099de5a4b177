"""Split a run's wall time, along its critical path, into remote work and
herd's own time.

Usage: python3 timing.py RUN_DIR

Remote work of a stage is what the hosts did: its longest command (as timed
around the SSH exec) plus the time its gate waited for the daemons, less the
gate's lag (the time between the last failing poll and the passing one, which
is herd's: the condition may have held for that long before herd noticed).
Everything else on the critical path is herd's own: connecting, scheduling,
handing a finished stage to the next, and gate lag.

The critical path is walked back from the stage that finished last: each
stage was released by the stage that finished last before it started.
"""
import json
import sys
from pathlib import Path


def main():
    run = Path(sys.argv[1])
    events = []
    for line in (run / "events.jsonl").read_text().splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            pass  # a torn last line
    t0 = next(e["ts"] for e in events if e["event"] == "run_started")
    finished = next(e for e in events if e["event"] == "run_finished")
    stages = {}
    for e in events:
        name = e.get("stage")
        if name is None:
            continue
        s = stages.setdefault(name, {"start": None, "end": None, "task": 0, "gate": 0, "lag": 0})
        if e["event"] == "stage_started":
            s["start"] = e["ts"]
        elif e["event"] == "stage_finished":
            s["end"] = e["ts"]
        elif e["event"] == "task_finished":
            s["task"] = max(s["task"], e["duration_ms"] / 1000)
        elif e["event"] == "gate_passed":
            s["gate"] += e["elapsed_ms"] / 1000
            s["lag"] += e.get("lag_ms", 0) / 1000
    done = [(n, s) for n, s in stages.items() if s["start"] is not None and s["end"] is not None]
    path = []
    current = max(done, key=lambda x: x[1]["end"])
    while current:
        path.append(current)
        start = current[1]["start"]
        before = [x for x in done if x[1]["end"] <= start + 1e-6 and x is not current]
        current = max(before, key=lambda x: x[1]["end"]) if before else None
    path.reverse()
    wall = finished["duration_ms"] / 1000
    remote = 0.0
    lag = 0.0
    print(f"{'stage':<22} {'span s':>8} {'command s':>10} {'gate s':>8} {'gate lag s':>11}")
    for name, s in path:
        span = s["end"] - s["start"]
        work = s["task"] + max(s["gate"] - s["lag"], 0)
        remote += min(work, span)
        lag += s["lag"]
        print(f"{name:<22} {span:8.2f} {s['task']:10.2f} {s['gate']:8.2f} {s['lag']:11.2f}")
    own = wall - remote
    print(f"\nwall {wall:.1f} s along {len(path)} critical stages: remote work {remote:.1f} s, "
          f"herd's own {own:.1f} s ({100 * own / wall:.1f}%; gate lag {lag:.1f} s, "
          f"connect + scheduling {own - lag:.1f} s)")


if __name__ == "__main__":
    main()
