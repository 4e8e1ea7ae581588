/**
 * The report task end to end on swept attack stages: the trend figure appears with no param, its security
 * panel holds one line per model, `published` puts its point beside the curve of the named stage,
 * `trend_metrics` picks the panels, and `metrics.csv` lists every instance × metric.
 */
import { join } from "node:path";
import * as aq from "arquero";
import { assert, assertEquals } from "../plots/assert.ts";
import report from "../../tasks/report.ts";
import type { StageInput } from "../../pipeline/task.ts";
import { writeAttack } from "../../lib/stages/mod.ts";
import { writeAttackStage } from "../stages/helpers.ts";

const EPS = [0.125, 0.25, 0.5, 1.0];

async function attackStage(root: string, stage: string, coords: StageInput["coords"], success: number) {
  const instance = `${stage}[${coords!.map((c) => `${c.key}=${JSON.stringify(c.value)}`).join(",")}]`;
  const dir = join(root, ".store", instance.replace(/[^a-z0-9]/gi, "_"));
  const n = 50;
  const files = await writeAttackStage(
    dir,
    { data: new Float32Array(n * 2 * 2), shape: [n, 2, 2, 1] },
    Int32Array.from({ length: n }, (_, i) => i),
    Uint8Array.from({ length: n }, (_, i) => (i < success * n ? 1 : 0)),
  );
  await writeAttack(dir, {
    ...files,
    summary: {
      ...files.summary,
      params: { norm: "l2", eps: coords!.at(-1)!.value, steps: 10 },
      success_rate: success,
      adv_accuracy: 1 - success,
      l2: { median: 0.3, mean: 0.3 },
      linf: { median: 0.05, mean: 0.05 },
    },
  });
  return { instance, stage, dir, params: {}, coords };
}

async function runReport(
  root: string,
  inputs: Record<string, StageInput[]>,
  params: Record<string, unknown>,
) {
  const outDir = join(root, ".store", `report${Object.keys(params).length}`);
  await Deno.mkdir(outDir, { recursive: true });
  await report.run({
    instance: "report",
    params: report.params.parse({ scale: 1, ...params }),
    inputs,
    outDir,
    seed: 0,
    backend: "cpu",
    progress: { start() {}, update() {}, finish() {} },
    log: () => {},
  });
  return outDir;
}

Deno.test("report task: security curve per model from swept attack stages, published point, metrics.csv", async () => {
  const root = await Deno.makeTempDir({ prefix: "freqlens-trends-" });
  try {
    const natural = await Promise.all(
      EPS.map((e, k) =>
        attackStage(
          root,
          "security_l2_natural",
          [{ origin: "security_l2_natural", key: "eps", value: e }],
          0.6 + 0.1 * k,
        )
      ),
    );
    const advs = [{ method: "fgsm-rs", norm: "l2", eps: 0.5 }, {
      method: "fgsm-rs",
      norm: "linf",
      eps: 0.0314,
    }];
    const robust = await Promise.all(
      advs.flatMap((adv, m) =>
        EPS.map((e, k) =>
          attackStage(root, "security_l2_robust", [
            { origin: "train_robust", key: "adversarial", value: adv },
            { origin: "security_l2_robust", key: "eps", value: e },
          ], 0.1 * m + 0.1 * k)
        )
      ),
    );
    const inputs = { attacks_security_l2_natural: natural, attacks_security_l2_robust: robust };
    const plain = await runReport(root, inputs, {});
    const written = JSON.parse(await Deno.readTextFile(join(plain, "report.json")));
    assert(written.figures.includes("trend_security_l2_natural_eps"), written.figures.join());
    const spec = JSON.parse(
      await Deno.readTextFile(join(plain, "figures", "trend_security_l2_natural_eps.vl.json")),
    );
    const security = spec.data.values.filter((d: { metric: string }) => d.metric === "accuracy under attack");
    assertEquals([...new Set(security.map((d: { line: string }) => d.line))], [
      "natural",
      "robust · l2 · eps=0.5",
      "robust · linf · eps=0.0314",
    ]);
    assertEquals(security.length, 12);
    const csv = aq.fromCSV(await Deno.readTextFile(join(plain, "metrics.csv")));
    assertEquals(csv.numRows(), 12 * 4, "12 instances × 4 metrics (white-box: no queries)");
    assert(
      await Deno.readTextFile(join(plain, "index.html")).then((h) =>
        h.includes('id="fig-trend_security_l2_natural_eps"')
      ),
    );

    const withParams = await runReport(root, inputs, {
      trend_metrics: ["adv_accuracy"],
      published: [{
        label: "published",
        stage: "security_l2_robust",
        x: 0.5,
        value: 0.55,
        source: "doi:10/xyz",
      }],
    });
    const spec2 = JSON.parse(
      await Deno.readTextFile(join(withParams, "figures", "trend_security_l2_natural_eps.vl.json")),
    );
    assertEquals([...new Set(spec2.data.values.map((d: { metric: string }) => d.metric))], [
      "accuracy under attack",
    ]);
    const pub = spec2.data.values.filter((d: { kind: string }) => d.kind === "published");
    assertEquals(pub.map((d: { x: number; value: number }) => [d.x, d.value]), [[0.5, 0.55]]);
    const html = await Deno.readTextFile(join(withParams, "index.html"));
    assert(html.includes("published: doi:10/xyz"), "the caption names the published value's source");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
