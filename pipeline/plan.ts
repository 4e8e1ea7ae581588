/**
 * Turns a config file into a plan: validated config → instances (sweeps expanded) → each instance's task
 * module, its import graph, validated params and cache key. Everything that can be wrong with a config is
 * reported here, before anything runs. Planning does not import task modules when their code and the
 * params have been validated before (`outputs/.cache/tasks.json`), so `status` stays fast.
 */
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { z } from "zod";
import {
  type BackendChoice,
  type BackendResolver,
  cachedBackendResolver,
  requestedBackend,
} from "./backend.ts";
import { canonicalJson, sha256Hex } from "./canonical.ts";
import { issuesToErrors, loadConfig, type PipelineConfig, type StageSpec } from "./config.ts";
import { ConfigError, ConfigErrors } from "./errors.ts";
import { expandConfig, type InstanceSpec } from "./expand.ts";
import { externalFingerprints, filesFingerprint, missingExternalPaths } from "./external.ts";
import { cacheKey, instanceSeed, KEY_FORMAT, type KeyComponents } from "./keys.ts";
import { OutputsLayout } from "./layout.ts";
import {
  ENGINE_ROOT,
  listTaskKinds,
  loadTask,
  projectRootOf,
  resolveTaskFile,
  taskDirs,
} from "./registry.ts";
import { resolveResources, type Resources, resourceSchema, type ResourceSpec } from "./resources.ts";
import { type ModuleGraph, SourceGraphs } from "./sources.ts";
import { didYouMean } from "./suggest.ts";
import { withSweepHint } from "./sweep.ts";
import type { InputDeclaration } from "./task.ts";
import { READ_PREFIX } from "./why.ts";

/** A fully resolved stage instance. */
export interface PlannedInstance extends InstanceSpec {
  kind: string;
  taskFile: string;
  numeric: boolean;
  description: string;
  seed: number;
  components: KeyComponents;
  key: string;
  /** npm packages the task's project modules import directly (`name@version`). */
  directPackages: string[];
  /** What a cluster job of it asks for (`./resources.ts`). */
  resources: Resources;
}

/** A config ready to run. Instances are upstream-first. */
export interface Plan {
  config: PipelineConfig;
  layout: OutputsLayout;
  projectRoot: string;
  /** The deno.json that resolves the tasks' bare imports (passed to `deno run --config`). */
  denoConfig: string;
  instances: PlannedInstance[];
  byName: Map<string, PlannedInstance>;
}

/**
 * The instance called `name`: its readable name, or the legacy name earlier versions gave it (a job script
 * or a command line written by them); undefined when neither.
 */
export function findInstance(plan: Plan, name: string): PlannedInstance | undefined {
  return plan.byName.get(name) ?? plan.instances.find((i) => i.legacyName === name);
}

/** Options of {@link planPipeline}. */
export interface PlanOptions {
  overrides?: string[];
  /** Outputs directory; default `FREQLENS_OUTPUTS`, else `<project>/outputs`. */
  outputs?: string;
  /** How a backend request resolves for numeric tasks; default: probe `lib/backend` once, cached. */
  backend?: BackendResolver;
  /**
   * `slurm`: numeric instances compute with `resources.cpus` threads (the job's allocation), and their keys
   * say so; `local` (default): with what the backend picks on this machine.
   */
  executor?: Executor;
}

/** Where `run` executes instances: here (`local`) or as SLURM jobs (`slurm`). */
export type Executor = "local" | "slurm";

/** The executor named by `option`, else `FREQLENS_EXECUTOR`, else `local`; throws on another name. */
export function executorFor(option?: string): Executor {
  const name = option ?? (Deno.env.get("FREQLENS_EXECUTOR") || "local");
  if (name !== "local" && name !== "slurm") {
    throw new Error(`executor '${name}': expected local or slurm`);
  }
  return name;
}

/** The outputs directory for a config: option, `FREQLENS_OUTPUTS`, `<project root>/outputs`. */
export function outputsDirFor(configFile: string, projectRoot: string, option?: string): string {
  if (option) return resolve(option);
  const env = Deno.env.get("FREQLENS_OUTPUTS");
  if (env) return resolve(env);
  const rel = relative(projectRoot, resolve(configFile));
  return rel.startsWith("..") ? join(resolve(configFile, ".."), "outputs") : join(projectRoot, "outputs");
}

interface TaskInfo {
  numeric: boolean;
  description: string;
  inputs?: Record<string, InputDeclaration>;
  externalPaths?: string[];
  /** The task resolves the files it reads (`readsFiles`): its module is imported at every plan. */
  readsFiles?: boolean;
  resources?: ResourceSpec;
  /** Hashes of params already validated against this code. */
  valid: string[];
}

/** Reads, validates and expands `configPath` and computes every instance's key. */
export async function planPipeline(configPath: string, options: PlanOptions = {}): Promise<Plan> {
  const config = loadConfig(configPath, { overrides: options.overrides });
  const projectRoot = projectRootOf(config.file);
  const denoConfig = existsSync(join(projectRoot, "deno.json"))
    ? join(projectRoot, "deno.json")
    : join(ENGINE_ROOT, "deno.json");
  const layout = new OutputsLayout(outputsDirFor(config.file, projectRoot, options.outputs));
  const specs = expandConfig(config);
  const dirs = taskDirs(config.tasksDirs, projectRoot);

  // Task kinds → files; unknown kinds (in stages or defaults) are errors.
  const errors: ConfigError[] = [];
  const files = new Map<string, string>();
  const kinds: [string, string[]][] = config.stages.map((s) => [s.task, ["stages", s.name, "task"]]);
  for (const kind of Object.keys(config.defaults)) kinds.push([kind, ["defaults", kind]]);
  for (const kind of Object.keys(config.resources.by_task ?? {})) {
    kinds.push([kind, ["resources", "by_task", kind]]);
  }
  for (const [kind, path] of kinds) {
    if (files.has(kind)) continue;
    const file = resolveTaskFile(kind, dirs);
    if (file) files.set(kind, file);
    else {
      errors.push(
        new ConfigError(
          config.source.locate(path, path[0] !== "stages"),
          path.join("."),
          `unknown task kind '${kind}'${didYouMean(kind, listTaskKinds(dirs))}; looked for ${kind}.ts in ${
            dirs.map((d) => relative(Deno.cwd(), d) || ".").join(", ")
          }`,
        ),
      );
    }
  }
  if (errors.length) throw errors.length === 1 ? errors[0] : new ConfigErrors(dedupe(errors));

  const graphs = new SourceGraphs(join(layout.cache, "import-graph.json"), denoConfig, projectRoot);
  const graphOf = new Map<string, ModuleGraph>();
  await Promise.all([...files].map(async ([kind, file]) => graphOf.set(kind, await graphs.graph(file))));
  graphs.save();

  const infos = await taskInfos(config, specs, files, graphOf, join(layout.cache, "tasks.json"));
  const inputErrors = config.stages.flatMap((s) => checkInputs(config, s, infos.get(s.task)!));
  if (inputErrors.length) throw inputErrors.length === 1 ? inputErrors[0] : new ConfigErrors(inputErrors);
  const reads = await filesRead(config, specs, files, infos);
  const resolveBackend = options.backend ?? cachedBackendResolver(projectRoot, layout.cache, denoConfig);
  const backends = new Map<number | undefined, Promise<BackendChoice>>();
  const backendFor = (threads: number | undefined) => {
    if (!backends.has(threads)) {
      backends.set(threads, resolveBackend(requestedBackend(config.backend), threads));
    }
    return backends.get(threads)!;
  };
  const slurm = executorFor(options.executor) === "slurm";
  const instances: PlannedInstance[] = [];
  const byName = new Map<string, PlannedInstance>();
  for (const spec of specs) {
    const kind = spec.stage.task;
    const graph = graphOf.get(kind)!;
    const info = infos.get(kind)!;
    const seed = instanceSeed(config.seed, spec.legacyName);
    const resources = resolveResources(
      kind,
      spec.stage.name,
      info.resources,
      config.resources,
      spec.stage.resources,
    );
    const components: KeyComponents = {
      format: KEY_FORMAT,
      kind,
      seed,
      params: spec.params,
      inputs: Object.fromEntries(
        Object.entries(spec.inputs).map(([alias, names]) => [alias, names.map((n) => byName.get(n)!.key)]),
      ),
      sources: graph.sources,
      packages: graph.packages,
      backend: info.numeric ? await backendFor(slurm ? resources.cpus : undefined) : null,
    };
    const external = { ...externalFingerprints(spec.params, info.externalPaths ?? []), ...reads.get(spec) };
    if (Object.keys(external).length) components.external = external;
    const inst: PlannedInstance = {
      ...spec,
      kind,
      taskFile: files.get(kind)!,
      numeric: info.numeric,
      description: info.description,
      seed,
      components,
      key: cacheKey(components),
      directPackages: graph.directPackages,
      resources,
    };
    instances.push(inst);
    byName.set(inst.name, inst);
  }
  return { config, layout, projectRoot, denoConfig, instances, byName };
}

/**
 * `numeric`, `description` and params validity per task kind. Read from the cache when this exact code
 * has seen these exact params; otherwise the module is imported and every instance's params are checked
 * with its zod schema, errors mapped back to where each value was written.
 */
async function taskInfos(
  config: PipelineConfig,
  specs: InstanceSpec[],
  files: Map<string, string>,
  graphOf: Map<string, ModuleGraph>,
  cachePath: string,
): Promise<Map<string, TaskInfo>> {
  let cache: Record<string, TaskInfo> = {};
  try {
    cache = JSON.parse(Deno.readTextFileSync(cachePath));
  } catch {
    // empty cache
  }
  let dirty = false;
  const result = new Map<string, TaskInfo>();
  const errors: ConfigError[] = [];
  for (const [kind, file] of files) {
    const codeHash = sha256Hex(canonicalJson({ file, graph: graphOf.get(kind) }));
    const mine = specs.filter((s) => s.stage.task === kind);
    const cached = cache[codeHash];
    const hashes = mine.map((s) => sha256Hex(canonicalJson(s.params)));
    if (cached && hashes.every((h) => cached.valid.includes(h))) {
      result.set(kind, cached);
      continue;
    }
    const def = await loadTask(file);
    const info: TaskInfo = {
      numeric: def.numeric,
      description: def.description,
      inputs: def.inputs,
      externalPaths: def.externalPaths,
      readsFiles: def.readsFiles !== undefined,
      resources: def.resources,
      valid: cached?.valid ?? [],
    };
    const res = resourceSchema.safeParse(def.resources ?? {});
    if (res.success) info.resources = res.data;
    else {
      const stage = config.stages.find((s) => s.task === kind)!;
      const detail = res.error.issues.map((i) => i.message).join("; ");
      errors.push(
        new ConfigError(
          config.source.locate(["stages", stage.name, "task"]),
          `stages.${stage.name}.task`,
          `task ${kind} (${file}) declares invalid resources: ${detail}`,
        ),
      );
    }
    mine.forEach((spec, i) => {
      const parsed = def.params.safeParse(spec.params);
      if (parsed.success) {
        if (!info.valid.includes(hashes[i])) info.valid.push(hashes[i]);
      } else errors.push(...paramErrors(config, spec, def.params, parsed.error.issues, def.renamed));
    });
    cache[codeHash] = info;
    result.set(kind, info);
    dirty = true;
  }
  if (errors.length) throw errors.length === 1 ? errors[0] : new ConfigErrors(dedupe(errors));
  if (dirty) {
    Deno.mkdirSync(join(cachePath, ".."), { recursive: true });
    const tmp = `${cachePath}.${Deno.pid}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify(cache));
    Deno.renameSync(tmp, cachePath);
  }
  return result;
}

/**
 * Before anything runs: every local path a param in `externalPaths` names must exist (an explicit `dir:`
 * that is not there is an error, never a fallback); and, for tasks with `readsFiles`, the digests of the
 * files each instance will read (instance → `read:<name>` → digest), for its key.
 */
async function filesRead(
  config: PipelineConfig,
  specs: InstanceSpec[],
  files: Map<string, string>,
  infos: Map<string, TaskInfo>,
): Promise<Map<InstanceSpec, Record<string, string>>> {
  const errors: ConfigError[] = [];
  const out = new Map<InstanceSpec, Record<string, string>>();
  for (const spec of specs) {
    const info = infos.get(spec.stage.task)!;
    for (const [param, path] of Object.entries(missingExternalPaths(spec.params, info.externalPaths ?? []))) {
      errors.push(
        new ConfigError(
          config.source.locate(paramYamlPath(config, spec, [param])),
          ["stages", spec.stage.name, "params", param].join("."),
          `${path} does not exist${spec.coords.length ? ` (instance ${spec.name})` : ""}`,
        ),
      );
    }
    if (!info.readsFiles || errors.length) continue;
    const def = await loadTask(files.get(spec.stage.task)!);
    const digests: Record<string, string> = {};
    for (const [name, paths] of Object.entries(def.readsFiles!(def.params.parse(spec.params)))) {
      digests[READ_PREFIX + name] = filesFingerprint(paths);
    }
    out.set(spec, digests);
  }
  if (errors.length) throw errors.length === 1 ? errors[0] : new ConfigErrors(errors);
  return out;
}

/** Where in the YAML the param at `path` of an instance was written: sweep element, params or defaults. */
function paramYamlPath(config: PipelineConfig, spec: InstanceSpec, path: (string | number)[]) {
  const stage = spec.stage;
  const [head, ...rest] = path;
  if (head === undefined) return ["stages", stage.name, "params"];
  const k = String(head);
  if (k in stage.sweep) {
    const idx = stage.sweep[k].findIndex((v) => canonicalJson(v) === canonicalJson(spec.params[k]));
    return ["stages", stage.name, "sweep", k, idx, ...rest];
  }
  if (k in stage.params) return ["stages", stage.name, "params", ...path];
  if (k in (config.defaults[stage.task] ?? {})) return ["defaults", stage.task, ...path];
  return ["stages", stage.name, "params", ...path];
}

/** A stage's `inputs:` against the aliases its task declares (when it declares them). */
function checkInputs(config: PipelineConfig, stage: StageSpec, info: TaskInfo): ConfigError[] {
  const declared = info.inputs;
  if (!declared) return [];
  const errors: ConfigError[] = [];
  const at = ["stages", stage.name, "inputs"];
  const declOf = (alias: string): InputDeclaration | undefined =>
    declared[alias] ??
      Object.entries(declared).filter(([name, d]) => d.suffixed && alias.startsWith(`${name}_`))
        .sort(([a], [b]) => b.length - a.length)[0]?.[1];
  for (const [alias, ref] of Object.entries(stage.inputs)) {
    const decl = declOf(alias);
    if (!decl) {
      errors.push(
        new ConfigError(
          config.source.locate([...at, alias], true),
          [...at, alias].join("."),
          `task ${stage.task} has no input '${alias}'${didYouMean(alias, Object.keys(declared))}; it reads: ${
            Object.keys(declared).join(", ") || "nothing"
          }`,
        ),
      );
    } else if (ref.gather && !decl.many) {
      errors.push(
        new ConfigError(
          config.source.locate([...at, alias]),
          [...at, alias].join("."),
          `input '${alias}' of task ${stage.task} takes exactly one instance (${decl.doc}); drop 'gather: true'`,
        ),
      );
    }
  }
  for (const [alias, decl] of Object.entries(declared)) {
    if (decl.optional || alias in stage.inputs) continue;
    const path = alias in stage.inputs || Object.keys(stage.inputs).length ? at : ["stages", stage.name];
    errors.push(
      new ConfigError(
        config.source.locate(path),
        [...at, alias].join("."),
        `stage '${stage.name}' (task ${stage.task}) needs input '${alias}': ${decl.doc}`,
      ),
    );
  }
  return errors;
}

/** Zod issues on an instance's params, located where the offending value was written. */
function paramErrors(
  config: PipelineConfig,
  spec: InstanceSpec,
  schema: z.ZodType,
  issues: z.core.$ZodIssue[],
  renamed: Record<string, string> = {},
): ConfigError[] {
  const stage = spec.stage;
  const toYaml = (path: (string | number)[]) => paramYamlPath(config, spec, path);
  const display = (path: (string | number)[]) => ["stages", stage.name, "params", ...path];
  const located = issues.flatMap((i) =>
    renamedIssues(i, renamed, stage.task) ?? [discriminatorIssue(i, spec.params) ?? i]
  );
  const errs = issuesToErrors(
    config.source,
    located,
    (p) => shapeKeysAt(schema, p, spec.params),
    display,
    toYaml,
  );
  return errs.map(withSweepHint).map((e) =>
    spec.coords.length ? new ConfigError(e.location, e.path, `${e.detail} (instance ${spec.name})`) : e
  );
}

/**
 * A top-level unrecognized-keys issue naming renamed params, split into one issue per renamed key that
 * names its new spelling (located at the key) and one for the rest; undefined when no key was renamed.
 */
function renamedIssues(
  issue: z.core.$ZodIssue,
  renamed: Record<string, string>,
  task: string,
): z.core.$ZodIssue[] | undefined {
  if (issue.code !== "unrecognized_keys" || issue.path.length > 0) return undefined;
  const old = issue.keys.filter((k) => Object.hasOwn(renamed, k));
  if (old.length === 0) return undefined;
  const rest = issue.keys.filter((k) => !old.includes(k));
  return [
    ...old.map((k) =>
      ({
        code: "custom",
        path: [k],
        message: `unknown param '${k}' of task ${task}: renamed to '${renamed[k]}'`,
        input: undefined,
      }) as z.core.$ZodIssue
    ),
    ...(rest.length ? [{ ...issue, keys: rest } as z.core.$ZodIssue] : []),
  ];
}

/**
 * A discriminated union's "no matching discriminator" issue (an unknown `method:`) as a custom issue that
 * names the value, suggests the closest option and lists them all; undefined for other issues.
 */
function discriminatorIssue(
  issue: z.core.$ZodIssue,
  params: Record<string, unknown>,
): z.core.$ZodIssue | undefined {
  const i = issue as z.core.$ZodIssue & { discriminator?: string; options?: unknown[] };
  if (i.code !== "invalid_union" || i.discriminator === undefined || !i.options) return undefined;
  const options = i.options.map(String);
  const value = params[i.discriminator];
  const message = value === undefined
    ? `missing '${i.discriminator}': one of ${options.join(", ")}`
    : `unknown ${i.discriminator} '${String(value)}'${didYouMean(String(value), options)}; one of ${
      options.join(", ")
    }`;
  return { code: "custom", path: [i.discriminator], message, input: value } as z.core.$ZodIssue;
}

/**
 * Keys of the object schema at `path` inside `schema` (through optional/default/nullable wrappers; for a
 * discriminated union, the option that `value`'s discriminator selects).
 */
function shapeKeysAt(schema: z.ZodType, path: readonly PropertyKey[], value?: unknown): string[] {
  // deno-lint-ignore no-explicit-any
  let s: any = schema;
  let v: unknown = value;
  const unwrap = () => {
    while (
      s?._zod?.def &&
      ["optional", "default", "nullable", "readonly", "prefault", "catch"].includes(s._zod.def.type)
    ) {
      s = s._zod.def.innerType;
    }
    const disc = s?._zod?.def?.discriminator;
    if (s?._zod?.def?.type === "union" && disc && typeof v === "object" && v !== null) {
      const want = (v as Record<string, unknown>)[disc];
      // deno-lint-ignore no-explicit-any
      s = s._zod.def.options.find((o: any) => o._zod.def.shape?.[disc]?._zod?.def?.values?.includes(want));
    }
  };
  unwrap();
  for (const seg of path) {
    v = typeof v === "object" && v !== null ? (v as Record<PropertyKey, unknown>)[seg] : undefined;
    if (s?._zod?.def?.type === "object") s = s._zod.def.shape[seg as string];
    else if (s?._zod?.def?.type === "array") s = s._zod.def.element;
    else return [];
    unwrap();
  }
  return s?._zod?.def?.type === "object" ? Object.keys(s._zod.def.shape) : [];
}

function dedupe(errors: ConfigError[]): ConfigError[] {
  const seen = new Set<string>();
  return errors.filter((e) => !seen.has(e.message) && seen.add(e.message));
}
