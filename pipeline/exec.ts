/**
 * `cli exec CONFIG INSTANCE`: runs one stage instance in this process and writes one store entry. It is
 * the unit the scheduler launches (one process per instance, so a crash or OOM kill loses one stage) and
 * what a cluster job would run. Inputs are read from the store; the entry is written in a temporary
 * directory under the key's lock and renamed into place; the stage's console output and `ctx.log` lines
 * go to `log.txt` in the entry (or in `.store/.failed/<key>/` when it fails).
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { dropBackendProbe, requestedBackend, startBackend } from "./backend.ts";
import { formatIssues, StoreError } from "./errors.ts";
import { findInstance, type Plan, type PlannedInstance, type PlanOptions, planPipeline } from "./plan.ts";
import { createProgress } from "./progress.ts";
import { loadTask } from "./registry.ts";
import {
  commitEntry,
  contentDigest,
  entryState,
  inputsChangedSince,
  type Manifest,
  RESERVED,
  updateView,
  withKeyLock,
} from "./store.ts";
import { didYouMean } from "./suggest.ts";
import type { StageInput } from "./task.ts";

/** Options of {@link execInstance}. */
export interface ExecOptions extends PlanOptions {
  /** Rerun even when the entry exists. */
  force?: boolean;
  /** The key the scheduler computed; a different key here means the sources changed meanwhile. */
  expectKey?: string;
}

/** What {@link execInstance} did. */
export interface ExecResult {
  status: "ran" | "cached";
  key: string;
  instance: string;
  seconds: number;
}

/** Plans `configPath` and runs its instance `instanceName`. */
export async function execInstance(configPath: string, instanceName: string, options: ExecOptions = {}) {
  const plan = await planPipeline(configPath, options);
  const inst = findInstance(plan, instanceName);
  if (!inst) {
    throw new StoreError(
      `${plan.config.file}: no instance '${instanceName}'${didYouMean(instanceName, plan.byName.keys())}`,
    );
  }
  if (options.expectKey && options.expectKey !== inst.key) {
    throw new StoreError(
      `${instanceName}: its key is ${inst.key} here but ${options.expectKey} when the run was planned ` +
        `(a source file, the lock file or the config changed meanwhile); rerun`,
    );
  }
  return await runPlanned(plan, inst, !!options.force);
}

/**
 * Resolves an instance's inputs to store entries, each verified against its manifest (files rehashed unless
 * verified since they last changed); fills `content` with each input's content digest.
 */
async function resolveInputs(
  plan: Plan,
  inst: PlannedInstance,
  content: Map<string, string>,
): Promise<Record<string, StageInput[]>> {
  const out: Record<string, StageInput[]> = {};
  for (const [alias, names] of Object.entries(inst.inputs)) {
    out[alias] = [];
    for (const name of names) {
      const up = plan.byName.get(name)!;
      const st = await entryState(plan.layout, up.key);
      if (st.state !== "valid") {
        const dir = plan.layout.entry(up.key);
        const why = st.state === "absent"
          ? "is not in the store"
          : `is corrupt (${st.problems.map((p) => join(dir, p)).join("; ")})`;
        throw new StoreError(
          `${inst.name}: input '${alias}' = ${name} (key ${up.key}) ${why}; ` +
            (st.state === "absent"
              ? "run it first"
              : "it is stale now: `run` recomputes it, then this stage"),
        );
      }
      content.set(name, contentDigest(st.manifest));
      out[alias].push({
        instance: name,
        stage: up.stage.name,
        dir: plan.layout.entry(up.key),
        params: up.params,
        coords: up.coords,
      });
    }
  }
  return out;
}

async function runPlanned(plan: Plan, inst: PlannedInstance, force: boolean): Promise<ExecResult> {
  const { layout } = plan;
  const content = new Map<string, string>();
  const inputs = await resolveInputs(plan, inst, content);
  return await withKeyLock(layout, inst.key, async () => {
    const own = await entryState(layout, inst.key);
    if (!force && own.state === "valid" && !inputsChangedSince(layout, own.manifest).length) {
      updateView(layout, plan.config.name, inst.name, inst.key, inst.legacyName);
      return { status: "cached", key: inst.key, instance: inst.name, seconds: 0 };
    }
    const tmpDir = freshTempDir(layout, inst.key);
    const stageLog = openStageLog(join(tmpDir, "log.txt"));
    const start = new Date();
    try {
      stageLog.log(`exec ${inst.name} key=${inst.key} pid=${Deno.pid}`);
      await runTask(plan, inst, inputs, tmpDir, stageLog.log);
    } catch (e) {
      stageLog.log(`FAILED: ${(e as Error).stack ?? e}`);
      stageLog.close();
      const failed = join(layout.failed, inst.key);
      Deno.mkdirSync(layout.failed, { recursive: true });
      rmSync(failed, { recursive: true, force: true });
      Deno.renameSync(tmpDir, failed);
      throw e;
    }
    const end = new Date();
    const seconds = (end.getTime() - start.getTime()) / 1000;
    stageLog.log(`done in ${seconds.toFixed(3)} s`);
    stageLog.close();
    await commitEntry(layout, tmpDir, {
      key: inst.key,
      config: plan.config.name,
      stage: inst.stage.name,
      instance: inst.name,
      kind: inst.kind,
      params: inst.params,
      coords: inst.coords,
      inputs: Object.fromEntries(
        Object.entries(inputs).map(([alias, list]) => [
          alias,
          list.map((i) => ({
            instance: i.instance,
            key: plan.byName.get(i.instance)!.key,
            content: content.get(i.instance),
          })),
        ]),
      ),
      start: start.toISOString(),
      end: end.toISOString(),
      duration_s: seconds,
      backend: inst.components.backend,
      versions: { deno: Deno.version.deno, packages: inst.directPackages },
      components: inst.components,
      ...slurmJob(),
    });
    updateView(layout, plan.config.name, inst.name, inst.key, inst.legacyName);
    return { status: "ran", key: inst.key, instance: inst.name, seconds };
  });
}

/** The SLURM job this process runs in, for the manifest (nothing outside a job). */
function slurmJob(): Pick<Manifest, "slurm"> {
  const id = Deno.env.get("SLURM_JOB_ID");
  if (!id) return {};
  const node = Deno.env.get("SLURMD_NODENAME") ?? Deno.hostname();
  return { slurm: { job_id: id, node, cpus: Number(Deno.env.get("SLURM_CPUS_PER_TASK") ?? 1) } };
}

/** A new temporary directory for `key`, after removing those a killed producer of it left (we hold its lock). */
function freshTempDir(layout: Plan["layout"], key: string): string {
  Deno.mkdirSync(layout.tmp, { recursive: true });
  for (const e of Deno.readDirSync(layout.tmp)) {
    if (e.name.startsWith(`${key}.`)) Deno.removeSync(join(layout.tmp, e.name), { recursive: true });
  }
  const dir = join(layout.tmp, `${key}.${Deno.pid}`);
  Deno.mkdirSync(dir);
  return dir;
}

/** An append-only, timestamped stage log. */
function openStageLog(path: string): { log: (line: string) => void; close: () => void } {
  const file = Deno.openSync(path, { write: true, create: true, append: true });
  const encoder = new TextEncoder();
  let open = true;
  return {
    log: (line) => {
      if (open) file.writeSync(encoder.encode(`${new Date().toISOString()} ${line}\n`));
    },
    close: () => {
      if (open) file.close();
      open = false;
    },
  };
}

/** Loads the task, validates params, starts the backend (numeric tasks) and runs it into `outDir`. */
async function runTask(
  plan: Plan,
  inst: PlannedInstance,
  inputs: Record<string, StageInput[]>,
  outDir: string,
  log: (line: string) => void,
): Promise<void> {
  const def = await loadTask(inst.taskFile);
  const parsed = def.params.safeParse(inst.params);
  if (!parsed.success) {
    // Planning validated these params with the same schema; only a task module changed meanwhile gets here.
    throw new StoreError(
      `${inst.name}: params rejected by ${inst.taskFile}: ${formatIssues(parsed.error.issues)}`,
    );
  }
  const params = parsed.data;
  let backend = requestedBackend(plan.config.backend);
  if (inst.numeric) {
    const got = await startBackend(plan.projectRoot, backend);
    const want = inst.components.backend!;
    if (got.name !== want.name || got.threads !== want.threads || got.version !== want.version) {
      dropBackendProbe(plan.layout.cache);
      throw new StoreError(
        `${inst.name}: backend started as ${JSON.stringify(got)} but the key was computed for ` +
          `${JSON.stringify(want)}; the cached backend probe was stale and has been removed: rerun`,
      );
    }
    backend = got.name;
    log(`backend ${got.name} threads=${got.threads} ${got.version}`);
  }
  const restore = teeConsole(log);
  try {
    await def.run({
      instance: inst.name,
      params,
      inputs,
      outDir,
      seed: inst.seed,
      backend,
      progress: createProgress({ name: inst.name, log, write: toStderr }),
      log: (m) => {
        log(m);
        toStderr(`[${inst.name}] ${m}`);
      },
    });
  } finally {
    restore();
  }
  if (existsSync(join(outDir, "manifest.json"))) {
    throw new StoreError(
      `${inst.name}: the task wrote manifest.json, a name the store reserves (${RESERVED})`,
    );
  }
}

/** Writes a line to stderr without passing through the (teed) console. */
function toStderr(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
}

/** Copies console output into the stage log while the stage runs; returns the function that undoes it. */
function teeConsole(log: (line: string) => void): () => void {
  const methods = ["log", "info", "warn", "error", "debug"] as const;
  const saved = methods.map((m) => console[m]);
  methods.forEach((m, i) => {
    console[m] = (...args: unknown[]) => {
      log(args.map((a) => typeof a === "string" ? a : Deno.inspect(a)).join(" "));
      saved[i].apply(console, args);
    };
  });
  return () => methods.forEach((m, i) => (console[m] = saved[i]));
}
