/**
 * Occluded Frequency figures: the paper's Fig. 1 (per-class OF profiles, one line per model) and Fig. 4
 * (one image, its lowest-k and top-k band-ablated versions, and its per-band attribution).
 */
import { checkUniqueNames, PlotDataError, tidy } from "./data.ts";
import { imagePanel, type PlotImage } from "./image.ts";
import { figure, type FigureSpec, type ViewSpec } from "./spec.ts";

/** One model's mean OF attribution per class and band: `profiles[c][k]`. */
export interface ClassProfiles {
  /** Model name, e.g. "natural", "l2 0.5". */
  model: string;
  profiles: ArrayLike<number>[];
}

/** Options of {@link ofClassProfileSpec}. */
export interface ClassProfileOptions {
  classNames: readonly string[];
  /** `facet`: one panel per class (Fig. 1); `mean`: the class-averaged profile in one panel. */
  layout?: "facet" | "mean";
  /**
   * `sum`: divide each profile by the sum of its absolute values, so models whose logits differ in scale
   * compare by where their attribution lies; `none`: raw logit drops.
   */
  normalise?: "none" | "sum";
  columns?: number;
  subtitle?: string;
}

function normalised(values: ArrayLike<number>, mode: "none" | "sum"): number[] {
  const out = Array.from(values);
  if (mode === "sum") {
    const total = out.reduce((a, v) => a + Math.abs(v), 0);
    if (total > 0) { for (let k = 0; k < out.length; k++) out[k] /= total; }
  }
  return out;
}

/** Fig. 1: OF attribution against band, one line per model, faceted by class or averaged over classes. */
export function ofClassProfileSpec(
  models: readonly ClassProfiles[],
  options: ClassProfileOptions,
): FigureSpec {
  const name = "OF class profiles";
  if (models.length === 0) throw new PlotDataError(name, "no models given");
  checkUniqueNames(name, models.map((m) => m.model));
  const classes = options.classNames.length;
  const bands = models[0].profiles[0]?.length ?? 0;
  const mode = options.normalise ?? "none";
  const rows: Record<string, unknown>[] = [];
  for (const m of models) {
    if (m.profiles.length !== classes) {
      throw new PlotDataError(
        name,
        `model '${m.model}' has ${m.profiles.length} class profiles, expected ${classes}`,
      );
    }
    const mean = new Array(bands).fill(0);
    m.profiles.forEach((profile, c) => {
      if (profile.length !== bands) {
        throw new PlotDataError(
          name,
          `model '${m.model}', class ${c}: ${profile.length} bands, expected ${bands}`,
        );
      }
      const values = normalised(profile, mode);
      values.forEach((v, k) => {
        mean[k] += v / classes;
        if (options.layout !== "mean") {
          rows.push({ model: m.model, class: options.classNames[c], band: k, value: tidy(v) });
        }
      });
    });
    if (options.layout === "mean") {
      mean.forEach((v, k) => rows.push({ model: m.model, band: k, value: tidy(v) }));
    }
  }
  const yTitle = mode === "sum" ? "OF share of Σ|·|" : "OF logit drop";
  const unit: ViewSpec = {
    mark: { type: "line", point: { size: 12 } },
    width: options.layout === "mean" ? 360 : 150,
    height: options.layout === "mean" ? 200 : 120,
    encoding: {
      x: { field: "band", type: "quantitative", title: "band k (low → high)" },
      y: { field: "value", type: "quantitative", title: yTitle },
      color: { field: "model", type: "nominal", title: "model", sort: models.map((m) => m.model) },
      tooltip: [
        { field: "model", type: "nominal" },
        { field: "band", type: "quantitative" },
        { field: "value", type: "quantitative", format: ".4g" },
      ],
    },
  };
  const title = "Occluded Frequency attribution per band";
  if (options.layout === "mean") {
    return figure({ data: { values: rows }, ...unit }, title, options.subtitle ?? "averaged over classes");
  }
  return figure(
    {
      data: { values: rows },
      facet: { field: "class", type: "nominal", title: null, sort: [...options.classNames] },
      columns: options.columns ?? 5,
      spec: unit,
    },
    title,
    options.subtitle,
  );
}

const INDEPENDENT = { scale: { x: "independent", y: "independent", color: "independent" } };

/** Inputs of the single-image OF view. */
export interface SingleImageView {
  /** The original image and its ablated versions (e.g. lowest-k bands removed, top-k bands removed). */
  images: readonly PlotImage[];
  /** OF attribution of this image per band. */
  attribution: ArrayLike<number>;
  /** Bands to highlight (the image's top bands). */
  topBands?: readonly number[];
  subtitle?: string;
}

/** Fig. 4: the images side by side above the per-band attribution bars, top bands highlighted. */
export function ofSingleImageSpec(view: SingleImageView): FigureSpec {
  const name = "OF single-image view";
  if (view.images.length === 0) throw new PlotDataError(name, "no images given");
  if (view.attribution.length === 0) throw new PlotDataError(name, "empty attribution");
  const top = new Set(view.topBands ?? []);
  for (const b of top) {
    if (!Number.isInteger(b) || b < 0 || b >= view.attribution.length) {
      throw new PlotDataError(name, `top band ${b} outside 0..${view.attribution.length - 1}`);
    }
  }
  const bars = Array.from(view.attribution, (v, band) => ({
    band,
    value: tidy(v),
    kind: top.has(band) ? "top band" : "other",
  }));
  const step = Math.ceil(bars.length / 16);
  const barView: ViewSpec = {
    title: "OF attribution of this image",
    data: { values: bars },
    mark: { type: "bar" },
    width: Math.max(300, view.images.length * 150),
    height: 170,
    encoding: {
      x: {
        field: "band",
        type: "ordinal",
        title: "band k (low → high)",
        axis: { labelAngle: 0, values: bars.filter((b) => b.band % step === 0).map((b) => b.band) },
      },
      y: { field: "value", type: "quantitative", title: "logit drop" },
      color: {
        field: "kind",
        type: "nominal",
        title: null,
        scale: { domain: ["top band", "other"], range: ["#d62728", "#9e9e9e"] },
      },
      tooltip: [{ field: "band", type: "ordinal" }, { field: "value", type: "quantitative", format: ".4g" }],
    },
  };
  return figure(
    {
      vconcat: [{ hconcat: view.images.map((im) => imagePanel(im)), resolve: INDEPENDENT }, barView],
      resolve: INDEPENDENT,
    },
    "Occluded Frequency on one image",
    view.subtitle,
  );
}
