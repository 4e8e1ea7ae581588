"""Timing helpers shared by the PyTorch references (bench_torch.py, bench_torch_science.py): repeated
timings summarised as bench/spread.ts does (median used for ratios; min, max and quartiles for the spread).
"""
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
