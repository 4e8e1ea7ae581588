/**
 * The two ways the slurm executor talks to a shell: commands run with an argument vector (`Deno.Command`,
 * no shell in between, so an instance name with brackets, quotes or commas is passed as it is), and the
 * generated job script, where every value is single-quoted by {@link shellQuote}.
 */

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

/** Runs `cmd args…` without a shell; throws only when `cmd` cannot be started (not installed). */
export async function runCommand(cmd: string, args: string[]): Promise<CommandResult> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, { args, stdin: "null" }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`${cmd} not found: the slurm executor needs SLURM's client commands on PATH`);
    }
    throw e;
  }
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
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
