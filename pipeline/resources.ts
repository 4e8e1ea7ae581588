/**
 * What a stage instance asks of a cluster scheduler: `resources: {cpus, mem, time, partition, gres, account,
 * extra}`. Values come, weakest first, from the engine's defaults, the task kind's own defaults
 * (`defineTask({resources})`: a training stage asks for more time than a report), the config's top-level
 * `resources:`, its `resources.by_task.<kind>`, and the stage's `resources:`. Each field is validated here,
 * with the config, before anything is submitted; `cpus` is also the thread count numeric stages compute with
 * under the slurm executor (`OMP_NUM_THREADS` = `SLURM_CPUS_PER_TASK`), so it enters their cache keys.
 */
import { z } from "zod";

/** `mem`: a positive integer with an optional K/M/G/T suffix (SLURM's `--mem`; no suffix = megabytes). */
const MEM = /^[1-9][0-9]*[KMGT]?$/;
/** `time`: SLURM's `--time` forms: `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`. */
const TIME = /^([0-9]+-[0-9]+(:[0-9]+){0,2}|[0-9]+(:[0-9]+){0,2})$/;
const NAME = /^[A-Za-z0-9_.,-]+$/;
const GRES = /^[A-Za-z0-9_.,:=-]+$/;
/** Options the executor sets itself; an `extra` entry may not repeat them. */
const MANAGED = [
  "--dependency",
  "-d",
  "--output",
  "-o",
  "--error",
  "-e",
  "--job-name",
  "-J",
  "--cpus-per-task",
  "-c",
  "--parsable",
  "--chdir",
  "-D",
  "--wrap",
  "--array",
  "-a",
  "--kill-on-invalid-dep",
];

/** Schema of one `resources:` mapping (every field optional: unset fields come from weaker sources). */
export const resourceSchema = z.strictObject({
  cpus: z.number().int("cpus: a whole number of CPUs").min(1, "cpus: at least 1").optional(),
  mem: z.union([
    z.number().int().min(1).transform((n) => `${n}M`),
    z.string().regex(MEM, "mem: a size such as 4G, 500M or 8000 (megabytes)"),
  ]).optional(),
  time: z.union([
    z.number().int().min(1).transform((n) => String(n)),
    z.string().regex(TIME, "time: a SLURM time limit such as 30, 4:00:00 or 1-12:00:00"),
  ]).optional(),
  partition: z.string().regex(NAME, "partition: letters, digits, '_', '.', ',' and '-'").optional(),
  account: z.string().regex(NAME, "account: letters, digits, '_', '.', ',' and '-'").optional(),
  gres: z.string().regex(GRES, "gres: such as gpu:1 or gpu:a100:2").optional(),
  extra: z.array(
    z.string().regex(
      /^--?[A-Za-z][^\s]*$/,
      "extra: sbatch options such as --qos=long, one per entry, no spaces",
    )
      .refine((o) => !MANAGED.includes(o.split("=")[0]), {
        message: `extra: freqlens sets ${MANAGED.filter((m) => m.startsWith("--")).join(", ")} itself`,
      }),
  ).optional(),
});

/** One `resources:` mapping as written (validated). */
export type ResourceSpec = z.output<typeof resourceSchema>;

/** The config's top-level `resources:`: defaults for every stage, and per task kind under `by_task`. */
export const configResourceSchema = resourceSchema.extend({
  by_task: z.record(z.string(), resourceSchema).optional(),
});

/** The config's top-level `resources:` (validated). */
export type ConfigResources = z.output<typeof configResourceSchema>;

/** Field names of a `resources:` mapping, for did-you-mean on unknown keys. */
export const RESOURCE_KEYS: string[] = Object.keys(resourceSchema.shape);

/** Resources of one instance, every field resolved, with where each value came from. */
export interface Resources {
  cpus: number;
  mem: string;
  time: string;
  partition?: string;
  account?: string;
  gres?: string;
  extra: string[];
  /** Field → `engine default`, `task <kind>`, `config resources`, `config resources.by_task.<kind>` or
   * `stage <name>`. */
  from: Record<string, string>;
}

/** The engine's defaults: one CPU, 4 GiB, two hours. */
export const ENGINE_RESOURCES: ResourceSpec = { cpus: 1, mem: "4G", time: "2:00:00" };

/**
 * Merges the sources of an instance's resources, weakest first: engine defaults, the task kind's
 * defaults, the config's `resources:`, its `by_task.<kind>`, the stage's `resources:`.
 */
export function resolveResources(
  kind: string,
  stage: string,
  taskDefaults: ResourceSpec | undefined,
  config: ConfigResources | undefined,
  stageSpec: ResourceSpec | undefined,
): Resources {
  const { by_task, ...global } = config ?? {};
  const layers: [string, ResourceSpec | undefined][] = [
    ["engine default", ENGINE_RESOURCES],
    [`task ${kind}`, taskDefaults],
    ["config resources", global],
    [`config resources.by_task.${kind}`, by_task?.[kind]],
    [`stage ${stage}`, stageSpec],
  ];
  const out: Record<string, unknown> = { extra: [] };
  const from: Record<string, string> = {};
  for (const [name, layer] of layers) {
    for (const [k, v] of Object.entries(layer ?? {})) {
      if (v === undefined) continue;
      out[k] = v;
      from[k] = name;
    }
  }
  return { ...(out as Omit<Resources, "from">), from };
}

/** The `#SBATCH` options that ask for `r` (one per line, without the `#SBATCH ` prefix). */
export function sbatchResourceOptions(r: Resources): string[] {
  return [
    `--cpus-per-task=${r.cpus}`,
    `--mem=${r.mem}`,
    `--time=${r.time}`,
    ...(r.partition ? [`--partition=${r.partition}`] : []),
    ...(r.account ? [`--account=${r.account}`] : []),
    ...(r.gres ? [`--gres=${r.gres}`] : []),
    ...r.extra,
  ];
}
