"""PyTorch / SciPy reference for bench/suites/science.ts, on the weights freqlens exported
(bench/science_export.ts): rebuilds the freqlens CIFAR ResNet (option-A shortcuts, input normaliser inside
the model), checks its logits against freqlens' on the same images, then runs the same workloads in both
memory layouts (NCHW and channels_last; forwards under `torch.inference_mode()`):

  FGSM, PGD-10 (l-inf, l2; random start, best iterate kept), Carlini-Wagner l2 (tanh-space Adam, one
  binary step, no early abort), SimBA-DCT (as Guo et al.'s simba_batch; model queries/s), Occluded
  Frequency over every band (batched as Captum's FeatureAblation on DCT coefficients with
  perturbations_per_eval = bands: the forward function inverts the DCT then runs the model),
  representation-inversion steps, and `scipy.fft.dctn(axes=(1, 2), norm="ortho")` on float32 CIFAR-shaped
  images (1 worker and every core).

Each layout's model makes one gradient pass before anything is timed. It then stays running and answers
one request per line on stdin (torch_timing.serve, as bench/reference_worker.ts asks); it says first
{"parity": logits check, "layouts": {case: [layouts]}}, then for each
  {"case": "fgsm", "layout": "channels_last", "warmup": 1, "reps": 2, "min_seconds": 0.5}
the timed calls' seconds and the last call's results: {"seconds", "items" (work items per call),
"success_rate" and per-image "success" (attacks), "queries" (SimBA), "scores" (OF), "final_loss"
(inversion)}.

/usr/bin/python3 scripts/bench_torch_science.py --dir outputs/bench/science --threads 2
"""
import argparse
import copy
import json
import math
import os

import numpy as np
import scipy.fft
import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_timing import serve, time_reps

LAYOUTS = {"nchw": torch.contiguous_format, "channels_last": torch.channels_last}


class SameConv(nn.Conv2d):
    """A bias-free conv with TensorFlow's "same" padding. At stride 1 (odd kernel) that is PyTorch's own
    symmetric padding; at stride 2 on an even size the extra row and column of zeros go after
    (bottom/right) only, so those two convolutions pad explicitly first (one extra copy each)."""

    def __init__(self, cin, cout, k, stride):
        super().__init__(cin, cout, k, stride, (k - 1) // 2 if stride == 1 else 0, bias=False)

    def forward(self, x):
        if self.stride[0] == 1:
            return super().forward(x)
        pads = []
        for size in (x.shape[3], x.shape[2]):
            out = -(-size // self.stride[0])
            total = max((out - 1) * self.stride[0] + self.kernel_size[0] - size, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(F.pad(x, pads))


class Block(nn.Module):
    """conv3x3 -> BN -> ReLU -> conv3x3 -> BN, plus the shortcut (identity, or option A), then ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = SameConv(cin, cout, 3, stride)
        self.bn1 = nn.BatchNorm2d(cout, eps=1e-5)
        self.conv2 = SameConv(cout, cout, 3, 1)
        self.bn2 = nn.BatchNorm2d(cout, eps=1e-5)
        self.stride, self.extra = stride, cout - cin

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x[:, :, ::self.stride, ::self.stride] if self.stride > 1 else x
        if self.extra:
            s = F.pad(s, (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))
        return F.relu(y + s)


class ResNet(nn.Module):
    """lib/models/resnet.ts in PyTorch: Normalize, conv1/bn1/relu, 3 stages of n blocks, GAP, logits."""

    def __init__(self, mean, std, n=3, widths=(16, 32, 64)):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1))
        self.conv1 = SameConv(3, widths[0], 3, 1)
        self.bn1 = nn.BatchNorm2d(widths[0], eps=1e-5)
        self.blocks = nn.ModuleDict()
        cin = widths[0]
        for s, w in enumerate(widths):
            for b in range(n):
                self.blocks[f"stage{s + 1}_block{b + 1}"] = Block(cin, w, 2 if s > 0 and b == 0 else 1)
                cin = w
        self.logits = nn.Linear(widths[2], 10)

    def features(self, x):
        x = F.relu(self.bn1(self.conv1((x - self.mean) / self.std)))
        for block in self.blocks.values():
            x = block(x)
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)

    def forward(self, x):
        return self.logits(self.features(x))


def load_model(d, manifest):
    """The exported weights into a ResNet (tfjs HWIO kernels -> OIHW, dense [in, out] -> [out, in])."""
    m = ResNet(manifest["normalize"]["mean"], manifest["normalize"]["std"])
    named = dict(m.named_modules())
    for layer in manifest["layers"]:
        ws = [torch.from_numpy(np.load(os.path.join(d, f))) for f in layer["files"]]
        name = layer["name"]
        parts = name.split("_")
        key = f"blocks.{parts[0]}_{parts[1]}.{'_'.join(parts[2:])}" if name.startswith("stage") else name
        mod = named[key]
        with torch.no_grad():
            if layer["className"] == "Conv2D":
                mod.weight.copy_(ws[0].permute(3, 2, 0, 1))
            elif layer["className"] == "BatchNormalization":
                for t, w in zip([mod.weight, mod.bias, mod.running_mean, mod.running_var], ws):
                    t.copy_(w)
            elif layer["className"] == "Dense":
                mod.weight.copy_(ws[0].t())
                mod.bias.copy_(ws[1])
            else:
                raise ValueError(f"layer {name}: class {layer['className']} not handled")
    return m.eval()


def nchw(a, fmt):
    return torch.from_numpy(np.ascontiguousarray(a)).permute(0, 3, 1, 2).contiguous(memory_format=fmt)


# --- attacks -------------------------------------------------------------------------------------------

def fgsm(model, x0, y, eps):
    x = x0.clone().requires_grad_(True)
    g, = torch.autograd.grad(F.cross_entropy(model(x), y, reduction="sum"), x)
    adv = (x0 + eps * g.sign()).clamp(0, 1)
    with torch.inference_mode():
        return (model(adv).argmax(1) != y).float()


def norms(t):
    return t.flatten(1).norm(dim=1).view(-1, 1, 1, 1)


def pgd(model, x0, y, norm, eps, steps, step_size, seed):
    """One restart of Madry PGD with random start, keeping each image's best iterate (success first,
    then objective), as lib/attacks/loop.ts."""
    gen = torch.Generator().manual_seed(seed)
    if norm == "linf":
        x = (x0 + (torch.rand(x0.shape, generator=gen) * 2 - 1) * eps).clamp(0, 1)
    else:
        r = torch.randn(x0.shape, generator=gen)
        x = (x0 + r / (norms(r) + 1e-12) * eps).clamp(0, 1)
    x = x.contiguous(memory_format=torch.channels_last if x0.is_contiguous(
        memory_format=torch.channels_last) else torch.contiguous_format)
    best_s = torch.zeros(len(y))
    best_o = torch.full((len(y),), -math.inf)
    for s in range(steps + 1):
        xi = x.clone().requires_grad_(s < steps)
        with torch.set_grad_enabled(s < steps):
            logits = model(xi)
            obj = F.cross_entropy(logits, y, reduction="none")
        succ = (logits.argmax(1) != y).float().detach()
        better = (succ > best_s) | ((succ == best_s) & (obj.detach() > best_o))
        best_s = torch.where(better, succ, best_s)
        best_o = torch.where(better, obj.detach(), best_o)
        if s == steps:
            break
        g, = torch.autograd.grad(obj.sum(), xi)
        with torch.no_grad():
            x = x + step_size * (g.sign() if norm == "linf" else g / (norms(g) + 1e-12))
            d = x - x0
            d = d.clamp(-eps, eps) if norm == "linf" else d * torch.clamp(eps / (norms(d) + 1e-12), max=1)
            x = (x0 + d).clamp(0, 1)
    return best_s


def cw(model, x0, y, lr, iterations, c, kappa):
    """Carlini-Wagner l2, one binary step, no early abort; success of the smallest-l2 successful iterate."""
    w0 = torch.atanh((x0 * 2 - 1) * 0.999999)
    w = torch.zeros_like(x0, requires_grad=True)
    opt = torch.optim.Adam([w], lr=lr, betas=(0.9, 0.999), eps=1e-8)
    onehot = F.one_hot(y, 10).float()
    found = torch.zeros(len(y), dtype=torch.bool)
    for _ in range(iterations):
        x = (torch.tanh(w + w0) + 1) / 2
        l2 = ((x - x0) ** 2).flatten(1).sum(1)
        logits = model(x)
        real = (onehot * logits).sum(1)
        other = ((1 - onehot) * logits - onehot * 1e4).max(1).values
        loss = l2.sum() + (c * F.relu(real - other + kappa)).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            found |= (logits + kappa * onehot).argmax(1) != y
    return found.float()


def dct_matrix(n):
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    c = np.sqrt((np.where(k == 0, 1, 2)) / n) * np.cos(np.pi * (2 * i + 1) * k / (2 * n))
    return torch.tensor(c, dtype=torch.float32)


def simba_dct(model, x0, y, step, eps, max_queries, seed):
    """SimBA-DCT as lib/attacks/simba.ts (random order over all coefficients, l-inf clip after the inverse
    DCT, only unfinished images queried). Returns (success, total queries)."""
    n, c, h, w = x0.shape
    cm = dct_matrix(h)
    order = torch.randperm(h * w * c, generator=torch.Generator().manual_seed(seed))
    u = torch.zeros_like(x0)
    cur = x0.clone()
    with torch.inference_mode():
        logits = model(cur)
        prob = F.softmax(logits, 1).gather(1, y[:, None])[:, 0]
        success = logits.argmax(1) != y
        queries = torch.ones(n, dtype=torch.int64)
        for t in order.tolist():
            active = (~success & (queries < max_queries)).nonzero()[:, 0]
            if len(active) == 0:
                break
            ch, rest = t % c, t // c
            i, j = rest // w, rest % w
            q = torch.zeros(c, h, w)
            q[ch] = cm[i][:, None] * cm[j][None, :]
            for sign in (-1.0, 1.0):
                if len(active) == 0:
                    break
                ua = u[active] + sign * step * q
                cand = (x0[active] + ua.clamp(-eps, eps)).clamp(0, 1)
                lg = model(cand)
                p = F.softmax(lg, 1).gather(1, y[active][:, None])[:, 0]
                queries[active] += 1
                ok = p < prob[active]
                acc = active[ok]
                u[acc], cur[acc], prob[acc] = ua[ok], cand[ok], p[ok]
                success[acc] = lg[ok].argmax(1) != y[acc]
                active = active[~ok & (queries[active] < max_queries)]
    return success.float(), int(queries.sum())


# --- attribution and synthesis -------------------------------------------------------------------------

def occluded_frequency(model, x, targets, per_eval_images, fmt):
    """OF of every diagonal band: Captum FeatureAblation over DCT coefficients (feature mask = band map,
    baseline 0), perturbations_per_eval = bands, `per_eval_images` images per forward call."""
    n, c, h, w = x.shape
    cm = dct_matrix(h)
    band = torch.arange(h)[:, None] + torch.arange(w)[None, :]
    bands = h + w - 1
    keep = (band[None] != torch.arange(bands)[:, None, None]).float()  # [bands, H, W]
    scores = torch.empty(n, bands)
    with torch.inference_mode():
        for lo in range(0, n, per_eval_images):
            xb = x[lo:lo + per_eval_images].contiguous()
            m = len(xb)
            coeff = cm @ xb @ cm.T
            clean = model(xb.contiguous(memory_format=fmt)).gather(1, targets[lo:lo + m, None])[:, 0]
            ablated = (coeff[None] * keep[:, None, None]).reshape(bands * m, c, h, w)
            pixels = (cm.T @ ablated @ cm).contiguous(memory_format=fmt)
            occ = model(pixels).gather(1, targets[lo:lo + m].repeat(bands)[:, None])[:, 0]
            scores[lo:lo + m] = (clean[None] - occ.view(bands, m)).T
    return scores


def inversion(model, targets, start, steps, step):
    with torch.no_grad():
        gx = model.features(targets)
        gn = gx.norm(dim=1)
    xr = start.clone()
    for _ in range(steps):
        xr.requires_grad_(True)
        loss = ((model.features(xr) - gx).norm(dim=1) / gn).sum()
        g, = torch.autograd.grad(loss, xr)
        with torch.no_grad():
            xr = (xr - step * g / norms(g).clamp(min=1e-12)).clamp(0, 1)
    with torch.no_grad():
        return float(((model.features(xr) - gx).norm(dim=1) / gn).mean())


# --- main ------------------------------------------------------------------------------------------------

def workloads(d, man):
    """Every case of the manifest as {case: {layout: f}}, each f() returning its figure's extras (work
    items per call, success flags, scores...); and the logits parity check."""
    base = load_model(d, man)
    for p in base.parameters():
        p.requires_grad_(False)
    images = np.load(os.path.join(d, man["images"]))
    labels = torch.from_numpy(np.load(os.path.join(d, man["labels"])).astype(np.int64))
    ref_logits = np.load(os.path.join(d, man["logits"]))
    with torch.inference_mode():
        logits = base(nchw(images, torch.contiguous_format)).numpy()
    parity = {
        "logits_max_abs_diff": float(np.abs(logits - ref_logits).max()),
        "logits_max_abs": float(np.abs(ref_logits).max()),
        "argmax_agreement": float((logits.argmax(1) == ref_logits.argmax(1)).mean()),
    }
    b = man["batch"]
    cases = {}
    for layout, fmt in LAYOUTS.items():
        model = copy.deepcopy(base).to(memory_format=fmt)
        x0 = nchw(images[:b], fmt)
        y = labels[:b]
        fgsm(model, x0, y, 0.01)  # a gradient pass first (PyTorch's first forwards in a process run slower)
        for att in man["attacks"]:
            cases.setdefault(att["name"], {})[layout] = attack_case(model, x0, y, att, b)
        n_of = man["of_images"]
        xo = nchw(images[:n_of], torch.contiguous_format)
        per_eval = max(1, 256 // 63)

        def of(model=model, xo=xo, fmt=fmt):
            scores = occluded_frequency(model, xo, labels[:n_of], per_eval, fmt)
            return {"items": scores.numel(), "scores": scores.flatten().tolist(), "perturbations_per_eval": 63,
                    "images_per_eval": per_eval}

        cases.setdefault("occluded-frequency", {})[layout] = of
        inv = man["inversion"]
        xt = nchw(images[:b], fmt)
        xs = nchw(images[:b][inv["start_indices"]], fmt)
        cases.setdefault("representation-inversion", {})[layout] = (
            lambda model=model, xt=xt, xs=xs: {"items": b * inv["steps"],
                                               "final_loss": inversion(model, xt, xs, inv["steps"], inv["step"])})
    nd = man["dct_images"]
    pixels = np.random.default_rng(5).random((nd, 32, 32, 3), dtype=np.float32)
    for workers in (1, os.cpu_count()):
        def dct(workers=workers):
            out = scipy.fft.dctn(pixels, type=2, axes=(1, 2), norm="ortho", workers=workers)
            return {"items": nd, "dtype": str(out.dtype)}
        cases.setdefault(f"dct2-{nd}", {})[f"workers{workers}"] = dct
    return cases, parity


def attack_case(model, x0, y, att, b):
    """One attack on one layout's model: a function returning its items (images, or SimBA's queries) and
    per-image success flags."""
    p = att["params"]
    if att["method"] == "fgsm":
        run = lambda: (fgsm(model, x0, y, p["eps"]), None)
    elif att["method"] == "pgd":
        size = p.get("stepSize") or 2.5 * p["eps"] / p["steps"]
        run = lambda: (pgd(model, x0, y, p["norm"], p["eps"], p["steps"], size, 1), None)
    elif att["method"] == "cw":
        run = lambda: (cw(model, x0, y, p["learningRate"], p["maxIterations"], p["initialConst"],
                          p["confidence"]), None)
    else:
        run = lambda: simba_dct(model, x0, y, p["stepSize"], p["eps"], p["maxQueries"], 1)

    def f():
        s, q = run()
        extra = {"items": q if q is not None else b, "success_rate": float(s.mean()),
                 "success": [int(v) for v in s.tolist()]}
        return {**extra, "queries": q} if q is not None else extra
    return f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    man = json.load(open(os.path.join(a.dir, "manifest.json")))
    cases, parity = workloads(a.dir, man)

    def handle(req):
        f = cases[req["case"]][req["layout"]]
        out = {}
        secs = time_reps(lambda: out.update(f()), req["warmup"], req["reps"], req.get("min_seconds", 0.0))
        return {**out, "seconds": secs}

    serve({"parity": parity, "layouts": {c: list(by) for c, by in cases.items()}}, handle)


if __name__ == "__main__":
    main()
