/**
 * The gradients freqlens patches — inference batch-norm (`./gradients.ts`), the training batch-norm layer
 * (`./batch_norm_layer.ts`, stock layer code on cpu) and the un-fused conv / matMul under a tape
 * (`./unfuse.ts`), the global average pooling's `Mean` (`./gradients.ts`) — against two independent expectations: central finite differences of a float64 loop
 * implementation (`./reference_grads.ts`), and tfjs' stock gradients from a child process that never
 * installs the patches (`./stock_gradients.ts`). Run on the cpu backend and on every wasm kernel path.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { initBackend } from "../../lib/backend/mod.ts";
import { type CaseResult, computeCase, type GradCase } from "./grad_cases.ts";
import { referenceCase } from "./reference_grads.ts";
import { kernelPaths, seededValues } from "./helpers.ts";

const vals = (n: number, seed: number, lo = -1, hi = 1) =>
  Array.from(seededValues(n, seed), (v) => lo + (hi - lo) * (v + 1) / 2);
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function bnInference(shape: [number, number, number, number], seed: number): GradCase {
  const c = shape[3], n = size(shape);
  return {
    kind: "bn_inference",
    shape,
    x: vals(n, seed),
    mean: vals(c, seed + 1, -0.5, 0.5),
    variance: vals(c, seed + 2, 0.2, 1.5),
    offset: vals(c, seed + 3),
    scale: vals(c, seed + 4, 0.5, 2),
    dy: vals(n, seed + 5),
    eps: 1e-3,
  };
}

function bnTraining(shape: [number, number, number, number], seed: number): GradCase {
  const c = shape[3], n = size(shape);
  return {
    kind: "bn_training",
    shape,
    x: vals(n, seed, -2, 4), // mean ≈ 1, not 0: a dropped mean term shows
    gamma: vals(c, seed + 1, 0.5, 2),
    beta: vals(c, seed + 2),
    movingMean: vals(c, seed + 3),
    movingVariance: vals(c, seed + 4, 0.5, 2),
    dy: vals(n, seed + 5),
    eps: 1e-3,
    momentum: 0.8,
  };
}

function conv(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: number,
  pad: "same" | "valid",
  activation: "relu" | "linear",
  seed: number,
): GradCase {
  const outH = pad === "same"
    ? Math.ceil(xShape[1] / strides)
    : Math.ceil((xShape[1] - filterShape[0] + 1) / strides);
  const outW = pad === "same"
    ? Math.ceil(xShape[2] / strides)
    : Math.ceil((xShape[2] - filterShape[1] + 1) / strides);
  return {
    kind: "conv",
    activation,
    xShape,
    filterShape,
    strides,
    pad,
    x: vals(size(xShape), seed),
    filter: vals(size(filterShape), seed + 1, -0.5, 0.5),
    bias: vals(filterShape[3], seed + 2, -0.2, 0.2),
    dy: vals(xShape[0] * outH * outW * filterShape[3], seed + 3),
  };
}

function dense(m: number, k: number, n: number, activation: "relu" | "linear", seed: number): GradCase {
  return {
    kind: "dense",
    activation,
    aShape: [m, k],
    bShape: [n, k],
    a: vals(m * k, seed),
    b: vals(n * k, seed + 1),
    bias: vals(n, seed + 2, -0.3, 0.3),
    dy: vals(m * n, seed + 3),
  };
}

function meanCase(shape: number[], axes: number[], seed: number): GradCase {
  const out = shape.filter((_, i) => !axes.includes(i));
  return { kind: "mean", shape, axes, x: vals(size(shape), seed), dy: vals(size(out), seed + 1) };
}

const CASES: GradCase[] = [
  bnInference([2, 5, 3, 4], 10),
  bnInference([1, 6, 6, 3], 20),
  bnTraining([2, 5, 3, 4], 30),
  bnTraining([3, 4, 4, 16], 40),
  conv([2, 5, 5, 3], [3, 3, 3, 4], 1, "same", "linear", 50),
  conv([2, 7, 6, 2], [3, 2, 2, 3], 2, "same", "relu", 60),
  conv([1, 6, 6, 2], [3, 3, 2, 2], 2, "valid", "linear", 70),
  dense(3, 7, 5, "linear", 80),
  dense(4, 6, 3, "relu", 90),
  meanCase([2, 3, 5, 4], [1, 2], 100),
  meanCase([3, 4, 6], [0, 2], 110),
];

/** Largest |got − want| / (1 + |want|) over one array. */
function maxErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  return m;
}

function label(c: GradCase, i: number): string {
  const names = {
    bn_inference: ["y", "dx", "dmean", "dvariance", "doffset", "dscale"],
    bn_training: ["y", "dx", "dgamma", "dbeta", "movingMean", "movingVariance"],
    conv: ["y", "dx", "dfilter", "dbias"],
    dense: ["y", "da", "db", "dbias"],
    mean: ["y", "dx"],
  }[c.kind];
  return `${c.kind} #${CASES.indexOf(c)} ${names[i]}`;
}

/** Asserts every array of `got` within `tol` of `want`, naming the case and array that is not. */
function assertClose(
  c: GradCase,
  got: ArrayLike<number>[],
  want: ArrayLike<number>[],
  tol: number,
  who: string,
) {
  assert.equal(got.length, want.length, `${who}: ${label(c, 0)} array count`);
  got.forEach((g, i) => {
    const err = maxErr(g, want[i]);
    assert.ok(err < tol, `${who}: ${label(c, i)} max relative error ${err.toExponential(2)} ≥ ${tol}`);
  });
}

async function runStock(): Promise<CaseResult[]> {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(file, JSON.stringify(CASES));
    const script = fileURLToPath(new URL("./stock_gradients.ts", import.meta.url));
    const out = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", script, file] }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } finally {
    await Deno.remove(file);
  }
}

let stockRun: Promise<CaseResult[]> | undefined;
/** The child's results, computed once per file. */
const stockResults = () => (stockRun ??= runStock());

const REFERENCE = CASES.map(referenceCase);
const TOL = 2e-4;

Deno.test("the float64 references agree with tfjs' stock gradients (patches not installed)", async () => {
  const stock = await stockResults();
  CASES.forEach((c, k) =>
    assertClose(c, stock[k].arrays, REFERENCE[k], TOL, "stock tfjs vs finite differences")
  );
  // The child really ran the stock code: its batch-norm gradient tiles, its linear conv and matMul stay fused
  // on the tape.
  assert.ok(stock[0].kernels.includes("Tile"), stock[0].kernels.join(","));
  assert.ok(stock[4].kernels.includes("FusedConv2D"), stock[4].kernels.join(","));
  assert.ok(stock[7].kernels.includes("_FusedMatMul"), stock[7].kernels.join(","));
});

for (const backend of ["cpu", "wasm"]) {
  Deno.test(`freqlens' patched gradients on ${backend} equal finite differences and tfjs' stock gradients`, async () => {
    const stock = await stockResults();
    const paths = backend === "cpu" ? [{ name: "cpu", use: () => {} }] : kernelPaths();
    for (const path of paths) {
      path.use();
      await initBackend(backend);
      for (const [k, c] of CASES.entries()) {
        const got = await computeCase(c);
        assertClose(c, got.arrays, REFERENCE[k], TOL, `${path.name} vs finite differences`);
        assertClose(c, got.arrays, stock[k].arrays, TOL, `${path.name} vs stock tfjs`);
        if (c.kind === "bn_inference") {
          assert.ok(!got.kernels.includes("Tile"), "the patched gradient is installed");
        }
        if (c.kind === "mean") {
          // the same float32 division of the same values: the stock bits, without its full-size ones
          if (backend === "cpu") assert.deepEqual(got.arrays, stock[k].arrays, `${label(c, 1)}: stock bits`);
          assert.ok(got.kernels.includes("Fill"), "the patched gradient is installed");
        }
        if (c.kind === "conv" || c.kind === "dense") {
          const fused = got.kernels.filter((k) => k === "FusedConv2D" || k === "_FusedMatMul");
          assert.deepEqual(fused, [], "conv and matMul are un-fused on the tape");
        }
      }
    }
  });
}
