#!/usr/bin/python3
"""Checks that the committed tests/fixtures/torch/ is what scripts/torch_fixtures.py writes today.

Regenerates every fixture into a temporary directory (the script's OUT redirected there; nothing in the
checkout is written) and compares, file by file:
  - .npy (inputs, logits, features, input gradients): same dtype and shape, values equal up to float32
    rounding of the forward pass (|a - b| <= 1e-5 * max |committed|, about 80 ulps at the array's scale;
    PyTorch's kernels may sum in another order on another machine);
  - .pt checkpoints: the same nested containers and bit-identical tensors (loaded with weights_only=True; the
    legacy-format file's bytes change from run to run, its tensors do not), or byte for byte where
    weights_only cannot load them (a checkpoint with optimizer state); the two that must be refused,
    bad_foreign_global.pt (never unpickled: it references os.system) and truncated.pt, byte for byte;
  - every other file (manifest.json, .safetensors) byte for byte;
and that both directories hold the same file names. Prints one line per mismatch and exits 1 if any.

    /usr/bin/python3 tests/models/import/check_torch_fixtures.py
"""
import importlib.util
import os
import pickle
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COMMITTED = os.path.join(ROOT, "tests", "fixtures", "torch")
SCRIPT = os.path.join(ROOT, "scripts", "torch_fixtures.py")
NEVER_UNPICKLE = {"bad_foreign_global.pt", "truncated.pt"}
RTOL = 1e-5


def regenerate(out):
    spec = importlib.util.spec_from_file_location("torch_fixtures", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.OUT = out
    argv, sys.argv = sys.argv, [SCRIPT]
    try:
        mod.main()
    finally:
        sys.argv = argv


def same_tree(a, b, path):
    """Differences between two loaded checkpoints, as strings."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
            return [f"{path}: tensor vs {type(b).__name__}"]
        if a.dtype != b.dtype or a.shape != b.shape or not torch.equal(a, b):
            return [f"{path}: tensors differ ({a.dtype} {list(a.shape)} vs {b.dtype} {list(b.shape)})"]
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a.keys()) != list(b.keys()):
            return [f"{path}: keys differ: {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in same_tree(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return [f"{path}: lengths {len(a)} vs {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in same_tree(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def compare(name, committed, fresh):
    if name.endswith(".npy"):
        a, b = np.load(committed), np.load(fresh)
        if a.dtype != b.dtype or a.shape != b.shape:
            return [f"{name}: {a.dtype} {a.shape} committed, {b.dtype} {b.shape} regenerated"]
        scale = max(float(np.abs(a).max()) if a.size else 0.0, 1e-30)
        err = float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max()) if a.size else 0.0
        return [] if err <= RTOL * scale else [f"{name}: max |difference| {err:.3g} > {RTOL} x {scale:.3g}"]
    if name.endswith(".pt") and name not in NEVER_UNPICKLE:
        try:
            a = torch.load(committed, map_location="cpu", weights_only=True)
            b = torch.load(fresh, map_location="cpu", weights_only=True)
            return same_tree(a, b, name)
        except pickle.UnpicklingError:
            pass  # holds more than weights (e.g. an optimizer's float hyper-parameters): compare bytes
    with open(committed, "rb") as f, open(fresh, "rb") as g:
        return [] if f.read() == g.read() else [f"{name}: bytes differ"]


def main():
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory(prefix="freqlens-torch-fixtures-") as out:
        regenerate(out)
        mine, theirs = set(os.listdir(COMMITTED)), set(os.listdir(out))
        problems = [f"{n}: committed but not written by the script" for n in sorted(mine - theirs)]
        problems += [f"{n}: written by the script but not committed" for n in sorted(theirs - mine)]
        for name in sorted(mine & theirs):
            problems += compare(name, os.path.join(COMMITTED, name), os.path.join(out, name))
    for p in problems:
        print(f"torch fixture mismatch: {p}")
    print(f"torch fixtures: {len(mine)} committed files, {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
