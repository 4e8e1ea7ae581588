/**
 * SLURM's client commands, each called with an argument vector: `sbatch` (submit), `squeue` (state and
 * reason of jobs, including those that ended within `MinJobAge`), `scontrol show job` (exit code and
 * reason of one job) and `scancel`. Nothing here needs the accounting database (`sacct`).
 */
import { runCommand } from "./shell.ts";

/** A job as `squeue` reports it. */
export interface QueuedJob {
  id: string;
  /** SLURM state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL… */
  state: string;
  /** SLURM's reason (Dependency, Resources, DependencyNeverSatisfied, None…). */
  reason: string;
  name: string;
  nodes: string;
}

/** States of a job that has not ended. */
const ACTIVE = new Set([
  "PENDING",
  "CONFIGURING",
  "RUNNING",
  "COMPLETING",
  "SUSPENDED",
  "REQUEUED",
  "REQUEUE_HOLD",
  "REQUEUE_FED",
  "RESIZING",
  "SIGNALING",
  "STAGE_OUT",
  "STOPPED",
]);

/** True while the job may still run (queued or running). */
export function isActive(job: QueuedJob): boolean {
  return ACTIVE.has(job.state);
}

/** Submits `script` with `args` (from `sbatchArgs`); returns the job id or throws with sbatch's message. */
export async function sbatch(args: string[]): Promise<string> {
  const r = await runCommand("sbatch", args);
  const id = r.stdout.trim().split(";")[0];
  if (r.code !== 0 || !/^[0-9]+$/.test(id)) {
    throw new Error(`sbatch failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return id;
}

/** The jobs among `ids` that SLURM still knows (active, or ended less than `MinJobAge` ago). */
export async function squeue(ids: string[]): Promise<Map<string, QueuedJob>> {
  const out = new Map<string, QueuedJob>();
  if (ids.length === 0) return out;
  const r = await runCommand("squeue", [
    "--noheader",
    "--states=all",
    `--jobs=${ids.join(",")}`,
    "--format=%i|%T|%r|%N|%j",
  ]);
  if (r.code !== 0) {
    if (/Invalid job id/i.test(r.stderr)) return out; // a single id SLURM no longer knows
    throw new Error(`squeue failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
  for (const line of r.stdout.split("\n")) {
    if (!line.trim()) continue;
    const [id, state, reason, nodes, ...name] = line.trim().split("|");
    out.set(id, { id, state, reason, nodes, name: name.join("|") });
  }
  return out;
}

/** `scontrol show job` fields of one job (JobState, Reason, ExitCode…), or undefined when SLURM forgot it. */
export async function scontrolJob(id: string): Promise<Record<string, string> | undefined> {
  const r = await runCommand("scontrol", ["show", "job", "--oneliner", id]);
  if (r.code !== 0) return undefined;
  const fields: Record<string, string> = {};
  for (const m of r.stdout.matchAll(/(\w[\w/:]*)=(\S*)/g)) fields[m[1]] ??= m[2];
  return fields;
}

/** Cancels `ids`; throws with scancel's message when it fails. */
export async function scancel(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const r = await runCommand("scancel", ids);
  if (r.code !== 0) throw new Error(`scancel failed (exit ${r.code}): ${r.stderr.trim()}`);
}
