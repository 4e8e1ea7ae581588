/**
 * The real numeric stages through `run --executor slurm --wait` on the local one-node SLURM (data → train →
 * attack → RCT, a small slice of quick.yaml): every stage is its own job, and the store keys and `.npy` bytes
 * equal those of a local run with the same thread count (OMP_NUM_THREADS=2 here, `resources.cpus=2` there).
 * Editing the attack's epsilon then submits exactly what a local run would rerun. Skipped, with a message,
 * where no SLURM controller answers (unless FREQLENS_REQUIRE_SLURM=1).
 */
import { join } from "node:path";
import { slurmMissing } from "../pipeline/slurm_helpers.ts";
import { assert, assertEquals } from "../pipeline/assert.ts";
import { cli, ROOT, summaryOf } from "../pipeline/helpers.ts";
import { listFiles, readManifest } from "../../pipeline/store.ts";

const YAML = `name: slurm_numeric
seed: 0
stages:
  data:
    task: data
    params: { dataset: planted, size: 8, channels: 1, num_classes: 2, train_per_class: 32, test_per_class: 8 }
  train:
    task: train
    inputs: { data: data }
    params: { arch: small_cnn, epochs: 1 }
  attack:
    task: attack
    inputs: { model: train, data: data }
    params: { method: fgsm, eps: 0.15, limit: 8, batch_size: 8 }
  rct:
    task: rct
    inputs: { attack: attack, data: data }
    params: { resamples: 20 }
`;

const missing = slurmMissing("slurm_numeric_test");

/** `<key>/<file>` → SHA-256 recorded in the manifest, and the `.npy` files' bytes (summaries hold timings, so
 * only the `.npy` arrays are compared byte for byte). */
function storeContents(outputs: string): { files: Map<string, string>; npy: Map<string, Uint8Array> } {
  const files = new Map<string, string>();
  const npy = new Map<string, Uint8Array>();
  const store = join(outputs, ".store");
  for (const e of Deno.readDirSync(store)) {
    if (e.name.startsWith(".")) continue;
    const m = readManifest(join(store, e.name))!;
    for (const [f, rec] of Object.entries(m.files)) files.set(`${e.name}/${f}`, rec.sha256);
    for (const f of listFiles(join(store, e.name)).filter((f) => f.endsWith(".npy"))) {
      npy.set(`${e.name}/${f}`, Deno.readFileSync(join(store, e.name, f)));
    }
  }
  return { files, npy };
}

Deno.test({
  name:
    "slurm: numeric stages as jobs give the keys and .npy bytes of a local run; an epsilon edit submits what local reruns",
  ignore: !!missing,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "freqlens-slurm-numeric-" });
    try {
      const config = join(dir, "c.yaml");
      await Deno.writeTextFile(config, YAML);
      const [local, slurm] = [join(dir, "local"), join(dir, "slurm")];
      const env = { OMP_NUM_THREADS: "2", FREQLENS_SLURM_POLL_MS: "500" };
      const l = await cli(["run", config, "--outputs", local], env, ROOT);
      assertEquals(l.code, 0, l.stderr);
      const slurmArgs = ["--outputs", slurm, "--executor", "slurm", "--set", "resources.cpus=2"];
      const s = await cli(["run", config, ...slurmArgs, "--wait"], { FREQLENS_SLURM_POLL_MS: "500" }, ROOT);
      assertEquals(s.code, 0, s.stderr);
      assertEquals(summaryOf(s.stdout), { ran: 4, cached: 0, failed: 0, skipped: 0 });
      const jobs = [...s.stderr.matchAll(/^submitted (\S+) as job (\d+)/gm)].map((m) => m[2]);
      assertEquals(new Set(jobs).size, 4, "one job per stage");

      const [a, b] = [storeContents(local), storeContents(slurm)];
      assertEquals([...b.files.keys()].sort(), [...a.files.keys()].sort(), "same keys and files");
      assert(a.npy.size >= 8, `only ${a.npy.size} .npy files`);
      for (const [k, v] of a.npy) assertEquals(b.npy.get(k), v, k);

      await Deno.writeTextFile(config, YAML.replace("eps: 0.15", "eps: 0.1"));
      const dry = await cli(["run", config, "--outputs", local, "--dry-run"], env, ROOT);
      const wouldRun = [...dry.stdout.matchAll(/^would run {2}(\S+)/gm)].map((m) => m[1]).sort();
      const again = await cli(["run", config, ...slurmArgs], {}, ROOT);
      assertEquals(again.code, 0, again.stderr);
      const submitted = [...again.stderr.matchAll(/^submitted (\S+) as job/gm)].map((m) => m[1]).sort();
      assertEquals(submitted, wouldRun);
      assertEquals(submitted, ["attack", "rct"]);
      const cancel = await cli(["cancel", config, "--outputs", slurm, "--set", "resources.cpus=2"], {}, ROOT);
      assertEquals(cancel.code, 0, cancel.stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
