/**
 * The source code a task runs, found from its import graph (`deno info --json`): every local module it
 * imports through code (not type-only) edges, transitively, with content hashes, and the locked npm
 * packages those modules use (with their own dependencies). Results are cached per file by
 * (mtime, size, inode) in `outputs/.cache/import-graph.json`, so an unchanged project costs one `stat`
 * per module; `deno info` runs again only for a task whose graph contains a changed file.
 */
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256Hex } from "./canonical.ts";

/** What the cache keeps per local module. */
interface FileRecord {
  mtime: number;
  size: number;
  ino: number | null;
  sha256: string;
  /** Local modules it imports through code edges (absolute paths). */
  code: string[];
  /** npm package ids it imports (as `deno info` names them, e.g. `zod@4.6.7`). */
  npm: string[];
  /** Hashed within {@link RACY_MS} of its mtime: a later same-size rewrite could keep the mtime. */
  racy: boolean;
}

interface NpmRecord {
  name: string;
  version: string;
  deps: string[];
}

interface CacheFile {
  version: 1;
  files: Record<string, FileRecord>;
  npm: Record<string, NpmRecord>;
}

/** The code identity of one task module. */
export interface ModuleGraph {
  /** Path relative to the project root → SHA-256 of its content. */
  sources: Record<string, string>;
  /** `name@version` of every npm package in the graph, transitively, sorted. */
  packages: string[];
  /** `name@version` of the packages imported directly by project modules. */
  directPackages: string[];
}

/** A failure of `deno info` on a task module (syntax error, missing import…). */
export class ImportGraphError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`cannot read the import graph of ${file}: ${detail}`);
    this.name = "ImportGraphError";
  }
}

/** Edits newer than this are not trusted from the cache (a same-millisecond rewrite keeps mtime). */
const RACY_MS = 2000;

/** Import graphs of task modules, cached on disk between processes. */
export class SourceGraphs {
  #cache: CacheFile;
  #dirty = false;
  #memo = new Map<string, Promise<ModuleGraph>>();
  /** Files hashed by this process: trusted even when racy. */
  #verified = new Set<string>();

  /**
   * @param cachePath JSON cache file (created on {@link save}).
   * @param denoConfig the `deno.json` whose imports map resolves bare specifiers.
   * @param root paths in {@link ModuleGraph.sources} are relative to it.
   */
  constructor(readonly cachePath: string, readonly denoConfig: string, readonly root: string) {
    this.#cache = { version: 1, files: {}, npm: {} };
    try {
      const c = JSON.parse(Deno.readTextFileSync(cachePath)) as CacheFile;
      if (c.version === 1 && c.files && c.npm) this.#cache = c;
    } catch {
      // no cache yet, or an unreadable one: start empty
    }
  }

  /** The graph of the module at absolute path `entry`. */
  graph(entry: string): Promise<ModuleGraph> {
    let g = this.#memo.get(entry);
    if (!g) {
      g = this.#compute(entry);
      this.#memo.set(entry, g);
    }
    return g;
  }

  /** Writes the cache if it changed (atomically; a concurrent writer's version may win, which is harmless). */
  save(): void {
    if (!this.#dirty) return;
    const tmp = `${this.cachePath}.${Deno.pid}.tmp`;
    Deno.mkdirSync(this.cachePath.replace(/\/[^/]*$/, ""), { recursive: true });
    Deno.writeTextFileSync(tmp, JSON.stringify(this.#cache));
    Deno.renameSync(tmp, this.cachePath);
    this.#dirty = false;
  }

  async #compute(entry: string): Promise<ModuleGraph> {
    let g = this.#walk(entry);
    if (!g) {
      await this.#refresh(entry);
      g = this.#walk(entry);
      if (!g) throw new ImportGraphError(entry, "a module changed while it was being read; try again");
    }
    return g;
  }

  /** Walks the cached graph; undefined when any module is missing from the cache or changed on disk. */
  #walk(entry: string): ModuleGraph | undefined {
    const sources: Record<string, string> = {};
    const direct = new Set<string>();
    const seen = new Set<string>();
    const stack = [entry];
    while (stack.length) {
      const file = stack.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const rec = this.#cache.files[file];
      if (!rec || !fresh(file, rec, this.#verified.has(file))) return undefined;
      sources[relative(this.root, file)] = rec.sha256;
      for (const id of rec.npm) direct.add(id);
      stack.push(...rec.code);
    }
    const all = new Set<string>();
    const queue = [...direct];
    while (queue.length) {
      const id = queue.pop()!;
      if (all.has(id)) continue;
      const rec = this.#cache.npm[id];
      if (!rec) return undefined;
      all.add(id);
      queue.push(...rec.deps);
    }
    const label = (id: string) => `${this.#cache.npm[id].name}@${this.#cache.npm[id].version}`;
    return {
      sources: Object.fromEntries(Object.entries(sources).sort(([a], [b]) => a < b ? -1 : 1)),
      packages: [...new Set([...all].map(label))].sort(),
      directPackages: [...new Set([...direct].map(label))].sort(),
    };
  }

  async #refresh(entry: string): Promise<void> {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", this.denoConfig, entry],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    if (!out.success) {
      throw new ImportGraphError(entry, new TextDecoder().decode(out.stderr).trim().split("\n")[0]);
    }
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as DenoInfo;
    const broken = info.modules.filter((m) => m.error);
    if (broken.length) throw new ImportGraphError(entry, broken.map((m) => m.error).join("\n"));
    const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
    const target = (spec: string | undefined) => {
      if (!spec) return undefined;
      return bySpecifier.get(info.redirects[spec] ?? spec);
    };
    for (const m of info.modules) {
      if (!m.local || !m.specifier.startsWith("file:")) continue;
      const file = fileURLToPath(m.specifier);
      const code: string[] = [];
      const npm: string[] = [];
      for (const d of m.dependencies ?? []) {
        const t = target(d.code?.specifier);
        if (!t) continue;
        if (t.kind === "npm" && t.npmPackage) npm.push(t.npmPackage);
        else if (t.specifier.startsWith("file:")) code.push(fileURLToPath(t.specifier));
      }
      const stat = Deno.statSync(file);
      const bytes = Deno.readFileSync(file);
      const mtime = stat.mtime?.getTime() ?? 0;
      this.#verified.add(file);
      this.#cache.files[file] = {
        mtime,
        racy: Date.now() - mtime < RACY_MS,
        size: stat.size,
        ino: stat.ino,
        sha256: sha256Hex(bytes),
        code,
        npm,
      };
    }
    for (const [id, p] of Object.entries(info.npmPackages ?? {})) {
      this.#cache.npm[id] = { name: p.name, version: p.version, deps: p.dependencies ?? [] };
    }
    this.#dirty = true;
  }
}

function fresh(file: string, rec: FileRecord, verified: boolean): boolean {
  let stat: Deno.FileInfo;
  try {
    stat = Deno.statSync(file);
  } catch {
    return false;
  }
  const mtime = stat.mtime?.getTime() ?? 0;
  return mtime === rec.mtime && stat.size === rec.size && stat.ino === rec.ino && (verified || !rec.racy);
}

interface DenoInfo {
  redirects: Record<string, string>;
  modules: {
    specifier: string;
    kind: string;
    local?: string;
    error?: string;
    npmPackage?: string;
    dependencies?: { specifier: string; code?: { specifier: string } }[];
  }[];
  npmPackages?: Record<string, { name: string; version: string; dependencies?: string[] }>;
}
