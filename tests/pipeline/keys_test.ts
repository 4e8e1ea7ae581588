/** Canonical JSON, cache keys and the reasons `status` gives for a changed key. */
import fc from "fast-check";
import { assert, assertEquals } from "./assert.ts";
import { canonicalJson } from "../../pipeline/canonical.ts";
import { cacheKey, instanceSeed, type KeyComponents } from "../../pipeline/keys.ts";
import { loadConfig } from "../../pipeline/config.ts";
import { expandConfig } from "../../pipeline/expand.ts";
import { planPipeline } from "../../pipeline/plan.ts";
import { tempProject } from "./helpers.ts";
import { explainChange } from "../../pipeline/why.ts";

const json = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)));

function shuffleKeys(v: unknown, rnd: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => shuffleKeys(x, rnd));
  if (v && typeof v === "object") {
    const entries = Object.entries(v).sort(() => rnd() - 0.5);
    return Object.fromEntries(entries.map(([k, x]) => [k, shuffleKeys(x, rnd)]));
  }
  return v;
}

Deno.test("canonicalJson: round-trips and ignores key order", () => {
  fc.assert(fc.property(json, fc.integer(), (v, seed) => {
    let s = seed;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    assertEquals(JSON.parse(canonicalJson(v)), v);
    assertEquals(canonicalJson(shuffleKeys(v, rnd)), canonicalJson(v));
  }));
  assertEquals(canonicalJson({ b: 1, a: [-0, "x"] }), '{"a":[0,"x"],"b":1}');
});

const base: KeyComponents = {
  format: 1,
  kind: "attack",
  seed: 5,
  params: { eps: 0.03, method: "pgd", opts: { steps: 10 } },
  inputs: { model: ["k1"], data: ["k2"] },
  sources: { "tasks/attack.ts": "aa", "lib/dct/mod.ts": "bb" },
  packages: ["@tensorflow/tfjs-core@4.22.0", "zod@4.6.7"],
  backend: { name: "wasm", threads: 2, version: "v1" },
};

Deno.test("cacheKey: every component matters, and only the components", () => {
  const variants: [string, KeyComponents][] = [
    ["kind", { ...base, kind: "attack2" }],
    ["seed", { ...base, seed: 6 }],
    ["param", { ...base, params: { ...base.params, eps: 0.1 } }],
    ["nested param", { ...base, params: { ...base.params, opts: { steps: 11 } } }],
    ["input", { ...base, inputs: { ...base.inputs, model: ["k3"] } }],
    ["source", { ...base, sources: { ...base.sources, "lib/dct/mod.ts": "bc" } }],
    ["package", { ...base, packages: ["@tensorflow/tfjs-core@4.22.1", "zod@4.6.7"] }],
    ["threads", { ...base, backend: { name: "wasm", threads: 1, version: "v1" } }],
  ];
  const keys = new Set([cacheKey(base), ...variants.map(([, v]) => cacheKey(v))]);
  assertEquals(keys.size, variants.length + 1);
  const reordered = { ...base, params: { opts: { steps: 10 }, method: "pgd", eps: 0.03 } };
  assertEquals(cacheKey(reordered), cacheKey(base));
  assert(/^[0-9a-f]{32}$/.test(cacheKey(base)));
});

Deno.test("explainChange names the param, input, source, package and backend that changed", () => {
  const cur: KeyComponents = {
    ...base,
    params: { eps: 0.1, method: "pgd", opts: { steps: 10 }, restarts: 2 },
    inputs: { model: ["k9"], data: ["k2"] },
    sources: { "tasks/attack.ts": "aa", "lib/dct/mod.ts": "XX", "lib/new.ts": "cc" },
    packages: ["@tensorflow/tfjs-core@4.22.1", "zod@4.6.7"],
    backend: { name: "cpu", threads: 1, version: "v1" },
  };
  assertEquals(explainChange(base, cur, { model: ["train[width=32]"], data: ["data"] }), [
    "param eps: 0.03 → 0.1",
    "param restarts added (2)",
    "input 'model' changed: train[width=32]",
    "source lib/dct/mod.ts changed",
    "source lib/new.ts now imported",
    "package @tensorflow/tfjs-core 4.22.0 → 4.22.1",
    "backend wasm×2 v1 → cpu×1 v1",
  ]);
  assertEquals(explainChange(base, base), []);
});

Deno.test("explainChange: more than three inputs, sources of one kind or packages become one counted line", () => {
  const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
  const aliases = many(5, (i) => `in${i}`);
  const prev: KeyComponents = {
    ...base,
    inputs: Object.fromEntries(aliases.map((a) => [a, [`old-${a}`]])),
    sources: Object.fromEntries(many(4, (i) => `lib/s${i}.ts`).map((f) => [f, "aa"])),
    packages: many(4, (i) => `p${i}@1.0.0`),
  };
  const cur: KeyComponents = {
    ...prev,
    inputs: Object.fromEntries(aliases.map((a) => [a, [`new-${a}`]])),
    sources: {
      ...Object.fromEntries(many(4, (i) => `lib/s${i}.ts`).map((f) => [f, "bb"])),
      "lib/t.ts": "cc",
    },
    packages: many(4, (i) => `p${i}@2.0.0`),
  };
  assertEquals(explainChange(prev, cur), [
    "5 inputs changed: in0, in1, in2 and 2 more",
    "4 sources changed: lib/s0.ts, lib/s1.ts, lib/s2.ts and 1 more",
    "source lib/t.ts now imported",
    "4 packages changed: p0, p1, p2 and 1 more",
  ]);
});

Deno.test("instanceSeed: deterministic, depends on config seed and instance, 31-bit", () => {
  assertEquals(instanceSeed(0, "a[x=1]"), instanceSeed(0, "a[x=1]"));
  const seeds = new Set([instanceSeed(0, "a[x=1]"), instanceSeed(1, "a[x=1]"), instanceSeed(0, "a[x=2]")]);
  assertEquals(seeds.size, 3);
  for (const s of seeds) assert(Number.isInteger(s) && s >= 0 && s < 2 ** 31);
});

/** A sweep over mappings, lists, exponents and strings outside the name characters. */
const PINNED_YAML = `name: pins
seed: 11
stages:
  train:
    task: emit
    sweep:
      adversarial:
        - {method: fgsm-rs, norm: l2, eps: 0.25}
        - {method: pgd, norm: linf, eps: 0.0078125, steps: 7}
        - null
  ev:
    task: total
    inputs: {model: train}
    sweep:
      eps: [1e-5, 1e21]
      dims: [[1, 2], ["a b", true]]
      tag: ["x/y", plain]
`;

Deno.test("seeds are those the previous version derived from its instance names, whatever the names are now", async () => {
  await using p = await tempProject(PINNED_YAML);
  const config = loadConfig(p.config);
  const seeds = new Map(expandConfig(config).map((i) => [i.name, instanceSeed(config.seed, i.legacyName)]));
  // Computed with the previous version (deriveSeed(11, name) over its names, which wrote values as JSON).
  const pinned: [string, number][] = [
    ["train[adversarial.method=fgsm-rs,adversarial.norm=l2,adversarial.eps=0.25]", 811258205],
    [
      "train[adversarial.method=pgd,adversarial.norm=linf,adversarial.eps=0.0078125,adversarial.steps=7]",
      803309186,
    ],
    ["train[adversarial=null]", 828340577],
    [
      "ev[adversarial.method=fgsm-rs,adversarial.norm=l2,adversarial.eps=0.25,eps=0.00001,dims.0=1,dims.1=2,tag=x_y_2adc656e]",
      942777689,
    ],
    [
      "ev[adversarial.method=fgsm-rs,adversarial.norm=l2,adversarial.eps=0.25,eps=0.00001,dims.0=a_b_5e229e24,dims.1=true,tag=plain]",
      1650793208,
    ],
    [
      "ev[adversarial.method=pgd,adversarial.norm=linf,adversarial.eps=0.0078125,adversarial.steps=7,eps=1e21,dims.0=1,dims.1=2,tag=x_y_2adc656e]",
      1317173497,
    ],
    ["ev[adversarial=null,eps=1e21,dims.0=a_b_5e229e24,dims.1=true,tag=plain]", 982691938],
  ];
  for (const [name, seed] of pinned) assertEquals([name, seeds.get(name)], [name, seed]);
  assertEquals(seeds.size, 3 + 3 * 8);
});

Deno.test("the plan seeds each instance from its legacy name (1e21 was written 1e+21)", async () => {
  await using p = await tempProject(
    "name: toy\nseed: 7\nstages:\n  a:\n    task: emit\n    sweep: {value: [1, 1e21]}\n",
  );
  const plan = await planPipeline(p.config, { outputs: p.outputs });
  assertEquals(plan.instances.map((i) => [i.name, i.legacyName, i.seed]), [
    ["a[value=1]", "a[value=1]", 1271098951],
    ["a[value=1e21]", "a[value=1e+21]", 423451782],
  ]);
});
