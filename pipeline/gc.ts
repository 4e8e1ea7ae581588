/**
 * `cli gc`: removes store entries that no config under a directory (default `configs/`) reaches with its
 * current keys, failed attempts of those keys, views left pointing at removed entries, and temporary
 * directories of processes that no longer exist (killed mid-write). A config that
 * cannot be planned aborts gc, so a typo never deletes what it would have reached. Where the slurm executor
 * has used the store, keys are reached as either executor computes them (a job's thread count is its CPUs),
 * and a temporary directory whose key has a SLURM job queued or running is kept: its writer lives on
 * another node, where this machine cannot see its pid.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { planPipeline } from "./plan.ts";
import { StoreError } from "./errors.ts";
import type { OutputsLayout } from "./layout.ts";
import { activeSlurmKeys } from "./slurm/executor.ts";
import { SlurmMarkers } from "./slurm/markers.ts";

/** What gc removed (or would remove, with `dryRun`). */
export interface GcResult {
  configs: string[];
  reachable: number;
  removed: string[];
  bytes: number;
}

/** Config files (`*.yaml`, `*.yml`) under `dir`, recursively, sorted. */
export function findConfigs(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) walk(p);
      else if (/\.ya?ml$/.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

function sizeOf(path: string): number {
  const st = Deno.lstatSync(path);
  if (!st.isDirectory) return st.size;
  let n = 0;
  for (const e of Deno.readDirSync(path)) n += sizeOf(join(path, e.name));
  return n;
}

/** Collects garbage in `outputs` given the configs under `configsDir`. */
export async function collectGarbage(
  configsDir: string,
  outputs: string,
  dryRun: boolean,
): Promise<GcResult> {
  const configs = findConfigs(configsDir);
  if (configs.length === 0) {
    throw new StoreError(`gc: no configs under ${configsDir}; refusing to delete everything`);
  }
  const reachable = new Set<string>();
  let layout: OutputsLayout | undefined;
  let slurmKeys = new Set<string>();
  for (const c of configs) {
    const plan = await planPipeline(c, { outputs });
    plan.instances.forEach((i) => reachable.add(i.key));
    layout = plan.layout;
    if (existsSync(SlurmMarkers.root(layout))) {
      const onSlurm = await planPipeline(c, { outputs, executor: "slurm" });
      onSlurm.instances.forEach((i) => reachable.add(i.key));
    }
  }
  if (existsSync(SlurmMarkers.root(layout!))) slurmKeys = await activeSlurmKeys(layout!);
  const removed: string[] = [];
  let bytes = 0;
  const drop = (path: string) => {
    removed.push(path);
    bytes += sizeOf(path);
    if (!dryRun) Deno.removeSync(path, { recursive: true });
  };
  for (const dir of [layout!.store, layout!.failed]) {
    let entries: Deno.DirEntry[] = [];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isDirectory && !e.name.startsWith(".") && !reachable.has(e.name)) drop(join(dir, e.name));
    }
  }
  try {
    for (const e of Deno.readDirSync(layout!.tmp)) {
      const [key, pidText] = e.name.split(".");
      const pid = Number(pidText);
      if (slurmKeys.has(key)) continue;
      if (existsSync("/proc/self") && Number.isInteger(pid) && !existsSync(`/proc/${pid}`)) {
        drop(join(layout!.tmp, e.name));
      }
    }
  } catch {
    // no temporary directory
  }
  for (const e of Deno.readDirSync(layout!.root)) {
    if (!e.isDirectory || e.name.startsWith(".")) continue;
    const views = join(layout!.root, e.name);
    for (const v of Deno.readDirSync(views)) {
      if (!v.isSymlink) continue;
      const link = join(views, v.name);
      const key = Deno.readLinkSync(link).split("/").pop()!;
      if (!reachable.has(key) && Deno.readLinkSync(link).includes(".store/")) {
        removed.push(link);
        if (!dryRun) Deno.removeSync(link);
      }
    }
  }
  return { configs, reachable: reachable.size, removed, bytes };
}
