/** Shared helpers of the pipeline tests: temp projects with toy tasks, and running the CLI. */
import { join, resolve } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

/** The freqlens checkout. */
export const ROOT: string = resolve(fromFileUrl(import.meta.url), "../../..");
/** Toy task kinds that exist only for these tests. */
export const TOY_TASKS: string = join(ROOT, "tests/fixtures/pipeline/tasks");
export const CLI: string = join(ROOT, "pipeline/cli.ts");

/** A temp directory holding `config.yaml` (toy tasks registered through `tasks_dir:`) and `outputs/`. */
export interface TempProject {
  dir: string;
  config: string;
  outputs: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Writes `yaml` as `config.yaml` in a new temp directory. `tasks_dir:` pointing at the toy tasks is added
 * unless the text has one.
 */
export async function tempProject(yaml: string, tasksDir = TOY_TASKS): Promise<TempProject> {
  const dir = await Deno.makeTempDir({ prefix: "freqlens-test-" });
  const config = join(dir, "config.yaml");
  const text = /^tasks_dir:/m.test(yaml) ? yaml : `tasks_dir: ${JSON.stringify(tasksDir)}\n${yaml}`;
  await Deno.writeTextFile(config, text);
  return {
    dir,
    config,
    outputs: join(dir, "outputs"),
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Result of a CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno run -A pipeline/cli.ts ...args` with extra env; never throws on a non-zero exit. */
export async function cli(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", join(ROOT, "deno.json"), CLI, ...args],
    env: { NO_COLOR: "1", ...env },
    cwd,
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The config used by most integration tests: a 3-way sweep, a fan-out and a gather. */
export const SWEEP_YAML = `name: toy
seed: 7
defaults:
  emit: {scale: 2}
stages:
  a:
    task: emit
    sweep:
      value: [1, 2, 3]
  b:
    task: total
    inputs:
      parts: a
  all:
    task: total
    params: {offset: 100}
    inputs:
      parts: {stage: b, gather: true}
`;

/** Parses `ran N, cached N, failed N, skipped N` from a run's stdout. */
export function summaryOf(stdout: string): { ran: number; cached: number; failed: number; skipped: number } {
  const m = stdout.match(/ran (\d+), cached (\d+), failed (\d+), skipped (\d+)/);
  if (!m) throw new Error(`no run summary in:\n${stdout}`);
  return { ran: +m[1], cached: +m[2], failed: +m[3], skipped: +m[4] };
}

/** Value written by a toy task in the current entry of `instance`. */
export function valueOf(outputs: string, config: string, instance: string): number {
  return JSON.parse(Deno.readTextFileSync(join(outputs, config, instance, "value.json"))).value;
}
