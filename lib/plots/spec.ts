/**
 * Assembling top-level Vega-Lite specs: every figure builder returns a {@link FigureSpec} made here, with
 * the schema, the shared {@link FIGURE_CONFIG} and a title, so the report and the renderer treat all
 * figures alike.
 */
import type { TopLevelSpec } from "vega-lite";
import { FIGURE_CONFIG, VEGA_LITE_SCHEMA } from "./theme.ts";

/** A complete Vega-Lite spec with inline data: what `figures/<name>.vl.json` holds. */
export type FigureSpec = TopLevelSpec;

/** A piece of a spec (a unit, layer or concat view) before it is made top-level. */
export type ViewSpec = Record<string, unknown>;

/** Makes `view` a top-level spec titled `title` (with an optional subtitle line). */
export function figure(view: ViewSpec, title: string, subtitle?: string): FigureSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: subtitle ? { text: title, subtitle } : title,
    ...view,
    config: FIGURE_CONFIG,
  } as unknown as FigureSpec;
}

/** Lays out `views` in rows of at most `columns` panels. */
export function grid(views: ViewSpec[], columns: number): ViewSpec {
  return views.length === 1 ? views[0] : { concat: views, columns };
}
