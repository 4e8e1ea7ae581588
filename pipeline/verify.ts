/**
 * Which store files have been hashed and found to match their manifest, so that checking an entry before
 * it is trusted stays cheap: per entry, `.cache/verified/<key>.json` maps each file to the size, mtime,
 * ctime and inode it had when its SHA-256 last matched. A file whose stat still equals that record is
 * trusted; any other is rehashed. Rewriting a file's bytes updates its ctime even when its size and mtime
 * are put back (`touch -d`), and replacing it changes its inode, so no change goes unseen. Deleting
 * `.cache/` only costs one rehash of everything.
 */
import { join } from "node:path";
import type { OutputsLayout } from "./layout.ts";

/** A file's identity as far as the cache is concerned. */
interface StatRecord {
  size: number;
  mtime: number;
  ctime: number;
  ino: number;
  sha256: string;
}

/** The identity of a stat result (with the hash it was verified against). */
function recordOf(stat: Deno.FileInfo, sha256: string): StatRecord {
  return {
    size: stat.size,
    mtime: stat.mtime?.getTime() ?? -1,
    ctime: stat.ctime?.getTime() ?? -1,
    ino: stat.ino ?? -1,
    sha256,
  };
}

/** The verified-files record of one store entry (see the module doc). */
export class VerifiedFiles {
  readonly path: string;
  private files: Record<string, StatRecord> = {};
  private dirty = false;

  constructor(layout: OutputsLayout, key: string) {
    this.path = join(layout.cache, "verified", `${key}.json`);
    try {
      this.files = JSON.parse(Deno.readTextFileSync(this.path)).files ?? {};
    } catch {
      // none yet, or unreadable: everything is rehashed once
    }
  }

  /** True when `rel` was verified against `sha256` and its stat has not changed since. */
  trusts(rel: string, stat: Deno.FileInfo, sha256: string): boolean {
    const r = this.files[rel];
    if (!r || r.sha256 !== sha256 || stat.ctime === null || stat.ino === null) return false;
    const now = recordOf(stat, sha256);
    return r.size === now.size && r.mtime === now.mtime && r.ctime === now.ctime && r.ino === now.ino;
  }

  /** Records that `rel`, as `stat` describes it, has just been hashed to `sha256` (its manifest's hash). */
  record(rel: string, stat: Deno.FileInfo, sha256: string): void {
    this.files[rel] = recordOf(stat, sha256);
    this.dirty = true;
  }

  /** Forgets `rel` (its content no longer matches). */
  forget(rel: string): void {
    if (rel in this.files) {
      delete this.files[rel];
      this.dirty = true;
    }
  }

  /** Writes the record atomically when it changed (concurrent writers write the same facts). */
  save(): void {
    if (!this.dirty) return;
    Deno.mkdirSync(join(this.path, ".."), { recursive: true });
    const tmp = `${this.path}.${Deno.pid}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify({ files: this.files }));
    Deno.renameSync(tmp, this.path);
    this.dirty = false;
  }
}
