/**
 * Labels for legends, table rows and panel titles, made from an instance's sweep coordinates as data
 * (`StageInput.coords`; the instance name is only shown and linked, never parsed). A coordinate is spread
 * into its leaves (`adversarial: {method: pgd, eps: 0.5}` → `adversarial.method`, `adversarial.eps`); a
 * leaf reads as its value when that is text (`pgd`), else as `name=value` (`eps=0.5`), and the leaves of a
 * label are joined by " · ".
 */
import type { Coordinate } from "./metric_rows.ts";

/** One scalar (or list) inside a coordinate: its dotted path and how a label shows it. */
interface Leaf {
  path: string;
  text: string;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function leaves(path: string, value: unknown): Leaf[] {
  if (isPlainObject(value)) {
    return Object.entries(value).flatMap(([k, v]) => leaves(`${path}.${k}`, v));
  }
  const name = path.slice(path.lastIndexOf(".") + 1);
  const text = typeof value === "string"
    ? value
    : `${name}=${typeof value === "number" || typeof value === "boolean" ? value : JSON.stringify(value)}`;
  return [{ path, text }];
}

const leavesOf = (coords: readonly Coordinate[]) => coords.flatMap((c) => leaves(c.key, c.value));

/** All leaves of `coords` joined by " · " (`[{key: "model", value: "natural"}, {key: "eps", value: 0.5}]` →
 * `natural · eps=0.5`); `fallback` when there are none. */
export function coordsLabel(coords: readonly Coordinate[], fallback: string): string {
  const all = leavesOf(coords);
  return all.length > 0 ? all.map((l) => l.text).join(" · ") : fallback;
}

/**
 * Labels that tell instances apart: the leaves whose values differ between them (a leaf missing from some
 * counts as a value; leaves every instance shares are dropped), joined by " · ". A lone instance keeps all
 * its leaves; an instance left with none gets its `fallbacks` entry.
 */
export function distinctLabels(
  coordsList: readonly (readonly Coordinate[])[],
  fallbacks: readonly string[],
): string[] {
  const all = coordsList.map(leavesOf);
  const varying = new Set<string>();
  if (all.length > 1) {
    for (const path of new Set(all.flat().map((l) => l.path))) {
      const values = new Set(all.map((ls) => ls.find((l) => l.path === path)?.text ?? "\u0000"));
      if (values.size > 1) varying.add(path);
    }
  }
  return all.map((ls, k) => {
    const kept = all.length > 1 ? ls.filter((l) => varying.has(l.path)) : ls;
    return kept.length > 0 ? kept.map((l) => l.text).join(" · ") : fallbacks[k];
  });
}

/**
 * Short tags telling stages apart: each name minus the prefix they share, cut after its last '_' or '-'
 * (`attack_fgsm`, `attack_pgd` → `fgsm`, `pgd`); a name equal to the prefix keeps itself.
 */
export function stageTags(stages: readonly string[]): Map<string, string> {
  let prefix = stages[0] ?? "";
  for (const s of stages) while (!s.startsWith(prefix)) prefix = prefix.slice(0, -1);
  prefix = stages.length < 2
    ? ""
    : prefix.slice(0, Math.max(prefix.lastIndexOf("_"), prefix.lastIndexOf("-")) + 1);
  return new Map(stages.map((s) => [s, s.slice(prefix.length) || s]));
}
