/**
 * Typed errors of the pipeline engine. Every message names the offending file, position, key or instance
 * so a user can fix the config without reading engine code.
 */

/** Where in a config a value came from: a file position, or a `--set` override. */
export interface SourceLocation {
  file: string;
  /** 1-based line, absent when the value came from `--set`. */
  line?: number;
  /** 1-based column. */
  col?: number;
  /** The `--set k=v` that supplied the value, when it did not come from the file. */
  override?: string;
}

/** Formats a location as `file:line:col` (or `file (--set k=v)`). */
export function formatLocation(loc: SourceLocation): string {
  if (loc.override) return `${loc.file} (from --set ${loc.override})`;
  if (loc.line === undefined) return loc.file;
  return `${loc.file}:${loc.line}:${loc.col ?? 1}`;
}

/**
 * A config that cannot be used: YAML syntax, schema, unknown key, cycle, dangling input, duplicate
 * instance, unknown task kind or invalid task params. `path` is the key path, e.g. `stages.attack.params.eps`.
 */
export class ConfigError extends Error {
  constructor(
    readonly location: SourceLocation,
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${formatLocation(location)}: ${path ? path + ": " : ""}${detail}`);
    this.name = "ConfigError";
  }
}

/** Several config errors found in one pass; the message lists them all, one per line. */
export class ConfigErrors extends Error {
  constructor(readonly errors: ConfigError[]) {
    super(errors.map((e) => e.message).join("\n"));
    this.name = "ConfigErrors";
  }
}

/** A store entry, lock or input that is not in the state the engine expects. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreError";
  }
}

/** Zod issues as one line, `path: message; …` — never the raw JSON of a ZodError. */
export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join(".") || "(value)"}: ${i.message}`).join("; ");
}

/** The message to show for a thrown value: a ZodError's issues formatted by {@link formatIssues}. */
export function errorMessage(e: unknown): string {
  const err = e as Error & { issues?: { path: PropertyKey[]; message: string }[] };
  if (err?.name === "ZodError" && Array.isArray(err.issues)) return formatIssues(err.issues);
  return err instanceof Error ? err.message : String(e);
}
