/**
 * The README's main job on `configs/quick.yaml`, end to end through the CLI: every stage runs, the planted
 * data's known answers come out and the summaries agree with the saved arrays (./science.ts), the report's
 * `index.html` shows every figure the report wrote, a rerun does no work, and changing one epsilon in the
 * YAML reruns only that attack and what depends on it.
 */
import { assert, assertEquals } from "../pipeline/assert.ts";
import { cli, ROOT, summaryOf } from "../pipeline/helpers.ts";
import { assertPlantedScience } from "./science.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";

const CONFIG = join(ROOT, "configs/quick.yaml");
const PGD_PARAMS = "params: { method: pgd, norm: linf, eps: 0.15, steps: 10 }";

function ranStages(stdout: string): string[] {
  return [...stdout.matchAll(/^ {2}ran {6}(\S+)/gm)].map((m) => m[1]).sort();
}

Deno.test("quick.yaml: the planted answers, report with every figure, a rerun does nothing, one epsilon reruns its attack only", async () => {
  const dir = await Deno.makeTempDir({ prefix: "freqlens-quick-" });
  try {
    const outputs = join(dir, "outputs");
    const first = await cli(["run", CONFIG, "--outputs", outputs], {}, ROOT);
    assertEquals(first.code, 0, first.stderr);
    const s1 = summaryOf(first.stdout);
    assertEquals([s1.failed, s1.skipped, s1.cached], [0, 0, 0]);
    assert(s1.ran >= 20, `only ${s1.ran} stages ran`);
    await assertPlantedScience(join(outputs, "quick"));

    const report = join(outputs, "quick", "report");
    const html = await Deno.readTextFile(join(report, "index.html"));
    const shown = new Set([...html.matchAll(/<img class="figure" src="([^"]+)"/g)].map((m) => m[1]));
    const written = [...Deno.readDirSync(join(report, "figures"))]
      .filter((e) => e.name.endsWith(".png"))
      .map((e) => `figures/${e.name}`);
    for (const f of written) assert(shown.has(f), `${f} is not in index.html`);
    for (const f of shown) assert(existsSync(join(report, f)), `index.html shows missing ${f}`);
    for (
      const id of ["rct", "prop1", "spectra", "of_mean", "of_classes", "of_shares", "fourier", "filtered"]
    ) {
      assert(shown.has(`figures/${id}.png`), `figure ${id} missing from the report`);
    }

    assert(/Paired difference in low-third share against natural/.test(html), "no paired OF comparison");
    // Every finding against its null under both protocols: 4 attacks × 3 RCT verdicts, and per robust model
    // 2 OF verdicts against the natural and the accuracy-matched natural model, and the robust synthesis
    // against the natural one (Fig. 3: x_r − x₀ under the authors' protocol, x_r − x under freqlens').
    assert(html.includes("Findings vs their nulls"), "no findings table");
    const findings = (await Deno.readTextFile(join(report, "tables", "findings_vs_nulls.csv"))).trim().split(
      "\n",
    );
    const protocols = findings.slice(1).map((l) => /,(freqlens|authors),/.exec(l)?.[1]);
    assertEquals(protocols.filter((p) => p === "freqlens").length, 12 + 4 + 1);
    assertEquals(protocols.filter((p) => p === "authors").length, 12 + 4 + 1);

    const again = summaryOf((await cli(["run", CONFIG, "--outputs", outputs], {}, ROOT)).stdout);
    assertEquals([again.ran, again.cached], [0, s1.ran]);

    const yaml = await Deno.readTextFile(CONFIG);
    assert(yaml.includes(PGD_PARAMS), "quick.yaml's PGD stage changed; update this test");
    const edited = join(dir, "quick.yaml");
    await Deno.writeTextFile(edited, yaml.replace(PGD_PARAMS, PGD_PARAMS.replace("eps: 0.15", "eps: 0.1")));
    const third = await cli(["run", edited, "--outputs", outputs], {}, ROOT);
    assertEquals(third.code, 0, third.stderr);
    assertEquals(ranStages(third.stdout), [
      "attack_pgd",
      "prop1_pgd",
      "rct_pgd",
      "rct_pgd_authors",
      "report",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
