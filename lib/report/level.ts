/**
 * Interval levels in the report's text: every interval the report describes carries the level its stage
 * computed it at (the `level` param of rct, contrast, occlusion, saliency and spectra, written into their
 * summaries), and the text says that level rather than a fixed "95 %".
 */

/** The level of a summary that does not record one: the default of every stage's `level` param. */
export const DEFAULT_LEVEL = 0.95;

/** "95 %" for 0.95; several distinct levels in ascending order, "90 % and 95 %"; "–" for none. */
export function levelText(levels: readonly number[]): string {
  const distinct = [...new Set(levels)].sort((a, b) => a - b);
  if (distinct.length === 0) return "–";
  const texts = distinct.map((l) => `${Number((100 * l).toPrecision(4))} %`);
  return texts.length === 1 ? texts[0] : `${texts.slice(0, -1).join(", ")} and ${texts.at(-1)}`;
}
