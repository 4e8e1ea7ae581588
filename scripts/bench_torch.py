"""PyTorch reference for bench/suites/backend.ts: the same small CNN and ResNet-20, same batch and thread
count, PyTorch at its best on a CPU: each model measured in both memory layouts (NCHW and
`channels_last`), forward passes under `torch.inference_mode()`, each figure the median of several timed
repetitions with its spread. Prints a JSON list of
{model, case, layout, threads, images_per_s (median), spread: {median, min, max, q1, q3, reps}, seconds}
on stdout.

/usr/bin/python3 scripts/bench_torch.py --batch 128 --threads 2 [--model resnet20] [--quick] [--reps 15]
"""
import argparse
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_timing import spread, time_reps


class SmallCnn(nn.Module):
    """conv32-3x3-relu, maxpool 2, conv64-3x3-relu, maxpool 2, dense 128-relu, dense 10 (28x28x1)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1)
        self.f1 = nn.Linear(64 * 7 * 7, 128)
        self.f2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.f2(F.relu(self.f1(torch.flatten(x, 1))))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return F.relu(y + (x if self.short is None else self.short(x)))


class ResNet20(nn.Module):
    """16/32/64 channels, 3 stages x 3 basic blocks, batch-norm, 1x1-conv shortcuts, global average pool."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.b = nn.BatchNorm2d(16)
        blocks, cin = [], 16
        for stage, cout in enumerate([16, 32, 64]):
            for block in range(3):
                blocks.append(Block(cin, cout, 2 if stage > 0 and block == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.blocks(F.relu(self.b(self.c(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


LAYOUTS = {"nchw": torch.contiguous_format, "channels_last": torch.channels_last}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, default=None, help="timed repetitions per figure (default 15, quick 3)")
    ap.add_argument("--model", choices=["small_cnn", "resnet20", "all"], default="all")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    warmup, reps = (1, 3) if a.quick else (3, 15)
    reps = a.reps or reps
    out = []
    for name, build, shape in [("small_cnn", SmallCnn, (1, 28, 28)), ("resnet20", ResNet20, (3, 32, 32))]:
        if a.model not in ("all", name):
            continue
        for layout, fmt in LAYOUTS.items():
            torch.manual_seed(0)
            model = build().to(memory_format=fmt)
            x = torch.rand(a.batch, *shape).contiguous(memory_format=fmt)
            y = torch.randint(0, 10, (a.batch,))
            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

            def forward():
                model.eval()
                with torch.inference_mode():
                    model(x)

            def input_gradient():
                model.eval()
                xi = x.clone().requires_grad_(True)
                torch.autograd.grad(F.cross_entropy(model(xi), y), xi)

            def training_step():
                model.train()
                opt.zero_grad()
                F.cross_entropy(model(x), y).backward()
                opt.step()

            cases = [("forward", forward), ("input_gradient", input_gradient), ("training_step", training_step)]
            for case, f in cases:
                secs = time_reps(f, warmup, reps)
                s = spread(a.batch, secs)
                out.append({"model": name, "case": case, "layout": layout, "threads": a.threads,
                            "images_per_s": s["median"], "spread": s, "seconds": [float(v) for v in secs]})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
