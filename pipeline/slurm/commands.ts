/**
 * What `cli run --executor slurm`, `cli status` and `cli cancel` print for SLURM jobs. Kept here so that
 * `pipeline/cli.ts` only dispatches.
 */
import type { Plan } from "../plan.ts";
import type { InstanceStatus } from "../status.ts";
import { cancelSlurm, runSlurm, slurmJobs, type SlurmRunOptions } from "./executor.ts";
import type { JobView } from "./jobs.ts";
import { onPath } from "./shell.ts";
import { printRunSummary } from "../scheduler.ts";

/** `run --executor slurm`: submits (or with `dryRun` shows the job scripts), and with `wait` follows. */
export async function slurmRunCommand(config: string, options: SlurmRunOptions): Promise<void> {
  const s = await runSlurm(config, options);
  if (options.dryRun) {
    for (const w of s.wouldRun) {
      const job = s.scripts.get(w.instance);
      console.log(`would submit  ${w.instance}  (${w.reasons.join("; ")})`);
      if (job) console.log(`  sbatch ${job.args.join(" ")}\n${job.script.replace(/^/gm, "  | ")}`);
    }
    console.log(`dry run: ${s.wouldRun.length} to submit, ${s.cached.length} cached`);
    return;
  }
  if (!options.wait) {
    console.log(
      `submitted ${s.submitted.size}, already queued ${s.adopted.size}, cached ${s.cached.length}, ` +
        `not submitted ${s.failed.length + s.skipped.length}`,
    );
    for (const [n, id] of s.submitted) console.log(`  submitted ${n}: job ${id}`);
    for (const [n, id] of s.adopted) console.log(`  queued    ${n}: job ${id} (from an earlier run)`);
  }
  printRunSummary(s, !!options.wait);
}

/** The jobs of `plan`'s instances (none when SLURM's commands are not installed). */
export async function jobsForStatus(plan: Plan): Promise<Map<string, JobView>> {
  return onPath("squeue") ? await slurmJobs(plan) : new Map();
}

/** `status` state of an instance: its job's phase (queued / running / failed) when it is not cached. */
export function statusState(s: InstanceStatus, job: JobView | undefined): string {
  return s.state !== "cached" && job && job.phase !== "done" ? job.phase : s.state;
}

/** The `status` line part for a job: id, SLURM state and reason, why it failed, and its log. */
export function jobText(job: JobView): string {
  const reason = job.reason && job.reason !== "None" ? ` ${job.reason}` : "";
  return `job ${job.job} ${job.slurmState}${reason}${job.why ? `: ${job.why}` : ""}; log ${job.log}`;
}

/** `cancel CONFIG`: cancels what the config has queued or running. */
export async function cancelCommand(config: string, options: SlurmRunOptions): Promise<void> {
  const cancelled = await cancelSlurm(config, options);
  for (const [n, id] of cancelled) console.log(`cancelled ${n}: job ${id}`);
  console.log(`cancelled ${cancelled.size} jobs`);
}
