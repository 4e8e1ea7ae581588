"""Timing helpers shared by the PyTorch references (bench_torch.py, bench_torch_science.py): repeated
timings summarised as bench/spread.ts does (median used for ratios; min, max and quartiles for the spread),
and the request loop through which a suite asks a running reference for one case's timings at a time
(bench/reference_worker.ts).
"""
import json
import sys
import time

import numpy as np


MAX_REPS = 50


def time_reps(f, warmup, reps, min_seconds=0.0):
    """Wall seconds of each of at least `reps` calls of `f` after `warmup` untimed calls, continuing (up to
    MAX_REPS calls) until the calls add up to `min_seconds` (bench/spread.ts `timeReps`)."""
    for _ in range(warmup):
        f()
    out = []
    while len(out) < reps or (sum(out) < min_seconds and len(out) < MAX_REPS):
        t0 = time.perf_counter()
        f()
        out.append(time.perf_counter() - t0)
    return out


def spread(items, seconds):
    """Throughput (items per second) over repetitions: median, min, max, quartiles (NumPy linear)."""
    rates = np.sort(items / np.asarray(seconds, dtype=np.float64))
    return {
        "median": float(np.quantile(rates, 0.5)),
        "min": float(rates[0]),
        "max": float(rates[-1]),
        "q1": float(np.quantile(rates, 0.25)),
        "q3": float(np.quantile(rates, 0.75)),
        "reps": int(len(rates)),
    }


def serve(hello, handle):
    """The reference's side of bench/reference_worker.ts: prints `hello` (a dict) as one JSON line, then
    answers each JSON request line on stdin with `handle(request)` as one JSON line ({"error": ...} when
    it raises), until stdin closes."""
    print(json.dumps(hello), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = handle(json.loads(line))
        except Exception as e:  # the suite reports it and stops asking
            reply = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(reply), flush=True)
