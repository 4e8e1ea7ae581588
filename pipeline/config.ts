/**
 * Reads and validates a pipeline config (YAML). A config is
 *
 * ```yaml
 * name: quick              # names the readable view outputs/<name>/
 * seed: 0                  # every instance's seed derives from it and its coordinates (keys.ts instanceSeed)
 * backend: wasm            # optional: wasm | cpu | tensorflow | webgpu (env FREQLENS_BACKEND wins)
 * tasks_dir: extra/tasks   # optional, one or a list, relative to this file: searched before tasks/
 * defaults:                # params merged into every stage of a task kind (mappings merged deeply)
 *   attack: {eps: 0.15}
 * stages:
 *   attack:
 *     task: attack         # runs tasks/attack.ts
 *     params: {steps: 10}
 *     inputs:
 *       model: train                         # fans out: one attack per train instance
 *       data: {stage: data}                  # same, long form
 *       all: {stage: train, gather: true}    # one attack sees every train instance
 *     sweep: {method: [fgsm, pgd], eps: [0.03, 0.1]}   # cartesian product, in this order
 * ```
 *
 * Params of an instance = defaults[task] ⊕ params ⊕ its sweep values (a key may not be both in params and
 * in sweep). Errors name file, line, column and key path; unknown keys come with a did-you-mean.
 */
import { z } from "zod";
import { ConfigError, ConfigErrors } from "./errors.ts";
import { didYouMean } from "./suggest.ts";
import { prepareSweepOverride } from "./sweep.ts";
import { applyOverride, parseOverride, parseYamlSource, type YamlSource } from "./yaml_source.ts";
import {
  type ConfigResources,
  configResourceSchema,
  RESOURCE_KEYS,
  resourceSchema,
  type ResourceSpec,
} from "./resources.ts";
import { dirname, resolve } from "node:path";

/** Backends a config may name. */
export const BACKENDS = ["wasm", "cpu", "tensorflow", "webgpu"] as const;

/** A stage's reference to another stage's outputs. */
export interface InputRef {
  stage: string;
  /** True: one instance of this stage sees every (compatible) upstream instance; false: fan out. */
  gather: boolean;
}

/** One `stages:` entry, validated. */
export interface StageSpec {
  name: string;
  task: string;
  params: Record<string, unknown>;
  inputs: Record<string, InputRef>;
  /** Param name → values, in the order written. */
  sweep: Record<string, unknown[]>;
  /** What a cluster job of this stage asks for (`./resources.ts`); unset fields come from defaults. */
  resources: ResourceSpec;
}

/** A validated config. Stages are in the order the file lists them. */
export interface PipelineConfig {
  /** Absolute path of the config file. */
  file: string;
  name: string;
  seed: number;
  backend?: (typeof BACKENDS)[number];
  /** Absolute extra task directories, searched in order before the project's `tasks/`. */
  tasksDirs: string[];
  defaults: Record<string, Record<string, unknown>>;
  /** Cluster resources for every stage, and per task kind under `by_task` (`./resources.ts`). */
  resources: ConfigResources;
  stages: StageSpec[];
  source: YamlSource;
}

const TOP_KEYS = ["name", "seed", "backend", "tasks_dir", "defaults", "resources", "stages"];
const STAGE_KEYS = ["task", "params", "inputs", "sweep", "resources"];
const INPUT_KEYS = ["stage", "gather"];
const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const IDENT_RULE = "letters, digits, '_' and '-', starting with a letter or '_'";

const mapping = z.record(z.string(), z.unknown()).nullish().transform((v) => v ?? {});
const inputRef = z.union([
  z.string().regex(IDENT, "expected a stage name"),
  z.strictObject({
    stage: z.string().regex(IDENT, "expected a stage name"),
    gather: z.boolean().default(false),
  }),
]).transform((v) => typeof v === "string" ? { stage: v, gather: false } : v);
const stageSchema = z.strictObject({
  task: z.string().regex(IDENT, "expected a task kind (file name under tasks/, without .ts)"),
  params: mapping,
  inputs: z.record(z.string().regex(IDENT, "expected an alias name"), inputRef).nullish().transform((v) =>
    v ?? {}
  ),
  sweep: z.record(
    z.string(),
    z.array(z.unknown(), "a sweep lists values: key: [v1, v2, …]").min(1, "a sweep needs at least one value"),
  ).nullish()
    .transform((v) => v ?? {}),
  resources: resourceSchema.nullish().transform((v) => v ?? {}),
});
const configSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "expected a name of letters, digits, '_', '.', '-'"),
  seed: z.number().int().min(0).default(0),
  backend: z.enum(BACKENDS).optional(),
  tasks_dir: z.union([z.string(), z.array(z.string())]).optional(),
  defaults: z.record(z.string(), mapping).nullish().transform((v) => v ?? {}),
  resources: configResourceSchema.nullish().transform((v) => v ?? {}),
  stages: z.record(z.string().regex(IDENT, `a stage name has ${IDENT_RULE}`), stageSchema),
});

/** Options shared by every command that reads a config. */
export interface LoadOptions {
  /** `--set` texts, applied in order. */
  overrides?: string[];
}

/** Reads, parses, applies overrides to and validates the config at `path`. */
export function loadConfig(path: string, options: LoadOptions = {}): PipelineConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (e) {
    throw new ConfigError({ file }, "", `cannot read config: ${(e as Error).message}`);
  }
  const source = parseYamlSource(file, text);
  for (const o of options.overrides ?? []) {
    const override = resolveOverride(source, o);
    prepareSweepOverride(source, override.path, o);
    applyOverride(source, override);
  }
  return validateConfig(source);
}

/**
 * Turns `--set` text into a tree path: a path starting with a top-level key (`seed=3`,
 * `defaults.attack.eps=0.1`) is taken as is; `stage.key=v` sets that stage's sweep when `key` is swept
 * (a scalar becomes a one-value sweep) and its params otherwise (`stage.key.sub=v` nests).
 */
function resolveOverride(source: YamlSource, text: string) {
  const { path, value } = parseOverride(text, source.file);
  if (TOP_KEYS.includes(path[0])) return { text, path, value };
  const stages = (source.value as { stages?: Record<string, { sweep?: Record<string, unknown> }> }).stages ??
    {};
  const stage = stages[path[0]];
  if (!stage || typeof stage !== "object") {
    throw new ConfigError(
      { file: source.file, override: text },
      path[0],
      `no stage or top-level key '${path[0]}'${didYouMean(path[0], [...Object.keys(stages), ...TOP_KEYS])}`,
    );
  }
  if (path.length === 1) {
    throw new ConfigError({ file: source.file, override: text }, path[0], "--set needs stage.param=value");
  }
  if (path[1] === "resources") return { text, path: ["stages", ...path], value };
  if (path.length === 2 && stage.sweep && typeof stage.sweep === "object" && path[1] in stage.sweep) {
    return {
      text,
      path: ["stages", path[0], "sweep", path[1]],
      value: Array.isArray(value) ? value : [value],
    };
  }
  return { text, path: ["stages", path[0], "params", ...path.slice(1)], value };
}

/** Known keys at a path of the config tree, for did-you-mean on unknown keys. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return TOP_KEYS;
  if (path[0] === "stages" && path.length === 2) return STAGE_KEYS;
  if (path[0] === "stages" && path[2] === "inputs" && path.length === 4) return INPUT_KEYS;
  if (path[0] === "stages" && path[2] === "resources" && path.length === 3) return RESOURCE_KEYS;
  if (path[0] === "resources" && path.length === 1) return [...RESOURCE_KEYS, "by_task"];
  if (path[0] === "resources" && path[1] === "by_task" && path.length === 3) return RESOURCE_KEYS;
  return [];
}

/** Maps zod issues to config errors located in the YAML source. */
export function issuesToErrors(
  source: YamlSource,
  issues: z.core.$ZodIssue[],
  keysAt: (path: readonly PropertyKey[]) => string[],
  display: (path: (string | number)[]) => (string | number)[] = (p) => p,
  toYaml: (path: (string | number)[]) => (string | number)[] = (p) => p,
): ConfigError[] {
  const errors: ConfigError[] = [];
  for (const issue of issues) {
    const path = issue.path.map((p) => typeof p === "symbol" ? String(p) : p);
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const known = keysAt(issue.path);
        errors.push(
          new ConfigError(
            source.locate(toYaml([...path, key]), true),
            display([...path, key]).join("."),
            `unknown key '${key}'${didYouMean(key, known)}${
              known.length ? `; expected one of: ${known.join(", ")}` : ""
            }`,
          ),
        );
      }
    } else if (issue.code === "invalid_union") {
      // Report what the closest alternative objected to (e.g. an unknown key in the long input form).
      const inner = issue.errors.flat().filter((i) => i.code !== "invalid_type");
      if (inner.length) {
        const nested = inner.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as z.core.$ZodIssue);
        errors.push(...issuesToErrors(source, nested, keysAt, display, toYaml));
      } else {
        const message = "expected a stage name or {stage: name, gather: true|false}";
        errors.push(new ConfigError(source.locate(toYaml(path)), display(path).join("."), message));
      }
    } else if (issue.code === "invalid_key") {
      const detail = issue.issues.map((i) => i.message).join("; ");
      const message = `invalid name '${String(path[path.length - 1])}': ${detail}`;
      errors.push(new ConfigError(source.locate(toYaml(path), true), display(path).join("."), message));
    } else {
      errors.push(new ConfigError(source.locate(toYaml(path)), display(path).join("."), issue.message));
    }
  }
  return errors;
}

/** Every NaN or ±Infinity in a parsed YAML tree, with its key path. */
function nonFiniteNumbers(value: unknown, path: (string | number)[] = []): {
  path: (string | number)[];
  value: number;
}[] {
  if (typeof value === "number") return Number.isFinite(value) ? [] : [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFiniteNumbers(v, [...path, i]));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => nonFiniteNumbers(v, [...path, k]));
  }
  return [];
}

function validateConfig(source: YamlSource): PipelineConfig {
  if (typeof source.value !== "object" || source.value === null || Array.isArray(source.value)) {
    throw new ConfigError(
      source.locate([]),
      "",
      "a config must be a mapping with name, seed, defaults, stages",
    );
  }
  const nonFinite = nonFiniteNumbers(source.value).map(({ path, value }) =>
    new ConfigError(
      source.locate(path),
      path.join("."),
      `${value} is not a finite number (YAML .nan / .inf cannot be a param, a seed or a sweep value)`,
    )
  );
  if (nonFinite.length) throw nonFinite.length === 1 ? nonFinite[0] : new ConfigErrors(nonFinite);
  const parsed = configSchema.safeParse(source.value);
  if (!parsed.success) {
    const errors = issuesToErrors(source, parsed.error.issues, knownKeysAt);
    throw errors.length === 1 ? errors[0] : new ConfigErrors(errors);
  }
  const c = parsed.data;
  const dir = dirname(source.file);
  const tasksDirs = c.tasks_dir === undefined ? [] : [c.tasks_dir].flat().map((d) => resolve(dir, d));
  const errors: ConfigError[] = [];
  const stages: StageSpec[] = Object.entries(c.stages).map(([name, s]) => {
    for (const key of Object.keys(s.sweep)) {
      if (key in s.params) {
        errors.push(
          new ConfigError(
            source.locate(["stages", name, "sweep", key], true),
            `stages.${name}.sweep.${key}`,
            `'${key}' is both in params and in sweep; keep one`,
          ),
        );
      }
    }
    return { name, task: s.task, params: s.params, inputs: s.inputs, sweep: s.sweep, resources: s.resources };
  });
  if (stages.length === 0) errors.push(new ConfigError(source.locate(["stages"]), "stages", "no stages"));
  if (errors.length) throw errors.length === 1 ? errors[0] : new ConfigErrors(errors);
  return {
    file: source.file,
    name: c.name,
    seed: c.seed,
    backend: c.backend,
    tasksDirs,
    defaults: c.defaults,
    resources: c.resources,
    stages,
    source,
  };
}
