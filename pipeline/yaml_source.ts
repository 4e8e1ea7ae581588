/**
 * A YAML config file parsed with positions, so that any key path can be mapped back to `file:line:col`.
 * `--set` overrides are applied to the plain value afterwards and remembered, so errors in an overridden
 * value point at the override instead of the file.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parse, parseDocument } from "yaml";
import { ConfigError, type SourceLocation } from "./errors.ts";

/** One `--set path=value` override, parsed. */
export interface Override {
  /** The text as given, `stage.key=value`. */
  text: string;
  /** Key path in the config tree it was applied to. */
  path: (string | number)[];
  value: unknown;
}

/** A parsed config file: its plain value plus the means to locate any key path in it. */
export interface YamlSource {
  file: string;
  value: unknown;
  /** Location of the value at `path` (or of the key itself when `atKey`), best effort. */
  locate(path: readonly (string | number)[], atKey?: boolean): SourceLocation;
  overrides: Override[];
}

/** Parses `text` (read from `file`), throwing a {@link ConfigError} at the first YAML syntax error. */
export function parseYamlSource(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const pos = err.linePos?.[0];
    const detail = err.message.split(/ at line \d+, column \d+/)[0];
    throw new ConfigError({ file, line: pos?.line, col: pos?.col }, "", `YAML error: ${detail}`);
  }
  const overrides: Override[] = [];
  const source: YamlSource = {
    file,
    value: doc.toJS() ?? {},
    overrides,
    locate(path, atKey = false) {
      for (let i = overrides.length - 1; i >= 0; i--) {
        const o = overrides[i];
        if (o.path.every((seg, j) => j < path.length && String(path[j]) === String(seg))) {
          return { file, override: o.text };
        }
      }
      let node: unknown = doc.contents;
      let best: [number, number, number] | undefined = rangeOf(node);
      for (let i = 0; i < path.length; i++) {
        const seg = path[i];
        const last = i === path.length - 1;
        if (isMap(node)) {
          const pair = node.items.find((p) =>
            isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg)
          );
          if (!pair) break;
          if (last && atKey) {
            best = rangeOf(pair.key) ?? best;
            break;
          }
          node = pair.value;
        } else if (isSeq(node) && typeof seg === "number") {
          node = node.items[seg];
        } else break;
        best = rangeOf(node) ?? best;
      }
      if (!best) return { file };
      const pos = lineCounter.linePos(best[0]);
      return { file, line: pos.line, col: pos.col };
    },
  };
  return source;
}

function rangeOf(node: unknown): [number, number, number] | undefined {
  const r = (node as Node | null)?.range;
  return r ?? undefined;
}

/**
 * Parses `--set` text: `path=value`, the value read as a YAML scalar or flow collection
 * (`eps=0.1`, `eps=[0.03, 0.1]`, `name=pgd`). The path is split on dots.
 */
export function parseOverride(text: string, file: string): { path: string[]; value: unknown } {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new ConfigError({ file, override: text }, "", `--set expects key=value, got '${text}'`);
  const path = text.slice(0, eq).split(".");
  if (path.some((s) => s === "")) {
    throw new ConfigError(
      { file, override: text },
      "",
      `--set key '${text.slice(0, eq)}' has an empty segment`,
    );
  }
  let value: unknown;
  try {
    value = parse(text.slice(eq + 1));
  } catch (e) {
    throw new ConfigError(
      { file, override: text },
      "",
      `--set value is not valid YAML: ${(e as Error).message}`,
    );
  }
  return { path, value: value ?? null };
}

/** Sets `value` at `path` inside `root` (creating mappings on the way) and records the override. */
export function applyOverride(source: YamlSource, override: Override): void {
  if (typeof source.value !== "object" || source.value === null) source.value = {};
  let node = source.value as Record<string | number, unknown>;
  for (const seg of override.path.slice(0, -1)) {
    const next = node[seg];
    if (typeof next !== "object" || next === null) node[seg] = {};
    node = node[seg] as Record<string | number, unknown>;
  }
  node[override.path[override.path.length - 1]] = override.value;
  source.overrides.push(override);
}
