/**
 * Float64 brute-force references for {@link GradCase}s: each op written out in plain loops (no tfjs), and
 * its gradient by central finite differences of L = Σ y·dy. Returns the arrays in the order
 * {@link computeCase} does.
 */
import type {
  BnInferenceCase,
  BnTrainingCase,
  ConvCase,
  DenseCase,
  GradCase,
  MeanCase,
} from "./grad_cases.ts";

type Vec = Float64Array;

/** Central differences of `loss` in every element of every input (step h, float64). */
export function centralDifferences(loss: (inputs: Vec[]) => number, inputs: Vec[], h = 1e-6): Vec[] {
  return inputs.map((v) =>
    Float64Array.from(v, (orig, i) => {
      v[i] = orig + h;
      const up = loss(inputs);
      v[i] = orig - h;
      const down = loss(inputs);
      v[i] = orig;
      return (up - down) / (2 * h);
    })
  );
}

const dot = (a: Vec, b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const f64 = (v: number[]) => Float64Array.from(v);

/** Per-channel mean and biased variance of NHWC `x` with `c` channels. */
export function channelMoments(x: Vec, c: number): { mean: Vec; variance: Vec } {
  const mean = new Float64Array(c), variance = new Float64Array(c);
  const count = x.length / c;
  x.forEach((v, i) => (mean[i % c] += v / count));
  x.forEach((v, i) => (variance[i % c] += (v - mean[i % c]) ** 2 / count));
  return { mean, variance };
}

function bnInference(x: Vec, mean: Vec, variance: Vec, offset: Vec, scale: Vec, eps: number): Vec {
  const c = mean.length;
  return x.map((v, i) => (v - mean[i % c]) / Math.sqrt(variance[i % c] + eps) * scale[i % c] + offset[i % c]);
}

function bnTraining(x: Vec, gamma: Vec, beta: Vec, eps: number): Vec {
  const { mean, variance } = channelMoments(x, gamma.length);
  return bnInference(x, mean, variance, beta, gamma, eps);
}

/** NHWC convolution with filter [kh, kw, cin, cout], tfjs' "same" / "valid" padding, bias, activation. */
export function conv2d(
  x: Vec,
  c: Pick<ConvCase, "xShape" | "filterShape" | "strides" | "pad" | "activation">,
  filter: Vec,
  bias: Vec,
): Vec {
  const [n, h, w, cin] = c.xShape;
  const [kh, kw, , cout] = c.filterShape;
  const s = c.strides;
  const outH = c.pad === "same" ? Math.ceil(h / s) : Math.ceil((h - kh + 1) / s);
  const outW = c.pad === "same" ? Math.ceil(w / s) : Math.ceil((w - kw + 1) / s);
  const top = c.pad === "same" ? Math.floor(Math.max((outH - 1) * s + kh - h, 0) / 2) : 0;
  const left = c.pad === "same" ? Math.floor(Math.max((outW - 1) * s + kw - w, 0) / 2) : 0;
  const y = new Float64Array(n * outH * outW * cout);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        for (let o = 0; o < cout; o++) {
          let acc = bias[o];
          for (let di = 0; di < kh; di++) {
            for (let dj = 0; dj < kw; dj++) {
              const r = i * s + di - top, q = j * s + dj - left;
              if (r < 0 || r >= h || q < 0 || q >= w) continue;
              for (let k = 0; k < cin; k++) {
                acc += x[((b * h + r) * w + q) * cin + k] * filter[((di * kw + dj) * cin + k) * cout + o];
              }
            }
          }
          y[((b * outH + i) * outW + j) * cout + o] = c.activation === "relu" ? Math.max(acc, 0) : acc;
        }
      }
    }
  }
  return y;
}

/** act(a·bᵀ + bias), a [m, k], b [n, k]. */
function dense(a: Vec, b: Vec, bias: Vec, c: DenseCase): Vec {
  const [m, k] = c.aShape, n = c.bShape[0];
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = bias[j];
      for (let p = 0; p < k; p++) acc += a[i * k + p] * b[j * k + p];
      y[i * n + j] = c.activation === "relu" ? Math.max(acc, 0) : acc;
    }
  }
  return y;
}

/** The float64 reference of a case: `[y, gradients…]` (training batch-norm: then the moving statistics). */
/** Mean of `x` (row-major, `shape`) over `axes`, as plain loops over every element. */
function mean(x: Vec, { shape, axes }: MeanCase): Vec {
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const count = axes.reduce((n, a) => n * shape[a], 1);
  const out = new Float64Array(outShape.reduce((a, b) => a * b, 1));
  const index = new Array(shape.length).fill(0);
  for (let i = 0; i < x.length; i++) {
    let o = 0;
    shape.forEach((d, k) => {
      if (!axes.includes(k)) o = o * d + index[k];
    });
    out[o] += x[i] / count;
    for (let k = shape.length - 1; k >= 0 && ++index[k] === shape[k]; k--) index[k] = 0;
  }
  return out;
}

export function referenceCase(c: GradCase): Vec[] {
  switch (c.kind) {
    case "bn_inference": {
      const k = c as BnInferenceCase;
      const forward = (v: Vec[]) => bnInference(v[0], v[1], v[2], v[3], v[4], k.eps);
      const inputs = [k.x, k.mean, k.variance, k.offset, k.scale].map(f64);
      return [forward(inputs), ...centralDifferences((v) => dot(forward(v), k.dy), inputs)];
    }
    case "bn_training": {
      const k = c as BnTrainingCase;
      const forward = (v: Vec[]) => bnTraining(v[0], v[1], v[2], k.eps);
      const inputs = [k.x, k.gamma, k.beta].map(f64);
      const { mean, variance } = channelMoments(inputs[0], k.gamma.length);
      const decay = 1 - k.momentum;
      const moving = (old: number[], batch: Vec) =>
        Float64Array.from(old, (m, i) => m - (m - batch[i]) * decay);
      return [
        forward(inputs),
        ...centralDifferences((v) => dot(forward(v), k.dy), inputs),
        moving(k.movingMean, mean),
        moving(k.movingVariance, variance),
      ];
    }
    case "conv": {
      const forward = (v: Vec[]) => conv2d(v[0], c, v[1], v[2]);
      const inputs = [c.x, c.filter, c.bias].map(f64);
      return [forward(inputs), ...centralDifferences((v) => dot(forward(v), c.dy), inputs)];
    }
    case "dense": {
      const forward = (v: Vec[]) => dense(v[0], v[1], v[2], c);
      const inputs = [c.a, c.b, c.bias].map(f64);
      return [forward(inputs), ...centralDifferences((v) => dot(forward(v), c.dy), inputs)];
    }
    case "mean": {
      const forward = (v: Vec[]) => mean(v[0], c);
      const inputs = [f64(c.x)];
      return [forward(inputs), ...centralDifferences((v) => dot(forward(v), c.dy), inputs)];
    }
  }
}
