/**
 * Atomic file writes: a reader never sees a half-written file, because the bytes go to a temporary file in
 * the same directory (so the rename stays on one file system) which is then renamed over the target.
 */
import { basename, dirname, join } from "node:path";

/** Error raised when an atomic write fails; names the target file. */
export class AtomicWriteError extends Error {
  constructor(readonly file: string, cause: unknown) {
    super(`${file}: atomic write failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = "AtomicWriteError";
  }
}

/** Name of a fresh temporary file beside `path` (same directory, unique per process and call). */
function tempPathFor(path: string): string {
  const rand = crypto.getRandomValues(new Uint32Array(2));
  return join(
    dirname(path),
    `.${basename(path)}.${Deno.pid}.${rand[0].toString(16)}${rand[1].toString(16)}.tmp`,
  );
}

/**
 * Writes `chunks` (in order) to `path` atomically: temp file in the same directory, data synced, then renamed
 * over `path`. On failure the temp file is removed and an {@link AtomicWriteError} is thrown.
 */
export async function writeChunksAtomic(path: string, chunks: Iterable<Uint8Array>): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    const file = await Deno.open(tmp, { write: true, createNew: true });
    try {
      for (const chunk of chunks) {
        let written = 0;
        while (written < chunk.length) written += await file.write(chunk.subarray(written));
      }
      await file.syncData();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw new AtomicWriteError(path, err);
  }
}

/** Writes bytes or UTF-8 text to `path` atomically (see {@link writeChunksAtomic}). */
export function writeFileAtomic(path: string, content: Uint8Array | string): Promise<void> {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  return writeChunksAtomic(path, [bytes]);
}

/** Writes `value` as pretty-printed JSON (2-space indent, trailing newline) to `path` atomically. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/** Quotes one CSV field per RFC 4180: fields holding a comma, quote, CR or LF are quoted, quotes doubled. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Renders rows as CSV text (header line, then one line per row, `\n` line ends, trailing newline).
 * `columns` fixes the column order; by default the keys of all rows in first-seen order. Missing values
 * and null/undefined are empty fields.
 */
export function toCsv(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const lines = [cols.map(csvField).join(",")];
  for (const row of rows) lines.push(cols.map((c) => csvField(row[c])).join(","));
  return lines.join("\n") + "\n";
}

/** Writes rows as CSV (see {@link toCsv}) to `path` atomically. */
export function writeCsvAtomic(
  path: string,
  rows: readonly Record<string, unknown>[],
  columns?: readonly string[],
): Promise<void> {
  return writeFileAtomic(path, toCsv(rows, columns));
}
