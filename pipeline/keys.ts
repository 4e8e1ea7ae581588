/**
 * The cache key of a stage instance: a hash of everything that determines its outputs. Two instances with
 * the same key produce the same files, so the store holds each key once, whichever config asked for it.
 */
import type { BackendChoice } from "./backend.ts";
import { canonicalJson, sha256Hex } from "./canonical.ts";

/** Bumped when the meaning of a key changes, so old entries are simply not found. */
export const KEY_FORMAT = 1;

/** What goes into a key; kept in the manifest so `status` can say which part changed. */
export interface KeyComponents {
  format: number;
  /** Task kind (`tasks/<kind>.ts`). */
  kind: string;
  /** The instance's seed ({@link instanceSeed}). */
  seed: number;
  /** Resolved params: defaults ⊕ params ⊕ sweep values. */
  params: Record<string, unknown>;
  /** Alias → keys of the upstream entries it reads, in order. */
  inputs: Record<string, string[]>;
  /** Project source files of the task's import graph (path relative to the project root → SHA-256). */
  sources: Record<string, string>;
  /** Locked npm packages of the task's import graph, transitively (`name@version`). */
  packages: string[];
  /** Backend and threads, for `numeric` tasks only. */
  backend: BackendChoice | null;
  /** Param → fingerprint of the local files it names (`./external.ts`); absent when the task reads none. */
  external?: Record<string, string>;
}

/** The key: 32 hex digits (128 bits) of SHA-256 over the canonical JSON of the components. */
export function cacheKey(components: KeyComponents): string {
  return sha256Hex(canonicalJson(components)).slice(0, 32);
}

/**
 * An instance's 31-bit seed, from the config's seed and the instance's seed identity: its legacy name
 * (`legacyInstanceName` in `./names.ts`), which earlier versions used as its name, so the seeds — and with
 * them the keys and results — of every existing config stay what they were when names became readable.
 */
export function instanceSeed(configSeed: number, legacyName: string): number {
  return parseInt(sha256Hex(`${configSeed}\u0000${legacyName}`).slice(0, 8), 16) % 2 ** 31;
}
