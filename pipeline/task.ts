/**
 * The contract between the pipeline engine and a stage kind.
 *
 * Every file `tasks/<kind>.ts` default-exports `defineTask({...})`. The engine validates the stage's
 * params with `params` (a zod schema), hands the task a {@link TaskContext}, and turns whatever the task
 * wrote into `ctx.outDir` into one store entry. Tasks are thin wiring: they read inputs, call pure
 * functions in `lib/`, and write files.
 */
import type { z } from "zod";
import type { ResourceSpec } from "./resources.ts";

/**
 * One upstream stage instance that this stage reads, as stored in the cache. Everything about it travels
 * as data: a consumer never parses `instance`, which is a display name only.
 */
export interface StageInput {
  /** Its readable name, for display and messages (e.g. `attack[method=pgd,eps=0.03]`); never parsed. */
  instance: string;
  /** The stage name it was declared under in the config (without sweep suffix). */
  stage: string;
  /** Directory of its store entry; read-only. */
  dir: string;
  /** Its fully resolved params (defaults, stage params and sweep values merged). */
  params: Record<string, unknown>;
  /**
   * Its sweep coordinates, inherited ones first (the order of its name): the stage whose `sweep:` introduced
   * each, the param and its value as written in the config (a number, a string, a mapping…). Empty when
   * the instance is not swept.
   */
  coords: { origin: string; key: string; value: unknown }[];
}

/** Reports progress of a long stage: a bar in a terminal, periodic plain lines otherwise. */
export interface Progress {
  /** Begins a phase of `total` units, e.g. `start("epoch 3", 390)`. */
  start(label: string, total: number): void;
  /** Sets the number of finished units and optional fields shown beside the bar (loss, img/s…). */
  update(done: number, fields?: Record<string, string | number>): void;
  /** Ends the current phase. */
  finish(): void;
}

/** Everything a task may use while it runs. */
export interface TaskContext<P> {
  /** Readable name of the running stage (for messages; its coordinates are data, see {@link StageInput}). */
  instance: string;
  /** Params after validation by the task's schema. */
  params: P;
  /**
   * Inputs by the alias used in the config's `inputs:` map. A fanned-out input holds one entry, a
   * gathered input (`{stage: x, gather: true}`) holds every instance of that stage in sweep order.
   */
  inputs: Record<string, StageInput[]>;
  /** Directory the task writes its outputs into (a temporary directory, renamed into the store). */
  outDir: string;
  /** Seed for every random choice, from the config's `seed` and the instance (`instanceSeed` in keys.ts). */
  seed: number;
  /** Name of the numeric backend the stage runs on (`wasm`, `cpu`, `tensorflow`, `webgpu`). */
  backend: string;
  progress: Progress;
  /** Appends a line to the stage's log (kept in its store entry). */
  log(message: string): void;
}

/**
 * An input a task reads, declared so the engine can reject a config that misses or misspells it before
 * anything runs (optional: tasks without `inputs` accept any aliases).
 */
export interface InputDeclaration {
  /** What the task reads from it, shown in errors, e.g. "the trained model (model/, model_info.json)". */
  doc: string;
  /** May hold several instances (`{stage: x, gather: true}`); false: exactly one (a fanned-out input). */
  many?: boolean;
  /** The stage may omit it. */
  optional?: boolean;
  /** Also accepts aliases `<alias>_<suffix>`, so several stages can feed one analysis (`attacks_pgd`). */
  suffixed?: boolean;
}

/** A stage kind. */
export interface TaskDefinition<P> {
  /** One line on what the stage computes, shown by `cli dag` and `cli show`. */
  description: string;
  /** Schema of the stage's params; unknown keys must be rejected (`z.strictObject`). */
  params: z.ZodType<P>;
  /**
   * True when the numbers a stage writes depend on the numeric backend: the engine then initialises
   * the backend before `run` and puts the backend and its thread count into the cache key.
   */
  numeric: boolean;
  /** Params renamed since earlier versions, old key → new key: a config still using an old key gets an
   * error naming the new one ("unknown param 'epsilon' of task fourier: renamed to 'eps'"). */
  renamed?: Record<string, string>;
  /** Input aliases the task reads (optional); when given, a stage's `inputs:` must match it. */
  inputs?: Record<string, InputDeclaration>;
  /** Params that name local files or folders the task reads (a dataset `dir`, a checkpoint): their files'
   * sizes and modification times enter the cache key, so replacing them reruns the stage. */
  externalPaths?: string[];
  /**
   * The local files an instance will read, by a name for messages, resolved from its params with default
   * locations included (a dataset found in the cache). Called before anything runs; the files' paths, sizes
   * and modification times enter the cache key, so the key covers the data actually read wherever it came
   * from. Must not download or write.
   */
  readsFiles?(params: P): Record<string, string[]>;
  /** What a cluster job of this kind asks for by default (`pipeline/resources.ts`); configs override it. */
  resources?: ResourceSpec;
  run(ctx: TaskContext<P>): Promise<void>;
}

/** Declares a stage kind; the identity function, there for type inference. */
export function defineTask<P>(definition: TaskDefinition<P>): TaskDefinition<P> {
  return definition;
}

/** Returns the single input under `alias`, or throws naming the alias when there is not exactly one. */
export function oneInput(inputs: Record<string, StageInput[]>, alias: string): StageInput {
  const list = inputs[alias];
  if (!list || list.length !== 1) {
    throw new Error(`input '${alias}': expected exactly one stage instance, got ${list?.length ?? 0}`);
  }
  return list[0];
}
