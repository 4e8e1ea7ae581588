/**
 * Why an instance must run again: the differences between the key components recorded in the manifest of
 * its previous entry and the ones computed now — which param, input, source file, package version,
 * backend or seed changed (the Snakemake habit of stating every rerun's reason).
 */
import { canonicalJson } from "./canonical.ts";
import type { KeyComponents } from "./keys.ts";

/** At most this many instances are named in one reason; the rest are counted (`… and 37 more`). */
export const NAMED_IN_REASON = 3;

/** `a, b, c and 37 more`: the first {@link NAMED_IN_REASON} names, then how many others. */
export function namedList(names: string[], max = NAMED_IN_REASON): string {
  if (names.length <= max) return names.join(", ");
  return `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}

/**
 * Reasons about an instance's inputs, one per input while there are at most {@link NAMED_IN_REASON}
 * (`input a[x=1] is missing`), else one per kind of reason with a count (`40 inputs missing: a, b, c and 37
 * more`), so a report gathering 40 instances gets one line, not 40. `inputs` pairs each input's name with
 * what is wrong with it (`missing`, `stale`, …); `one` words the single-input reason.
 */
export function inputReasons(
  inputs: { name: string; what: string }[],
  one: (name: string, what: string) => string = (name, what) => `input ${name} is ${what}`,
): string[] {
  if (inputs.length <= NAMED_IN_REASON) return inputs.map((i) => one(i.name, i.what));
  const byWhat = new Map<string, string[]>();
  for (const i of inputs) byWhat.set(i.what, [...(byWhat.get(i.what) ?? []), i.name]);
  return [...byWhat].map(([what, names]) =>
    `${names.length} input${names.length === 1 ? "" : "s"} ${what}: ${namedList(names)}`
  );
}

/** Prefix of the `external` key components that hold the digests of the files a task says it reads. */
export const READ_PREFIX = "read:";

/**
 * Human-readable differences `prev` → `cur`. `inputNames` maps alias → current upstream instance names,
 * to name an input by instance rather than by key.
 */
export function explainChange(
  prev: KeyComponents,
  cur: KeyComponents,
  inputNames: Record<string, string[]> = {},
): string[] {
  const out: string[] = [];
  if (prev.format !== cur.format) out.push(`cache format ${prev.format} → ${cur.format}`);
  if (prev.kind !== cur.kind) out.push(`task kind ${prev.kind} → ${cur.kind}`);
  if (prev.seed !== cur.seed) out.push(`seed ${prev.seed} → ${cur.seed}`);
  diffValues("param", prev.params, cur.params, [], out);
  const changedInputs: string[] = [], changedAliases: string[] = [];
  for (const alias of union(Object.keys(prev.inputs), Object.keys(cur.inputs))) {
    const a = prev.inputs[alias];
    const b = cur.inputs[alias];
    if (!a) out.push(`input '${alias}' added`);
    else if (!b) out.push(`input '${alias}' removed`);
    else if (canonicalJson(a) !== canonicalJson(b)) {
      const names = inputNames[alias] ?? [];
      const changed = b.map((k, i) => (a.includes(k) ? undefined : names[i] ?? k)).filter((x) =>
        x !== undefined
      );
      changedAliases.push(alias);
      changedInputs.push(
        a.length !== b.length
          ? `input '${alias}': ${a.length} → ${b.length} instances`
          : `input '${alias}' changed: ${namedList(changed)}`,
      );
    }
  }
  out.push(...summarised(changedInputs, (n) => `${n} inputs changed`, changedAliases));
  const sources = {
    "changed": [] as string[],
    "now imported": [] as string[],
    "no longer imported": [] as string[],
  };
  for (const file of union(Object.keys(prev.sources), Object.keys(cur.sources))) {
    const a = prev.sources[file];
    const b = cur.sources[file];
    if (a !== b) sources[!a ? "now imported" : !b ? "no longer imported" : "changed"].push(file);
  }
  for (const [how, files] of Object.entries(sources)) {
    out.push(...summarised(files.map((f) => `source ${f} ${how}`), (n) => `${n} sources ${how}`, files));
  }
  const versions = (list: string[]) => {
    const m = new Map<string, string[]>();
    for (const p of list) {
      const at = p.lastIndexOf("@");
      m.set(p.slice(0, at), [...(m.get(p.slice(0, at)) ?? []), p.slice(at + 1)]);
    }
    return m;
  };
  const pa = versions(prev.packages);
  const pb = versions(cur.packages);
  const packages: string[] = [], packageNames: string[] = [];
  for (const name of union([...pa.keys()], [...pb.keys()])) {
    const a = (pa.get(name) ?? []).join(",");
    const b = (pb.get(name) ?? []).join(",");
    if (a === b) continue;
    packageNames.push(name);
    packages.push(`package ${name} ${a || "(none)"} → ${b || "(none)"}`);
  }
  out.push(...summarised(packages, (n) => `${n} packages changed`, packageNames));
  const ea = prev.external ?? {}, eb = cur.external ?? {};
  for (const param of union(Object.keys(ea), Object.keys(eb))) {
    if (ea[param] !== eb[param]) {
      out.push(
        param.startsWith(READ_PREFIX)
          ? `files read (${param.slice(READ_PREFIX.length)}) changed (paths, sizes or modification times)`
          : `files named by param '${param}' changed (size or modification time)`,
      );
    }
  }
  if (canonicalJson(prev.backend) !== canonicalJson(cur.backend)) {
    const f = (b: KeyComponents["backend"]) => (b ? `${b.name}×${b.threads} ${b.version}` : "none");
    out.push(`backend ${f(prev.backend)} → ${f(cur.backend)}`);
  }
  return out;
}

/**
 * `lines` as they are while there are at most {@link NAMED_IN_REASON}, else one line `<heading(n)>: a, b, c
 * and n − 3 more` naming the first `names` (default: the lines themselves), so a report stage whose 50
 * inputs and 60 sources changed gets a few lines, not 110.
 */
function summarised(lines: string[], heading: (n: number) => string, names = lines): string[] {
  if (lines.length <= NAMED_IN_REASON) return lines;
  return [`${heading(lines.length)}: ${namedList(names)}`];
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

function diffValues(what: string, a: unknown, b: unknown, path: string[], out: string[]): void {
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    for (const k of union(Object.keys(a), Object.keys(b))) diffValues(what, a[k], b[k], [...path, k], out);
    return;
  }
  if (canonicalJson(a ?? null) === canonicalJson(b ?? null) && (a === undefined) === (b === undefined)) {
    return;
  }
  const name = path.join(".");
  if (a === undefined) out.push(`${what} ${name} added (${JSON.stringify(b)})`);
  else if (b === undefined) out.push(`${what} ${name} removed (was ${JSON.stringify(a)})`);
  else out.push(`${what} ${name}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`);
}
