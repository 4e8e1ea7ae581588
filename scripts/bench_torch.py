"""PyTorch reference for bench/suites/backend.ts: the same small CNN and ResNet-20, same batch and thread
count, PyTorch at its best on a CPU: both memory layouts (NCHW and `channels_last`), forward passes under
`torch.inference_mode()`, every case run once before its first timing. It stays running and answers one
request per line on stdin (torch_timing.serve, as bench/reference_worker.ts asks), so that the suite can
alternate freqlens' timings and PyTorch's case by case:

  {"model": "resnet20", "case": "forward", "layout": "channels_last", "warmup": 1, "reps": 3}
  -> {"seconds": [...]}   (wall seconds of each timed call of a batch)

echo '{"model": "resnet20", "case": "forward", "layout": "nchw", "warmup": 1, "reps": 3}' |
  /usr/bin/python3 scripts/bench_torch.py --batch 128 --threads 2
"""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_timing import serve, time_reps


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
MODELS = {"small_cnn": (SmallCnn, (1, 28, 28)), "resnet20": (ResNet20, (3, 32, 32))}


def workloads(name, layout, batch):
    """The three cases of one model in one memory layout, each a function that finishes its work."""
    build, shape = MODELS[name]
    fmt = LAYOUTS[layout]
    torch.manual_seed(0)
    model = build().to(memory_format=fmt)
    x = torch.rand(batch, *shape).contiguous(memory_format=fmt)
    y = torch.randint(0, 10, (batch,))
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

    cases = {"forward": forward, "input_gradient": input_gradient, "training_step": training_step}
    # One call of each, gradients first: in a process where no gradient pass has run yet, the
    # channels_last ResNet-20 forward ran 5x slower (300 vs 56 ms per batch of 128 on this project's VM).
    for f in (input_gradient, training_step, forward):
        f()
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    built = {}

    def handle(req):
        key = (req["model"], req["layout"])
        if key not in built:
            built[key] = workloads(*key, a.batch)
        return {"seconds": time_reps(built[key][req["case"]], req["warmup"], req["reps"])}

    serve({"threads": a.threads, "batch": a.batch, "layouts": list(LAYOUTS)}, handle)


if __name__ == "__main__":
    main()
