/**
 * Which numeric backend a stage runs on, as far as the cache key is concerned. The key of a `numeric` task
 * includes the backend's name, thread count and version tag (tfjs + freqlens kernels), so results from
 * different backends never share an entry.
 *
 * The project's `lib/backend/mod.ts` (`initBackend(name?)`, `backendInfo()`) decides what a request such as
 * `auto` or `wasm` resolves to. Starting a backend costs a tfjs import, so the resolution is probed once and
 * cached in `outputs/.cache/backend.json`, keyed by the request, deno.lock, Deno version, core count, the
 * size and mtime of the files under `lib/backend/` and the variables that change the thread count or the
 * kernels. `cli exec` starts the backend for real and refuses to write an entry if it got something else,
 * dropping the stale probe so that the next run probes again.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { canonicalJson, sha256Hex } from "./canonical.ts";
import { pathFingerprint } from "./external.ts";

/** A backend as it enters a cache key. */
export interface BackendChoice {
  name: string;
  threads: number;
  /** Version tag of what decides its numbers (e.g. `tfjs-backend-wasm@4.22.0+kernels…`). */
  version: string;
}

/**
 * Resolves the backend request (`FREQLENS_BACKEND`, else the config's `backend:`, else `auto`), for a
 * process that computes with `threads` threads (`OMP_NUM_THREADS`; a cluster job's CPUs) when given.
 */
export type BackendResolver = (requested: string, threads?: number) => Promise<BackendChoice>;

/** The request a config makes: `FREQLENS_BACKEND` over the config's `backend:` over `auto`. */
export function requestedBackend(configured: string | undefined): string {
  return Deno.env.get("FREQLENS_BACKEND") || configured || "auto";
}

interface BackendModule {
  initBackend(name?: string): Promise<{ name: string; threads: number }>;
  backendInfo(): BackendChoice;
}

/** Imports `<projectRoot>/lib/backend/mod.ts`; throws naming the file when the project has none. */
export async function importBackendModule(projectRoot: string): Promise<BackendModule> {
  const file = join(projectRoot, "lib", "backend", "mod.ts");
  if (!existsSync(file)) {
    throw new Error(`numeric tasks need ${file} (exporting initBackend and backendInfo)`);
  }
  return await import(pathToFileURL(file).href) as BackendModule;
}

/** Starts the requested backend in this process and describes what started (used by `cli exec`). */
export async function startBackend(projectRoot: string, requested: string): Promise<BackendChoice> {
  const mod = await importBackendModule(projectRoot);
  await mod.initBackend(requested === "auto" ? undefined : requested);
  const info = mod.backendInfo();
  return { name: info.name, threads: info.threads, version: info.version };
}

/** Environment variables that change what a backend request resolves to (native kernels, thread count,
 * the instruction set oneDNN's kernels use). */
const PROBE_ENV = ["FREQLENS_NATIVE", "OMP_NUM_THREADS", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"];

/** Removes the cached probes (after `cli exec` found one stale); the next run probes again. */
export function dropBackendProbe(cacheDir: string): void {
  try {
    Deno.removeSync(join(cacheDir, "backend.json"));
  } catch {
    // already gone (another instance removed it)
  }
}

/**
 * The default resolver: the cached probe if there is one for this request and machine, else starts the
 * backend once in this process (through `lib/backend`) and caches what it got. A thread count other than
 * this process's `OMP_NUM_THREADS` is probed in a child process started with it (OpenMP reads it once).
 */
export function cachedBackendResolver(
  projectRoot: string,
  cacheDir: string,
  denoConfig?: string,
): BackendResolver {
  return async (requested, threads) => {
    const env = Object.fromEntries(PROBE_ENV.map((k) => [k, Deno.env.get(k) ?? ""]));
    if (threads !== undefined) env.OMP_NUM_THREADS = String(threads);
    let lock = "";
    try {
      lock = sha256Hex(Deno.readTextFileSync(join(projectRoot, "deno.lock")));
    } catch {
      // no lock file: the probe key just lacks it
    }
    const id = sha256Hex(canonicalJson({
      requested,
      lock,
      deno: Deno.version.deno,
      cores: navigator.hardwareConcurrency,
      // an upgrade of the kernels or of the thread handling changes what the backend reports
      sources: pathFingerprint(join(projectRoot, "lib", "backend")) ?? "",
      env,
    }));
    const path = join(cacheDir, "backend.json");
    let cache: Record<string, BackendChoice> = {};
    try {
      cache = JSON.parse(Deno.readTextFileSync(path));
    } catch {
      // no probe yet
    }
    if (cache[id]) return cache[id];
    if (env.OMP_NUM_THREADS !== (Deno.env.get("OMP_NUM_THREADS") ?? "")) {
      return await probeInChild(projectRoot, cacheDir, requested, env.OMP_NUM_THREADS, denoConfig);
    }
    const choice = await startBackend(projectRoot, requested);
    cache[id] = choice;
    Deno.mkdirSync(cacheDir, { recursive: true });
    const tmp = `${path}.${Deno.pid}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify(cache));
    Deno.renameSync(tmp, path);
    return choice;
  };
}

/** Runs this module as a child with `OMP_NUM_THREADS=threads`; it probes, caches and prints the choice. */
async function probeInChild(
  projectRoot: string,
  cacheDir: string,
  requested: string,
  threads: string,
  denoConfig?: string,
): Promise<BackendChoice> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...(denoConfig ? ["--config", denoConfig] : []),
      new URL(import.meta.url).pathname,
      projectRoot,
      cacheDir,
      requested,
    ],
    env: { OMP_NUM_THREADS: threads },
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop() ?? "";
  if (!out.success) {
    throw new Error(
      `probing backend ${requested} with OMP_NUM_THREADS=${threads} failed: ${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  }
  return JSON.parse(text) as BackendChoice;
}

if (import.meta.main) {
  const [projectRoot, cacheDir, requested] = Deno.args;
  console.log(JSON.stringify(await cachedBackendResolver(projectRoot, cacheDir)(requested)));
}
