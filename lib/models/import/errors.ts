/**
 * Typed errors of checkpoint import. A checkpoint is untrusted input: every failure names the file (or URL)
 * and what was wrong with it, so a user can tell a corrupt download from a wrong `arch:` in their config.
 */

/** A checkpoint whose bytes cannot be read as any supported format (truncated zip, bad pickle, …). */
export class CheckpointFormatError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
    this.name = "CheckpointFormatError";
  }
}

/**
 * A pickle that references a Python global outside the allow-list (tensor rebuilding, storages,
 * OrderedDict). Unpickling stops at the reference; nothing of it is evaluated.
 */
export class ForbiddenGlobalError extends Error {
  constructor(readonly file: string, readonly global: string) {
    super(
      `${file}: the pickle references the Python global '${global}', which is not allowed in a checkpoint ` +
        `(only tensors, storages, OrderedDict and plain containers are unpickled; a checkpoint is untrusted input)`,
    );
    this.name = "ForbiddenGlobalError";
  }
}

/** A checkpoint given as a URL that is neither cached nor downloadable (offline, HTTP error, …). */
export class CheckpointUnavailableError extends Error {
  constructor(readonly url: string, readonly cachePath: string, readonly reason: string) {
    super(
      `${url}: cannot download the checkpoint (${reason}). Offline? Download it elsewhere and put it at ` +
        `${cachePath}, or give the local path in the config's 'import:'`,
    );
    this.name = "CheckpointUnavailableError";
  }
}

/** A checkpoint whose SHA-256 differs from the expected one. */
export class ChecksumMismatchError extends Error {
  constructor(readonly file: string, readonly expected: string, readonly actual: string) {
    super(`${file}: SHA-256 is ${actual}, expected ${expected} (corrupt or different file)`);
    this.name = "ChecksumMismatchError";
  }
}

/** A tensor whose shape in the checkpoint differs from the architecture's. */
export interface MisshapedTensor {
  name: string;
  expected: number[];
  actual: number[];
}

/**
 * A checkpoint that does not fit the chosen architecture: lists every missing, unexpected and mis-shaped
 * tensor (names as in the checkpoint after the library's prefixes are removed).
 */
export class ArchitectureMismatchError extends Error {
  constructor(
    readonly file: string,
    readonly arch: string,
    readonly missing: string[],
    readonly unexpected: string[],
    readonly misshaped: MisshapedTensor[],
  ) {
    const list = (
      xs: string[],
    ) => (xs.length > 12 ? `${xs.slice(0, 12).join(", ")}, … (${xs.length})` : xs.join(", "));
    const parts = [];
    if (missing.length) parts.push(`missing ${missing.length}: ${list(missing)}`);
    if (unexpected.length) parts.push(`unexpected ${unexpected.length}: ${list(unexpected)}`);
    if (misshaped.length) {
      parts.push(
        `mis-shaped ${misshaped.length}: ${
          list(misshaped.map((m) => `${m.name} [${m.actual}] (architecture wants [${m.expected}])`))
        }`,
      );
    }
    super(`${file}: checkpoint does not match architecture '${arch}': ${parts.join("; ")}`);
    this.name = "ArchitectureMismatchError";
  }
}

/** Import options that contradict each other or the checkpoint (e.g. a normaliser given twice, differently). */
export class ImportOptionError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
    this.name = "ImportOptionError";
  }
}

/** A local checkpoint path that cannot be read. */
export class CheckpointNotFoundError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: cannot read the checkpoint (${reason})`);
    this.name = "CheckpointNotFoundError";
  }
}

/** A checkpoint tensor holding NaN or ±Infinity; names the tensor (as in the checkpoint) and the first bad element. */
export class NonFiniteTensorError extends Error {
  constructor(
    readonly file: string,
    readonly tensor: string,
    readonly count: number,
    readonly index: number,
    readonly value: number,
  ) {
    super(
      `${file}: tensor '${tensor}' holds ${count} non-finite value(s) (first: ${value} at flat index ${index}); ` +
        `refusing to import a model with non-finite weights`,
    );
    this.name = "NonFiniteTensorError";
  }
}
