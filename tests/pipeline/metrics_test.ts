/** `cli metrics`: rows per instance, differing params, sort / filter, stale and missing rows, CSV and JSON. */
import { join } from "node:path";
import * as aq from "arquero";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { cli, ROOT, tempProject } from "./helpers.ts";
import { wilsonInterval } from "../../lib/stats/binomial.ts";

const TASKS = join(ROOT, "tests/fixtures/pipeline/metrics_tasks");
const YAML = `name: toy
stages:
  natural:
    task: attack
    params: {eps: 0.5, steps: 5}
  other:
    task: attack
    params: {eps: 0.2, steps: 9, norm: l2}
`;

Deno.test("cli metrics: a --sweep's rows with ε and success side by side; sort, filter, stage, CSV, JSON", async () => {
  await using p = await tempProject(YAML, TASKS);
  const sweep = ["--sweep", "natural.eps=[0.1,0.4,0.2]"];
  const run = await cli(["run", p.config, "--outputs", p.outputs, ...sweep]);
  assertEquals(run.code, 0, run.stderr);
  const text = await cli(["metrics", p.config, "--outputs", p.outputs, ...sweep, "--stage", "natural"]);
  assertEquals(text.code, 0, text.stderr);
  const lines = text.stdout.trim().split("\n");
  assertMatch(lines[0], /^state +instance +eps +success_rate +adv_accuracy +l2_median +linf_median$/);
  const ci = wilsonInterval(5, 50);
  const f = (v: number) => Number(v.toPrecision(3));
  assertMatch(
    lines[1],
    new RegExp(`^cached +natural\\[eps=0\\.1\\] +0\\.1 +0\\.1 \\[${f(ci.lo)}, ${f(ci.hi)}\\]`),
  );
  assertEquals(lines.length, 5);
  assertEquals(lines[4], "3 instances: 3 cached, 0 stale (metrics of their last entry), 0 missing");

  const sorted = await cli([
    "metrics",
    p.config,
    "--outputs",
    p.outputs,
    ...sweep,
    "--sort",
    "-success_rate",
    "--csv",
  ]);
  const t = aq.fromCSV(sorted.stdout);
  assertEquals(t.array("instance"), ["natural[eps=0.4]", "natural[eps=0.2]", "other", "natural[eps=0.1]"]);
  // steps and norm differ between the rows shown, so they are columns; eps is a coordinate of some rows only.
  assertEquals(t.columnNames().slice(0, 6), ["state", "instance", "stage", "eps", "steps", "norm"]);
  assertEquals(t.array("success_rate_lo")[3], ci.lo);

  const filtered = await cli([
    "metrics",
    p.config,
    "--outputs",
    p.outputs,
    ...sweep,
    "--filter",
    "eps=0.4",
    "--json",
  ]);
  const rows = JSON.parse(filtered.stdout).rows;
  assertEquals(rows.map((r: { instance: string }) => r.instance), ["natural[eps=0.4]"]);
  assertEquals(rows[0].params, {}, "one row: no param differs");

  // Another sweep: instances never run are missing (no metrics); `other` with a changed param is stale and
  // keeps the metrics of the entry its view points at.
  const more = ["--sweep", "natural.eps=[0.1,0.8]", "--set", "other.steps=11"];
  const st = await cli(["metrics", p.config, "--outputs", p.outputs, ...more]);
  assertMatch(st.stdout, /^cached +natural\[eps=0\.1\]/m);
  assertMatch(st.stdout, /^missing +natural\[eps=0\.8\] +0\.8 +5 +- +- +- +-$/m);
  assertMatch(st.stdout, /^stale +other +0\.2 +11 +l2 +0\.2 \[/m);
  assertMatch(st.stdout, /3 instances: 1 cached, 1 stale \(metrics of their last entry\), 1 missing$/m);

  const bad = await cli(["metrics", p.config, "--outputs", p.outputs, "--stage", "naturl"]);
  assertEquals(bad.code, 1);
  assertMatch(bad.stderr, /--stage naturl: no such stage or instance \(did you mean 'natural'\?\)/);
  const badSort = await cli(["metrics", p.config, "--outputs", p.outputs, "--sort", "sucess_rate"]);
  assertMatch(badSort.stderr, /--sort sucess_rate: no row has it \(did you mean 'success_rate'\?\)/);
  assert((await cli(["metrics", "--help"])).stdout.includes("--filter <k=v>"));
});

Deno.test("cli metrics: --filter and --sort take the dotted keys of a mapping coordinate, as names write them", async () => {
  await using p = await tempProject(
    `name: toy
stages:
  robust:
    task: attack
    sweep:
      threat: [{eps: 0.3, norm: l2}, {eps: 0.6, norm: linf}, {eps: 0.1, norm: linf}]
`,
    TASKS,
  );
  const run = await cli(["run", p.config, "--outputs", p.outputs]);
  assertEquals(run.code, 0, run.stderr);
  const instances = async (...args: string[]) => {
    const r = await cli(["metrics", p.config, "--outputs", p.outputs, "--json", ...args]);
    assertEquals(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).rows.map((row: { instance: string }) => row.instance);
  };
  assertEquals(await instances("--filter", "threat.norm=linf", "--sort", "-threat.eps"), [
    "robust[threat.eps=0.6,threat.norm=linf]",
    "robust[threat.eps=0.1,threat.norm=linf]",
  ]);
  assertEquals(await instances("--filter", "threat.eps=0.3"), ["robust[threat.eps=0.3,threat.norm=l2]"]);
  assertEquals(await instances("--filter", "threat.eps=0.7"), []);
});
