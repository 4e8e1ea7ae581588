/**
 * (x, x′) pairs from stage outputs: an `attack` entry (lib/stages/attack.ts' `readAttack`) and the clean
 * test images its indices point into (lib/stages/data.ts' `readDataSplit`).
 */
import { readAttack } from "../stages/attack.ts";
import { readDataSplit } from "../stages/data.ts";
import type { ImagePairs } from "./rct.ts";

/** Stage files that do not fit together: names the files and the mismatch. */
export class PairsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PairsError";
  }
}

/** Pairs of an attack stage with its clean images, and the attack's per-image success flags. */
export interface AttackPairs extends ImagePairs {
  clean: Float32Array;
  adversarial: Float32Array;
  /** Indices into the data stage's test set, `[N]`. */
  indices: Int32Array;
  /** 1 where the attack succeeded, `[N]`. */
  success: Uint8Array;
}

/** Reads the pairs of the attack stage in `attackDir` against the data stage in `dataDir`. */
export async function loadAttackPairs(attackDir: string, dataDir: string): Promise<AttackPairs> {
  const { adversarial: adv, indices, success } = await readAttack(attackDir);
  const test = await readDataSplit(dataDir, "test");
  const [n, h, w, c] = adv.shape;
  if (test.shape[1] !== h || test.shape[2] !== w || test.shape[3] !== c) {
    throw new PairsError(
      `${attackDir}/adv_x.npy holds [${adv.shape}] images but ${dataDir}/test_x.npy holds [${test.shape}]`,
    );
  }
  const per = h * w * c;
  const clean = new Float32Array(n * per);
  indices.forEach((idx, k) => {
    if (idx < 0 || idx >= test.shape[0]) {
      throw new PairsError(
        `${attackDir}/indices.npy[${k}] = ${idx} is outside ${dataDir}/test_x.npy's ${test.shape[0]} images`,
      );
    }
    clean.set(test.images.subarray(idx * per, (idx + 1) * per), k * per);
  });
  return { clean, adversarial: adv.data, shape: [n, h, w, c], indices, success };
}

/** The pairs at positions where `keep` is true (e.g. successful attacks only). */
export function selectPairs(pairs: AttackPairs, keep: (k: number) => boolean): AttackPairs {
  const [n, h, w, c] = pairs.shape;
  const per = h * w * c;
  const ks = Array.from({ length: n }, (_, k) => k).filter(keep);
  const clean = new Float32Array(ks.length * per);
  const adversarial = new Float32Array(ks.length * per);
  ks.forEach((k, i) => {
    clean.set(pairs.clean.subarray(k * per, (k + 1) * per), i * per);
    adversarial.set(pairs.adversarial.subarray(k * per, (k + 1) * per), i * per);
  });
  return {
    clean,
    adversarial,
    shape: [ks.length, h, w, c],
    indices: Int32Array.from(ks, (k) => pairs.indices[k]),
    success: Uint8Array.from(ks, (k) => pairs.success[k]),
  };
}
