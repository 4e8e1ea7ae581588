/**
 * Where task kinds live and how they are loaded. Stage `task: X` runs `X.ts` from the first directory that
 * has it, in this order: the config's `tasks_dir:` entries, the directories in `FREQLENS_TASKS_DIR`
 * (separated by ':'), then the project's `tasks/`. Tests use the first two to register toy tasks that
 * live only under `tests/`.
 */
import { dirname, join, resolve } from "node:path";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { TaskDefinition } from "./task.ts";

/** The freqlens checkout that holds this engine (its `deno.json`, `tasks/`, `pipeline/cli.ts`). */
export const ENGINE_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The project a config belongs to: the nearest directory above it with a `deno.json`, else the engine's. */
export function projectRootOf(configFile: string): string {
  let dir = dirname(resolve(configFile));
  while (true) {
    if (existsSync(join(dir, "deno.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return ENGINE_ROOT;
    dir = parent;
  }
}

/** Task directories searched for a config, in priority order (absolute paths). */
export function taskDirs(configTasksDirs: string[], projectRoot: string): string[] {
  const env = Deno.env.get("FREQLENS_TASKS_DIR");
  const fromEnv = env ? env.split(":").filter((d) => d !== "").map((d) => resolve(d)) : [];
  return [...configTasksDirs, ...fromEnv, join(projectRoot, "tasks")];
}

/** Absolute path of `<kind>.ts` in the first of `dirs` that has it, or undefined. */
export function resolveTaskFile(kind: string, dirs: string[]): string | undefined {
  for (const dir of dirs) {
    const file = join(dir, `${kind}.ts`);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** Every task kind found in `dirs` (for did-you-mean on an unknown kind). */
export function listTaskKinds(dirs: string[]): string[] {
  const kinds = new Set<string>();
  for (const dir of dirs) {
    try {
      for (const e of Deno.readDirSync(dir)) {
        if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) {
          kinds.add(e.name.slice(0, -3));
        }
      }
    } catch {
      // a missing directory has no kinds
    }
  }
  return [...kinds].sort();
}

/** A task module that does not default-export a task definition. */
export class TaskModuleError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = "TaskModuleError";
  }
}

/** Imports a task module and checks that its default export looks like `defineTask(...)`'s result. */
export async function loadTask(file: string): Promise<TaskDefinition<unknown>> {
  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (e) {
    throw new TaskModuleError(file, `cannot import: ${(e as Error).message}`);
  }
  const def = mod.default as Partial<TaskDefinition<unknown>> | undefined;
  if (
    !def || typeof def.run !== "function" || typeof def.description !== "string" ||
    typeof def.numeric !== "boolean" ||
    typeof (def.params as { safeParse?: unknown })?.safeParse !== "function"
  ) {
    throw new TaskModuleError(file, "must `export default defineTask({description, params, numeric, run})`");
  }
  return def as TaskDefinition<unknown>;
}
