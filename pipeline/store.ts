/**
 * The content-addressed store: one directory per cache key, holding the stage's files, `log.txt` and
 * `manifest.json`. An entry is built in a temporary directory and renamed into place, and its manifest is
 * written last, so a directory without a complete manifest is never taken for an entry. A file that no
 * longer matches its manifest's size and SHA-256 makes the entry stale.
 */
import { join, relative } from "node:path";
import type { BackendChoice } from "./backend.ts";
import { canonicalJson, sha256File, sha256Hex } from "./canonical.ts";
import type { KeyComponents } from "./keys.ts";
import type { OutputsLayout } from "./layout.ts";
import type { Coord } from "./names.ts";
import { StoreError } from "./errors.ts";
import { VerifiedFiles } from "./verify.ts";

/** Names the engine keeps in every entry; a task may not write them. */
export const RESERVED = ["manifest.json", "log.txt"];

/** One output file as recorded in a manifest. */
export interface FileRecord {
  size: number;
  sha256: string;
  /** Modification time (ms) when recorded: unchanged size and mtime skip rehashing. */
  mtime: number;
}

/** The lock file of a store entry: what made it, from what, and how to check it. */
export interface Manifest {
  format: 1;
  complete: true;
  key: string;
  config: string;
  stage: string;
  /** Its readable name when made (entries of earlier versions: the legacy name, `./names.ts`). */
  instance: string;
  kind: string;
  params: Record<string, unknown>;
  /** Its sweep coordinates (origin stage, param, value), in name order; absent in entries of earlier versions. */
  coords?: Coord[];
  /**
   * Alias → upstream instances, their keys and the {@link contentDigest} of the files read from them (so an
   * entry made from an input whose content later differs is stale).
   */
  inputs: Record<string, { instance: string; key: string; content?: string }[]>;
  /** Path relative to the entry → size, hash, mtime. */
  files: Record<string, FileRecord>;
  start: string;
  end: string;
  duration_s: number;
  /** The backend the stage actually ran on (numeric tasks), else null. */
  backend: BackendChoice | null;
  versions: { deno: string; packages: string[] };
  /** Everything hashed into the key, so `status` can say what changed. */
  components: KeyComponents;
  /** The SLURM job that made it (`SLURM_JOB_ID`, node, CPUs), when a job did. */
  slurm?: { job_id: string; node: string; cpus: number };
}

/** Digest of an entry's content as its manifest records it: every file's path and SHA-256. */
export function contentDigest(manifest: Manifest): string {
  return sha256Hex(
    canonicalJson(Object.fromEntries(Object.entries(manifest.files).map(([f, r]) => [f, r.sha256]))),
  );
}

/**
 * Inputs (instance names) whose entry now holds other content than the entry of `manifest` was made from:
 * that entry is stale even though its own files are intact.
 */
export function inputsChangedSince(layout: OutputsLayout, manifest: Manifest): string[] {
  const out: string[] = [];
  for (const list of Object.values(manifest.inputs ?? {})) {
    for (const input of list) {
      if (input.content === undefined) continue; // made before input contents were recorded
      const up = readManifest(layout.entry(input.key));
      if (up && up.key === input.key && contentDigest(up) !== input.content) out.push(input.instance);
    }
  }
  return out;
}

/** Reads `dir/manifest.json`; undefined when missing, unreadable or incomplete. */
export function readManifest(dir: string): Manifest | undefined {
  try {
    const m = JSON.parse(Deno.readTextFileSync(join(dir, "manifest.json"))) as Manifest;
    return m && m.complete === true && typeof m.key === "string" && m.files ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Result of checking an entry's files against its manifest. */
export interface Verification {
  ok: boolean;
  /** One line per file that is missing or whose content changed. */
  problems: string[];
}

/**
 * Checks every file of an entry against its manifest. With `verified` (the entry's {@link VerifiedFiles}),
 * a file is trusted only when its size, mtime, ctime and inode are those it had when its hash last
 * matched, and rehashed otherwise — so a change that keeps size and mtime is still caught. Without it, a
 * file whose size and mtime match is trusted. With `full`, every file is rehashed.
 */
export async function verifyEntry(
  dir: string,
  manifest: Manifest,
  full = false,
  verified?: VerifiedFiles,
): Promise<Verification> {
  const problems: string[] = [];
  for (const [rel, rec] of Object.entries(manifest.files)) {
    const path = join(dir, rel);
    let stat: Deno.FileInfo;
    try {
      stat = Deno.statSync(path);
    } catch {
      problems.push(`${rel}: missing`);
      continue;
    }
    if (stat.size !== rec.size) {
      problems.push(`${rel}: size ${stat.size} ≠ ${rec.size} recorded`);
      verified?.forget(rel);
      continue;
    }
    if (!full) {
      if (verified ? verified.trusts(rel, stat, rec.sha256) : (stat.mtime?.getTime() ?? -1) === rec.mtime) {
        continue;
      }
    }
    if ((await sha256File(path)) === rec.sha256) verified?.record(rel, stat, rec.sha256);
    else {
      problems.push(`${rel}: content changed (SHA-256 mismatch)`);
      verified?.forget(rel);
    }
  }
  verified?.save();
  return { ok: problems.length === 0, problems };
}

/** The state of the entry of `key`: absent, or present with its manifest and verification. */
export type EntryState =
  | { state: "absent" }
  | { state: "valid"; manifest: Manifest }
  | { state: "corrupt"; manifest: Manifest; problems: string[] };

/** Looks up the entry of `key` and verifies its files (hashing those not verified since they last changed). */
export async function entryState(layout: OutputsLayout, key: string, full = false): Promise<EntryState> {
  const dir = layout.entry(key);
  const manifest = readManifest(dir);
  if (!manifest || manifest.key !== key) return { state: "absent" };
  const v = await verifyEntry(dir, manifest, full, new VerifiedFiles(layout, key));
  return v.ok ? { state: "valid", manifest } : { state: "corrupt", manifest, problems: v.problems };
}

/** Every regular file under `dir`, as sorted paths relative to it. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) walk(p);
      else if (e.isFile) out.push(relative(dir, p));
      else throw new StoreError(`${p}: only regular files and directories may be written to an entry`);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Hashes the files a stage wrote into `tmpDir`, writes the manifest last, and renames the directory to the
 * entry of `manifest.key`, replacing an existing entry (the caller holds the key's lock).
 */
export async function commitEntry(
  layout: OutputsLayout,
  tmpDir: string,
  manifest: Omit<Manifest, "files" | "format" | "complete">,
): Promise<Manifest> {
  const files: Record<string, FileRecord> = {};
  for (const rel of listFiles(tmpDir)) {
    if (RESERVED.includes(rel)) continue;
    const path = join(tmpDir, rel);
    const stat = Deno.statSync(path);
    files[rel] = { size: stat.size, sha256: await sha256File(path), mtime: stat.mtime?.getTime() ?? 0 };
  }
  const full: Manifest = { format: 1, complete: true, ...manifest, files };
  const mpath = join(tmpDir, "manifest.json");
  const f = Deno.openSync(mpath, { write: true, createNew: true });
  f.writeSync(new TextEncoder().encode(JSON.stringify(full, null, 2) + "\n"));
  f.syncSync();
  f.close();
  const target = layout.entry(full.key);
  let old: string | undefined;
  try {
    Deno.statSync(target);
    old = `${tmpDir}.replaced`;
    Deno.renameSync(target, old);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  Deno.renameSync(tmpDir, target);
  if (old) Deno.removeSync(old, { recursive: true });
  // The files were just hashed: record them as verified, so the first check of the entry costs no rehash.
  const verified = new VerifiedFiles(layout, full.key);
  for (const [rel, rec] of Object.entries(files)) {
    verified.record(rel, Deno.statSync(join(target, rel)), rec.sha256);
  }
  verified.save();
  return full;
}

/**
 * Points `outputs/<config>/<instance>` at the entry of `key` (atomically replacing the old link), and removes
 * the instance's view under its `legacy` name (`./names.ts`), made by an earlier version, when there is one.
 */
export function updateView(
  layout: OutputsLayout,
  configName: string,
  instance: string,
  key: string,
  legacy?: string,
): void {
  setView(layout, configName, instance, key);
  if (legacy !== undefined && legacy !== instance) removeView(layout.view(configName, legacy));
}

/** Removes the view (symlink) at `path`, if that is one; anything else there is left alone. */
export function removeView(path: string): boolean {
  try {
    if (!Deno.lstatSync(path).isSymlink) return false;
    Deno.removeSync(path);
    return true;
  } catch {
    return false; // no view there
  }
}

function setView(layout: OutputsLayout, configName: string, instance: string, key: string): void {
  const view = layout.view(configName, instance);
  Deno.mkdirSync(layout.views(configName), { recursive: true });
  const target = relative(layout.views(configName), layout.entry(key));
  try {
    if (Deno.readLinkSync(view) === target) return;
  } catch {
    // no view yet
  }
  const tmp = `${view}.${Deno.pid}.tmp`;
  try {
    Deno.removeSync(tmp);
  } catch {
    // none left over
  }
  Deno.symlinkSync(target, tmp);
  Deno.renameSync(tmp, view);
}

/**
 * Key of the entry `outputs/<config>/<instance>` points at, if any; else, with `legacy`, of the entry the
 * view under the instance's legacy name (made by an earlier version, `./names.ts`) points at.
 */
export function viewKey(
  layout: OutputsLayout,
  configName: string,
  instance: string,
  legacy?: string,
): string | undefined {
  for (const name of legacy === undefined || legacy === instance ? [instance] : [instance, legacy]) {
    try {
      return Deno.readLinkSync(layout.view(configName, name)).split("/").pop();
    } catch {
      // no view under this name
    }
  }
  return undefined;
}

/**
 * Runs `fn` holding the exclusive lock of `key` (flock on `.store/.locks/<key>.lock`). The kernel
 * releases it when the holder dies, even by SIGKILL, so a crashed stage never leaves a stale lock.
 */
export async function withKeyLock<T>(layout: OutputsLayout, key: string, fn: () => Promise<T>): Promise<T> {
  Deno.mkdirSync(layout.locks, { recursive: true });
  const file = await Deno.open(layout.lock(key), { read: true, write: true, create: true });
  try {
    await file.lock(true);
    return await fn();
  } finally {
    file.close(); // closing releases the lock
  }
}
