"""Writes tests/fixtures/models/vgg_params.json: trainable parameter counts and weight-layer counts of the
CIFAR VGG nets as the authors' code builds them (vgg_attack_CIFAR/vgg.py: torchvision's `make_layers` with
batch-norm over the configuration lists, a 512-512 head, 10 classes), every width scaled by a multiplier,
with and without the conv bias. Parameters are counted from the shapes PyTorch gives each module
(Conv2d weight [out, in, 3, 3] + bias [out], BatchNorm2d weight + bias [c], Linear weight [out, in] +
bias [out]) — an independent reference for tests/models/vgg_test.ts. PyTorch itself is not needed
(when it is installed, `--torch` builds the nets and checks the counts against `numel()`).

    python3 scripts/fixtures_vgg.py [--torch]
"""
import json
import os
import sys

CFG = {
    11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    19: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
         512, 512, 512, 512, "M"],
}


def counts(depth, mult, bias, classes=10):
    """(trainable parameters, weight layers) walking the configuration like make_layers."""
    scale = lambda w: max(1, round(w * mult))
    params, layers, c = 0, 0, 3
    for v in CFG[depth]:
        if v == "M":
            continue  # MaxPool2d: no parameters
        out = scale(v)
        params += out * c * 9 + (out if bias else 0) + 2 * out  # Conv2d (+ bias), BatchNorm2d
        layers, c = layers + 1, out
    h = scale(512)
    for fan_in, fan_out in ((c, h), (h, h), (h, classes)):  # Linear layers of the head
        params += fan_in * fan_out + fan_out
        layers += 1
    return params, layers


def torch_count(depth, mult, bias, classes=10):
    import torch.nn as nn
    scale = lambda w: max(1, round(w * mult))
    mods, c = [], 3
    for v in CFG[depth]:
        if v == "M":
            mods.append(nn.MaxPool2d(2, 2))
        else:
            mods += [nn.Conv2d(c, scale(v), 3, padding=1, bias=bias), nn.BatchNorm2d(scale(v)), nn.ReLU()]
            c = scale(v)
    mods += [nn.Flatten(), nn.Linear(c, scale(512)), nn.ReLU(), nn.Linear(scale(512), scale(512)), nn.ReLU(),
             nn.Linear(scale(512), classes)]
    return sum(p.numel() for p in nn.Sequential(*mods).parameters())


rows = []
for depth in (11, 13, 16, 19):
    for mult in (1, 0.5, 0.25):
        params, layers = counts(depth, mult, False)
        with_bias = counts(depth, mult, True)[0]
        if "--torch" in sys.argv:
            assert torch_count(depth, mult, False) == params and torch_count(depth, mult, True) == with_bias
        rows.append({"depth": depth, "width_multiplier": mult, "params": params,
                     "params_with_conv_bias": with_bias, "weight_layers": layers})
out = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "models", "vgg_params.json")
with open(out, "w") as f:
    json.dump(rows, f, indent=1)
    f.write("\n")
print(json.dumps(rows))
