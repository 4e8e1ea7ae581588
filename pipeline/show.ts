/** `cli show CONFIG STAGE`: for each matching instance, its entry path, manifest summary and files. */
import { relative } from "node:path";
import type { Plan } from "./plan.ts";
import { selectInstances } from "./scheduler.ts";
import { planStatus } from "./status.ts";
import { readManifest, viewKey } from "./store.ts";

function bytes(n: number): string {
  return n < 1024
    ? `${n} B`
    : n < 1024 ** 2
    ? `${(n / 1024).toFixed(1)} KiB`
    : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/** Text describing the instances of `stage` (a stage or an instance name). */
export async function showText(plan: Plan, stage: string): Promise<string> {
  const names = selectInstances(plan, [stage], "show");
  const statuses = new Map((await planStatus(plan)).map((s) => [s.instance, s]));
  const rel = (p: string) => relative(Deno.cwd(), p) || ".";
  const out: string[] = [];
  for (const inst of plan.instances.filter((i) => names.has(i.name))) {
    const st = statuses.get(inst.name)!;
    out.push(inst.name);
    out.push(`  task:     ${inst.kind} (${rel(inst.taskFile)}): ${inst.description}`);
    out.push(`  state:    ${st.state}${st.reasons.length ? ` (${st.reasons.join("; ")})` : ""}`);
    out.push(`  key:      ${inst.key}`);
    out.push(`  params:   ${JSON.stringify(inst.params)}`);
    for (const [alias, ups] of Object.entries(inst.inputs)) {
      out.push(`  input:    ${alias} ← ${ups.join(", ")}`);
    }
    const shownKey = st.state === "cached"
      ? inst.key
      : viewKey(plan.layout, plan.config.name, inst.name, inst.legacyName);
    const m = shownKey ? readManifest(plan.layout.entry(shownKey)) : undefined;
    if (!m) continue;
    if (shownKey !== inst.key) out.push(`  previous entry (not current):`);
    out.push(`  entry:    ${rel(plan.layout.entry(m.key))}`);
    const named = viewKey(plan.layout, plan.config.name, inst.name) ? inst.name : inst.legacyName;
    out.push(`  view:     ${rel(plan.layout.view(plan.config.name, named))}`);
    const backend = (m.backend ? `, backend ${m.backend.name}×${m.backend.threads}` : "") +
      (m.slurm ? `, SLURM job ${m.slurm.job_id} on ${m.slurm.node}` : "");
    out.push(
      `  ran:      ${m.start} → ${m.end} (${m.duration_s.toFixed(2)} s${backend}, deno ${m.versions.deno})`,
    );
    out.push(`  log:      ${rel(plan.layout.entry(m.key))}/log.txt`);
    out.push(`  files:`);
    for (const [f, r] of Object.entries(m.files)) {
      out.push(`    ${f}  ${bytes(r.size)}  sha256:${r.sha256.slice(0, 16)}…`);
    }
    for (const w of st.warnings) out.push(`  warning:  ${w}`);
  }
  return out.join("\n");
}
