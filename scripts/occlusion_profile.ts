/**
 * Profiles the parts of Occluded Frequency that are not forward passes — the DCT and per-band
 * contributions of each image, and the assembly of its occluded copies — on CIFAR-sized random images.
 * Run: `deno run -A scripts/occlusion_profile.ts [images]`; prints wall and CPU milliseconds per image for
 * each part (CPU time from /proc/self/stat, so the figure holds on a shared machine too).
 */
import { bandContributions, BandDecomposer, bandLayout } from "../lib/attribution/mod.ts";
import { dct2 } from "../lib/dct/mod.ts";
import { Rng } from "../lib/stats/mod.ts";

const n = Number(Deno.args[0] ?? 50);
const shape = [32, 32, 3] as const;
const per = 32 * 32 * 3;
const data = new Rng(1).uniformArray(n * per);
const layout = bandLayout(shape);
const out = new Float32Array(layout.bands * per);
/** User + system CPU time of this process in milliseconds (Linux). */
const cpuMs = () => {
  const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};
const time = (label: string, f: () => void) => {
  f();
  const [t0, c0] = [performance.now(), cpuMs()];
  f();
  const wall = (performance.now() - t0) / n;
  console.log(`${label}: ${wall.toFixed(3)} ms/image wall, ${((cpuMs() - c0) / n).toFixed(3)} ms/image CPU`);
};
time("dct2", () => {
  for (let i = 0; i < n; i++) dct2(Float64Array.from(data.subarray(i * per, (i + 1) * per)), [1, ...shape]);
});
const coeffs = dct2(Float64Array.from(data.subarray(0, per)), [1, ...shape]);
time("bandContributions", () => {
  for (let i = 0; i < n; i++) bandContributions(coeffs, layout, out);
});
const buffer = new Float32Array(per);
time("decompose + assemble all copies", () => {
  const d = new BandDecomposer({ data, shape: [n, ...shape] });
  for (let i = 0; i < n; i++) for (let k = 0; k < layout.bands; k++) d.ablate(i, (b) => b === k, buffer);
});
