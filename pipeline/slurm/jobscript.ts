/**
 * The batch script of one instance's job, generated (never written by the user) and shown by
 * `run --executor slurm --dry-run`. It runs `cli exec` for the instance with the key the submitting `run`
 * computed (`--expect-key`: a job that would compute something else fails, saying why), with
 * `OMP_NUM_THREADS` from `SLURM_CPUS_PER_TASK`, and writes the start and exit markers around it. Every
 * value in it is quoted by `shellQuote`; the resource lines are validated by `pipeline/resources.ts`.
 */
import { join } from "node:path";
import type { Plan, PlannedInstance } from "../plan.ts";
import { execCommandArgs } from "../exec_command.ts";
import { sbatchResourceOptions } from "../resources.ts";
import type { SlurmMarkers } from "./markers.ts";
import { shellQuote } from "./shell.ts";

/** The job name: config, stage and the key's first 8 digits (safe characters only; the marker has the rest). */
export function jobName(plan: Plan, inst: PlannedInstance): string {
  return `${plan.config.name}:${inst.stage.name}:${inst.key.slice(0, 8)}`;
}

/** What `sbatch` is given besides the script: output file, and the dependency on upstream jobs. */
export function sbatchArgs(markers: SlurmMarkers, dependencies: string[]): string[] {
  if (markers.dir.includes("%")) {
    throw new Error(`${markers.dir}: the outputs path may not contain '%' (SLURM expands it in --output)`);
  }
  const out = join(markers.dir, "%j.out");
  return [
    "--parsable",
    `--output=${out}`,
    `--error=${out}`,
    ...(dependencies.length ? [`--dependency=afterok:${dependencies.join(":")}`] : []),
    markers.script,
  ];
}

/** The batch script that runs `inst` (see the module doc). */
export function jobScript(
  plan: Plan,
  inst: PlannedInstance,
  markers: SlurmMarkers,
  options: { overrides?: string[]; force?: boolean },
): string {
  const q = shellQuote;
  const exec = [Deno.execPath(), ...execCommandArgs(plan, inst, "slurm", options)];
  return [
    "#!/bin/bash",
    `#SBATCH --job-name=${jobName(plan, inst)}`,
    ...sbatchResourceOptions(inst.resources).map((o) => `#SBATCH ${o}`),
    "#SBATCH --kill-on-invalid-dep=yes",
    `# freqlens: ${inst.name.replaceAll("\n", " ")} of ${plan.config.name}, key ${inst.key}`,
    "set -u",
    `dir=${q(markers.dir)}`,
    'job=${SLURM_JOB_ID:?"not running under SLURM"}',
    `mark() { printf '%s\\n' "$2" >"$dir/$job.$1.tmp" && mv -f "$dir/$job.$1.tmp" "$dir/$job.$1"; }`,
    `trap 'mark exit "{\\"signal\\":\\"TERM\\"}"; exit 143' TERM`,
    `test -d ${q(plan.layout.store)} || { echo "the store ${
      q(plan.layout.store)
    } is not visible on $(hostname)"; exit 3; }`,
    `mark start "{\\"node\\":\\"$(hostname)\\",\\"time\\":\\"$(date -u +%FT%TZ)\\"}"`,
    'export OMP_NUM_THREADS="${SLURM_CPUS_PER_TASK:-1}"',
    'export FREQLENS_EXEC_REPORT="$dir/$job.report.json"',
    `cd ${q(plan.projectRoot)} || exit 3`,
    exec.map(q).join(" "),
    "rc=$?",
    'mark exit "{\\"rc\\":$rc}"',
    "exit $rc",
    "",
  ].join("\n");
}
