/**
 * The contract of a benchmark suite: each file `bench/suites/<name>.ts` default-exports a
 * {@link BenchSuite}; `bench/main.ts` runs them all and writes `outputs/bench/latest.json`.
 */

/** One measured figure. Throughput figures fill `images_per_s`; timings fill `seconds`. */
export interface BenchRecord {
  suite: string;
  case: string;
  model?: string;
  backend?: string;
  threads?: number;
  batch?: number;
  images_per_s?: number;
  seconds?: number;
  /** freqlens / PyTorch for the same case, when `--reference` ran PyTorch. */
  ratio_to_pytorch?: number;
  /** Anything else worth keeping beside the figure (peak RSS, entry counts, …). */
  extra?: Record<string, unknown>;
}

/** Options every suite receives from the command line. */
export interface BenchOptions {
  /** Also run the PyTorch reference where a suite has one. */
  reference: boolean;
  /** Fewer repetitions and smaller sizes, for a smoke run. */
  quick: boolean;
}

/** A benchmark suite. */
export interface BenchSuite {
  name: string;
  run(options: BenchOptions): Promise<BenchRecord[]>;
}
