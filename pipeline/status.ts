/**
 * The state of every instance of a plan, computed without running anything (DVC: `status` compares, it
 * never recomputes): `cached` (a valid entry exists for its key), `stale` (its view points at an entry
 * made from something else, or its entry's files changed — with the reasons), or `missing` (never made).
 */
import { type Plan, type PlannedInstance } from "./plan.ts";
import { entryState, inputsChangedSince, readManifest, viewKey } from "./store.ts";
import { explainChange, inputReasons } from "./why.ts";

/** One instance's state. */
export interface InstanceStatus {
  instance: string;
  stage: string;
  key: string;
  state: "cached" | "stale" | "missing";
  /** Why it is stale or missing (empty when cached). */
  reasons: string[];
  /** Problems found in its entry's files (they make it stale). */
  warnings: string[];
}

/** States of every instance of `plan`, upstream first. */
export async function planStatus(plan: Plan, full = false): Promise<InstanceStatus[]> {
  const out: InstanceStatus[] = [];
  const byName = new Map<string, InstanceStatus>();
  for (const inst of plan.instances) {
    const s = await instanceStatus(plan, inst, byName, full);
    out.push(s);
    byName.set(inst.name, s);
  }
  return out;
}

async function instanceStatus(
  plan: Plan,
  inst: PlannedInstance,
  done: Map<string, InstanceStatus>,
  full: boolean,
): Promise<InstanceStatus> {
  const base = { instance: inst.name, stage: inst.stage.name, key: inst.key };
  const entry = await entryState(plan.layout, inst.key, full);
  if (entry.state === "valid") {
    const changed = inputsChangedSince(plan.layout, entry.manifest);
    if (!changed.length) return { ...base, state: "cached", reasons: [], warnings: [] };
    return {
      ...base,
      state: "stale",
      reasons: inputReasons(
        changed.map((name) => ({ name, what: "recomputed with other content since this entry was made" })),
        (name, what) => `input ${name} was ${what}`,
      ),
      warnings: [],
    };
  }
  if (entry.state === "corrupt") {
    return {
      ...base,
      state: "stale",
      reasons: ["its outputs changed since they were written"],
      warnings: entry.problems.map((p) => `${inst.name}: ${p}`),
    };
  }
  const upstream = inputReasons(
    Object.values(inst.inputs).flat()
      .filter((n) => done.get(n)?.state !== "cached")
      .map((name) => ({ name, what: String(done.get(name)?.state) })),
  );
  const prevKey = viewKey(plan.layout, plan.config.name, inst.name, inst.legacyName);
  const prev = prevKey ? readManifest(plan.layout.entry(prevKey)) : undefined;
  if (!prev) {
    const reason = prevKey ? `previous entry ${prevKey} is gone` : "never run";
    return { ...base, state: "missing", reasons: [reason, ...upstream], warnings: [] };
  }
  const reasons = explainChange(prev.components, inst.components, inst.inputs);
  return { ...base, state: "stale", reasons: reasons.length ? reasons : ["its key changed"], warnings: [] };
}
