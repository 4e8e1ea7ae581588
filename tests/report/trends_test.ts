/**
 * Sweep trends: headline metrics from summaries (one extraction for report and CLI), coordinates as data,
 * the grouping into figures (lines over a numeric coordinate, one per model; grouped bars over a categorical
 * one; nothing for an unswept stage), published points, and the tidy CSV read back by arquero.
 */
import * as aq from "arquero";
import { assert, assertEquals } from "../plots/assert.ts";
import {
  coordinatesOf,
  headlineOf,
  type MetricRow,
  type Source,
  tidyMetricsCsv,
  trendFigures,
} from "../../lib/report/mod.ts";
import { wilsonInterval } from "../../lib/stats/binomial.ts";
import { renderFigure } from "../../lib/plots/mod.ts";

const attackSummary = (success: number, images = 40) => ({
  method: "pgd",
  images,
  success_rate: success,
  adv_accuracy: 1 - success,
  l2: { median: success * 2, mean: 1 },
  linf: { median: 0.1, mean: 0.1 },
  queries: null,
});

const row = (stage: string, coords: [string, unknown][], success: number): MetricRow => ({
  instance: `${stage}[${
    coords.map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(",")
  }]`,
  stage,
  kind: "attack",
  coords: coords.map(([key, value]) => ({ key, value, origin: key === "adversarial" ? "train" : stage })),
  metrics: headlineOf("attack", attackSummary(success)),
});

const source = (instance: string): Source => ({ instance, label: instance, href: "" });
// deno-lint-ignore no-explicit-any
const specData = (spec: unknown) => (spec as any).data.values as Record<string, any>[];

Deno.test("headline: attack success and accuracy with Wilson intervals of the images; shares keep the stage's interval", () => {
  const m = headlineOf("attack", attackSummary(0.75));
  const success = m.find((x) => x.metric === "success_rate")!;
  const ci = wilsonInterval(30, 40);
  assertEquals([success.value, success.lo, success.hi, success.level], [0.75, ci.lo, ci.hi, 0.95]);
  assertEquals(m.find((x) => x.metric === "adv_accuracy")!.value, 0.25);
  assertEquals(
    [m.find((x) => x.metric === "l2_median")!.lo, m.find((x) => x.metric === "l2_median")!.level],
    [
      null,
      null,
    ],
  );
  assertEquals(m.some((x) => x.metric === "queries_mean"), false, "white-box: no queries metric");
  const shares = { low: { estimate: 0.2, lo: 0.1, hi: 0.3 }, middle: { estimate: 0.3, lo: 0.2, hi: 0.4 } };
  const occ = headlineOf("occlusion", { shares: { ...shares, high: { estimate: 0.5, lo: 0.4, hi: 0.6 } } });
  assertEquals(occ.map((x) => [x.metric, x.value, x.lo, x.hi, x.level]), [
    ["low_share", 0.2, 0.1, 0.3, 0.95],
    ["middle_share", 0.3, 0.2, 0.4, 0.95],
    ["high_share", 0.5, 0.4, 0.6, 0.95],
  ]);
  // The level the stage wrote: beside the shares, or (rct) under `bootstrap`.
  const high = { estimate: 0.5, lo: 0.4, hi: 0.6 };
  assertEquals(headlineOf("saliency", { shares: { level: 0.9, ...shares, high } }).map((x) => x.level), [
    0.9,
    0.9,
    0.9,
  ]);
  assertEquals(
    headlineOf("rct", { shares: { ...shares, high }, bootstrap: { level: 0.99 } }).map((x) => x.level),
    [0.99, 0.99, 0.99],
  );
  assertEquals(headlineOf("train", {}), []);
});

Deno.test("coordinates: as the pipeline passes them, a shared key qualified by its origin", () => {
  const coords = [
    { origin: "train_robust", key: "adversarial", value: { method: "pgd", eps: 0.5 } },
    { origin: "attack", key: "eps", value: 0.03 },
    { origin: "attack", key: "method", value: "pgd" },
  ];
  // The name plays no part: it is only shown and linked.
  assertEquals(coordinatesOf({ instance: "attack-1", coords }), [
    { key: "adversarial", value: { method: "pgd", eps: 0.5 }, origin: "train_robust" },
    { key: "eps", value: 0.03, origin: "attack" },
    { key: "method", value: "pgd", origin: "attack" },
  ]);
  const clash = coordinatesOf({
    instance: "x",
    coords: [{ origin: "train", key: "eps", value: 1 }, { origin: "attack", key: "eps", value: 2 }],
  });
  assertEquals(clash.map((c) => c.key), ["train.eps", "attack.eps"]);
});

Deno.test("trends: stages swept over the same ε share one figure, one line per model; log x over a decade", () => {
  const eps = [0.01, 0.03, 0.1, 0.3];
  const robust = [{ norm: "l2", eps: 0.5 }, { norm: "linf", eps: 0.03 }];
  const rows: MetricRow[] = [
    ...eps.map((e, k) => row("sec_natural", [["eps", e]], 0.5 + 0.1 * k)),
    ...robust.flatMap((a, m) =>
      eps.map((e, k) => row("sec_robust", [["adversarial", a], ["eps", e]], 0.1 * k + 0.3 * m))
    ),
    row("attack_fgsm", [], 0.9),
  ];
  const figs = trendFigures(rows, source, {
    published: [
      { label: "paper", x: 0.1, value: 0.4, stage: "sec_robust" },
      { label: "elsewhere", x: 5, value: 0.4 },
    ],
  });
  assertEquals(figs.length, 1, figs.map((f) => f.name).join());
  const f = figs[0];
  assertEquals([f.name, f.section], ["trend_sec_natural_eps", "attacks"]);
  // deno-lint-ignore no-explicit-any
  const spec = f.spec as any;
  assertEquals(spec.title.subtitle, "eps on a log scale");
  assertEquals(spec.spec.layer[0].encoding.x.scale, {
    type: "log",
    nice: false,
    domain: [0.01 / 1.25, 0.3 * 1.25],
  });
  const data = specData(f.spec);
  const lines = [...new Set(data.filter((d) => d.kind === "measured").map((d) => d.line))];
  assertEquals(lines, ["natural", "robust · l2 · eps=0.5", "robust · linf · eps=0.03"]);
  const security = data.filter((d) => d.metric === "accuracy under attack" && d.line === "natural");
  assertEquals(
    security.map((d) => [d.x, d.value]),
    eps.map((e, k) => [e, Number((0.5 - 0.1 * k).toPrecision(6))]),
  );
  assert(security.every((d) => d.lo < d.value && d.value < d.hi), "intervals around the values");
  const published = data.filter((d) => d.kind === "published");
  assertEquals(published.map((d) => [d.line, d.x, d.metric]), [["paper", 0.1, "accuracy under attack"]]);
  assert(f.caption.includes("paper: source not given"), f.caption);
  assert(f.caption.includes("vertical rules: 95 % intervals (Wilson"), "the Wilson level of the metrics");
  assertEquals(f.sources.length, 12);
  assert(f.measured!.startsWith("Accuracy under attack: natural 0.5 (eps 0.01) → 0.2 (eps 0.3)"), f.measured);
  // trend_metrics picks panels; a linear axis when the values span less than a decade.
  const narrow = rows.filter((r) => r.stage === "sec_natural").map((r, k) => ({
    ...r,
    coords: [{ key: "eps", value: 1 + k, origin: "sec_natural" }],
  }));
  const one = trendFigures(narrow, source, { metrics: ["adv_accuracy"] });
  assertEquals([...new Set(specData(one[0].spec).map((d) => d.metric))], ["accuracy under attack"]);
  // deno-lint-ignore no-explicit-any
  assertEquals((one[0].spec as any).spec.layer[0].encoding.x.scale, {
    nice: false,
    zero: false,
    domain: [0.25, 4.75],
  });
});

Deno.test("trends: a categorical sweep gets grouped bars; an unswept or single-instance stage gets nothing", () => {
  const rows = [
    row("attack", [["method", "fgsm"], ["norm", "linf"]], 0.3),
    row("attack", [["method", "pgd"], ["norm", "linf"]], 0.6),
    row("attack", [["method", "fgsm"], ["norm", "l2"]], 0.2),
    row("attack", [["method", "pgd"], ["norm", "l2"]], 0.5),
  ];
  const [bars] = trendFigures(rows, source);
  // deno-lint-ignore no-explicit-any
  const layer = (bars.spec as any).spec.layer;
  assertEquals(layer[0].mark.type, "bar");
  assertEquals(layer[0].encoding.xOffset.field, "line");
  const d = specData(bars.spec).filter((x) => x.metric === "attack success");
  assertEquals(d.map((x) => [x.x, x.line, x.value]), [["fgsm", "linf", 0.3], ["pgd", "linf", 0.6], [
    "fgsm",
    "l2",
    0.2,
  ], [
    "pgd",
    "l2",
    0.5,
  ]]);
  assertEquals(trendFigures([row("a", [["eps", 1]], 0.1), row("b", [["eps", 2]], 0.2)], source), []);
  assertEquals(trendFigures([row("a", [["seed", 1]], 0.1), row("a", [["seed", 1]], 0.2)], source), []);
  // Only inherited categorical coordinates (which robust model): the existing figures show those; no bars.
  const inherited = [{ norm: "l2" }, { norm: "linf" }].map((a, k) =>
    row("evaluate_robust", [["adversarial", a]], 0.1 * k)
  );
  assertEquals(trendFigures(inherited, source), []);
});

Deno.test("tidy metrics CSV: one line per instance × metric, coordinate columns, read as is by arquero", () => {
  const rows = [
    row("sec", [["eps", 0.01]], 0.5),
    row("sec", [["adversarial", { norm: "l2", eps: 0.5 }], ["eps", 0.1]], 0.9),
  ];
  const csv = tidyMetricsCsv(rows);
  const t = aq.fromCSV(csv);
  assertEquals(t.columnNames(), [
    "instance",
    "stage",
    "kind",
    "eps",
    "adversarial",
    "metric",
    "value",
    "lo",
    "hi",
  ]);
  assertEquals(t.numRows(), rows.reduce((n, r) => n + r.metrics.length, 0));
  const objects = t.objects() as Record<string, unknown>[];
  const first = objects.find((o) => o.metric === "success_rate" && o.eps === 0.1)!;
  assertEquals(first.adversarial, '{"norm":"l2","eps":0.5}');
  assertEquals(first.value, 0.9);
  assertEquals(first.lo, wilsonInterval(36, 40).lo);
  const median = objects.find((o) => o.metric === "l2_median" && o.eps === 0.01)!;
  assertEquals([median.value, median.lo, median.hi], [1, null, null]);
});

Deno.test("trend figures render without Vega warnings (lines with and without intervals, bars)", async () => {
  const eps = [0.01, 0.1, 1];
  const lines = trendFigures(eps.map((e, k) => row("a", [["eps", e]], 0.3 * k)), source);
  const bars = trendFigures(
    [row("b", [["method", "fgsm"]], 0.2), row("b", [["method", "pgd"]], 0.7)],
    source,
  );
  for (const f of [...lines, ...bars]) {
    const r = await renderFigure(f.spec, { name: f.name, scale: 1 });
    assertEquals(r.warnings, [], f.name);
    assert(r.svg.includes("accuracy under attack"), "panel titles drawn");
  }
});
