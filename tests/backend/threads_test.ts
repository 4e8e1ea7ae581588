import assert from "node:assert";
import { nativeAvailable } from "./helpers.ts";

/** The environment a child gets: what Deno needs to find its cache and libraries, none of the OpenMP
 * settings (the user's, or the ones loading oneDNN put into this process), which each test sets itself. */
function baseEnv(): Record<string, string> {
  const keep = /^(PATH|HOME|TMPDIR|LANG|LD_LIBRARY_PATH|DENO_.*|XDG_.*|NPM_CONFIG_.*)$/;
  return Object.fromEntries(Object.entries(Deno.env.toObject()).filter(([k]) => keep.test(k)));
}

/** Runs one convolution on the wasm backend in a fresh Deno with oneDNN's verbose log on. */
async function convWithVerboseOneDnn(
  env: Record<string, string>,
): Promise<{ log: string; threads: number; spin: string; contended: string }> {
  const backend = new URL("../../lib/backend/mod.ts", import.meta.url).href;
  const threads = new URL("../../lib/backend/native/threads.ts", import.meta.url).href;
  const script = `
    import * as tf from "@tensorflow/tfjs-core";
    import { backendInfo, initBackend } from "${backend}";
    import { contendedOpenMpEnv } from "${threads}";
    await initBackend("wasm");
    tf.conv2d(tf.ones([2, 8, 8, 4]), tf.ones([3, 3, 4, 4]), 1, "same").dataSync();
    console.log("threads=" + backendInfo().threads);
    console.log("spin=" + Deno.env.get("GOMP_SPINCOUNT"));
    console.log("contended=" + JSON.stringify(contendedOpenMpEnv()));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script],
    clearEnv: true,
    env: { ...baseEnv(), ...env, DNNL_VERBOSE: "1" },
    cwd: new URL("../..", import.meta.url).pathname,
  }).output();
  const log = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(out.success, log);
  return {
    log,
    threads: Number(log.match(/threads=(\d+)/)?.[1]),
    spin: log.match(/spin=(\S+)/)?.[1] ?? "",
    contended: log.match(/contended=(\S+)/)?.[1] ?? "",
  };
}

Deno.test({
  name: "oneDNN convolutions run on one thread per core, and backendInfo reports that count",
  ignore: !nativeAvailable(),
  fn: async () => {
    const { log, threads } = await convWithVerboseOneDnn({});
    const nthr = Number(log.match(/runtime:OpenMP,nthr:(\d+)/)?.[1]);
    assert.strictEqual(nthr, navigator.hardwareConcurrency, log.slice(0, 400));
    assert.strictEqual(threads, nthr);
    assert.match(log, /exec,cpu,convolution/, "the convolution ran in oneDNN");
  },
});

Deno.test({
  name: "OMP_NUM_THREADS caps oneDNN's threads, and the cap reaches backendInfo (cache keys)",
  ignore: !nativeAvailable(),
  fn: async () => {
    const { log, threads } = await convWithVerboseOneDnn({ OMP_NUM_THREADS: "1" });
    assert.match(log, /runtime:OpenMP,nthr:1\b/);
    assert.strictEqual(threads, 1);
  },
});

Deno.test({
  name: "OpenMP spins 30,000 turns (10,000 for stages side by side) unless the user chose a wait policy",
  ignore: !nativeAvailable(),
  fn: async () => {
    const contended = JSON.stringify({ GOMP_SPINCOUNT: "10000", FREQLENS_GOMP_SPINCOUNT_DEFAULT: "1" });
    const plain = await convWithVerboseOneDnn({});
    assert.strictEqual(plain.spin, "30000");
    assert.strictEqual(plain.contended, contended);
    // a child of a freqlens process inherits its default, marked as freqlens': still not the user's choice
    const inherited = await convWithVerboseOneDnn({
      GOMP_SPINCOUNT: "30000",
      FREQLENS_GOMP_SPINCOUNT_DEFAULT: "1",
    });
    assert.strictEqual(inherited.spin, "30000");
    assert.strictEqual(inherited.contended, contended);
    const active = await convWithVerboseOneDnn({ OMP_WAIT_POLICY: "active" });
    assert.strictEqual(active.spin, "undefined");
    assert.strictEqual(active.contended, "{}");
    const chosen = await convWithVerboseOneDnn({ GOMP_SPINCOUNT: "5" });
    assert.strictEqual(chosen.spin, "5");
    assert.strictEqual(chosen.contended, "{}");
  },
});
