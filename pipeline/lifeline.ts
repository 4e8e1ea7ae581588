/**
 * What ties a stage process to the `cli run` that launched it, so that killing the runner — even with
 * SIGKILL, which it cannot catch — leaves no stage running: on Linux the stage asks the kernel for SIGTERM
 * when its parent dies (`prctl(PR_SET_PDEATHSIG)`), and exits at once if the runner is already gone.
 * The runner's own temporary folder is named after its pid, so the next run can remove the one a killed
 * runner left and say so.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

/** Environment variable through which `run` tells a stage process the runner's pid. */
export const RUNNER_PID_ENV = "FREQLENS_RUNNER_PID";
/** Prefix of the runner's temporary folder (`freqlens-run-<pid>-XXXX` in the system temp directory). */
export const RUN_DIR_PREFIX = "freqlens-run-";

const PR_SET_PDEATHSIG = 1;
const SIGTERM = 15;

/**
 * In a stage process started by `run` (`FREQLENS_RUNNER_PID` set): arranges SIGTERM when the runner dies,
 * and exits (code 143) when it has already died. Does nothing elsewhere or off Linux.
 */
export function dieWithRunner(): void {
  const runner = Number(Deno.env.get(RUNNER_PID_ENV));
  if (!runner || Deno.build.os !== "linux") return;
  try {
    const libc = Deno.dlopen("libc.so.6", {
      prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
    });
    libc.symbols.prctl(PR_SET_PDEATHSIG, BigInt(SIGTERM), 0n, 0n, 0n);
  } catch {
    return; // no libc or no FFI permission: the runner's signal handlers still cover SIGINT/SIGTERM
  }
  if (Deno.ppid !== runner) Deno.exit(143); // the runner died before the request took effect
}

/** True when a process with this pid exists (Linux: /proc; elsewhere assumed alive). */
export function processAlive(pid: number): boolean {
  return Deno.build.os !== "linux" || existsSync(`/proc/${pid}`);
}

/**
 * Removes the temporary folders that runners killed before their cleanup left in `tmpDir`; returns one
 * line per folder removed, for the user.
 */
export function removeOrphanRunDirs(tmpDir: string): string[] {
  const said: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(tmpDir)];
  } catch {
    return said;
  }
  for (const e of entries) {
    const m = e.isDirectory ? e.name.match(/^freqlens-run-(\d+)-/) : null;
    if (!m || processAlive(Number(m[1]))) continue;
    try {
      Deno.removeSync(join(tmpDir, e.name), { recursive: true });
      said.push(`removed ${join(tmpDir, e.name)}, left by a killed run (pid ${m[1]})`);
    } catch {
      // another run removed it meanwhile
    }
  }
  return said;
}
