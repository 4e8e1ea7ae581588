/** Figure builders: the data they put in a spec has the expected rows, and malformed input is refused. */
import { assert, assertEquals, assertThrows } from "./assert.ts";
import {
  bandShareSpec,
  channelMean,
  filteredAccuracySpec,
  fourierHeatmapSpec,
  indexTicks,
  ofClassProfileSpec,
  ofSingleImageSpec,
  pixelColors,
  PlotDataError,
  prop1ScatterSpec,
  rctFigureSpec,
  saliencyVsOcclusionSpec,
  spectraFigureSpec,
} from "../../lib/plots/mod.ts";
import { bandGrid, bandMeans } from "./examples.ts";

type Json = Record<string, unknown>;
// deno-lint-ignore no-explicit-any
const j = (spec: unknown): any => JSON.parse(JSON.stringify(spec));

/** All inline `data.values` arrays of a spec, depth first. */
function datasets(spec: unknown): Json[][] {
  const out: Json[][] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      const n = node as Json;
      const data = n.data as Json | undefined;
      if (data && Array.isArray(data.values)) out.push(data.values as Json[]);
      for (const [k, v] of Object.entries(n)) if (k !== "data") walk(v);
    }
  };
  walk(spec);
  return out;
}

Deno.test("RCT figure: one H×W cell table per attack (row-major i, j) and band profiles of 2H−1 bands", () => {
  const maps = ["FGSM", "PGD"].map((name, a) => ({
    name,
    map: bandGrid(4, a),
    bandProfile: bandMeans(bandGrid(4, a)),
  }));
  const data = datasets(rctFigureSpec(maps));
  assertEquals(data.length, 3);
  for (const [a, cells] of data.slice(0, 2).entries()) {
    assertEquals(cells.length, 16);
    assertEquals(Object.keys(cells[0]).sort(), ["i", "j", "value"]);
    assertEquals(cells[6], { i: 1, j: 2, value: Number((maps[a].map.values[6] as number).toPrecision(6)) });
  }
  assertEquals(data[2].length, 2 * 7);
  assertEquals(new Set(data[2].map((r) => r.series)), new Set(["FGSM", "PGD"]));
  assertThrows(
    () => rctFigureSpec([{ name: "x", map: { height: 4, width: 4, values: new Float32Array(15) } }]),
    PlotDataError,
    "needs 16 values, got 15",
  );
  assertThrows(() => rctFigureSpec([...maps, maps[0]]), PlotDataError, "duplicate name 'FGSM'");
  assertThrows(() => rctFigureSpec([]), PlotDataError);
});

Deno.test("spectra figure: both maps on one colour domain [0, max over both]", () => {
  const a = { height: 2, width: 2, values: [0, 1, 2, 3] };
  const b = { height: 2, width: 2, values: [0, 5, 1, 1] };
  const spec = j(spectraFigureSpec([
    { name: "robust", map: a, bandProfile: [0, 1.5, 3] },
    { name: "non-robust", map: b, bandProfile: [0, 3, 1] },
  ]));
  const heat = spec.vconcat[0].hconcat;
  assertEquals(
    heat.map((p: Json) =>
      (p.encoding as Json & { color: { scale: { domain: number[] } } }).color.scale.domain
    ),
    [
      [0, 5],
      [0, 5],
    ],
  );
  assertThrows(
    () =>
      spectraFigureSpec([{ name: "r", map: a, bandProfile: [1] }, {
        name: "n",
        map: b,
        bandProfile: [1, 2, 3],
      }]),
    PlotDataError,
    "series 'n' has 3 values, expected 1",
  );
});

Deno.test("OF class profiles: facet rows = models × classes × bands; 'sum' normalises each profile to Σ|v| = 1; mean averages classes", () => {
  const models = [
    { model: "natural", profiles: [[1, 3], [2, 2]] },
    { model: "robust", profiles: [[4, 0], [0, -2]] },
  ];
  const rows = datasets(ofClassProfileSpec(models, { classNames: ["a", "b"], normalise: "sum" }))[0];
  assertEquals(rows.length, 2 * 2 * 2);
  assertEquals(rows.filter((r) => r.model === "natural" && r.class === "a").map((r) => r.value), [
    0.25,
    0.75,
  ]);
  assertEquals(rows.filter((r) => r.model === "robust" && r.class === "b").map((r) => r.value), [0, -1]);
  const mean = datasets(ofClassProfileSpec(models, { classNames: ["a", "b"], layout: "mean" }))[0];
  assertEquals(mean.filter((r) => r.model === "natural").map((r) => r.value), [1.5, 2.5]);
  assertEquals(mean.filter((r) => r.model === "robust").map((r) => r.value), [2, -1]);
  assertThrows(
    () => ofClassProfileSpec(models, { classNames: ["a", "b", "c"] }),
    PlotDataError,
    "expected 3",
  );
  assertThrows(
    () => ofClassProfileSpec([{ model: "m", profiles: [[1, 2], [1]] }], { classNames: ["a", "b"] }),
    PlotDataError,
    "class 1: 1 bands, expected 2",
  );
});

Deno.test("single-image OF view: pixel grids carry the exact colours, bars mark the top bands", () => {
  assertEquals(pixelColors({ name: "g", height: 1, width: 3, channels: 1, pixels: [0, 0.5, 1.2] }), [
    "#000000",
    "#808080",
    "#ffffff",
  ]);
  assertEquals(pixelColors({ name: "c", height: 1, width: 1, channels: 3, pixels: [1, 0, 0.2] }), [
    "#ff0033",
  ]);
  assertThrows(
    () => pixelColors({ name: "bad", height: 2, width: 2, channels: 3, pixels: [1] }),
    PlotDataError,
    "needs 12",
  );
  const spec = ofSingleImageSpec({
    images: [{ name: "original", height: 2, width: 3, channels: 1, pixels: [0, 0, 0, 1, 1, 1] }],
    attribution: [0.5, -1, 2],
    topBands: [2],
  });
  const [pixels, bars] = datasets(spec);
  assertEquals(pixels.length, 6);
  assertEquals(pixels[4], { y: 1, x: 1, color: "#ffffff" });
  assertEquals(bars.map((b) => b.kind), ["other", "other", "top band"]);
  assertThrows(() => ofSingleImageSpec({ ...{ images: [], attribution: [1] } }), PlotDataError);
  assertThrows(
    () =>
      ofSingleImageSpec({
        images: [{ name: "o", height: 1, width: 1, channels: 1, pixels: [0] }],
        attribution: [1],
        topBands: [3],
      }),
    PlotDataError,
    "top band 3",
  );
});

Deno.test("Proposition 1 scatter: one point per finite pair, bound line from 0 to the largest value", () => {
  const spec = prop1ScatterSpec([
    { attack: "PGD", l1: [1, 4, NaN], dc: [0.5, 3, 1] },
    { attack: "CW", l1: [2], dc: [6] },
  ]);
  const [line, points] = datasets(spec);
  assertEquals(points.length, 3);
  assertEquals(line.map((p) => [p.l1, p.dc]), [[0, 0], [6, 6]]);
  const log = datasets(prop1ScatterSpec([{ attack: "a", l1: [0, 2, 4], dc: [1, 0, 2] }], { log: true }));
  assertEquals(log[1].length, 1, "log axes drop pairs with a zero side");
  assertEquals(log[0].map((p) => p.l1), [2, 4]);
  assertThrows(
    () => prop1ScatterSpec([{ attack: "a", l1: [1, 2], dc: [1] }]),
    PlotDataError,
    "2 l1 norms but 1 DC",
  );
});

Deno.test("Fourier, filtered, saliency and band-share builders: rows per input and shape checks", () => {
  const fourier = datasets(
    fourierHeatmapSpec([{ model: "m", errorRate: bandGrid(3, 1) }, {
      model: "n",
      errorRate: bandGrid(3, 2),
    }]),
  );
  assertEquals(fourier.map((d) => d.length), [9, 9]);
  assertThrows(
    () => fourierHeatmapSpec([{ model: "m", errorRate: { height: 0, width: 3, values: [] } }]),
    PlotDataError,
  );

  const filtered = datasets(
    filteredAccuracySpec([{
      model: "m",
      cutoffs: [0, 1, 2],
      lowPass: [0.1, 0.5, 0.9],
      highPass: [0.9, 0.4, 0.1],
    }]),
  )[0];
  assertEquals(filtered.length, 6);
  assertEquals(filtered.filter((r) => String(r.filter).startsWith("high")).map((r) => r.accuracy), [
    0.9,
    0.4,
    0.1,
  ]);
  assertThrows(
    () => filteredAccuracySpec([{ model: "m", cutoffs: [0, 1], lowPass: [1], highPass: [1, 1] }]),
    PlotDataError,
    "2 cut-offs but 1 low-pass",
  );

  const sal = datasets(saliencyVsOcclusionSpec([{ model: "m", saliency: [1, 3], occlusion: [2, -2] }]))[0];
  assertEquals(sal.map((r) => r.value), [0.25, 0.75, 0.5, -0.5]);
  assertThrows(
    () => saliencyVsOcclusionSpec([{ model: "m", saliency: [1, 3], occlusion: [2] }]),
    PlotDataError,
  );

  const shares = datasets(
    bandShareSpec("s", [{ group: "g", part: "low", share: 0.5, lo: 0.4, hi: 0.6 }], { groupTitle: "g" }),
  )[0];
  assertEquals(shares, [{ group: "g", part: "low", share: 0.5, lo: 0.4, hi: 0.6 }]);
  assertThrows(
    () =>
      bandShareSpec("s", [{ group: "g", part: "low", share: 0.7, lo: 0.4, hi: 0.6 }], { groupTitle: "g" }),
    PlotDataError,
    "outside its interval",
  );
});

Deno.test("channelMean averages the channel axis of HWC data; indexTicks spans 0..n−1", () => {
  const hwc = [1, 3, 2, 4, 10, 20, 0, 0]; // [2, 2, 2]
  assertEquals(Array.from(channelMean(hwc, [2, 2, 2]).values), [2, 3, 15, 0]);
  assertEquals(channelMean([1, 2], [1, 2]).values, [1, 2]);
  assertThrows(() => channelMean([1, 2, 3], [1, 2, 2]), PlotDataError, "needs 4");
  assertEquals(indexTicks(32), [0, 8, 16, 24, 31]);
  assertEquals(indexTicks(1), [0]);
  assert(indexTicks(28).includes(27));
});
