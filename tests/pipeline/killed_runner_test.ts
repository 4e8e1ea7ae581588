/**
 * Issue 12, case 5: a killed runner leaves no stage process running and no `freqlens-run-*` folder behind —
 * SIGTERM/SIGINT are caught (stages stopped, folder removed, exit 143/130); after a SIGKILL the kernel
 * stops the stage (PR_SET_PDEATHSIG) and the next run removes the folder and says so.
 */
import { join } from "node:path";
import { existsSync } from "node:fs";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { CLI, ROOT, summaryOf, SWEEP_YAML, tempProject } from "./helpers.ts";

/** Starts `cli run` with a stage that hangs; resolves once the stage process is up, with both pids. */
async function runWithHangingStage(config: string, outputs: string, tmp: string, mark: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", join(ROOT, "deno.json"), CLI, "run", config, "--outputs", outputs],
    env: { NO_COLOR: "1", TMPDIR: tmp, TOY_HANG: "a[value=2]", TOY_HANG_MARK: mark },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stage = 0;
  for (let i = 0; i < 600 && !stage; i++) {
    try {
      stage = Number(await Deno.readTextFile(mark));
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assert(stage > 0, "the toy stage never reached its hanging point");
  return { runner: child, stage };
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (!existsSync(`/proc/${pid}`)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const runDirs = (tmp: string) =>
  [...Deno.readDirSync(tmp)].map((e) => e.name).filter((n) => n.startsWith("freqlens-run-"));

Deno.test({
  name: "SIGTERM or SIGINT to `cli run`: its stage is stopped, its temp folder removed, exit 143 / 130",
  ignore: Deno.build.os !== "linux",
  async fn() {
    for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
      await using p = await tempProject(SWEEP_YAML);
      const tmp = join(p.dir, "tmp");
      await Deno.mkdir(tmp);
      const { runner, stage } = await runWithHangingStage(p.config, p.outputs, tmp, join(p.dir, "mark"));
      assertEquals(runDirs(tmp).length, 1);
      runner.kill(signal);
      const out = await runner.output();
      assertEquals(out.code, code, signal);
      assertMatch(
        new TextDecoder().decode(out.stderr),
        new RegExp(`${signal}: stopping 1 running stage process`),
      );
      assert(await gone(stage), `stage ${stage} still running after ${signal} to the runner`);
      assertEquals(runDirs(tmp), []);
    }
  },
});

Deno.test({
  name:
    "SIGKILL to `cli run`: the kernel stops its stage; the next run removes the folder it left and says so",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await using p = await tempProject(SWEEP_YAML);
    const tmp = join(p.dir, "tmp");
    await Deno.mkdir(tmp);
    const { runner, stage } = await runWithHangingStage(p.config, p.outputs, tmp, join(p.dir, "mark"));
    runner.kill("SIGKILL");
    await runner.output();
    assert(await gone(stage), `stage ${stage} still running after SIGKILL to the runner`);
    const left = runDirs(tmp);
    assertEquals(left.length, 1);
    assertMatch(left[0], new RegExp(`^freqlens-run-${runner.pid}-`));
    const again = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", join(ROOT, "deno.json"), CLI, "run", p.config, "--outputs", p.outputs],
      env: { NO_COLOR: "1", TMPDIR: tmp },
      stdin: "null",
    }).output();
    const stderr = new TextDecoder().decode(again.stderr);
    assertEquals(again.code, 0, stderr);
    assert(
      stderr.includes(`removed ${join(tmp, left[0])}, left by a killed run (pid ${runner.pid})`),
      stderr,
    );
    assertEquals(summaryOf(new TextDecoder().decode(again.stdout)).failed, 0);
    assertEquals(runDirs(tmp), []);
  },
});
