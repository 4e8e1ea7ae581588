/**
 * Plain-array inputs of the figure builders and their checks.
 *
 * A figure builder takes numbers as plain arrays or typed arrays (what a task reads from a `.npy` file),
 * checks their shapes, and turns them into the long-format rows (`{row, col, value}`…) Vega-Lite wants.
 */

/** A row-major 2-D map `[height, width]`, e.g. a channel-averaged RCT or |ΔDCT| map (row i, column j). */
export interface Grid {
  height: number;
  width: number;
  /** `height * width` values, row-major: value (i, j) at `i * width + j`. */
  values: ArrayLike<number>;
}

/** A named series of per-band values (band k = anti-diagonal i + j = k, low → high). */
export interface BandSeries {
  name: string;
  values: ArrayLike<number>;
}

/** Input of a figure builder with the wrong shape or non-finite numbers; names the figure and the value. */
export class PlotDataError extends Error {
  constructor(readonly figure: string, readonly reason: string) {
    super(`${figure}: ${reason}`);
    this.name = "PlotDataError";
  }
}

/** Checks `grid.values.length === height * width` with positive integer sides, or throws naming `what`. */
export function checkGrid(figure: string, what: string, grid: Grid): void {
  const { height, width } = grid;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new PlotDataError(figure, `${what}: invalid grid size ${height}x${width}`);
  }
  if (grid.values.length !== height * width) {
    throw new PlotDataError(
      figure,
      `${what}: ${height}x${width} grid needs ${height * width} values, got ${grid.values.length}`,
    );
  }
}

/** Checks every series has `length` values (or the same length as the first when `length` is omitted). */
export function checkSameLength(figure: string, series: readonly BandSeries[], length?: number): number {
  if (series.length === 0) throw new PlotDataError(figure, "no series given");
  const n = length ?? series[0].values.length;
  for (const s of series) {
    if (s.values.length !== n) {
      throw new PlotDataError(figure, `series '${s.name}' has ${s.values.length} values, expected ${n}`);
    }
  }
  return n;
}

/** Checks the names are unique (they become facet titles and legend entries), or throws naming the duplicate. */
export function checkUniqueNames(figure: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new PlotDataError(figure, `duplicate name '${name}'`);
    seen.add(name);
  }
}

/** Rounds to 6 significant digits so specs stay small and diff-able; non-finite values become null. */
export function tidy(value: number): number | null {
  if (!Number.isFinite(value)) return null;
  return value === 0 ? 0 : Number(value.toPrecision(6));
}

/** Long-format cells `{i, j, value}` of a grid (row i, column j), with `extra` fields on every row. */
export function gridRows(grid: Grid, extra: Record<string, unknown> = {}): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < grid.height; i++) {
    for (let j = 0; j < grid.width; j++) {
      rows.push({ ...extra, i, j, value: tidy(grid.values[i * grid.width + j]) });
    }
  }
  return rows;
}

/** Long-format rows `{band, value, series}` of several band series. */
export function bandRows(series: readonly BandSeries[], seriesField = "series"): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const s of series) {
    for (let k = 0; k < s.values.length; k++) {
      rows.push({ [seriesField]: s.name, band: k, value: tidy(s.values[k]) });
    }
  }
  return rows;
}

/**
 * The channel mean of an HWC array (`[height, width, channels]`, channel fastest), as a {@link Grid}: how
 * per-channel maps (RCT, |ΔDCT|) are shown as one heat map.
 */
export function channelMean(data: ArrayLike<number>, shape: readonly number[]): Grid {
  if (shape.length === 2) return { height: shape[0], width: shape[1], values: Array.from(data) };
  if (shape.length !== 3) {
    throw new PlotDataError("channelMean", `expected [H, W, C] or [H, W], got [${shape}]`);
  }
  const [height, width, channels] = shape;
  if (data.length !== height * width * channels) {
    throw new PlotDataError(
      "channelMean",
      `shape [${shape}] needs ${height * width * channels} values, got ${data.length}`,
    );
  }
  const values = new Float64Array(height * width);
  for (let p = 0; p < height * width; p++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += data[p * channels + c];
    values[p] = sum / channels;
  }
  return { height, width, values };
}

/** Axis tick values for a grid index axis of `n` cells: 0, every quarter, and the last index. */
export function indexTicks(n: number): number[] {
  const step = Math.max(1, Math.round(n / 4));
  const ticks: number[] = [];
  for (let v = 0; v < n - 1; v += step) ticks.push(v);
  if (n - 1 - ticks[ticks.length - 1] < step / 2 && ticks.length > 1) ticks.pop();
  ticks.push(n - 1);
  return ticks;
}
