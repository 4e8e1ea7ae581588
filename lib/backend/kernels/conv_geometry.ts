/**
 * tfjs' `computeConv2DInfo`, remembered per geometry. A training step asks for the same few geometries
 * hundreds of times, each time between two convolutions whose activations have just flushed the CPU's
 * caches, where building tfjs' object of ~30 fields afresh (and keying oneDNN's primitive cache on it) costs
 * tens of µs. The object returned is shared by every caller with that geometry: read it, never change it.
 */
import * as tf from "@tensorflow/tfjs-core";

/** Geometries remembered at most (a process sees a handful per model and batch size). */
const LIMIT = 256;
const remembered = new Map<string, tf.backend_util.Conv2DInfo>();

/** `tf.backend_util.computeConv2DInfo` with the same arguments, from memory when it was computed before
 * (NHWC). */
export function conv2dGeometry(
  inShape: readonly number[],
  filterShape: readonly number[],
  strides: number | readonly number[],
  dilations: number | readonly number[],
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding,
  roundingMode?: "floor" | "round" | "ceil",
): tf.backend_util.Conv2DInfo {
  const padKey = typeof pad === "object" ? JSON.stringify(pad) : pad;
  const key = `${inShape}|${filterShape}|${strides}|${dilations}|${padKey}|${roundingMode}`;
  let g = remembered.get(key);
  if (g === undefined) {
    if (remembered.size >= LIMIT) remembered.clear();
    g = tf.backend_util.computeConv2DInfo(
      inShape as [number, number, number, number],
      filterShape as [number, number, number, number],
      strides as number | [number, number],
      dilations as number | [number, number],
      pad,
      roundingMode,
    );
    remembered.set(key, g);
  }
  return g;
}
