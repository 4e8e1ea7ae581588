import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { cli, summaryOf, tempProject, valueOf } from "./helpers.ts";
import { externalFingerprints, pathFingerprint } from "../../pipeline/external.ts";

Deno.test("a path's fingerprint follows the size and mtime of every file below it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "freqlens-ext-" });
  try {
    await Deno.mkdir(join(dir, "sub"));
    await Deno.writeTextFile(join(dir, "a.bin"), "abc");
    await Deno.writeTextFile(join(dir, "sub", "b.bin"), "de");
    const first = pathFingerprint(dir);
    assert(first !== undefined);
    assertEquals(pathFingerprint(dir), first);
    await Deno.writeTextFile(join(dir, "sub", "b.bin"), "xyz"); // in place, other size
    const second = pathFingerprint(dir)!;
    assert(second !== first);
    await Deno.utime(join(dir, "a.bin"), 1_000_000, 1_000_000); // same bytes, other mtime
    assert(pathFingerprint(dir) !== second);
    assertEquals(pathFingerprint(join(dir, "absent")), undefined);
    const fp = externalFingerprints(
      { dir, url: "https://example.org/x.pt", n: 3, missing: join(dir, "nope"), other: dir },
      ["dir", "url", "n", "missing"],
    );
    assertEquals(Object.keys(fp), ["dir"]);
    assertEquals(
      externalFingerprints({ f: `file://${join(dir, "a.bin")}` }, ["f"]).f,
      pathFingerprint(join(dir, "a.bin")),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replacing a file a stage reads in place reruns that stage, and `status` says why", async () => {
  await using p = await tempProject("");
  const file = join(p.dir, "input.txt");
  await Deno.writeTextFile(file, "hello");
  await Deno.writeTextFile(
    p.config,
    (await Deno.readTextFile(p.config)) +
      `name: toy\nstages:\n  r:\n    task: read_file\n    params: {file: ${JSON.stringify(file)}}\n`,
  );
  const first = await cli(["run", p.config, "--outputs", p.outputs]);
  assertEquals(first.code, 0, first.stderr);
  assertEquals(valueOf(p.outputs, "toy", "r"), 5);
  assertEquals(summaryOf((await cli(["run", p.config, "--outputs", p.outputs])).stdout).cached, 1);
  await Deno.writeTextFile(file, "hello, world");
  const status = await cli(["status", p.config, "--outputs", p.outputs]);
  assertMatch(status.stdout, /stale\s+r\b.*files named by param 'file' changed/);
  const again = await cli(["run", p.config, "--outputs", p.outputs]);
  assertEquals(summaryOf(again.stdout).ran, 1, again.stderr);
  assertEquals(valueOf(p.outputs, "toy", "r"), 12);
});
