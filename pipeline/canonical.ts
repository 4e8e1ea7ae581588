/** Canonical JSON and hashing: the same value always gives the same bytes and the same key. */
import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level, no whitespace, `-0` written as `0`. Non-finite numbers
 * and undefined values inside arrays throw, since YAML configs cannot produce them meaningfully.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
    return JSON.stringify(Object.is(value, -0) ? 0 : value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
  }
  throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
}

/** Hex SHA-256 of a string or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Hex SHA-256 of a file's contents, read in 8 MiB chunks so large outputs do not fill memory (the 64 KiB
 * chunks of `file.readable` made hashing several times slower).
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path, { read: true });
  try {
    const buf = new Uint8Array(Math.min(8 << 20, Math.max(1, (await file.stat()).size)));
    for (let n = await file.read(buf); n !== null; n = await file.read(buf)) hash.update(buf.subarray(0, n));
  } finally {
    file.close();
  }
  return hash.digest("hex");
}
