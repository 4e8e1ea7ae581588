/**
 * Issue 12, case 3 (parameter errors surfaced late): method-specific attack params, a misspelled input
 * alias and non-finite numbers are config errors of `--dry-run` (exit 2, `file:line:col`, did-you-mean),
 * from the schema the attack registry builds — never a ZodError's JSON tens of minutes later.
 */
import { join } from "node:path";
import { z } from "zod";
import { assertEquals } from "./assert.ts";
import { cli } from "./helpers.ts";
import { errorMessage, formatIssues } from "../../pipeline/errors.ts";
import { attackConfigSchema, attackParamsFromConfig, snakeCase } from "../../lib/attacks/mod.ts";

const HEAD = `name: late
stages:
  data:
    task: data
    params: {dataset: planted, size: 8, train_per_class: 4, test_per_class: 2}
  train:
    task: train
    inputs: {data: data}
`;

async function dryRun(yaml: string, ...set: string[]) {
  const dir = await Deno.makeTempDir({ prefix: "freqlens-late-" });
  try {
    const config = join(dir, "c.yaml");
    await Deno.writeTextFile(config, yaml);
    const r = await cli([
      "run",
      config,
      "--dry-run",
      "--outputs",
      join(dir, "out"),
      ...set.flatMap((s) => ["--set", s]),
    ]);
    return { ...r, lines: r.stderr.replaceAll(config, "C").trim().split("\n") };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("attack params are checked per method at plan time: foreign, out-of-bounds, misspelt, unknown method", async () => {
  const r = await dryRun(
    HEAD + `  cw:
    task: attack
    inputs: {model: train, data: data}
    params: {method: cw, eps: 0.1}
  fgsm:
    task: attack
    inputs: {model: train, data: data}
    params: {method: fgsm, eps: 2}
  pgd:
    task: attack
    inputs: {model: train, data: data}
    params: {method: pgd, step_sise: 0.01}
  typo:
    task: attack
    inputs: {model: train, data: data}
    params: {method: fgsmm}
`,
  );
  assertEquals(r.code, 2, r.stderr);
  assertEquals(r.lines, [
    "error: C:12:26: stages.cw.params.eps: unknown key 'eps'; expected one of: method, limit, batch_size, seed, " +
    "target, confidence, learning_rate, binary_steps, max_iterations, initial_const, abort_early",
    "C:16:33: stages.fgsm.params.eps: Too big: expected number to be <=1",
    "C:20:27: stages.pgd.params.step_sise: unknown key 'step_sise' (did you mean 'step_size'?); expected one of: " +
    "method, limit, batch_size, seed, target, norm, eps, steps, step_size, restarts, random_start, keep_best",
    "C:24:22: stages.typo.params.method: unknown method 'fgsmm' (did you mean 'fgsm'?); one of fgsm, pgd, cw, " +
    "simba, lfpgd",
  ]);
});

Deno.test("a misspelt input alias is a plan-time error with a did-you-mean", async () => {
  const r = await dryRun(
    HEAD + `  attack:
    task: attack
    inputs: {modle: train, data: data}
    params: {method: fgsm}
`,
  );
  assertEquals(r.code, 2, r.stderr);
  assertEquals(r.lines, [
    "error: C:11:14: stages.attack.inputs.modle: task attack has no input 'modle' (did you mean 'model'?); " +
    "it reads: model, data",
    "C:11:13: stages.attack.inputs.model: stage 'attack' (task attack) needs input 'model': the model: a train " +
    "or import stage (model/)",
  ]);
});

Deno.test("report inputs may carry a suffix (attacks_pgd) but must name an analysis", async () => {
  const r = await dryRun(
    HEAD + `  report:
    task: report
    inputs:
      evaluate_natural: {stage: train, gather: true}
      atacks: {stage: train, gather: true}
`,
  );
  assertEquals(r.code, 2, r.stderr);
  assertEquals(r.lines.length, 1);
  assertEquals(
    r.lines[0].startsWith(
      "error: C:13:7: stages.report.inputs.atacks: task report has no input 'atacks' (did you mean 'attacks'?)",
    ),
    true,
  );
});

Deno.test(".nan / .inf in the YAML or in --set are located like any other bad value (exit 2)", async () => {
  const yaml = HEAD + `  attack:
    task: attack
    inputs: {model: train, data: data}
    params: {method: pgd, eps: .nan}
    sweep: {steps: [3, .inf]}
`;
  const r = await dryRun(yaml);
  assertEquals(r.code, 2, r.stderr);
  assertEquals(r.lines, [
    "error: C:12:32: stages.attack.params.eps: NaN is not a finite number (YAML .nan / .inf cannot be a param, " +
    "a seed or a sweep value)",
    "C:13:24: stages.attack.sweep.steps.1: Infinity is not a finite number (YAML .nan / .inf cannot be a param, " +
    "a seed or a sweep value)",
  ]);
  const s = await dryRun(yaml.replace("eps: .nan", "eps: 0.1").replace(", .inf", ""), "attack.eps=-.inf");
  assertEquals(s.code, 2, s.stderr);
  assertEquals(s.lines, [
    "error: C (from --set attack.eps=-.inf): stages.attack.params.eps: -Infinity is not a finite number " +
    "(YAML .nan / .inf cannot be a param, a seed or a sweep value)",
  ]);
});

Deno.test("the attack config schema: one entry per method, camelCase back for lib/attacks, no raw ZodError", () => {
  assertEquals(snakeCase("maxIterations"), "max_iterations");
  const schema = attackConfigSchema({ limit: z.number().default(5) });
  const p = schema.parse({ method: "pgd", eps: 0.03, step_size: 0.01 }) as Record<string, unknown>;
  assertEquals(p.limit, 5);
  assertEquals(attackParamsFromConfig("pgd", p), {
    norm: "linf",
    eps: 0.03,
    steps: 10,
    stepSize: 0.01,
    restarts: 1,
    randomStart: true,
    keepBest: true,
  });
  const bad = schema.safeParse({ method: "cw", eps: 0.1 });
  assertEquals(bad.success, false);
  assertEquals(formatIssues(bad.error!.issues), `(value): Unrecognized key: "eps"`);
  assertEquals(errorMessage(bad.error), `(value): Unrecognized key: "eps"`);
});
