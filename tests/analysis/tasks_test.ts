/**
 * The `rct` and `prop1` tasks on a hand-made attack entry whose `indices.npy` is a permutation with gaps
 * (so pairing an adversarial image with the wrong clean image changes every number), against brute force:
 * a float64 loop DCT (tests/attribution/dct_reference.ts) for RCT, plain sums for Proposition 1.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { StageInput, TaskContext, TaskDefinition } from "../../pipeline/task.ts";
import { readNpy } from "../../lib/io/mod.ts";
import rctTask from "../../tasks/rct.ts";
import prop1Task from "../../tasks/prop1.ts";
import { bruteDct } from "../attribution/dct_reference.ts";
import { writeAttackStage, writeDataStage } from "../stages/helpers.ts";

const [H, W, C, TOTAL] = [5, 6, 2, 12];
const PER = H * W * C;
const INDICES = Int32Array.of(7, 2, 11, 0, 5, 9);
const SUCCESS = Uint8Array.of(1, 0, 1, 1, 0, 1);

/** Deterministic values in [0, 1) (a tiny LCG, independent of the code under test). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32));
}

const TEST_X = values(TOTAL * PER, 3);
const cleanOf = (k: number) => TEST_X.subarray(INDICES[k] * PER, (INDICES[k] + 1) * PER);
// Adversarial images: the clean image plus a perturbation that differs per pair, clipped to [0, 1].
const ADV = new Float32Array(INDICES.length * PER);
const noise = values(INDICES.length * PER, 4);
INDICES.forEach((_, k) => {
  const x = cleanOf(k);
  for (let p = 0; p < PER; p++) {
    ADV[k * PER + p] = Math.min(1, Math.max(0, x[p] + 0.2 * (noise[k * PER + p] - 0.5) * (1 + k)));
  }
});

async function stageDirs(root: string) {
  const dataDir = join(root, "data"), attackDir = join(root, "attack");
  await writeDataStage(dataDir, {
    test: { images: TEST_X, labels: new Int32Array(TOTAL), shape: [TOTAL, H, W, C] },
    classNames: ["only"],
  });
  await writeAttackStage(attackDir, { data: ADV, shape: [INDICES.length, H, W, C] }, INDICES, SUCCESS);
  const input = (dir: string): StageInput[] => [{ instance: dir, stage: dir, dir, params: {}, coords: [] }];
  return { attack: input(attackDir), data: input(dataDir) };
}

async function runTask<P>(
  task: TaskDefinition<P>,
  raw: unknown,
  inputs: Record<string, StageInput[]>,
  out: string,
) {
  await Deno.mkdir(out);
  const ctx: TaskContext<P> = {
    instance: out,
    params: task.params.parse(raw),
    inputs,
    outDir: out,
    seed: 5,
    backend: "cpu",
    progress: { start() {}, update() {}, finish() {} },
    log() {},
  };
  await task.run(ctx);
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(
      Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])),
      `${what}[${i}]: ${got[i]} vs ${want[i]}`,
    );
  }
}

/** Brute-force RCT of pairs `ks`: map [H,W,C], channel mean [H,W], band profile, per-image profiles. */
function bruteRct(ks: number[], floor: number) {
  const map = new Float64Array(PER);
  const images: Float64Array[] = [];
  for (const k of ks) {
    const x = cleanOf(k);
    const cx = bruteDct(x, H, W, C);
    const cd = bruteDct(Float64Array.from(x, (v, p) => ADV[k * PER + p] - v), H, W, C);
    const r = cd.map((d, p) => Math.abs(d) / Math.max(Math.abs(cx[p]), floor));
    r.forEach((v, p) => (map[p] += v / ks.length));
    images.push(r);
  }
  const channelMean = (m: Float64Array) =>
    Float64Array.from({ length: H * W }, (_, q) => {
      let s = 0;
      for (let ch = 0; ch < C; ch++) s += m[q * C + ch] / C;
      return s;
    });
  const profile = (m: Float64Array) => {
    const mean = channelMean(m), sum = new Float64Array(H + W - 1), count = new Float64Array(H + W - 1);
    mean.forEach((v, q) => {
      const b = Math.floor(q / W) + (q % W);
      sum[b] += v;
      count[b]++;
    });
    return sum.map((s, b) => s / count[b]);
  };
  return {
    map,
    mean: channelMean(map),
    profile: profile(map),
    imageProfiles: images.flatMap((r) => [...profile(r)]),
  };
}

Deno.test("rct task on permuted, gapped indices: maps, profiles and shares equal a brute-force DCT", async () => {
  const root = await Deno.makeTempDir();
  try {
    const inputs = await stageDirs(root);
    for (const subset of ["successful", "all"] as const) {
      const out = join(root, `rct_${subset}`);
      await runTask(rctTask, { subset, resamples: 20, floor: 0.02 }, inputs, out);
      const ks = INDICES.map((_, k) => k).filter((k) => subset === "all" || SUCCESS[k] === 1);
      const want = bruteRct([...ks], 0.02);
      assertClose((await readNpy(join(out, "rct.npy"))).data, want.map, 1e-6, `${subset} rct.npy`);
      assertClose((await readNpy(join(out, "rct_mean.npy"))).data, want.mean, 1e-6, `${subset} rct_mean.npy`);
      assertClose(
        (await readNpy(join(out, "band_profile.npy"))).data,
        want.profile,
        1e-6,
        `${subset} profile`,
      );
      assertClose(
        (await readNpy(join(out, "image_band_profiles.npy"))).data,
        want.imageProfiles,
        1e-6,
        `${subset} image profiles`,
      );
      const summary = JSON.parse(await Deno.readTextFile(join(out, "summary.json")));
      assert.equal(summary.pairs, ks.length);
      assert.equal(summary.attacked, INDICES.length);
      assert.equal(summary.peak_band, want.profile.indexOf(Math.max(...want.profile)));
      // Shares: the profile's mass in the low / middle / high thirds (sizes as recorded).
      const [a, b] = summary.thirds;
      const total = want.profile.reduce((s, v) => s + v, 0);
      const part = (lo: number, hi: number) => want.profile.slice(lo, hi).reduce((s, v) => s + v, 0) / total;
      assertClose(
        [summary.shares.low.estimate, summary.shares.middle.estimate, summary.shares.high.estimate],
        [part(0, a), part(a, a + b), part(a + b, H + W - 1)],
        1e-9,
        `${subset} shares`,
      );
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("prop1 task on permuted, gapped indices: l1 and DC change per pair and channel equal plain sums", async () => {
  const root = await Deno.makeTempDir();
  try {
    const out = join(root, "prop1");
    await runTask(prop1Task, {}, await stageDirs(root), out);
    const l1 = new Float64Array(INDICES.length * C), dc = new Float64Array(INDICES.length * C);
    INDICES.forEach((_, k) => {
      const x = cleanOf(k);
      const sum = new Float64Array(C);
      for (let p = 0; p < PER; p++) {
        const d = ADV[k * PER + p] - x[p];
        l1[k * C + (p % C)] += Math.abs(d);
        sum[p % C] += d;
      }
      sum.forEach((s, ch) => (dc[k * C + ch] = Math.abs(s)));
    });
    assertClose((await readNpy(join(out, "l1.npy"))).data, l1, 1e-9, "l1.npy");
    assertClose((await readNpy(join(out, "dc_diff.npy"))).data, dc, 1e-6, "dc_diff.npy");
    const summary = JSON.parse(await Deno.readTextFile(join(out, "summary.json")));
    assert.equal(summary.pairs, INDICES.length);
    assert.equal(summary.holdsAll, true);
    const ratios = Array.from(l1, (v, i) => dc[i] / v);
    assertClose(
      [summary.tightness.mean],
      [ratios.reduce((s, v) => s + v, 0) / ratios.length],
      1e-6,
      "tightness",
    );
    assertClose([summary.minSlack], [Math.min(...Array.from(l1, (v, i) => v - dc[i]))], 1e-6, "min slack");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
