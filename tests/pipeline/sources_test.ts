/** Import graphs of task modules: code edges only, npm packages, and the (mtime, size, inode) cache. */
import { join } from "node:path";
import { createHash } from "node:crypto";
import { assertEquals, assertMatch, assertRejects } from "./assert.ts";
import { SourceGraphs } from "../../pipeline/sources.ts";
import { ROOT } from "./helpers.ts";

const past = (s: number) => new Date(Date.now() - s * 1000);
const sha = (t: string) => createHash("sha256").update(t).digest("hex");

Deno.test("graph: transitive code imports and locked npm packages; type-only imports excluded", async () => {
  const dir = await Deno.makeTempDir({ prefix: "freqlens-src-" });
  try {
    const files: Record<string, string> = {
      "task.ts":
        'import { z } from "zod";\nimport { f } from "./lib/a.ts";\nimport type { T } from "./lib/t.ts";\n' +
        "export const x: T = f(z.string().parse('a'));\n",
      "lib/a.ts": 'import { g } from "./b.ts";\nexport const f = (s: string) => g(s);\n',
      "lib/b.ts": "export const g = (s: string) => s;\n",
      "lib/t.ts": "export type T = string;\n",
      "unrelated.ts": "export const u = 1;\n",
    };
    await Deno.mkdir(join(dir, "lib"));
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(dir, name), text);
      await Deno.utime(join(dir, name), past(60), past(60)); // old enough to be trusted from the cache
    }
    const cachePath = join(dir, "cache.json");
    const g1 = new SourceGraphs(cachePath, join(ROOT, "deno.json"), dir);
    const graph = await g1.graph(join(dir, "task.ts"));
    g1.save();
    assertEquals(graph.sources, {
      "lib/a.ts": sha(files["lib/a.ts"]),
      "lib/b.ts": sha(files["lib/b.ts"]),
      "task.ts": sha(files["task.ts"]),
    });
    assertEquals(graph.directPackages, ["zod@4.6.7"]);
    assertEquals(graph.packages, ["zod@4.6.7"]);

    // A second process with the cache needs no `deno info` (a broken deno config would make it fail).
    const g2 = new SourceGraphs(cachePath, join(dir, "missing-deno.json"), dir);
    assertEquals(await g2.graph(join(dir, "task.ts")), graph);

    // A changed file is noticed from its stat and re-read through `deno info`.
    const b2 = "export const g = (s: string) => s + s;\n";
    await Deno.writeTextFile(join(dir, "lib/b.ts"), b2);
    const g3 = new SourceGraphs(cachePath, join(dir, "missing-deno.json"), dir);
    await assertRejects(() => g3.graph(join(dir, "task.ts")));
    const g4 = new SourceGraphs(cachePath, join(ROOT, "deno.json"), dir);
    assertEquals((await g4.graph(join(dir, "task.ts"))).sources["lib/b.ts"], sha(b2));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("graph: a missing import or a syntax error is reported with the module's error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "freqlens-src-" });
  try {
    await Deno.writeTextFile(join(dir, "t.ts"), 'import { f } from "./missing.ts";\nexport const x = f;\n');
    const g = new SourceGraphs(join(dir, "cache.json"), join(ROOT, "deno.json"), dir);
    const e = await assertRejects(() => g.graph(join(dir, "t.ts")));
    assertMatch(String(e), /cannot read the import graph of .*t\.ts: Module not found .*missing\.ts/);
    await Deno.writeTextFile(join(dir, "u.ts"), "export const = 1;\n");
    const e2 = await assertRejects(() => g.graph(join(dir, "u.ts")));
    assertMatch(String(e2), /u\.ts: .*SyntaxError/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
