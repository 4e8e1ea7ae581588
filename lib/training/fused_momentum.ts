/**
 * tfjs' `MomentumOptimizer` with each variable's update as one pass over the wasm heap
 * (lib/backend/kernels/momentum_update.ts) where the backend has it (wasm): the same state (accumulators
 * named `<variable>/momentum`, so `getWeights`/`setWeights` and checkpoints are unchanged) and the same
 * bits. The accumulation, the optimiser's own, is written in place and the new value goes to a new buffer
 * without a kernel call; where another tensor shares the accumulation, the `FreqlensMomentumUpdate` kernel
 * makes both anew. Either replaces four tfjs ops per variable and their bookkeeping. Elsewhere it is the
 * stock optimiser.
 */
import * as tf from "@tensorflow/tfjs-core";
import { MOMENTUM_UPDATE, momentumUpdateOwnAccumulation } from "../backend/kernels/momentum_update.ts";
import type { WasmBackendLike } from "../backend/kernels/wasm_call.ts";

/** The stock optimiser's fields this update reads (private in tfjs' typings). */
interface MomentumState {
  m: tf.Scalar;
  c: tf.Scalar;
  useNesterov: boolean;
  accumulations: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

/** SGD with momentum, `a ← m·a + g`, `w ← w − lr·a` (Nesterov: `w ← w − lr·(g + m·a)`). */
export class FusedMomentumOptimizer extends tf.MomentumOptimizer {
  override applyGradients(variableGradients: Parameters<tf.MomentumOptimizer["applyGradients"]>[0]): void {
    if (tf.getKernel(MOMENTUM_UPDATE, tf.getBackend()) === undefined) {
      return super.applyGradients(variableGradients);
    }
    const self = this as unknown as MomentumState;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((item) => item.name)
      : Object.keys(variableGradients);
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      self.accumulations[i] ??= {
        originalName: `${name}/momentum`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      const accumulation = self.accumulations[i].variable;
      const gradient = Array.isArray(variableGradients)
        ? variableGradients[i].tensor
        : variableGradients[name];
      if (gradient == null) return;
      const inputs = { value, accumulation, gradient, m: self.m, c: self.c };
      const own = momentumUpdateOwnAccumulation(tf.backend() as WasmBackendLike, inputs, self.useNesterov);
      if (own) {
        const newValue = tf.engine().makeTensorFromTensorInfo(own);
        value.assign(newValue);
        newValue.dispose();
        return;
      }
      tf.tidy(() => {
        const [newValue, newAccumulation] = tf.engine().runKernel(
          MOMENTUM_UPDATE,
          inputs,
          { nesterov: self.useNesterov },
        ) as tf.Tensor[];
        accumulation.assign(newAccumulation);
        value.assign(newValue);
      });
    });
    self.incrementIterations();
  }
}
