/**
 * The command line that runs one planned instance through `cli exec`: what the local scheduler spawns and
 * what a SLURM job script runs, so both hand an instance the same config, store, key check and overrides.
 */
import { join } from "node:path";
import type { Plan, PlannedInstance } from "./plan.ts";
import { ENGINE_ROOT } from "./registry.ts";

/** Arguments after the `deno` binary that run `cli exec` for `inst` with `executor`'s key rules. */
export function execCommandArgs(
  plan: Plan,
  inst: PlannedInstance,
  executor: "local" | "slurm",
  options: { overrides?: string[]; force?: boolean },
): string[] {
  return [
    "run",
    "-A",
    "--config",
    plan.denoConfig,
    join(ENGINE_ROOT, "pipeline", "cli.ts"),
    "exec",
    plan.config.file,
    inst.name,
    "--executor",
    executor,
    "--outputs",
    plan.layout.root,
    "--expect-key",
    inst.key,
    ...(options.overrides ?? []).flatMap((o) => ["--set", o]),
    ...(options.force ? ["--force"] : []),
  ];
}
