/**
 * `runCommand` (zx): each argument reaches the command exactly as given — no word splitting, no expansion,
 * no command substitution — and the exit status (128 + signal when killed), stdout and stderr come back.
 */
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { runCommand } from "../../pipeline/slurm/shell.ts";

Deno.test("runCommand passes hostile arguments through verbatim and runs nothing in them", async () => {
  const dir = await Deno.makeTempDir();
  const marker = join(dir, "ran");
  const args = [
    "a b",
    "it's",
    `$(touch ${marker})`,
    `\`touch ${marker}\``,
    "x; touch " + marker,
    'evaluate_robust[adversarial={"method":"fgsm-rs","eps":0.25}]',
    "",
    "tab\tnew\nline",
    "ünï $HOME *",
  ];
  // printf writes each argument followed by NUL, so the split gives back exactly what was passed.
  const r = await runCommand("printf", ["%s\\0", ...args]);
  assertEquals(r.code, 0);
  assertEquals(r.stdout.split("\0").slice(0, -1), args);
  let ran = true;
  try {
    Deno.statSync(marker);
  } catch {
    ran = false;
  }
  assert(!ran, "a substitution in an argument was executed");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("runCommand returns exit codes, stderr, 128 + signal, and throws for a missing command", async () => {
  assertEquals(await runCommand("sh", ["-c", "echo out; echo err >&2; exit 3"]), {
    code: 3,
    stdout: "out\n",
    stderr: "err\n",
  });
  assertEquals((await runCommand("sh", ["-c", "kill -TERM $$"])).code, 143);
  assertEquals((await runCommand("cat", [])).stdout, ""); // stdin is empty, not the terminal
  const e = await assertRejects(() => runCommand("freqlens-no-such-command", []));
  assert(/freqlens-no-such-command not found/.test((e as Error).message));
});
