#!/usr/bin/python3
"""Writes the PyTorch checkpoint fixtures that `tests/models/import/` checks freqlens' importer against.

Run with Debian's interpreter, which has torch 1.13 (python3-torch) and NumPy:

    /usr/bin/python3 scripts/torch_fixtures.py            # small fixtures -> tests/fixtures/torch/ (committed)
    /usr/bin/python3 scripts/torch_fixtures.py --full     # also the full-size robustness CIFAR ResNet-50
                                                          # -> outputs/fixtures/robustness_resnet50_full.pt
                                                          # (~94 MB, git-ignored; used by bench/suites/import.ts)
                                                          # + its logits on inputs.npy (.logits.npy beside it)
    /usr/bin/python3 scripts/torch_fixtures.py --bench outputs/fixtures/robustness_resnet50_full.pt \
        --batch 32 --threads 2 --reps 3                   # PyTorch forward images/s of that checkpoint (JSON),
                                                          # the reference `deno task bench --reference` compares to

The architectures below are small self-contained copies of the PyTorch definitions, keeping the libraries'
module (hence parameter) names:
  - MadryLab `robustness`, robustness/cifar_models/resnet.py: ResNet-18/50 (3x3 stem, no max-pool, BasicBlock /
    Bottleneck with `shortcut`, `avg_pool2d(out, 4)`, `linear`; `wm` width multiplier), wrapped as its
    `AttackerModel` (`normalizer.new_mean/new_std`, `model.*`, `attacker.normalize.*`, `attacker.model.*`), saved
    as `{'model': DataParallel state_dict ('module.' prefix), 'optimizer', 'schedule', 'epoch'}` like train.py;
  - RobustBench, robustbench/model_zoo/architectures/wide_resnet.py (WideResNet, `sub_block1` kept unused as in
    Carmon2019Unlabeled) and resnet.py (ResNet-18; PreActResNet-18 with PreActBlock, and with PreActBlockV2 and
    `bn_before_fc` as Rice2020OverfittingNetL2 uses it), with the `mu`/`sigma`
    normalisation buffers its cifar10.py model classes register. `width` (64 in RobustBench) is a parameter
    here only so fixtures stay small.

Every fixture has random weights (PyTorch default init, random batch-norm affine parameters, running
statistics calibrated on random batches and then perturbed so they differ from any batch's statistics), and
comes with the logits and penultimate features PyTorch computes in eval mode, and the input gradient of the
logit of class `i mod classes` of image i (summed over the batch; computed in float64), for the fixed inputs
`inputs.npy` (float32 NHWC in [0, 1], the layout freqlens uses), with the ReLU inputs of that float64 forward
pass that lie within float32 rounding of 0 (`<name>.kinks.json`). `manifest.json` lists, per fixture, the file,
arch, source, importer options and reference files. Also written: checkpoints that must be refused
(`bad_foreign_global.pt` holds a pickled reference to `os.system` -- built with `__reduce__`, nothing is
executed, neither here nor by a safe loader; `truncated.pt` is a valid checkpoint cut in half;
`wrong_arch.pt` is a robustness ResNet-18 checkpoint with a layer missing, a foreign tensor and 100 classes).
The script is deterministic (fixed seeds); rerunning it rewrites the same tensors (the legacy-format file's
storage keys are memory addresses, so its bytes, though not its tensors, change from run to run).
"""
import argparse
import copy
import json
import os
import struct
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "tests", "fixtures", "torch")
FULL_OUT = os.path.join(ROOT, "outputs", "fixtures")

CIFAR_MEAN = [0.4914, 0.4822, 0.4465]
ROBUSTNESS_STD = [0.2023, 0.1994, 0.2010]
ROBUSTBENCH_STD = [0.2471, 0.2435, 0.2616]


# ---------------------------------------------------------------- robustness cifar_models/resnet.py (copy)
class RBasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != self.expansion * planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(self.expansion * planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class RBottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, self.expansion * planes, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(self.expansion * planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != self.expansion * planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(self.expansion * planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out += self.shortcut(x)
        return F.relu(out)


class ResNet(nn.Module):
    """robustness' CIFAR ResNet (also RobustBench's resnet.ResNet, which has the same names and no `wm`)."""

    def __init__(self, block, num_blocks, num_classes=10, wm=1.0):
        super().__init__()
        widths = [int(w * wm) for w in [64, 128, 256, 512]]
        self.in_planes = widths[0]
        self.conv1 = nn.Conv2d(3, self.in_planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(self.in_planes)
        self.layer1 = self._make_layer(block, widths[0], num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, widths[1], num_blocks[1], stride=2)
        self.layer3 = self._make_layer(block, widths[2], num_blocks[2], stride=2)
        self.layer4 = self._make_layer(block, widths[3], num_blocks[3], stride=2)
        self.linear = nn.Linear(widths[3] * block.expansion, num_classes)

    def _make_layer(self, block, planes, num_blocks, stride):
        layers = []
        for s in [stride] + [1] * (num_blocks - 1):
            layers.append(block(self.in_planes, planes, s))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def features(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = F.avg_pool2d(out, 4)
        return out.view(out.size(0), -1)

    def forward(self, x):
        return self.linear(self.features(x))


# ---------------------------------------------------------------- robustbench resnet.py PreActResNet (copy)
class PreActBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        if stride != 1 or in_planes != self.expansion * planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride, bias=False))

    def forward(self, x):
        out = F.relu(self.bn1(x))
        shortcut = self.shortcut(x) if hasattr(self, "shortcut") else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        return out + shortcut


class PreActBlockV2(PreActBlock):
    """RobustBench's PreActBlockV2: the shortcut conv takes the activated input."""

    def forward(self, x):
        out = F.relu(self.bn1(x))
        shortcut = self.shortcut(out) if hasattr(self, "shortcut") else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        return out + shortcut


class PreActResNet(nn.Module):
    def __init__(self, block, num_blocks, num_classes=10, width=64, bn_before_fc=False):
        super().__init__()
        self.bn_before_fc = bn_before_fc
        self.in_planes = width
        self.conv1 = nn.Conv2d(3, width, kernel_size=3, stride=1, padding=1, bias=False)
        self.layer1 = self._make_layer(block, width, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, 2 * width, num_blocks[1], stride=2)
        self.layer3 = self._make_layer(block, 4 * width, num_blocks[2], stride=2)
        self.layer4 = self._make_layer(block, 8 * width, num_blocks[3], stride=2)
        if bn_before_fc:
            self.bn = nn.BatchNorm2d(8 * width * block.expansion)
        self.linear = nn.Linear(8 * width * block.expansion, num_classes)

    def _make_layer(self, block, planes, num_blocks, stride):
        layers = []
        for s in [stride] + [1] * (num_blocks - 1):
            layers.append(block(self.in_planes, planes, s))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def features(self, x):
        out = self.layer4(self.layer3(self.layer2(self.layer1(self.conv1(x)))))
        if self.bn_before_fc:
            out = F.relu(self.bn(out))
        out = F.avg_pool2d(out, 4)
        return out.view(out.size(0), -1)

    def forward(self, x):
        return self.linear(self.features(x))


# ---------------------------------------------------------------- robustbench wide_resnet.py (copy)
class WBasicBlock(nn.Module):
    def __init__(self, in_planes, out_planes, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_planes)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_planes, out_planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.equalInOut = in_planes == out_planes
        self.convShortcut = (not self.equalInOut) and nn.Conv2d(
            in_planes, out_planes, kernel_size=1, stride=stride, padding=0, bias=False) or None

    def forward(self, x):
        if not self.equalInOut:
            x = self.relu1(self.bn1(x))
        else:
            out = self.relu1(self.bn1(x))
        out = self.relu2(self.bn2(self.conv1(out if self.equalInOut else x)))
        out = self.conv2(out)
        return torch.add(x if self.equalInOut else self.convShortcut(x), out)


class NetworkBlock(nn.Module):
    def __init__(self, nb_layers, in_planes, out_planes, stride):
        super().__init__()
        self.layer = nn.Sequential(*[
            WBasicBlock(i == 0 and in_planes or out_planes, out_planes, i == 0 and stride or 1)
            for i in range(int(nb_layers))])

    def forward(self, x):
        return self.layer(x)


class WideResNet(nn.Module):
    def __init__(self, depth=28, num_classes=10, widen_factor=10, sub_block1=False):
        super().__init__()
        ch = [16, 16 * widen_factor, 32 * widen_factor, 64 * widen_factor]
        assert (depth - 4) % 6 == 0
        n = (depth - 4) / 6
        self.conv1 = nn.Conv2d(3, ch[0], kernel_size=3, stride=1, padding=1, bias=False)
        self.block1 = NetworkBlock(n, ch[0], ch[1], 1)
        if sub_block1:
            self.sub_block1 = NetworkBlock(n, ch[0], ch[1], 1)
        self.block2 = NetworkBlock(n, ch[1], ch[2], 2)
        self.block3 = NetworkBlock(n, ch[2], ch[3], 2)
        self.bn1 = nn.BatchNorm2d(ch[3])
        self.relu = nn.ReLU(inplace=True)
        self.fc = nn.Linear(ch[3], num_classes)
        self.nChannels = ch[3]

    def features(self, x):
        out = self.block3(self.block2(self.block1(self.conv1(x))))
        out = self.relu(self.bn1(out))
        out = F.avg_pool2d(out, 8)
        return out.view(-1, self.nChannels)

    def forward(self, x):
        return self.fc(self.features(x))


# ---------------------------------------------------------------- wrappers the libraries save
class InputNormalize(nn.Module):
    """robustness.tools.helpers.InputNormalize: clamp to [0, 1], then (x - mean) / std; buffers [3, 1, 1]."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("new_mean", torch.tensor(mean)[..., None, None])
        self.register_buffer("new_std", torch.tensor(std)[..., None, None])

    def forward(self, x):
        return (torch.clamp(x, 0, 1) - self.new_mean) / self.new_std


class Attacker(nn.Module):
    def __init__(self, model, mean, std):
        super().__init__()
        self.normalize = InputNormalize(mean, std)
        self.model = model


class AttackerModel(nn.Module):
    """robustness.attacker.AttackerModel's modules (its forward returns (logits, input); ours the logits)."""

    def __init__(self, model, mean, std):
        super().__init__()
        self.normalizer = InputNormalize(mean, std)
        self.model = model
        self.attacker = Attacker(model, mean, std)

    def features(self, x):
        return self.model.features(self.normalizer(x))

    def forward(self, x):
        return self.model(self.normalizer(x))


class MuSigma(nn.Module):
    """RobustBench's model classes (e.g. Rice2020OverfittingNet): `mu`/`sigma` buffers [1, 3, 1, 1]."""

    def __init__(self, net, mean, std):
        super().__init__()
        self.net = net
        self.register_buffer("mu", torch.tensor(mean).view(1, 3, 1, 1))
        self.register_buffer("sigma", torch.tensor(std).view(1, 3, 1, 1))

    def features(self, x):
        return self.net.features((x - self.mu) / self.sigma)

    def forward(self, x):
        return self.net((x - self.mu) / self.sigma)

    def state_dict_flat(self):
        """The state dict RobustBench's subclass has: the net's names at top level plus mu and sigma."""
        sd = OrderedDict(self.net.state_dict())
        sd["mu"] = self.mu
        sd["sigma"] = self.sigma
        return sd


class Normalized(nn.Module):
    """(x - mean) / std then `net`; the normaliser freqlens is given as importer options (plain source)."""

    def __init__(self, net, mean, std):
        super().__init__()
        self.net = net
        self.mean = torch.tensor(mean).view(1, 3, 1, 1)
        self.std = torch.tensor(std).view(1, 3, 1, 1)

    def features(self, x):
        return self.net.features((x - self.mean) / self.std)

    def forward(self, x):
        return self.net((x - self.mean) / self.std)


# ---------------------------------------------------------------- random weights
def randomize(model, seed):
    """Random BN affine params; running stats calibrated on random batches, then perturbed."""
    g = torch.Generator().manual_seed(seed)
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.copy_(0.5 + torch.rand(bn.weight.shape, generator=g))
            bn.bias.copy_(0.2 * torch.randn(bn.bias.shape, generator=g))
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over the calibration batches
        model.train()
        for _ in range(3):
            model(torch.rand(16, 3, 32, 32, generator=g))  # raw images; `model` normalises
        for bn in bns:
            std = bn.running_var.sqrt()
            bn.running_mean.add_(0.1 * std * torch.randn(std.shape, generator=g))
            bn.running_var.mul_(0.8 + 0.4 * torch.rand(std.shape, generator=g))
            bn.momentum = 0.1
            bn.num_batches_tracked.fill_(1234)
    model.eval()


def fixed_inputs():
    g = torch.Generator().manual_seed(20240601)
    return torch.rand(4, 3, 32, 32, generator=g)  # NCHW in [0, 1]


def save_npy(name, tensor_nchw_or_2d):
    arr = tensor_nchw_or_2d.detach().numpy().astype(np.float32)
    if arr.ndim == 4:
        arr = arr.transpose(0, 2, 3, 1)  # NCHW -> NHWC
    np.save(os.path.join(OUT, name), np.ascontiguousarray(arr))


def reference(name, model, x):
    """Logits, penultimate features, and the input gradient of sum_i logits[i, i mod classes] (NHWC)."""
    with torch.no_grad():
        logits = model(x)
        feats = model.features(x)
    save_npy(f"{name}.logits.npy", logits)
    save_npy(f"{name}.features.npy", feats)
    # The gradient of a ReLU network jumps where a pre-activation crosses 0; float32 rounding can put one
    # unit on the other side (it does for robustness_resnet50: which of its three near-zero units flip depends
    # on the kernels' accumulation order, e.g. oneDNN's AVX2 vs AVX-512 ones, issue 16), so the reference is
    # the float64 gradient, the one rounding-free arithmetic gives, and the near-zero units are listed so that
    # tests can pin them to the float64 side.
    xg = x.double().requires_grad_(True)
    model64 = copy.deepcopy(model).double()
    out, relu_inputs = recording_relu_inputs(model64, xg)
    labels = torch.arange(out.shape[0]) % out.shape[1]
    out.gather(1, labels[:, None]).sum().backward()
    save_npy(f"{name}.input_grad.npy", xg.grad)
    write_kinks(f"{name}.kinks.json", relu_inputs)
    return {"logits": f"{name}.logits.npy", "features": f"{name}.features.npy",
            "input_grad": f"{name}.input_grad.npy", "kinks": f"{name}.kinks.json"}


def recording_relu_inputs(model, x):
    """model(x), and the input of every ReLU it applied (torch.nn.functional.relu, which nn.ReLU calls too),
    in call order."""
    seen, relu = [], F.relu

    def record(t, *args, **kwargs):
        seen.append(t.detach().clone())
        return relu(t, *args, **kwargs)

    F.relu = record
    try:
        return model(x), seen
    finally:
        F.relu = relu


# A ReLU input closer to 0 than this fraction of its layer's largest |input| may land on either side in
# float32 (rounding after tens of layers is ~1e-7 of that scale), and the gradient jumps there.
KINK_MARGIN = 1e-5


def write_kinks(name, relu_inputs):
    """`{margin, layers: [{shape (NHWC), max}], units: [[layer, n, h, w, c, float64 input]]}`: every ReLU input
    (float64, from the forward pass of the gradient reference) within KINK_MARGIN of 0, relative to its
    layer's largest |input|. tests/models/import/parity_test.ts pins these units to their float64 side."""
    layers, units = [], []
    for i, z in enumerate(relu_inputs):
        nhwc = z.permute(0, 2, 3, 1) if z.dim() == 4 else z
        top = float(nhwc.abs().max())
        layers.append({"shape": list(nhwc.shape), "max": top})
        for idx in (nhwc.abs() < KINK_MARGIN * top).nonzero().tolist():
            units.append([i, *idx, float(nhwc[tuple(idx)])])
    with open(os.path.join(OUT, name), "w") as f:
        json.dump({"margin": KINK_MARGIN, "layers": layers, "units": units}, f)
        f.write("\n")


def write_safetensors(path, tensors):
    """The safetensors format by hand (8-byte LE header length, JSON header, raw little-endian data)."""
    names = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.int64: "I64"}
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for key, t in tensors.items():
        data = t.detach().contiguous().numpy().tobytes()
        header[key] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


class Evil:
    """Pickles as a call of os.system (a foreign global); __reduce__ only returns the callable, never calls it."""

    def __reduce__(self):
        return (os.system, ("echo this must never run",))


def robustness_checkpoint(net, seed):
    wrapped = AttackerModel(net, CIFAR_MEAN, ROBUSTNESS_STD)
    randomize(wrapped, seed)
    sd = OrderedDict(("module." + k, v) for k, v in wrapped.state_dict().items())
    ckpt = {"model": sd, "optimizer": {"state": {}, "param_groups": [{"lr": 0.1, "momentum": 0.9, "params": [0, 1]}]},
            "schedule": None, "epoch": 150}
    return wrapped, ckpt


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="also write the full-size robustness ResNet-50")
    parser.add_argument("--bench", metavar="CKPT", help="time PyTorch's forward pass of a full robustness ResNet-50")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    if args.bench:
        return bench_forward(args.bench, args.batch, args.threads, args.reps)
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    x = fixed_inputs()
    save_npy("inputs.npy", x)
    manifest = []

    def add(name, file, arch, source, options, ref):
        manifest.append({"name": name, "file": file, "arch": arch, "source": source, "options": options, **ref})

    # robustness ResNet-18 / ResNet-50 (wm 1/16), zip format, {'model': 'module.'-prefixed AttackerModel sd}
    for arch, block, blocks, seed in [("resnet18", RBasicBlock, [2, 2, 2, 2], 1),
                                      ("resnet50", RBottleneck, [3, 4, 6, 3], 2)]:
        torch.manual_seed(seed)
        wrapped, ckpt = robustness_checkpoint(ResNet(block, blocks, wm=1 / 16), seed)
        name = f"robustness_{arch}"
        torch.save(ckpt, os.path.join(OUT, f"{name}.pt"))
        add(name, f"{name}.pt", arch, "robustness", {"width_multiplier": 1 / 16}, reference(name, wrapped, x))

    # RobustBench WideResNet-16-1 with sub_block1 and mu/sigma, {'state_dict': 'module.'-prefixed}
    torch.manual_seed(3)
    wrn = MuSigma(WideResNet(depth=16, widen_factor=1, sub_block1=True), CIFAR_MEAN, ROBUSTBENCH_STD)
    randomize(wrn, 3)
    sd = OrderedDict(("module." + k, v) for k, v in wrn.state_dict_flat().items())
    torch.save({"state_dict": sd, "epoch": 99}, os.path.join(OUT, "robustbench_wrn.pt"))
    add("robustbench_wrn", "robustbench_wrn.pt", "wide_resnet", "robustbench", {"depth": 16, "widen_factor": 1},
        reference("robustbench_wrn", wrn, x))

    # RobustBench PreActResNet-18 (width 4), bare sd with mu/sigma; non-contiguous and offset tensors
    torch.manual_seed(4)
    pre = MuSigma(PreActResNet(PreActBlock, [2, 2, 2, 2], width=4), CIFAR_MEAN, ROBUSTBENCH_STD)
    randomize(pre, 4)
    sd = pre.state_dict_flat()
    w = sd["linear.weight"]
    sd["linear.weight"] = w.t().contiguous().t()  # strides (1, out): column-major view
    b = sd["linear.bias"]
    big = torch.randn(b.numel() + 7)
    big[5:5 + b.numel()] = b
    sd["linear.bias"] = big[5:5 + b.numel()]  # storage offset 5 into a larger storage
    k = sd["layer2.0.conv1.weight"]
    sd["layer2.0.conv1.weight"] = k.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)  # channels-last strides
    assert not sd["linear.weight"].is_contiguous() and not sd["layer2.0.conv1.weight"].is_contiguous()
    torch.save(sd, os.path.join(OUT, "robustbench_preact_resnet18.pt"))
    ref = reference("robustbench_preact_resnet18", pre, x)
    add("robustbench_preact_resnet18", "robustbench_preact_resnet18.pt", "preact_resnet18", "robustbench",
        {"width": 4}, ref)
    write_safetensors(os.path.join(OUT, "robustbench_preact_resnet18.safetensors"), sd)
    add("robustbench_preact_resnet18_safetensors", "robustbench_preact_resnet18.safetensors", "preact_resnet18",
        "robustbench", {"width": 4}, ref)

    # RobustBench PreActResNet-18 as in Rice2020OverfittingNetL2: PreActBlockV2, bn_before_fc, mu/sigma
    torch.manual_seed(10)
    pre2 = MuSigma(PreActResNet(PreActBlockV2, [2, 2, 2, 2], width=4, bn_before_fc=True), CIFAR_MEAN,
                   ROBUSTBENCH_STD)
    randomize(pre2, 10)
    torch.save(pre2.state_dict_flat(), os.path.join(OUT, "robustbench_preact_resnet18_v2.pt"))
    add("robustbench_preact_resnet18_v2", "robustbench_preact_resnet18_v2.pt", "preact_resnet18", "robustbench",
        {"width": 4, "preact_block": "v2", "bn_before_fc": True}, reference("robustbench_preact_resnet18_v2", pre2, x))

    # RobustBench ResNet-18 (width 4 -> wm 1/16), no normaliser, legacy (non-zip) torch.save format
    torch.manual_seed(5)
    r18 = ResNet(RBasicBlock, [2, 2, 2, 2], wm=1 / 16)
    randomize(r18, 5)
    torch.save(r18.state_dict(), os.path.join(OUT, "robustbench_resnet18_legacy.pt"),
               _use_new_zipfile_serialization=False)
    add("robustbench_resnet18_legacy", "robustbench_resnet18_legacy.pt", "resnet18", "robustbench", {"width": 4},
        reference("robustbench_resnet18_legacy", r18, x))

    # plain ResNet-18: {'state_dict': 'model.'-prefixed}, float16 / float64 storages, normaliser as options
    torch.manual_seed(6)
    plain_mean, plain_std = [0.5, 0.45, 0.4], [0.25, 0.2, 0.3]
    net = ResNet(RBasicBlock, [2, 2, 2, 2], wm=1 / 16)
    plain = Normalized(net, plain_mean, plain_std)
    randomize(plain, 6)
    sd = OrderedDict(net.state_dict())
    for key in list(sd):
        if key.startswith("layer1.") and key.endswith("conv1.weight"):
            sd[key] = sd[key].half()
        elif key.endswith("running_var") or key == "conv1.weight":
            sd[key] = sd[key].double()
    net.load_state_dict(sd)  # the reference sees the float16-rounded weights too
    torch.save({"state_dict": OrderedDict(("model." + k, v) for k, v in sd.items())},
               os.path.join(OUT, "plain_resnet18.pt"))
    add("plain_resnet18", "plain_resnet18.pt", "resnet18", "plain",
        {"width": 4, "mean": plain_mean, "std": plain_std}, reference("plain_resnet18", plain, x))

    # Checkpoints that must be refused.
    torch.manual_seed(7)
    small = OrderedDict([("linear.weight", torch.randn(10, 8)), ("linear.bias", torch.randn(10))])
    torch.save({"model": small, "hook": Evil()}, os.path.join(OUT, "bad_foreign_global.pt"))
    with open(os.path.join(OUT, "robustness_resnet18.pt"), "rb") as f:
        whole = f.read()
    with open(os.path.join(OUT, "truncated.pt"), "wb") as f:
        f.write(whole[: len(whole) // 2])
    wrapped, ckpt = robustness_checkpoint(ResNet(RBasicBlock, [2, 2, 2, 2], num_classes=100, wm=1 / 16), 8)
    sd = OrderedDict((k, v) for k, v in ckpt["model"].items() if ".layer4.1." not in k)
    sd["module.model.extra.weight"] = torch.randn(3)
    torch.save({"model": sd, "epoch": 1}, os.path.join(OUT, "wrong_arch.pt"))

    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"inputs": "inputs.npy", "fixtures": manifest}, f, indent=2)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total / 1e6:.2f} MB, to {OUT}")

    if args.full:
        os.makedirs(FULL_OUT, exist_ok=True)
        torch.manual_seed(9)
        wrapped, ckpt = robustness_checkpoint(ResNet(RBottleneck, [3, 4, 6, 3]), 9)
        path = os.path.join(FULL_OUT, "robustness_resnet50_full.pt")
        torch.save(ckpt, path)
        with torch.no_grad():
            logits = wrapped(x).numpy().astype(np.float32)
        np.save(os.path.join(FULL_OUT, "robustness_resnet50_full.logits.npy"), logits)
        print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB)")


def bench_forward(path, batch, threads, reps):
    """Prints {"images_per_s", "threads", "batch"} of PyTorch's eval forward of the checkpoint at `path`."""
    import time
    torch.set_num_threads(threads)
    wrapped = AttackerModel(ResNet(RBottleneck, [3, 4, 6, 3]), CIFAR_MEAN, ROBUSTNESS_STD)
    sd = torch.load(path, map_location="cpu")["model"]
    wrapped.load_state_dict({k[len("module."):]: v for k, v in sd.items()})
    wrapped.eval()
    x = torch.rand(batch, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        wrapped(x)
        t0 = time.perf_counter()
        for _ in range(reps):
            wrapped(x)
        seconds = (time.perf_counter() - t0) / reps
    print(json.dumps({"images_per_s": batch / seconds, "threads": threads, "batch": batch}))


if __name__ == "__main__":
    main()
