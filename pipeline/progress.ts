/**
 * The {@link Progress} a running stage reports through: a cli-progress bar when stderr is a terminal,
 * otherwise one plain line when a phase starts, at most every `intervalMs` while it runs, and when it
 * finishes (so logs of batch jobs stay readable). Plain lines also go to the stage's log.
 */
import cliProgress from "cli-progress";
import type { Progress } from "./task.ts";

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Prefix of every plain line, usually the instance name. */
  name: string;
  /** Draw a bar (default: whether stderr is a terminal). */
  tty?: boolean;
  /** Minimum time between plain lines; default `FREQLENS_PROGRESS_INTERVAL_MS` or 10 s. */
  intervalMs?: number;
  /** Where plain lines go (default stderr). */
  write?: (line: string) => void;
  /** Also receives every plain line (the stage log). */
  log?: (line: string) => void;
}

interface Bar {
  start(total: number, value: number, payload?: Record<string, unknown>): void;
  update(value: number, payload?: Record<string, unknown>): void;
  stop(): void;
}

/** Creates the progress reporter of one stage. */
export function createProgress(options: ProgressOptions): Progress {
  const tty = options.tty ?? Deno.stderr.isTerminal();
  return tty ? barProgress(options) : plainProgress(options);
}

function formatFields(fields: Record<string, string | number> | undefined): string {
  if (!fields) return "";
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === "number" && !Number.isInteger(v) ? v.toPrecision(4) : v}`)
    .join(" ");
}

function barProgress(options: ProgressOptions): Progress {
  let bar: Bar | undefined;
  let label = "";
  const make = (): Bar =>
    new cliProgress.SingleBar({
      format: `${options.name} {label} [{bar}] {value}/{total} {percentage}% eta {eta_formatted} {fields}`,
      hideCursor: true,
      clearOnComplete: false,
      stream: process.stderr,
    }, cliProgress.Presets.shades_classic) as Bar;
  return {
    start(l, total) {
      bar?.stop();
      label = l;
      bar = make();
      bar.start(total, 0, { label, fields: "" });
      options.log?.(`${label}: start (${total})`);
    },
    update(done, fields) {
      bar?.update(done, { label, fields: formatFields(fields) });
    },
    finish() {
      bar?.stop();
      bar = undefined;
      options.log?.(`${label}: done`);
    },
  };
}

function plainProgress(options: ProgressOptions): Progress {
  const interval = options.intervalMs ?? (Number(Deno.env.get("FREQLENS_PROGRESS_INTERVAL_MS")) || 10_000);
  const write = options.write ?? ((line: string) => console.error(line));
  let label = "";
  let total = 0;
  let done = 0;
  let fields: Record<string, string | number> | undefined;
  let started = 0;
  let last = 0;
  const emit = (what: string) => {
    const secs = (performance.now() - started) / 1000;
    const rate = secs > 0 && done > 0 ? ` ${(done / secs).toPrecision(3)}/s` : "";
    const pct = total > 0 ? ` (${Math.round((100 * done) / total)}%)` : "";
    const line = `[${options.name}] ${label} ${what} ${done}/${total}${pct}${rate} ${formatFields(fields)}`
      .trimEnd();
    write(line);
    options.log?.(line);
    last = performance.now();
  };
  return {
    start(l, t) {
      [label, total, done, fields] = [l, t, 0, undefined];
      started = performance.now();
      emit("start");
    },
    update(d, f) {
      done = d;
      if (f) fields = f;
      if (performance.now() - last >= interval) emit("at");
    },
    finish() {
      emit("done");
    },
  };
}
