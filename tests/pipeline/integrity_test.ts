/**
 * Issue 12, case 4 (a corrupt input whose size and mtime were kept): store files are trusted only while
 * their size, mtime, ctime and inode are those they had when their SHA-256 last matched the manifest, so
 * `status` flags the entry, `exec` refuses to read it (naming the path), and `run` recomputes it; an entry
 * made from an input whose content later differs is stale too.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { cli, summaryOf, SWEEP_YAML, tempProject, valueOf } from "./helpers.ts";
import { viewKey } from "../../pipeline/store.ts";
import { OutputsLayout } from "../../pipeline/layout.ts";

/** Rewrites `path` with other bytes of the same length and puts its mtime back: what `run` used to miss. */
async function corruptKeepingSizeAndMtime(path: string): Promise<void> {
  const st = await Deno.stat(path);
  const bytes = await Deno.readFile(path);
  bytes[bytes.length - 1] ^= 0xff;
  await Deno.writeFile(path, bytes);
  await Deno.utime(path, st.atime!, st.mtime!);
  const now = await Deno.stat(path);
  assertEquals([now.size, now.mtime?.getTime()], [st.size, st.mtime?.getTime()]);
}

Deno.test("a bit flip that keeps size and mtime: status flags it, exec refuses it, run recomputes it", async () => {
  await using p = await tempProject(SWEEP_YAML);
  const out = ["--outputs", p.outputs];
  const first = await cli(["run", p.config, ...out]);
  assertEquals(summaryOf(first.stdout).ran, 7, first.stderr);
  const layout = new OutputsLayout(p.outputs);
  const producer = layout.entry(viewKey(layout, "toy", "a[value=1]")!);
  const bytes = join(producer, "sub", "bytes.bin");
  await corruptKeepingSizeAndMtime(bytes);

  const status = await cli(["status", p.config, ...out]);
  assertMatch(status.stdout, /stale\s+a\[value=1\]\s+\(its outputs changed since they were written\)/);
  assert(
    status.stdout.includes("warning: a[value=1]: sub/bytes.bin: content changed (SHA-256 mismatch)"),
    status.stdout,
  );
  assertMatch(status.stdout, /6 cached, 1 stale, 0 missing/);

  // The consumer, run by itself, fails naming the file; nothing new enters the store.
  const exec = await cli(["exec", p.config, "b[value=1]", "--force", ...out]);
  assertEquals(exec.code, 1);
  assertEquals(
    exec.stderr.trim().split("\n").pop(),
    `error: b[value=1]: input 'parts' = a[value=1] (key ${
      producer.split("/").pop()
    }) is corrupt (${bytes}: ` +
      "content changed (SHA-256 mismatch)); it is stale now: `run` recomputes it, then this stage",
  );

  const again = await cli(["run", p.config, ...out]);
  assertEquals(summaryOf(again.stdout), { ran: 1, cached: 6, failed: 0, skipped: 0 }, again.stderr);
  assertMatch(again.stdout, /ran\s+a\[value=1\]/);
  assertEquals(valueOf(p.outputs, "toy", "b[value=1]"), 2);
  const clean = await cli(["status", p.config, "--verify", ...out]);
  assertMatch(clean.stdout, /7 cached, 0 stale, 0 missing/);
});

Deno.test("an entry made from an input whose content has changed since is stale, and run remakes it", async () => {
  await using p = await tempProject(SWEEP_YAML);
  const out = ["--outputs", p.outputs];
  assertEquals((await cli(["run", p.config, ...out])).code, 0);
  const layout = new OutputsLayout(p.outputs);
  // As if b[value=2] had been made from other bytes of a[value=2] (a producer recomputed differently).
  const consumer = join(layout.entry(viewKey(layout, "toy", "b[value=2]")!), "manifest.json");
  const m = JSON.parse(await Deno.readTextFile(consumer));
  assertEquals(typeof m.inputs.parts[0].content, "string");
  m.inputs.parts[0].content = "0".repeat(64);
  await Deno.writeTextFile(consumer, JSON.stringify(m));
  const status = await cli(["status", p.config, ...out]);
  assertMatch(
    status.stdout,
    /stale\s+b\[value=2\]\s+\(input a\[value=2\] was recomputed with other content since this entry was made\)/,
  );
  const again = await cli(["run", p.config, ...out]);
  assertEquals(summaryOf(again.stdout), { ran: 1, cached: 6, failed: 0, skipped: 0 }, again.stderr);
  assertMatch(again.stdout, /ran\s+b\[value=2\]/);
});
