/**
 * Training: the seeded mini-batch loop (SGD-momentum / Adam, weight decay, step / cosine / one-cycle
 * schedules, crop + flip augmentation), adversarial training (Madry PGD-k in l∞ or l2, fast FGSM with
 * random start and its catastrophic-overfitting guard), and evaluation (clean and PGD accuracy).
 */
export { augmentBatch, type AugmentOptions, cropShift, flipHorizontal } from "./augment.ts";
export { checkSchedule, learningRateAt, type Schedule, ScheduleError } from "./schedule.ts";
export {
  createOptimizer,
  isDecayed,
  type OptimizerSpec,
  type ScheduledOptimizer,
  weightDecayPenalty,
} from "./optimizer.ts";
export {
  type AdversarialSpec,
  AdversarialSpecError,
  adversarialStepSize,
  checkAdversarialSpec,
  perturbBatch,
} from "./adversarial.ts";
export { accuracy, pgdAccuracy, type PgdEvalOptions, type RobustAccuracy } from "./evaluate.ts";
export {
  type BatchStats,
  type EpochRow,
  gather,
  TrainingError,
  trainModel,
  type TrainOptions,
  type TrainResult,
} from "./loop.ts";
