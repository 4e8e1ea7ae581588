/**
 * The two ways the slurm executor talks to a shell: commands run through zx with an argument vector (each
 * argument quoted by zx, so an instance name with brackets, quotes or commas reaches the command as it is,
 * and nothing in it is run), and the generated job script, where every value is single-quoted by
 * {@link shellQuote}.
 */
import { constants } from "node:os";
/** Quotes `s` for bash so that it reads back as exactly `s` (single quotes; `'` written as `'\''`). */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_\/.,:=@%+-]+$/.test(s)) return s;
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** What a command printed and how it ended. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cmd args…` (zx, every argument quoted; stdin empty; stdout and stderr captured, never echoed) and
 * returns its exit status — 128 + the signal's number when a signal ended it — and output. Throws only
 * when `cmd` is not on PATH. zx is imported on first use, so commands that never call SLURM do not load it.
 */
export async function runCommand(cmd: string, args: string[]): Promise<CommandResult> {
  if (!onPath(cmd)) {
    throw new Error(`${cmd} not found: the slurm executor needs SLURM's client commands on PATH`);
  }
  const { $ } = await import("zx");
  const out = await $({ nothrow: true, quiet: true, stdio: ["ignore", "pipe", "pipe"] })`${cmd} ${args}`;
  const signal = out.signal ? constants.signals[out.signal as keyof typeof constants.signals] : undefined;
  return { code: out.exitCode ?? 128 + (signal ?? 0), stdout: out.stdout, stderr: out.stderr };
}

/** True when `cmd` is on PATH. */
export function onPath(cmd: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (dir && Deno.statSync(`${dir}/${cmd}`).isFile) return true;
    } catch {
      // not here
    }
  }
  return false;
}
