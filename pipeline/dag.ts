/** `cli dag`: the expanded DAG as indented text or as a Mermaid flowchart. */
import type { Plan } from "./plan.ts";

/** Stages with their task and inputs, each followed by its instances and what they read. */
export function dagText(plan: Plan): string {
  const lines: string[] = [];
  for (const stage of plan.config.stages) {
    const insts = plan.instances.filter((i) => i.stage.name === stage.name);
    const ins = Object.entries(stage.inputs)
      .map(([alias, r]) => `${alias}: ${r.stage}${r.gather ? " (gather)" : ""}`)
      .join(", ");
    lines.push(`${stage.name}  [task ${stage.task}: ${insts[0].description}]${ins ? `  ← ${ins}` : ""}`);
    for (const inst of insts) {
      const reads = Object.entries(inst.inputs).map(([a, names]) => `${a}=${names.join(" + ")}`).join("; ");
      lines.push(`  ${inst.name}${reads ? `  ← ${reads}` : ""}`);
    }
  }
  return lines.join("\n");
}

/** A Mermaid `flowchart LR` of instances; edges are labelled with the input alias. */
export function dagMermaid(plan: Plan): string {
  const id = new Map(plan.instances.map((inst, i) => [inst.name, `n${i}`]));
  const lines = ["flowchart LR"];
  for (const inst of plan.instances) {
    lines.push(`  ${id.get(inst.name)}["${inst.name.replaceAll('"', "#quot;")}"]`);
  }
  for (const inst of plan.instances) {
    for (const [alias, names] of Object.entries(inst.inputs)) {
      for (const n of names) lines.push(`  ${id.get(n)} -->|${alias}| ${id.get(inst.name)}`);
    }
  }
  return lines.join("\n");
}
