/**
 * `cli exec CONFIG INSTANCE`: runs one stage instance in this process and writes one store entry. It is
 * the unit the scheduler launches (one process per instance, so a crash or OOM kill loses one stage) and
 * what a cluster job would run. Inputs are read from the store; the entry is written in a temporary
 * directory under the key's lock and renamed into place; the stage's console output and `ctx.log` lines
 * go to `log.txt` in the entry (or in `.store/.failed/<key>/` when it fails).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { requestedBackend, startBackend } from "./backend.ts";
import { StoreError } from "./errors.ts";
import { type Plan, type PlannedInstance, type PlanOptions, planPipeline } from "./plan.ts";
import { createProgress } from "./progress.ts";
import { loadTask } from "./registry.ts";
import { commitEntry, entryState, RESERVED, updateView, withKeyLock } from "./store.ts";
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
  const inst = plan.byName.get(instanceName);
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

/** Resolves an instance's inputs to store entries, each verified. */
async function resolveInputs(plan: Plan, inst: PlannedInstance): Promise<Record<string, StageInput[]>> {
  const out: Record<string, StageInput[]> = {};
  for (const [alias, names] of Object.entries(inst.inputs)) {
    out[alias] = [];
    for (const name of names) {
      const up = plan.byName.get(name)!;
      const st = await entryState(plan.layout, up.key);
      if (st.state !== "valid") {
        const why = st.state === "absent" ? "is not in the store" : `is corrupt (${st.problems.join("; ")})`;
        throw new StoreError(`${inst.name}: input '${alias}' = ${name} (key ${up.key}) ${why}; run it first`);
      }
      out[alias].push({
        instance: name,
        stage: up.stage.name,
        dir: plan.layout.entry(up.key),
        params: up.params,
      });
    }
  }
  return out;
}

async function runPlanned(plan: Plan, inst: PlannedInstance, force: boolean): Promise<ExecResult> {
  const { layout } = plan;
  const inputs = await resolveInputs(plan, inst);
  return await withKeyLock(layout, inst.key, async () => {
    const t0 = performance.now();
    if (!force && (await entryState(layout, inst.key)).state === "valid") {
      updateView(layout, plan.config.name, inst.name, inst.key);
      return { status: "cached", key: inst.key, instance: inst.name, seconds: 0 };
    }
    Deno.mkdirSync(layout.tmp, { recursive: true });
    for (const e of Deno.readDirSync(layout.tmp)) {
      // Left by a killed producer of this key; we hold its lock, so nobody else is writing there.
      if (e.name.startsWith(`${inst.key}.`)) Deno.removeSync(join(layout.tmp, e.name), { recursive: true });
    }
    const tmpDir = join(layout.tmp, `${inst.key}.${Deno.pid}`);
    Deno.mkdirSync(tmpDir);
    const logFile = Deno.openSync(join(tmpDir, "log.txt"), { write: true, create: true, append: true });
    const encoder = new TextEncoder();
    const log = (line: string) => logFile.writeSync(encoder.encode(`${new Date().toISOString()} ${line}\n`));
    const restore = teeConsole(log);
    const start = new Date();
    try {
      log(`exec ${inst.name} key=${inst.key} pid=${Deno.pid}`);
      const def = await loadTask(inst.taskFile);
      const params = def.params.parse(inst.params);
      let backend = requestedBackend(plan.config.backend);
      if (inst.numeric) {
        const got = await startBackend(plan.projectRoot, backend);
        const want = inst.components.backend!;
        if (got.name !== want.name || got.threads !== want.threads || got.version !== want.version) {
          throw new StoreError(
            `${inst.name}: backend started as ${JSON.stringify(got)} but the key was computed for ` +
              `${JSON.stringify(want)}; delete ${join(layout.cache, "backend.json")} and rerun`,
          );
        }
        backend = got.name;
        log(`backend ${got.name} threads=${got.threads} ${got.version}`);
      }
      await def.run({
        instance: inst.name,
        params,
        inputs,
        outDir: tmpDir,
        seed: inst.seed,
        backend,
        progress: createProgress({ name: inst.name, log, write: toStderr }),
        log: (m) => {
          log(m);
          toStderr(`[${inst.name}] ${m}`);
        },
      });
      try {
        Deno.statSync(join(tmpDir, "manifest.json"));
        throw new StoreError(
          `${inst.name}: the task wrote a file named manifest.json (reserved: ${RESERVED})`,
        );
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      const end = new Date();
      log(`done in ${((end.getTime() - start.getTime()) / 1000).toFixed(3)} s`);
      restore();
      logFile.close();
      await commitEntry(layout, tmpDir, {
        key: inst.key,
        config: plan.config.name,
        stage: inst.stage.name,
        instance: inst.name,
        kind: inst.kind,
        params: inst.params,
        inputs: Object.fromEntries(
          Object.entries(inputs).map((
            [a, list],
          ) => [a, list.map((i) => ({ instance: i.instance, key: plan.byName.get(i.instance)!.key }))]),
        ),
        start: start.toISOString(),
        end: end.toISOString(),
        duration_s: (end.getTime() - start.getTime()) / 1000,
        backend: inst.components.backend,
        versions: { deno: Deno.version.deno, packages: inst.directPackages },
        components: inst.components,
      });
      updateView(layout, plan.config.name, inst.name, inst.key);
      return { status: "ran", key: inst.key, instance: inst.name, seconds: (performance.now() - t0) / 1000 };
    } catch (e) {
      log(`FAILED: ${(e as Error).stack ?? e}`);
      restore();
      try {
        logFile.close();
      } catch {
        // already closed
      }
      const failed = join(layout.failed, inst.key);
      Deno.mkdirSync(layout.failed, { recursive: true });
      rmSync(failed, { recursive: true, force: true });
      Deno.renameSync(tmpDir, failed);
      throw e;
    }
  });
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
