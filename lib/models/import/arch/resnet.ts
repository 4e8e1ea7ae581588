/**
 * ResNets for 32×32 inputs with the parameter names of their PyTorch definitions:
 * - {@link resnet}: MadryLab robustness `cifar_models/resnet.py` (ResNet-18/34/50; 3×3 stem, no max-pool,
 *   BasicBlock or Bottleneck with a `shortcut` Sequential, `avg_pool2d(out, 4)`, `linear`), which is also
 *   RobustBench's `architectures/resnet.py` ResNet (same names; RobustBench has no width multiplier);
 * - {@link preactResnet}: RobustBench's PreActResNet with PreActBlock (shortcut from the block input, no
 *   batch norm before the classifier) or, as options, PreActBlockV2 and `bn_before_fc`.
 * Each builder wires layers into a {@link TorchGraph} and returns the logits tensor.
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import type { TorchGraph } from "./graph.ts";

type Sym = tfl.SymbolicTensor;

/** Block counts and block type of each ResNet depth. */
export const RESNET_LAYOUTS = {
  resnet18: { bottleneck: false, blocks: [2, 2, 2, 2] },
  resnet34: { bottleneck: false, blocks: [3, 4, 6, 3] },
  resnet50: { bottleneck: true, blocks: [3, 4, 6, 3] },
} as const;

/** Stage widths: `[w, 2w, 4w, 8w]` for base width `w` (64 in both libraries). */
export function stageWidths(width: number): number[] {
  return [width, 2 * width, 4 * width, 8 * width];
}

function basicBlock(g: TorchGraph, x: Sym, name: string, inC: number, planes: number, stride: number): Sym {
  let out = g.conv(x, `${name}.conv1`, { inC, outC: planes, k: 3, stride, padding: 1 });
  out = g.relu(g.bn(out, `${name}.bn1`, planes), name);
  out = g.conv(out, `${name}.conv2`, { inC: planes, outC: planes, k: 3, stride: 1, padding: 1 });
  out = g.bn(out, `${name}.bn2`, planes);
  let short = x;
  if (stride !== 1 || inC !== planes) {
    short = g.conv(x, `${name}.shortcut.0`, { inC, outC: planes, k: 1, stride, padding: 0 });
    short = g.bn(short, `${name}.shortcut.1`, planes);
  }
  return g.relu(g.add(out, short, name), name);
}

function bottleneck(g: TorchGraph, x: Sym, name: string, inC: number, planes: number, stride: number): Sym {
  const outC = 4 * planes;
  let out = g.conv(x, `${name}.conv1`, { inC, outC: planes, k: 1, stride: 1, padding: 0 });
  out = g.relu(g.bn(out, `${name}.bn1`, planes), name);
  out = g.conv(out, `${name}.conv2`, { inC: planes, outC: planes, k: 3, stride, padding: 1 });
  out = g.relu(g.bn(out, `${name}.bn2`, planes), name);
  out = g.conv(out, `${name}.conv3`, { inC: planes, outC, k: 1, stride: 1, padding: 0 });
  out = g.bn(out, `${name}.bn3`, outC);
  let short = x;
  if (stride !== 1 || inC !== outC) {
    short = g.conv(x, `${name}.shortcut.0`, { inC, outC, k: 1, stride, padding: 0 });
    short = g.bn(short, `${name}.shortcut.1`, outC);
  }
  return g.relu(g.add(out, short, name), name);
}

/** The CIFAR ResNet of robustness / RobustBench on normalised NHWC input `x`; returns the logits. */
export function resnet(
  g: TorchGraph,
  x: Sym,
  o: { bottleneck: boolean; blocks: readonly number[]; widths: number[]; numClasses: number },
): Sym {
  const expansion = o.bottleneck ? 4 : 1;
  let out = g.conv(x, "conv1", { inC: 3, outC: o.widths[0], k: 3, stride: 1, padding: 1 });
  out = g.relu(g.bn(out, "bn1", o.widths[0]), "stem");
  let inC = o.widths[0];
  for (let stage = 0; stage < 4; stage++) {
    for (let i = 0; i < o.blocks[stage]; i++) {
      const stride = i === 0 && stage > 0 ? 2 : 1;
      const name = `layer${stage + 1}.${i}`;
      out = (o.bottleneck ? bottleneck : basicBlock)(g, out, name, inC, o.widths[stage], stride);
      inC = o.widths[stage] * expansion;
    }
  }
  return g.linear(g.poolFeatures(out, 4), "linear", inC, o.numClasses);
}

function preActBlock(
  g: TorchGraph,
  x: Sym,
  name: string,
  o: { inC: number; planes: number; stride: number; shortcutFromActivation: boolean },
): Sym {
  const { inC, planes, stride } = o;
  const act = g.relu(g.bn(x, `${name}.bn1`, inC), name);
  const short = stride !== 1 || inC !== planes
    ? g.conv(o.shortcutFromActivation ? act : x, `${name}.shortcut.0`, {
      inC,
      outC: planes,
      k: 1,
      stride,
      padding: 0,
    })
    : x;
  let out = g.conv(act, `${name}.conv1`, { inC, outC: planes, k: 3, stride, padding: 1 });
  out = g.relu(g.bn(out, `${name}.bn2`, planes), name);
  out = g.conv(out, `${name}.conv2`, { inC: planes, outC: planes, k: 3, stride: 1, padding: 1 });
  return g.add(out, short, name);
}

/**
 * RobustBench's PreActResNet-18 ([2, 2, 2, 2]) on normalised input; returns the logits. `v2` is its
 * PreActBlockV2 (the shortcut conv takes the activated input), `bnBeforeFc` adds `bn` + ReLU before the
 * pooling (both as in Rice2020OverfittingNetL2).
 */
export function preactResnet(
  g: TorchGraph,
  x: Sym,
  o: { widths: number[]; numClasses: number; v2: boolean; bnBeforeFc: boolean },
): Sym {
  let out = g.conv(x, "conv1", { inC: 3, outC: o.widths[0], k: 3, stride: 1, padding: 1 });
  let inC = o.widths[0];
  for (let stage = 0; stage < 4; stage++) {
    for (let i = 0; i < 2; i++) {
      const stride = i === 0 && stage > 0 ? 2 : 1;
      const block = { inC, planes: o.widths[stage], stride, shortcutFromActivation: o.v2 };
      out = preActBlock(g, out, `layer${stage + 1}.${i}`, block);
      inC = o.widths[stage];
    }
  }
  if (o.bnBeforeFc) out = g.relu(g.bn(out, "bn", inC), "head");
  return g.linear(g.poolFeatures(out, 4), "linear", inC, o.numClasses);
}
