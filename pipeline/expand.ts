/**
 * Expands a validated config into stage instances: sweeps become the cartesian product of their values,
 * fanned-out inputs multiply a stage by its upstream instances, gathered inputs collect them. Instances
 * carry coordinates (origin stage, param, value); upstream instances are combined only when they agree on
 * the coordinates they share (a natural join), so `eval` with inputs `{model: train, adv: attack}` pairs
 * each model with the attacks made on that same model. Cycles, dangling inputs and duplicate instance
 * names are reported here, before anything runs.
 */
import { ConfigError, ConfigErrors } from "./errors.ts";
import type { PipelineConfig, StageSpec } from "./config.ts";
import { didYouMean } from "./suggest.ts";
import { canonicalJson } from "./canonical.ts";
import { type Coord, describeCoords, instanceName, legacyInstanceName } from "./names.ts";

export type { Coord } from "./names.ts";

/** A stage instance before keys are computed. */
export interface InstanceSpec {
  /** `stage` or `stage[k=v,…]`, readable (`./names.ts`). */
  name: string;
  /** The name earlier versions gave it: its seed hashes this, and old views may carry it (`./names.ts`). */
  legacyName: string;
  stage: StageSpec;
  /** defaults[task] ⊕ stage params ⊕ sweep values. */
  params: Record<string, unknown>;
  coords: Coord[];
  /** Alias → upstream instance names (one for a fanned input; all compatible ones, in order, if gathered). */
  inputs: Record<string, string[]>;
}

/** Instances of every stage, upstream before downstream (config order among independent stages). */
export function expandConfig(config: PipelineConfig): InstanceSpec[] {
  const order = stageOrder(config);
  const byStage = new Map<string, InstanceSpec[]>();
  const all: InstanceSpec[] = [];
  const names = new Map<string, InstanceSpec>();
  for (const stage of order) {
    const instances = expandStage(config, stage, byStage);
    for (const inst of instances) {
      const prev = names.get(inst.name);
      if (prev) throw duplicateError(config, stage, prev, inst);
      names.set(inst.name, inst);
    }
    byStage.set(stage.name, instances);
    all.push(...instances);
  }
  return all;
}

/** Stages in topological order; throws on a dangling input or a cycle. */
function stageOrder(config: PipelineConfig): StageSpec[] {
  const byName = new Map(config.stages.map((s) => [s.name, s]));
  const errors: ConfigError[] = [];
  for (const s of config.stages) {
    for (const [alias, ref] of Object.entries(s.inputs)) {
      if (!byName.has(ref.stage)) {
        errors.push(
          new ConfigError(
            config.source.locate(["stages", s.name, "inputs", alias]),
            `stages.${s.name}.inputs.${alias}`,
            `input '${alias}' names stage '${ref.stage}', which does not exist${
              didYouMean(ref.stage, byName.keys())
            }`,
          ),
        );
      }
    }
  }
  if (errors.length) throw errors.length === 1 ? errors[0] : new ConfigErrors(errors);

  const state = new Map<string, "visiting" | "done">();
  const order: StageSpec[] = [];
  const path: string[] = [];
  const visit = (s: StageSpec) => {
    state.set(s.name, "visiting");
    path.push(s.name);
    for (const [alias, ref] of Object.entries(s.inputs)) {
      const st = state.get(ref.stage);
      if (st === "visiting") {
        const cycle = [...path.slice(path.indexOf(ref.stage)), ref.stage];
        throw new ConfigError(
          config.source.locate(["stages", s.name, "inputs", alias]),
          `stages.${s.name}.inputs.${alias}`,
          `cycle: ${cycle.join(" → ")} (each stage reads the next one's outputs)`,
        );
      }
      if (st === undefined) visit(byName.get(ref.stage)!);
    }
    path.pop();
    state.set(s.name, "done");
    order.push(s);
  };
  for (const s of config.stages) if (!state.has(s.name)) visit(s);
  return order;
}

function expandStage(config: PipelineConfig, stage: StageSpec, byStage: Map<string, InstanceSpec[]>) {
  // Fanned inputs: natural join of upstream instances on shared coordinates.
  let combos: { coords: Coord[]; inputs: Record<string, string[]> }[] = [{ coords: [], inputs: {} }];
  for (const [alias, ref] of Object.entries(stage.inputs)) {
    if (ref.gather) continue;
    const next: typeof combos = [];
    for (const c of combos) {
      for (const up of byStage.get(ref.stage)!) {
        if (!compatible(c.coords, up.coords)) continue;
        next.push({ coords: mergeCoords(c.coords, up.coords), inputs: { ...c.inputs, [alias]: [up.name] } });
      }
    }
    combos = next;
  }
  const sweepKeys = Object.keys(stage.sweep);
  let points: Coord[][] = [[]];
  for (const key of sweepKeys) {
    points = points.flatMap((p) =>
      stage.sweep[key].map((value) => [...p, { origin: stage.name, key, value }])
    );
  }
  const base = deepMerge(config.defaults[stage.task] ?? {}, stage.params);
  const instances: InstanceSpec[] = [];
  for (const combo of combos) {
    for (const point of points) {
      const coords = [...combo.coords, ...point];
      const inputs: Record<string, string[]> = {};
      for (const [alias, ref] of Object.entries(stage.inputs)) {
        inputs[alias] = ref.gather
          ? byStage.get(ref.stage)!.filter((up) => compatible(coords, up.coords)).map((up) => up.name)
          : combo.inputs[alias];
        if (inputs[alias].length === 0) {
          throw new ConfigError(
            config.source.locate(["stages", stage.name, "inputs", alias]),
            `stages.${stage.name}.inputs.${alias}`,
            `no instance of '${ref.stage}' matches the sweep coordinates of ${stage.name}`,
          );
        }
      }
      const params = { ...base };
      for (const c of point) params[c.key] = c.value;
      instances.push({
        name: instanceName(stage.name, coords),
        legacyName: legacyInstanceName(stage.name, coords),
        stage,
        params,
        coords,
        inputs,
      });
    }
  }
  if (instances.length === 0) {
    throw new ConfigError(
      config.source.locate(["stages", stage.name]),
      `stages.${stage.name}`,
      "its fanned-out inputs share no compatible instances",
    );
  }
  return instances;
}

const sameCoord = (a: Coord, b: Coord) => a.origin === b.origin && a.key === b.key;

function compatible(a: Coord[], b: Coord[]): boolean {
  return a.every((x) =>
    b.every((y) => !sameCoord(x, y) || canonicalJson(x.value) === canonicalJson(y.value))
  );
}

function mergeCoords(a: Coord[], b: Coord[]): Coord[] {
  return [...a, ...b.filter((y) => !a.some((x) => sameCoord(x, y)))];
}

/**
 * Two instances of `stage` that would share a name: the same coordinates (a sweep lists a value twice) or
 * values whose readable forms coincide (`0.5` and `"0.5"`). Located at the sweep value of the second one.
 */
function duplicateError(config: PipelineConfig, stage: StageSpec, a: InstanceSpec, b: InstanceSpec) {
  const same = canonicalJson(a.coords) === canonicalJson(b.coords);
  const own = b.coords.find((c, i) =>
    c.origin === stage.name && (same || canonicalJson(c.value) !== canonicalJson(a.coords[i]?.value))
  );
  const index = own
    ? stage.sweep[own.key].findLastIndex((v) => canonicalJson(v) === canonicalJson(own.value))
    : -1;
  const where = own ? ["stages", stage.name, "sweep", own.key, ...(index >= 0 ? [index] : [])] : [];
  const coords = describeCoords(b.coords);
  const detail = same
    ? `duplicate instance '${b.name}' (coordinates ${coords}): the sweep lists a value twice`
    : `instances with coordinates ${describeCoords(a.coords)} and ${coords} would both ` +
      `be named '${b.name}'; make the values differ in their readable form (pipeline/names.ts)`;
  return new ConfigError(
    config.source.locate(where.length ? where : ["stages", stage.name]),
    where.length ? where.join(".") : `stages.${stage.name}`,
    detail,
  );
}

/** `b` merged into `a`: mappings merge key by key, anything else (sequences included) is replaced. */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
