/**
 * RobustBench's WideResNet (`architectures/wide_resnet.py`, from TRADES) with its parameter names:
 * depth 6n+4, widen factor k, stages of 16k/32k/64k channels, pre-activation BasicBlocks (`bn1`, `conv1`,
 * `bn2`, `conv2`, `convShortcut` when the width changes), final `bn1` + ReLU, `avg_pool2d(out, 8)`, `fc`.
 * The unused `sub_block1` some checkpoints carry (Carmon2019Unlabeled and others) is ignored by the caller.
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import type { TorchGraph } from "./graph.ts";

type Sym = tfl.SymbolicTensor;

/** Prefix of the tensors of WideResNet's unused `sub_block1`. */
export const WRN_UNUSED_PREFIX = "sub_block1.";

function block(g: TorchGraph, x: Sym, name: string, inC: number, outC: number, stride: number): Sym {
  const equalInOut = inC === outC;
  const act = g.relu(g.bn(x, `${name}.bn1`, inC), name);
  let out = g.conv(act, `${name}.conv1`, { inC, outC, k: 3, stride, padding: 1 });
  out = g.relu(g.bn(out, `${name}.bn2`, outC), name);
  out = g.conv(out, `${name}.conv2`, { inC: outC, outC, k: 3, stride: 1, padding: 1 });
  const short = equalInOut ? x : g.conv(act, `${name}.convShortcut`, { inC, outC, k: 1, stride, padding: 0 });
  return g.add(short, out, name);
}

/** WideResNet-`depth`-`widenFactor` on normalised NHWC input; returns the logits. */
export function wideResnet(
  g: TorchGraph,
  x: Sym,
  o: { depth: number; widenFactor: number; numClasses: number },
): Sym {
  if ((o.depth - 4) % 6 !== 0 || o.depth < 10) {
    throw new RangeError(`wide_resnet: depth ${o.depth} is not 6n+4 with n ≥ 1`);
  }
  const n = (o.depth - 4) / 6;
  const ch = [16, 16 * o.widenFactor, 32 * o.widenFactor, 64 * o.widenFactor];
  let out = g.conv(x, "conv1", { inC: 3, outC: ch[0], k: 3, stride: 1, padding: 1 });
  for (let b = 1; b <= 3; b++) {
    for (let i = 0; i < n; i++) {
      const inC = i === 0 ? ch[b - 1] : ch[b];
      const stride = i === 0 && b > 1 ? 2 : 1;
      out = block(g, out, `block${b}.layer.${i}`, inC, ch[b], stride);
    }
  }
  out = g.relu(g.bn(out, "bn1", ch[3]), "head");
  return g.linear(g.poolFeatures(out, 8), "fc", ch[3], o.numClasses);
}
