/**
 * What the slurm executor keeps in the store, per cache key, under `.store/.slurm/<key>/`:
 *
 * - `slurm.json` — the last submission: job id, job name, instance, config, time (written atomically);
 *   `run` reads it to avoid submitting a key that is already queued or running.
 * - `job.sh` — the generated job script of that submission.
 * - `<job>.out` — the job's stdout and stderr (progress lines; the stage's own log goes to its entry).
 * - `<job>.start`, `<job>.exit` — written by the job script when it starts and when `cli exec` returns (or
 *   SIGTERM arrives): with these and `squeue`/`scontrol`, no accounting database (`sacct`) is needed.
 * - `<job>.report.json` — what `cli exec` reported (its error message when it failed).
 *
 * `.store/.slurm/submit.lock` serialises submissions, so two `run`s at once submit each instance once.
 */
import { join } from "node:path";
import type { OutputsLayout } from "../layout.ts";

/** The record of a submission (`slurm.json`). */
export interface Submission {
  format: 1;
  job_id: string;
  job_name: string;
  key: string;
  instance: string;
  config: string;
  submitted: string;
  /** Job ids it waits for (`--dependency=afterok:`). */
  dependencies: string[];
}

/** What the job script writes when `cli exec` returns (`rc`) or when SIGTERM stops it (`signal`). */
export interface ExitMarker {
  rc?: number;
  signal?: string;
}

/** Paths of one key's markers. */
export class SlurmMarkers {
  constructor(readonly layout: OutputsLayout, readonly key: string) {}
  /** `.store/.slurm` */
  static root(layout: OutputsLayout): string {
    return join(layout.store, ".slurm");
  }
  /** The lock every submitting `run` holds. */
  static submitLock(layout: OutputsLayout): string {
    return join(SlurmMarkers.root(layout), "submit.lock");
  }
  get dir(): string {
    return join(SlurmMarkers.root(this.layout), this.key);
  }
  get submissionFile(): string {
    return join(this.dir, "slurm.json");
  }
  get script(): string {
    return join(this.dir, "job.sh");
  }
  out(job: string): string {
    return join(this.dir, `${job}.out`);
  }
  report(job: string): string {
    return join(this.dir, `${job}.report.json`);
  }
  /** The last submission of this key, if any. */
  submission(): Submission | undefined {
    return readJson<Submission>(this.submissionFile);
  }
  /** Records a submission (temp file + rename, so a reader never sees half of it). */
  record(s: Submission): void {
    Deno.mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.submissionFile}.${Deno.pid}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify(s, null, 2) + "\n");
    Deno.renameSync(tmp, this.submissionFile);
  }
  started(job: string): { node?: string; time?: string } | undefined {
    return readJson(join(this.dir, `${job}.start`));
  }
  exited(job: string): ExitMarker | undefined {
    return readJson(join(this.dir, `${job}.exit`));
  }
  /** The error `cli exec` reported, if it reported one. */
  execError(job: string): string | undefined {
    return readJson<{ error?: string }>(this.report(job))?.error;
  }
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(path)) as T;
  } catch {
    return undefined;
  }
}
