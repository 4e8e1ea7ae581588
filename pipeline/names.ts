/**
 * Instance names: what a stage instance is called in the CLI, in logs and as its readable view
 * `outputs/<config>/<name>`. A name is `stage[k=v,…]`, made only of `[A-Za-z0-9._=,-]` inside the brackets
 * so that it is safe in a shell, a SLURM job and a URL:
 *
 * - a mapping value is flattened to dotted keys (`adversarial.method=fgsm-rs,adversarial.eps=0.25`), a list
 *   to its indices (`dims.0=1,dims.1=2`), recursively;
 * - numbers as JavaScript writes them (`0.25`, `0.00001`, `1e-7`, `1e21` — no `+`), booleans and null as
 *   words;
 * - a string of letters, digits, `.`, `_`, `-` as it is; any other string (and an empty list or mapping,
 *   and a key with other characters) as {@link hashedForm}: its safe characters, then `_` and the first 8
 *   hex digits of the SHA-256 of its JSON (`x/y` → `x_y_<8 hex>`), so distinct values keep distinct names;
 * - a key shared by two coordinates is qualified with the stage whose sweep introduced it (`train.eps=…`).
 *
 * Names are for people only: the coordinates travel as data (`StageInput.coords`, the manifest's `coords`)
 * and nothing parses a name. The seed of an instance still hashes its {@link legacyInstanceName}, the name
 * the previous versions used, so seeds and keys of every existing config stay what they were.
 */
import { canonicalJson, sha256Hex } from "./canonical.ts";

/** One sweep coordinate of an instance. */
export interface Coord {
  /** Stage whose `sweep:` introduced it. */
  origin: string;
  key: string;
  value: unknown;
}

/** Characters an instance name may hold between its brackets. */
export const NAME_CHARS = /^[A-Za-z0-9._=,-]*$/;

const SAFE_VALUE = /^[A-Za-z0-9._-]*$/;
const SAFE_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * A value or key that cannot be written with the name characters: its runs of other characters as `_`
 * (at most 24 characters kept), then `_` and 8 hex digits of the SHA-256 of its canonical JSON.
 */
export function hashedForm(value: unknown): string {
  const text = typeof value === "string" ? value : canonicalJson(value);
  const slug = text.replace(/[^A-Za-z0-9.-]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 24);
  return `${slug}_${sha256Hex(canonicalJson(value)).slice(0, 8)}`;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A scalar as written after `=`. */
function scalarText(v: unknown): string {
  if (typeof v === "string") return SAFE_VALUE.test(v) ? v : hashedForm(v);
  if (typeof v === "number") return String(v).replace("e+", "e");
  if (typeof v === "boolean" || v === null) return String(v);
  return hashedForm(v); // an empty list or mapping
}

const keyText = (k: string) => SAFE_KEY.test(k) ? k : hashedForm(k);

/** `key=value` parts of one coordinate: mappings and lists flattened to dotted keys. */
function flatten(key: string, value: unknown): string[] {
  if (isMapping(value) && Object.keys(value).length) {
    return Object.entries(value).flatMap(([k, v]) => flatten(`${key}.${keyText(k)}`, v));
  }
  if (Array.isArray(value) && value.length) return value.flatMap((v, i) => flatten(`${key}.${i}`, v));
  return [`${key}=${scalarText(value)}`];
}

const qualified = (c: Coord, coords: Coord[]) => coords.some((o) => o !== c && o.key === c.key);

/** The readable name `stage[k=v,…]` (see the module doc); `stage` alone without coordinates. */
export function instanceName(stage: string, coords: Coord[]): string {
  if (coords.length === 0) return stage;
  const parts = coords.flatMap((c) =>
    flatten(`${qualified(c, coords) ? `${c.origin}.` : ""}${keyText(c.key)}`, c.value)
  );
  return `${stage}[${parts.join(",")}]`;
}

/**
 * The name previous versions gave an instance: `stage[k=v,…]` with strings bare and other values as compact
 * JSON (`train[adversarial={"method":"pgd","eps":0.03}]`). Kept because each instance's seed hashes it (so
 * seeds, keys and results of earlier runs stay the same) and because views made by those versions carry it
 * (`cli migrate` renames them).
 */
export function legacyInstanceName(stage: string, coords: Coord[]): string {
  if (coords.length === 0) return stage;
  const parts = coords.map((c) => {
    const text = typeof c.value === "string" ? c.value : JSON.stringify(c.value);
    return `${qualified(c, coords) ? `${c.origin}.` : ""}${c.key}=${text}`;
  });
  return `${stage}[${parts.join(",")}]`;
}

/** Coordinates as text for messages: `origin.key=<JSON value>`, comma-separated. */
export function describeCoords(coords: Coord[]): string {
  return coords.length
    ? coords.map((c) => `${c.origin}.${c.key}=${JSON.stringify(c.value)}`).join(", ")
    : "none";
}
