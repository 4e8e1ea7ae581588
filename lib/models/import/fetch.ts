/**
 * Where a checkpoint's bytes come from: a local path, or an http(s) URL downloaded once into a cache
 * directory. Every checkpoint's SHA-256 is computed; when the caller expects one, a mismatch is an error
 * and a mismatching download is never written to the cache. Offline, the error names the cache path where
 * a manually downloaded file is picked up.
 */
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../../io/atomic.ts";
import { CheckpointNotFoundError, CheckpointUnavailableError, ChecksumMismatchError } from "./errors.ts";

/** Bytes of a checkpoint with where they were read from and their SHA-256 (lowercase hex). */
export interface CheckpointBytes {
  bytes: Uint8Array;
  /** The local file read (the cache file for a URL). */
  file: string;
  sha256: string;
  /** True when a URL's file came from the cache without a download. */
  cached: boolean;
}

/** Options of {@link readCheckpointBytes}. */
export interface FetchOptions {
  /** Expected SHA-256 (hex, any case). */
  sha256?: string;
  /** Cache directory for downloads (default {@link defaultCheckpointCache}). */
  cacheDir?: string;
}

/** SHA-256 of `bytes` as lowercase hex. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `$FREQLENS_CHECKPOINTS`, else `$XDG_CACHE_HOME/freqlens/checkpoints`, else `~/.cache/freqlens/checkpoints`. */
export function defaultCheckpointCache(): string {
  const explicit = Deno.env.get("FREQLENS_CHECKPOINTS");
  if (explicit) return explicit;
  const base = Deno.env.get("XDG_CACHE_HOME") ?? join(Deno.env.get("HOME") ?? ".", ".cache");
  return join(base, "freqlens", "checkpoints");
}

/** True for http(s) URLs. */
export function isUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** The cache file of `url`: a hash of the URL (so two URLs never collide) and the URL's file name. */
export async function cachePathFor(url: string, cacheDir: string): Promise<string> {
  const base = decodeURIComponent(new URL(url).pathname.split("/").pop() || "checkpoint")
    .replace(/[^A-Za-z0-9._-]/g, "_");
  const tag = (await sha256Hex(new TextEncoder().encode(url))).slice(0, 16);
  return join(cacheDir, `${tag}-${base}`);
}

function checkDigest(file: string, expected: string | undefined, actual: string): void {
  if (expected && expected.toLowerCase() !== actual) {
    throw new ChecksumMismatchError(file, expected.toLowerCase(), actual);
  }
}

async function readLocal(path: string): Promise<Uint8Array | null> {
  try {
    return await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw new CheckpointNotFoundError(path, err instanceof Error ? err.message : String(err));
  }
}

/**
 * Reads the checkpoint at `location` (a path, a `file://` URL, or an http(s) URL). A URL is served from the
 * cache when present (checked against `sha256`, else against the digest recorded at download), otherwise
 * downloaded, checked, and written atomically with a `.sha256` file beside it.
 */
export async function readCheckpointBytes(
  location: string,
  options: FetchOptions = {},
): Promise<CheckpointBytes> {
  if (!isUrl(location)) {
    const path = location.startsWith("file://") ? new URL(location).pathname : location;
    const bytes = await readLocal(path);
    if (!bytes) throw new CheckpointNotFoundError(path, "no such file");
    const sha256 = await sha256Hex(bytes);
    checkDigest(path, options.sha256, sha256);
    return { bytes, file: path, sha256, cached: false };
  }
  const cacheDir = options.cacheDir ?? defaultCheckpointCache();
  const path = await cachePathFor(location, cacheDir);
  const cachedBytes = await readLocal(path);
  if (cachedBytes) {
    const sha256 = await sha256Hex(cachedBytes);
    const recorded = (await readLocal(`${path}.sha256`)) ?? undefined;
    checkDigest(path, options.sha256 ?? (recorded && new TextDecoder().decode(recorded).trim()), sha256);
    return { bytes: cachedBytes, file: path, sha256, cached: true };
  }
  let bytes: Uint8Array;
  try {
    const response = await fetch(location);
    if (!response.ok) {
      await response.body?.cancel();
      throw new CheckpointUnavailableError(location, path, `HTTP ${response.status} ${response.statusText}`);
    }
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (err) {
    if (err instanceof CheckpointUnavailableError) throw err;
    throw new CheckpointUnavailableError(location, path, err instanceof Error ? err.message : String(err));
  }
  const sha256 = await sha256Hex(bytes);
  checkDigest(location, options.sha256, sha256);
  await Deno.mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, bytes);
  await writeFileAtomic(`${path}.sha256`, `${sha256}\n`);
  return { bytes, file: path, sha256, cached: false };
}
