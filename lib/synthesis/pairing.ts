import { Rng } from "../stats/mod.ts";

/**
 * Seeded start-image pairing for robust / non-robust dataset synthesis (Ilyas et al. 2019): every target
 * image starts from a uniformly chosen *other* image of the same set, never itself.
 */

/** A pairing was asked for a set too small to have another image. */
export class PairingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PairingError";
  }
}

/**
 * For each target `i` in `[0, n)`, a start index drawn uniformly from `[0, n) \ {i}` by the seeded
 * generator of `seed` (same seed, same pairing). Returns int32 `[n]`.
 */
export function randomOtherPairing(n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 2) {
    throw new PairingError(`pairing needs at least 2 images to start each from another one, got ${n}`);
  }
  const rng = new Rng(seed);
  const starts = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rng.int(n - 1);
    starts[i] = r >= i ? r + 1 : r;
  }
  return starts;
}
