/**
 * Optimisers for training: SGD with (optionally Nesterov) momentum in PyTorch's form (v ← μv + g,
 * w ← w − lr·v; one kernel per variable on wasm, ./fused_momentum.ts) or Adam, with the learning rate set
 * per step by the schedule. Weight decay is the classic coupled L2 penalty (added to the loss, so the
 * gradient gains wd·w) on conv and dense kernels only — not on biases or batch-norm parameters.
 */
import * as tf from "@tensorflow/tfjs-core";
import { FusedMomentumOptimizer } from "./fused_momentum.ts";

/** An optimiser choice. */
export type OptimizerSpec =
  | { kind: "sgd"; momentum: number; nesterov: boolean }
  | { kind: "adam"; beta1: number; beta2: number; epsilon: number };

/** A tfjs optimiser with a settable learning rate. */
export interface ScheduledOptimizer {
  optimizer: tf.Optimizer;
  setLearningRate(lr: number): void;
  /** Frees the optimiser's state (all of it: tfjs' MomentumOptimizer.dispose forgets its lr scalar). */
  dispose(): void;
}

/** Creates the optimiser `spec` names, starting at learning rate `lr`. */
export function createOptimizer(spec: OptimizerSpec, lr: number): ScheduledOptimizer {
  if (spec.kind === "sgd") {
    const opt = new FusedMomentumOptimizer(lr, spec.momentum, spec.nesterov);
    return {
      optimizer: opt,
      setLearningRate: (v) => opt.setLearningRate(v),
      dispose: () => {
        opt.dispose();
        (opt as unknown as { c?: tf.Scalar }).c?.dispose();
      },
    };
  }
  const opt = tf.train.adam(lr, spec.beta1, spec.beta2, spec.epsilon);
  return {
    optimizer: opt,
    // AdamOptimizer reads `this.learningRate` on every update.
    setLearningRate: (v) => ((opt as unknown as { learningRate: number }).learningRate = v),
    dispose: () => opt.dispose(),
  };
}

/** True for weights that weight decay applies to: conv and dense kernels (names ending in `kernel`). */
export function isDecayed(name: string): boolean {
  return /kernel(_\d+)?$/.test(name);
}

/** The L2 penalty `wd/2 · Σ‖w‖²` over the decayed variables (its gradient is wd·w). */
export function weightDecayPenalty(variables: readonly tf.Variable[], wd: number): tf.Scalar {
  return tf.tidy(() => {
    let sum: tf.Scalar = tf.scalar(0);
    for (const v of variables) sum = tf.add(sum, tf.sum(tf.square(v))) as tf.Scalar;
    return tf.mul(sum, wd / 2) as tf.Scalar;
  });
}
