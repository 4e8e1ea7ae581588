/**
 * Files outside the store that a stage reads (a dataset `dir:`, a checkpoint path), as far as its cache key
 * is concerned. Their contents are not hashed — a dataset can be large — but the size and modification time
 * of every file under the path are, so replacing or editing a file in place reruns the stages that read it
 * (a mere `touch` does too, harmlessly). Paths that do not exist locally (URLs, a download not made yet) are
 * left out: their params identify them.
 */
import { existsSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256Hex } from "./canonical.ts";

/** The local path a param value names, or undefined for URLs and non-strings. */
export function localPath(value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  if (value.startsWith("file://")) return fileURLToPath(value);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  return resolve(value);
}

/** Digest of the size and mtime of `path` (a file, or every file below a directory); undefined when absent. */
export function pathFingerprint(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const lines: string[] = [];
  const visit = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of [...Deno.readDirSync(p)].map((e) => e.name).sort()) visit(join(p, name));
    } else {
      lines.push(`${relative(path, p)} ${st.size} ${st.mtimeMs}`);
    }
  };
  visit(path);
  return sha256Hex(lines.join("\n"));
}

/**
 * Fingerprints of the params named in `names` that hold existing local paths (relative paths resolve
 * against the working directory, as the tasks resolve them): param name → digest. Empty when none.
 */
export function externalFingerprints(
  params: Record<string, unknown>,
  names: string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const path = localPath(params[name]);
    const digest = path === undefined ? undefined : pathFingerprint(path);
    if (digest !== undefined) out[name] = digest;
  }
  return out;
}

/** Params named in `names` whose value is a local path that does not exist: param name → resolved path. */
export function missingExternalPaths(
  params: Record<string, unknown>,
  names: string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const path = localPath(params[name]);
    if (path !== undefined && !existsSync(path)) out[name] = path;
  }
  return out;
}

/** Digest of the paths, sizes and mtimes of a list of files (the files a task says it reads). */
export function filesFingerprint(paths: string[]): string {
  return sha256Hex(
    [...paths].sort().map((p) => {
      const st = statSync(p);
      return `${resolve(p)} ${st.size} ${st.mtimeMs}`;
    }).join("\n"),
  );
}
