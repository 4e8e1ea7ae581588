/**
 * Readable instance names end to end: coordinates reach tasks and manifests as data, views made under the
 * legacy names of earlier versions are still found by `status`, `run` and `exec`, replaced when `run`
 * writes the view, and renamed by `cli migrate` (idempotent); long input reasons are summarised.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { viewDirName } from "../../pipeline/layout.ts";
import { inputReasons } from "../../pipeline/why.ts";
import { cli, tempProject } from "./helpers.ts";

const YAML = `name: toy
seed: 3
stages:
  a:
    task: probe
    sweep:
      opts: [{method: pgd, eps: 0.5}, {method: fgsm, eps: 1e21}]
  b:
    task: probe
    inputs: {up: {stage: a, gather: true}}
`;
const A1 = "a[opts.method=pgd,opts.eps=0.5]";
const A2 = "a[opts.method=fgsm,opts.eps=1e21]";
/** The names the previous version gave them (values as JSON, 1e21 as 1e+21). */
const LEGACY1 = 'a[opts={"method":"pgd","eps":0.5}]';
const LEGACY2 = 'a[opts={"method":"fgsm","eps":1e+21}]';

const views = (outputs: string) => [...Deno.readDirSync(join(outputs, "toy"))].map((e) => e.name).sort();
const ok = (r: { code: number; stderr: string }) => assertEquals(r.code, 0, r.stderr);

/** Turns the views of a fresh run into what the previous version left: views under the legacy names. */
function makeLegacy(outputs: string) {
  for (const [now, old] of [[A1, LEGACY1], [A2, LEGACY2]]) {
    Deno.renameSync(join(outputs, "toy", viewDirName(now)), join(outputs, "toy", viewDirName(old)));
  }
}

Deno.test("coordinates reach the task and the manifest as data; views carry the readable names", async () => {
  await using p = await tempProject(YAML);
  ok(await cli(["run", p.config, "--outputs", p.outputs]));
  assertEquals(views(p.outputs), [A2, A1, "b"].sort());
  const seen = JSON.parse(Deno.readTextFileSync(join(p.outputs, "toy", "b", "seen.json")));
  assertEquals(seen.inputs, [
    {
      instance: A1,
      stage: "a",
      params: { opts: { method: "pgd", eps: 0.5 } },
      coords: [{ origin: "a", key: "opts", value: { method: "pgd", eps: 0.5 } }],
    },
    {
      instance: A2,
      stage: "a",
      params: { opts: { method: "fgsm", eps: 1e21 } },
      coords: [{ origin: "a", key: "opts", value: { method: "fgsm", eps: 1e21 } }],
    },
  ]);
  const manifest = JSON.parse(Deno.readTextFileSync(join(p.outputs, "toy", A2, "manifest.json")));
  assertEquals([manifest.instance, manifest.coords], [A2, [{
    origin: "a",
    key: "opts",
    value: { method: "fgsm", eps: 1e21 },
  }]]);
});

Deno.test("a store with legacy-named views: status and run find them, run replaces them, exec takes legacy names", async () => {
  await using p = await tempProject(YAML);
  ok(await cli(["run", p.config, "--outputs", p.outputs]));
  makeLegacy(p.outputs);
  assertEquals(views(p.outputs), [LEGACY2, LEGACY1, "b"].sort());

  // A changed param: stale with its reason, found through the legacy view (not "missing (never run)").
  const stale = await cli(["status", p.config, "--outputs", p.outputs, "--set", "a.note=x"]);
  ok(stale);
  assertMatch(stale.stdout, /stale\s+a\[opts\.method=pgd,opts\.eps=0\.5\]\s+\(param note added \("x"\)\)/);
  assertMatch(stale.stdout, /stale\s+a\[opts\.method=fgsm,opts\.eps=1e21\]\s+\(param note added \("x"\)\)/);
  assertMatch(stale.stdout, /0 cached, 3 stale, 0 missing/); // b: its inputs' keys changed

  // exec accepts the name a job script of the previous version would pass.
  const exec = await cli(["exec", p.config, LEGACY1, "--outputs", p.outputs]);
  ok(exec);
  assertEquals(views(p.outputs), [LEGACY2, A1, "b"].sort()); // its view moved to the readable name

  const run = await cli(["run", p.config, "--outputs", p.outputs]);
  ok(run);
  assertMatch(run.stdout, /ran 0, cached 3, failed 0, skipped 0/);
  assertEquals(views(p.outputs), [A2, A1, "b"].sort());
});

Deno.test("cli migrate renames legacy views, drops superseded ones, and changes nothing the second time", async () => {
  await using p = await tempProject(YAML);
  ok(await cli(["run", p.config, "--outputs", p.outputs]));
  const keyOf = (name: string) =>
    Deno.readLinkSync(join(p.outputs, "toy", viewDirName(name))).split("/").pop();
  const key1 = keyOf(A1);
  makeLegacy(p.outputs);
  // A view under both names for A2: the readable one points at the current entry, the legacy one elsewhere.
  ok(await cli(["run", p.config, "--outputs", p.outputs, "--only", A2])); // (this removes LEGACY2)
  assertEquals(views(p.outputs), [A2, LEGACY1, "b"].sort());
  Deno.symlinkSync(`../.store/${key1}`, join(p.outputs, "toy", viewDirName(LEGACY2)));
  assertEquals(views(p.outputs), [A2, LEGACY2, LEGACY1, "b"].sort());

  const dry = await cli(["migrate", p.config, "--outputs", p.outputs, "--dry-run"]);
  ok(dry);
  assertEquals(views(p.outputs), [A2, LEGACY2, LEGACY1, "b"].sort());
  assertMatch(dry.stdout, /1 views to rename, 1 superseded legacy views to remove, 1 already current/);

  const first = await cli(["migrate", p.config, "--outputs", p.outputs]);
  ok(first);
  const lines = first.stdout.trim().split("\n");
  assertEquals(lines.slice(0, 2), [`renamed ${LEGACY1} → ${A1}`, `removed ${LEGACY2} (superseded)`]);
  assertMatch(
    lines[2],
    /outputs\/toy: 1 views renamed, 1 superseded legacy views removed, 1 already current$/,
  );
  assertEquals(lines.length, 3);
  assertEquals(views(p.outputs), [A2, A1, "b"].sort());
  assertEquals(keyOf(A1), key1);
  assert(keyOf(A2) !== key1);

  const second = await cli(["migrate", p.config, "--outputs", p.outputs]);
  ok(second);
  assertMatch(second.stdout, /: 0 views renamed, 0 superseded legacy views removed, 3 already current\n$/);
  const status = await cli(["status", p.config, "--outputs", p.outputs]);
  assertMatch(status.stdout, /3 cached, 0 stale, 0 missing/);
});

Deno.test("input reasons: one per input up to three, else counted with at most three named", () => {
  const inputs = (n: number, what = "missing") =>
    Array.from({ length: n }, (_, i) => ({ name: `a[v=${i}]`, what }));
  assertEquals(inputReasons(inputs(3)), [
    "input a[v=0] is missing",
    "input a[v=1] is missing",
    "input a[v=2] is missing",
  ]);
  assertEquals(inputReasons(inputs(40)), ["40 inputs missing: a[v=0], a[v=1], a[v=2] and 37 more"]);
  assertEquals(inputReasons([...inputs(4), { name: "s", what: "stale" }]), [
    "4 inputs missing: a[v=0], a[v=1], a[v=2] and 1 more",
    "1 input stale: s",
  ]);
});

Deno.test("status summarises a gather over many missing inputs in one reason", async () => {
  await using p = await tempProject(`name: toy
stages:
  a:
    task: emit
    sweep: {value: [1, 2, 3, 4, 5]}
  all:
    task: total
    inputs: {parts: {stage: a, gather: true}}
`);
  const st = await cli(["status", p.config, "--outputs", p.outputs]);
  ok(st);
  const line = st.stdout.split("\n").find((l) => /^missing\s+all\b/.test(l))!;
  assertEquals(
    line.replace(/^missing\s+/, ""),
    "all  (never run; 5 inputs missing: a[value=1], a[value=2], a[value=3] and 2 more)",
  );
});
