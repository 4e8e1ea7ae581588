/**
 * Learning-rate schedules as closed forms of the training progress, evaluated once per optimiser step.
 * `t` is the step index (0-based) and `T` the total number of steps; `e = t / stepsPerEpoch` the fractional
 * epoch.
 * - `constant`: lr.
 * - `step`: lr · γ^(number of milestones m with m ≤ e) — milestones in epochs (He et al.'s 0.1 at 50 % and 75 %).
 * - `cosine`: minLr + (lr − minLr) · (1 + cos(π t/T)) / 2 (Loshchilov & Hutter, without restarts).
 * - `one-cycle`: linear from lr/startDiv up to lr at t = peakAt·T, then linear down to 0 at t = T (the
 *   piecewise-linear cycle of Smith's one-cycle policy as used by Wong et al. 2020 for fast adversarial
 *   training).
 */

/** A learning-rate schedule (see the module doc for each closed form). */
export type Schedule =
  | { kind: "constant" }
  | { kind: "step"; milestones: number[]; gamma: number }
  | { kind: "cosine"; minLr?: number }
  | { kind: "one-cycle"; peakAt?: number; startDiv?: number };

/** A schedule whose parameters are out of range; names the value. */
export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScheduleError";
  }
}

/** Validates a schedule's parameters; throws a {@link ScheduleError} naming the bad one. */
export function checkSchedule(schedule: Schedule): void {
  switch (schedule.kind) {
    case "constant":
      return;
    case "step":
      if (!(schedule.gamma > 0)) {
        throw new ScheduleError(`step schedule: gamma ${schedule.gamma} must be > 0`);
      }
      if (schedule.milestones.some((m) => !(m >= 0))) {
        throw new ScheduleError(
          `step schedule: milestones ${JSON.stringify(schedule.milestones)} must be ≥ 0`,
        );
      }
      return;
    case "cosine":
      if ((schedule.minLr ?? 0) < 0) {
        throw new ScheduleError(`cosine schedule: minLr ${schedule.minLr} must be ≥ 0`);
      }
      return;
    case "one-cycle": {
      const p = schedule.peakAt ?? 0.4;
      const d = schedule.startDiv ?? 25;
      if (!(p > 0 && p < 1)) throw new ScheduleError(`one-cycle schedule: peakAt ${p} must be in (0, 1)`);
      if (!(d >= 1)) throw new ScheduleError(`one-cycle schedule: startDiv ${d} must be ≥ 1`);
      return;
    }
    default:
      throw new ScheduleError(`unknown schedule '${(schedule as { kind: string }).kind}'`);
  }
}

/**
 * The learning rate at optimiser step `t` (0-based) of `totalSteps`, for base rate `lr`, with
 * `stepsPerEpoch` steps per epoch (used by the `step` schedule's milestones).
 */
export function learningRateAt(
  schedule: Schedule,
  lr: number,
  t: number,
  totalSteps: number,
  stepsPerEpoch: number,
): number {
  const frac = totalSteps > 0 ? t / totalSteps : 0;
  switch (schedule.kind) {
    case "constant":
      return lr;
    case "step": {
      const epoch = t / stepsPerEpoch;
      const passed = schedule.milestones.filter((m) => m <= epoch).length;
      return lr * Math.pow(schedule.gamma, passed);
    }
    case "cosine": {
      const min = schedule.minLr ?? 0;
      return min + (lr - min) * (1 + Math.cos(Math.PI * frac)) / 2;
    }
    case "one-cycle": {
      const p = schedule.peakAt ?? 0.4;
      const start = lr / (schedule.startDiv ?? 25);
      if (frac <= p) return start + (lr - start) * (frac / p);
      return lr * (1 - frac) / (1 - p);
    }
    default:
      throw new ScheduleError(`unknown schedule '${(schedule as { kind: string }).kind}'`);
  }
}
