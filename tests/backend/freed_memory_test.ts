import assert from "node:assert";

/** Runs the child with `arg`, returning what it printed. */
async function child(arg: string): Promise<{ applied: boolean; faults: number[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL("./freed_memory_child.ts", import.meta.url).pathname,
      arg,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.ok(out.success, "child failed");
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("with freed memory kept, a large typed array reuses a collected one's pages instead of faulting", async () => {
  const kept = await child("keep");
  assert.strictEqual(kept.applied, true, "mallopt applied");
  // 64 MB is 16,384 pages of 4 KiB: a fresh mmap faults each one in (unless the kernel hands out huge
  // pages); a reused heap block faults none. (Here every round but the first and one other reuses.)
  const reused = kept.faults.slice(1).filter((f) => f < 1000).length;
  assert.ok(reused >= 3, `page faults of the six 64 MB arrays: ${kept.faults.join(", ")}`);
});
