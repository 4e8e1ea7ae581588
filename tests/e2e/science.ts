/**
 * What `configs/quick.yaml` must find on the planted-frequency data (lib/datasets/planted.ts: class c is
 * carried by DCT band `bands[c]`), read from a finished run's views (`outputs/quick/<instance>/`):
 * - Occluded Frequency of the natural model: each class's profile peaks at its planted band among the bands
 *   above the DC term (band 0 holds the mean grey level 0.5 that every class shares, so occluding it with
 *   the zero baseline moves every logit), and the planted band outweighs every other such band fivefold;
 * - the natural model's clean test accuracy is at least {@link ACCURACY_FLOOR};
 * - the RCT, Proposition 1 and spectra files and summaries equal a recomputation from the saved arrays
 *   (attack and synthesized images against the data stage's images), with a float64 loop DCT.
 */
import { assert, assertEquals } from "../pipeline/assert.ts";
import { join } from "node:path";
import { readNpy } from "../../lib/io/mod.ts";
import { bruteDct } from "../attribution/dct_reference.ts";

/** Least clean test accuracy of quick.yaml's natural model: the planted bands are easy (it reaches 1.0). */
export const ACCURACY_FLOOR = 0.9;

const json = async (dir: string, file: string) => JSON.parse(await Deno.readTextFile(join(dir, file)));
const npy = async (dir: string, file: string) => (await readNpy(join(dir, file))).data;

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) {
  assertEquals(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    assert(
      Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])),
      `${what}[${i}]: ${got[i]} vs ${want[i]}`,
    );
  }
}

/** Mean of an [H, W, C] map per diagonal band i + j (over the band's coefficients and channels). */
function bandMeans(map: ArrayLike<number>, h: number, w: number, c: number): number[] {
  const sum = new Array(h + w - 1).fill(0), count = new Array(h + w - 1).fill(0);
  for (let q = 0; q < h * w * c; q++) {
    const b = Math.floor(q / (w * c)) + Math.floor(q / c) % w;
    sum[b] += map[q];
    count[b]++;
  }
  return sum.map((s, b) => s / count[b]);
}

/** Low / middle / high shares of a profile with the third sizes `thirds`. */
function shares(profile: number[], thirds: number[]): number[] {
  const total = profile.reduce((a, v) => a + v, 0);
  const cut = [0, thirds[0], thirds[0] + thirds[1], profile.length];
  return [0, 1, 2].map((t) => profile.slice(cut[t], cut[t + 1]).reduce((a, v) => a + v, 0) / total);
}

/** Images of an NHWC array at `indices`. */
function gather(images: ArrayLike<number>, per: number, indices: ArrayLike<number>): Float64Array {
  const out = new Float64Array(indices.length * per);
  for (let k = 0; k < indices.length; k++) {
    for (let p = 0; p < per; p++) out[k * per + p] = images[indices[k] * per + p];
  }
  return out;
}

/** Asserts the planted answers and the recomputed summaries on the run whose views are under `views`. */
export async function assertPlantedScience(views: string): Promise<void> {
  const dir = (instance: string) => join(views, instance);
  const meta = await json(dir("data"), "meta.json");
  const bands: number[] = meta.source.planted.bands;
  const [h, w, c] = meta.shape as number[];
  const per = h * w * c;
  const B = h + w - 1;

  const accuracy = (await json(dir("evaluate_natural"), "summary.json")).clean_accuracy;
  assert(accuracy >= ACCURACY_FLOOR, `natural model's clean accuracy ${accuracy} < ${ACCURACY_FLOOR}`);

  // Occluded Frequency: above DC, the class profile of class k peaks at band bands[k], fivefold.
  const profiles = await npy(dir("occlusion_natural"), "class_profiles.npy");
  const peaks = bands.map((band, k) => {
    const row = Array.from(profiles.subarray(k * B + 1, (k + 1) * B) as Float32Array);
    const rest = row.filter((_, b) => b + 1 !== band).map(Math.abs);
    assert(row[band - 1] > 5 * Math.max(...rest), `class ${k}: planted band ${band} does not dominate`);
    return 1 + row.indexOf(Math.max(...row));
  });
  assertEquals(peaks, bands, `OF class-profile peaks ${peaks} are not the planted bands ${bands}`);

  const testX = await npy(dir("data"), "test_x.npy");
  // RCT of PGD: |DCT(x′ − x)| / max(|DCT(x)|, floor) over the successful pairs, then its band profile.
  const rct = dir("rct_pgd"), attack = dir("attack_pgd");
  const rs = await json(rct, "summary.json");
  const adv = await npy(attack, "adv_x.npy");
  const indices = await npy(attack, "indices.npy");
  const success = await npy(attack, "success.npy");
  const ks = Array.from(success, (s, k) => (s === 1 ? k : -1)).filter((k) => k >= 0);
  assertEquals(rs.pairs, ks.length);
  const map = new Float64Array(per);
  for (const k of ks) {
    const x = gather(testX, per, [indices[k]]);
    const cx = bruteDct(x, h, w, c);
    const cd = bruteDct(x.map((v, p) => adv[k * per + p] - v), h, w, c);
    cd.forEach((d, q) => (map[q] += Math.abs(d) / Math.max(Math.abs(cx[q]), rs.floor) / ks.length));
  }
  assertClose(await npy(rct, "rct.npy"), map, 1e-6, "rct_pgd rct.npy");
  const rctProfile = bandMeans(map, h, w, c);
  assertClose(await npy(rct, "band_profile.npy"), rctProfile, 1e-6, "rct_pgd band_profile.npy");
  assertClose(
    [rs.shares.low.estimate, rs.shares.middle.estimate, rs.shares.high.estimate],
    shares(rctProfile, rs.thirds),
    1e-6,
    "rct_pgd shares",
  );
  assertEquals(rs.peak_band, rctProfile.indexOf(Math.max(...rctProfile)));

  // Proposition 1 of PGD: per pair and channel, ‖x − x′‖₁ and |Σ(x − x′)|; the summary from them.
  const p1 = dir("prop1_pgd");
  const l1 = new Float64Array(indices.length * c), dc = new Float64Array(indices.length * c);
  for (let k = 0; k < indices.length; k++) {
    const sum = new Float64Array(c);
    for (let p = 0; p < per; p++) {
      const d = adv[k * per + p] - testX[indices[k] * per + p];
      l1[k * c + (p % c)] += Math.abs(d);
      sum[p % c] += d;
    }
    sum.forEach((s, ch) => (dc[k * c + ch] = Math.abs(s)));
  }
  assertClose(await npy(p1, "l1.npy"), l1, 1e-6, "prop1_pgd l1.npy");
  assertClose(await npy(p1, "dc_diff.npy"), dc, 1e-5, "prop1_pgd dc_diff.npy");
  const ps = await json(p1, "summary.json");
  assertEquals([ps.pairs, ps.holdsAll, ps.violations], [indices.length, true, 0]);
  const ratios = Array.from(l1, (v, i) => dc[i] / v).filter((r) => Number.isFinite(r));
  assertClose([ps.tightness.mean], [ratios.reduce((a, v) => a + v, 0) / ratios.length], 1e-5, "tightness");
  assertClose([ps.minSlack], [Math.min(...Array.from(l1, (v, i) => v - dc[i]))], 1e-5, "min slack");

  // Spectra of both synthesized sets: mean |DCT(x_r) − DCT(x_partner)| against the start image x₀ (the
  // paper's Fig. 3) and against the target x, band means, shares.
  const trainX = await npy(dir("data"), "train_x.npy");
  const sizes = [Math.ceil(B / 3), 0, 0];
  sizes[1] = Math.ceil((B - sizes[0]) / 2);
  sizes[2] = B - sizes[0] - sizes[1];
  for (const model of ["natural", "robust"]) {
    const suffix = model === "natural"
      ? "natural"
      : "robust[adversarial.method=pgd,adversarial.norm=linf,adversarial.eps=0.03,adversarial.steps=3]";
    const synth = dir(`synthesize_${suffix}`), spec = dir(`spectra_${suffix}`);
    const images = await npy(synth, "images.npy");
    const ss = await json(spec, "summary.json");
    for (const d of ["start", "target"] as const) {
      const partners = await npy(synth, `${d}_indices.npy`);
      const diff = new Float64Array(per);
      for (let i = 0; i < partners.length; i++) {
        const a = bruteDct(images.subarray(i * per, (i + 1) * per), h, w, c);
        const b = bruteDct(gather(trainX, per, [partners[i]]), h, w, c);
        a.forEach((v, q) => (diff[q] += Math.abs(v - b[q]) / partners.length));
      }
      const what = `spectra_${model} (x_r − ${d === "start" ? "x₀" : "x"})`;
      assertClose(await npy(spec, `diff_map_${d}.npy`), diff, 1e-4, `${what} diff_map_${d}.npy`);
      const profile = bandMeans(diff, h, w, c);
      assertClose(await npy(spec, `band_profile_${d}.npy`), profile, 1e-4, `${what} band_profile_${d}.npy`);
      assertEquals(ss.pairs, partners.length);
      const sh = ss.spectra[d].shares;
      assertClose(
        [sh.low.estimate, sh.middle.estimate, sh.high.estimate],
        shares(profile, sizes),
        1e-4,
        `${what} shares (thirds ${sizes})`,
      );
    }
  }
}
