/**
 * Filters reordered into a oneDNN primitive's blocked layout, kept per tfjs tensor so that a model's
 * constant filters are reordered once, not on every call: an attack's forward and backward passes, OF's
 * occluded batches and SimBA's queries reuse the same filters thousands of times, and at small batches the
 * per-call reorders are a large share of a forward pass (ResNet-20 at batch 1: 0.96 → 0.73 ms with them
 * kept, and the shortcut's placement filter made once).
 *
 * A filter is known by its tfjs data id, whose contents never change while it lives (tfjs tensors are
 * immutable; `Variable.assign` moves a variable to a new data id). The one kernel that writes a result
 * over an input's buffer (`FreqlensConvPostOps` with `consumeResidual`) calls {@link forgetReordered}
 * for it. A copy is kept from a filter's second use in a layout on: a filter used once (each training
 * step's fresh weights) is reordered into the primitive's own scratch as before, so training makes no
 * garbage here. Copies go with their data id when tfjs drops it (a `WeakMap`).
 */

/** Per data id and layout: `null` after the first use, the kept copy from the second on. */
const kept = new WeakMap<object, Map<string, Uint8Array | null>>();

/**
 * The buffer holding `owner`'s filter in the blocked layout `layout` (dnnl_api.ts `layoutKey`: primitives of
 * other batch sizes that want the same layout share one copy): on its first use there, `scratch`
 * after `fill(scratch)`; on the second, a kept copy of `scratch`'s size after `fill(copy)`; from then on
 * that copy as it is. Without an owner, always `scratch` after `fill`.
 */
export function reorderedFilter(
  owner: object | undefined,
  layout: string,
  scratch: Uint8Array,
  fill: (buffer: Uint8Array) => void,
): Uint8Array {
  const byLayout = owner && (kept.get(owner) ?? kept.set(owner, new Map()).get(owner)!);
  const copy = byLayout?.get(layout);
  if (copy) return copy;
  const buffer = copy === null ? new Uint8Array(scratch.length) : scratch;
  fill(buffer);
  byLayout?.set(layout, copy === null ? buffer : null);
  return buffer;
}

/** Drops every copy made from `owner` (its buffer is about to be overwritten in place). */
export function forgetReordered(owner: object): void {
  kept.delete(owner);
}
