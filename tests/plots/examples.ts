/**
 * Small deterministic inputs for every figure builder, shared by the plot tests (and handy to eyeball a
 * figure: `deno run -A tests/plots/render_examples.ts OUTDIR`).
 */
import {
  bandProfileSpec,
  bandShareSpec,
  type FigureSpec,
  filteredAccuracySpec,
  fourierHeatmapSpec,
  type Grid,
  ofClassProfileSpec,
  ofSingleImageSpec,
  prop1ScatterSpec,
  rctFigureSpec,
  saliencyVsOcclusionSpec,
  spectraFigureSpec,
} from "../../lib/plots/mod.ts";

/** A deterministic pseudo-random stream in [0, 1) (LCG), so examples are the same on every run. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** An n×n map that grows with the band i + j (like an attack's RCT map), plus noise. */
export function bandGrid(n: number, seed: number, peak = 1): Grid {
  const rand = lcg(seed);
  const values = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) values[i * n + j] = peak * ((i + j) / (2 * n - 2)) + 0.1 * rand();
  }
  return { height: n, width: n, values };
}

/** Per-band means of a grid (anti-diagonals i + j = k). */
export function bandMeans(grid: Grid): number[] {
  const bands = grid.height + grid.width - 1;
  const sum = new Array(bands).fill(0);
  const count = new Array(bands).fill(0);
  for (let i = 0; i < grid.height; i++) {
    for (let j = 0; j < grid.width; j++) {
      sum[i + j] += grid.values[i * grid.width + j];
      count[i + j]++;
    }
  }
  return sum.map((s, k) => s / count[k]);
}

/** An n×n RGB image in [0, 1]: a smooth gradient with a checker pattern. */
export function exampleImage(n: number): Float32Array {
  const px = new Float32Array(n * n * 3);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const p = (y * n + x) * 3;
      px[p] = x / (n - 1);
      px[p + 1] = y / (n - 1);
      px[p + 2] = (x + y) % 2 === 0 ? 0.9 : 0.2;
    }
  }
  return px;
}

/** Every figure of the report, built from synthetic data on 8×8 maps (15 bands). */
export function exampleFigures(n = 8): Record<string, FigureSpec> {
  const bands = 2 * n - 1;
  const attacks = ["FGSM", "PGD", "CW", "SimBA"];
  const rct = attacks.map((name, a) => {
    const map = bandGrid(n, a + 1, a + 1);
    return { name, map, bandProfile: bandMeans(map) };
  });
  const rand = lcg(7);
  const classNames = ["zero", "one", "two"];
  const profile = (shift: number) =>
    classNames.map(() =>
      Array.from({ length: bands }, (_, k) => Math.exp(-((k - shift) ** 2) / 8) + 0.05 * rand())
    );
  const image = exampleImage(n);
  const dark = image.map((v) => v * 0.4);
  return {
    rct: rctFigureSpec(rct),
    rct_bands: bandProfileSpec(
      "RCT band profiles",
      rct.map((r) => ({ name: r.name, values: r.bandProfile })),
      {
        yTitle: "mean RCT",
        seriesTitle: "attack",
      },
    ),
    spectra: spectraFigureSpec([
      { name: "robust", map: bandGrid(n, 11, 0.2), bandProfile: bandMeans(bandGrid(n, 11, 0.2)) },
      { name: "non-robust", map: bandGrid(n, 12, 1), bandProfile: bandMeans(bandGrid(n, 12, 1)) },
    ]),
    of_classes: ofClassProfileSpec(
      [{ model: "natural", profiles: profile(10) }, { model: "l2 0.5", profiles: profile(2) }],
      { classNames, normalise: "sum" },
    ),
    of_mean: ofClassProfileSpec(
      [{ model: "natural", profiles: profile(10) }, { model: "l2 0.5", profiles: profile(2) }],
      { classNames, layout: "mean" },
    ),
    of_image: ofSingleImageSpec({
      images: [
        { name: "original", height: n, width: n, channels: 3, pixels: image },
        { name: "lowest 3 bands removed", height: n, width: n, channels: 3, pixels: dark },
        {
          name: "top 3 bands removed",
          height: n,
          width: n,
          channels: 1,
          pixels: image.filter((_, i) => i % 3 === 0),
        },
      ],
      attribution: Array.from({ length: bands }, (_, k) => Math.sin(k / 2)),
      topBands: [2, 3, 9],
    }),
    prop1: prop1ScatterSpec(attacks.map((attack, a) => {
      const l1 = Array.from({ length: 30 }, () => (a + 1) * 10 * rand());
      return { attack, l1, dc: l1.map((v) => v * rand()) };
    })),
    fourier: fourierHeatmapSpec([
      { model: "natural", errorRate: bandGrid(n, 21, 0.9) },
      { model: "l∞ 8/255", errorRate: bandGrid(n, 22, 0.3) },
    ]),
    filtered: filteredAccuracySpec(["natural", "robust"].map((model, m) => {
      const cutoffs = Array.from({ length: bands }, (_, k) => k);
      return {
        model,
        cutoffs,
        lowPass: cutoffs.map((k) => Math.min(1, 0.1 + (k / bands) * (1.2 - 0.3 * m))),
        highPass: cutoffs.map((k) => Math.max(0.1, 0.9 - (k / bands) * (0.6 + 0.3 * m))),
      };
    })),
    saliency: saliencyVsOcclusionSpec([
      { model: "natural", saliency: bandMeans(bandGrid(n, 31)), occlusion: profile(10)[0] },
      { model: "robust", saliency: bandMeans(bandGrid(n, 32, 0.1)) },
    ]),
    shares: bandShareSpec(
      "RCT band shares",
      attacks.flatMap((group, a) =>
        ["low", "middle", "high"].map((part, p) => {
          const share = [0.1, 0.3, 0.6][p] + 0.02 * a;
          return { group, part, share, lo: share - 0.03, hi: share + 0.04 };
        })
      ),
      { groupTitle: "attack" },
    ),
  };
}
