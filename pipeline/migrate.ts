/**
 * `cli migrate CONFIG`: renames the readable views that earlier versions made under the legacy instance
 * names (`train[adversarial={"method":"pgd","eps":0.03}]`, `./names.ts`) to the readable names
 * (`train[adversarial.method=pgd,adversarial.eps=0.03]`). Only views move: store entries are addressed by
 * key, and keys did not change. Without migrating, `status`, `run` and `show` still find a legacy view
 * and `run`/`exec` replace it when they next write the instance's view; migrating does it for every
 * instance at once. Running it again changes nothing.
 */
import { relative } from "node:path";
import type { Plan } from "./plan.ts";
import { removeView } from "./store.ts";

/** What {@link migrateViews} did (or would do, with `dryRun`), as paths relative to the views folder. */
export interface MigrateResult {
  /** Legacy view → new name. */
  renamed: [string, string][];
  /** Legacy views dropped because the instance already had a view under its new name. */
  removed: string[];
  /** Instances whose view already has its readable name. */
  current: number;
}

function isLink(path: string): boolean {
  try {
    return Deno.lstatSync(path).isSymlink;
  } catch {
    return false;
  }
}

/**
 * Renames the legacy-named views of `plan`'s instances (as the config, with its overrides, plans them now).
 * When both names have a view, the one pointing at the instance's current entry is kept under the new name
 * (the new one when both or neither do) and the other is removed.
 */
export function migrateViews(plan: Plan, dryRun = false): MigrateResult {
  const { layout, config } = plan;
  const result: MigrateResult = { renamed: [], removed: [], current: 0 };
  const rel = (p: string) => relative(layout.views(config.name), p);
  for (const inst of plan.instances) {
    const now = layout.view(config.name, inst.name);
    const old = layout.view(config.name, inst.legacyName);
    if (inst.legacyName === inst.name || !isLink(old)) {
      if (isLink(now)) result.current++;
      continue;
    }
    const current = (p: string) => Deno.readLinkSync(p).split("/").pop() === inst.key;
    if (isLink(now) && !(current(old) && !current(now))) {
      result.removed.push(rel(old));
      if (!dryRun) removeView(old);
      continue;
    }
    result.renamed.push([rel(old), rel(now)]);
    if (!dryRun) Deno.renameSync(old, now);
  }
  return result;
}
