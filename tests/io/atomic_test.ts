import assert from "node:assert/strict";
import { join } from "node:path";
import {
  AtomicWriteError,
  toCsv,
  writeCsvAtomic,
  writeFileAtomic,
  writeJsonAtomic,
} from "../../lib/io/mod.ts";

Deno.test("writeFileAtomic replaces a file's content and leaves no temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const p = join(dir, "f.txt");
    await writeFileAtomic(p, "old");
    await writeFileAtomic(p, new Uint8Array([104, 105]));
    assert.equal(await Deno.readTextFile(p), "hi");
    await writeJsonAtomic(join(dir, "s.json"), { a: [1, 2], b: "x" });
    assert.equal(
      await Deno.readTextFile(join(dir, "s.json")),
      '{\n  "a": [\n    1,\n    2\n  ],\n  "b": "x"\n}\n',
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["f.txt", "s.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic into a missing directory throws AtomicWriteError naming the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const p = join(dir, "nope", "f.txt");
    await assert.rejects(
      writeFileAtomic(p, "x"),
      (e: unknown) => e instanceof AtomicWriteError && e.message.startsWith(`${p}: atomic write failed`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("toCsv quotes per RFC 4180 and keeps column order", async () => {
  const rows = [{ name: 'a,"b"', v: 1.5 }, { name: "line\nbreak", v: null, extra: true }];
  assert.equal(toCsv(rows), 'name,v,extra\n"a,""b""",1.5,\n"line\nbreak",,true\n');
  assert.equal(toCsv(rows, ["v", "name"]), 'v,name\n1.5,"a,""b"""\n,"line\nbreak"\n');
  assert.equal(toCsv([], ["x"]), "x\n");
  const dir = await Deno.makeTempDir();
  try {
    await writeCsvAtomic(join(dir, "t.csv"), [{ k: 1 }]);
    assert.equal(await Deno.readTextFile(join(dir, "t.csv")), "k\n1\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
