/** The store: entries, manifests, verification, views and key locks. */
import { join } from "node:path";
import { createHash } from "node:crypto";
import { assert, assertEquals } from "./assert.ts";
import { OutputsLayout } from "../../pipeline/layout.ts";
import {
  commitEntry,
  entryState,
  type Manifest,
  readManifest,
  updateView,
  viewKey,
  withKeyLock,
} from "../../pipeline/store.ts";
import type { KeyComponents } from "../../pipeline/keys.ts";

const components: KeyComponents = {
  format: 1,
  kind: "toy",
  seed: 1,
  params: {},
  inputs: {},
  sources: {},
  packages: [],
  backend: null,
};

function meta(key: string): Omit<Manifest, "files" | "format" | "complete"> {
  return {
    key,
    config: "c",
    stage: "s",
    instance: "s[x=1]",
    kind: "toy",
    params: {},
    inputs: {},
    start: "2026-01-01T00:00:00Z",
    end: "2026-01-01T00:00:01Z",
    duration_s: 1,
    backend: null,
    versions: { deno: Deno.version.deno, packages: [] },
    components,
  };
}

async function withLayout(fn: (layout: OutputsLayout) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "freqlens-store-" });
  try {
    await fn(new OutputsLayout(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function writeEntry(layout: OutputsLayout, key: string): Promise<Manifest> {
  const tmp = join(layout.tmp, `${key}.test`);
  await Deno.mkdir(join(tmp, "model"), { recursive: true });
  await Deno.writeTextFile(join(tmp, "a.txt"), "hello");
  await Deno.writeFile(join(tmp, "model", "w.bin"), new Uint8Array([1, 2, 3]));
  await Deno.writeTextFile(join(tmp, "log.txt"), "log\n");
  return await commitEntry(layout, tmp, meta(key));
}

Deno.test("commitEntry: files (nested) with size and SHA-256, manifest last, temp dir renamed away", () =>
  withLayout(async (layout) => {
    const m = await writeEntry(layout, "k1");
    assertEquals(Object.keys(m.files), ["a.txt", "model/w.bin"]); // log.txt and manifest.json are not outputs
    assertEquals(m.files["a.txt"].size, 5);
    assertEquals(m.files["a.txt"].sha256, createHash("sha256").update("hello").digest("hex"));
    assertEquals(readManifest(layout.entry("k1"))?.key, "k1");
    assertEquals([...Deno.readDirSync(layout.tmp)].length, 0);
    assertEquals((await entryState(layout, "k1")).state, "valid");
  }));

Deno.test("a directory without a complete manifest is not an entry", () =>
  withLayout(async (layout) => {
    const m = await writeEntry(layout, "k1");
    const path = join(layout.entry("k1"), "manifest.json");
    await Deno.writeTextFile(path, JSON.stringify(m).slice(0, 50)); // truncated
    assertEquals((await entryState(layout, "k1")).state, "absent");
    await Deno.writeTextFile(path, JSON.stringify({ ...m, complete: false }));
    assertEquals((await entryState(layout, "k1")).state, "absent");
    await Deno.remove(path);
    assertEquals((await entryState(layout, "k1")).state, "absent");
  }));

Deno.test("changed or missing output files make an entry corrupt; a touched but equal file does not", () =>
  withLayout(async (layout) => {
    await writeEntry(layout, "k1");
    const file = join(layout.entry("k1"), "a.txt");
    await Deno.utime(file, new Date(), new Date(Date.now() + 5000));
    assertEquals((await entryState(layout, "k1")).state, "valid"); // rehashed, same content
    await Deno.writeTextFile(file, "HELLO");
    const st = await entryState(layout, "k1");
    assert(st.state === "corrupt");
    assertEquals(st.problems, ["a.txt: content changed (SHA-256 mismatch)"]);
    await Deno.remove(join(layout.entry("k1"), "model", "w.bin"));
    const st2 = await entryState(layout, "k1");
    assert(st2.state === "corrupt");
    assertEquals(st2.problems.length, 2);
  }));

Deno.test("views point at the current entry and are replaced atomically", () =>
  withLayout(async (layout) => {
    await writeEntry(layout, "k1");
    await writeEntry(layout, "k2");
    assertEquals(viewKey(layout, "c", "s[x=1]"), undefined);
    updateView(layout, "c", "s[x=1]", "k1");
    assertEquals(viewKey(layout, "c", "s[x=1]"), "k1");
    assertEquals(await Deno.readTextFile(join(layout.view("c", "s[x=1]"), "a.txt")), "hello");
    updateView(layout, "c", "s[x=1]", "k2");
    assertEquals(viewKey(layout, "c", "s[x=1]"), "k2");
    updateView(layout, "c", "a/b", "k2"); // '/' in a value is escaped, not a subdirectory
    assertEquals(viewKey(layout, "c", "a/b"), "k2");
    assertEquals([...Deno.readDirSync(layout.views("c"))].map((e) => e.name).sort(), ["a%2Fb", "s[x=1]"]);
  }));

Deno.test("withKeyLock: holders of one key run one at a time; other keys do not wait", () =>
  withLayout(async (layout) => {
    const events: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const a = withKeyLock(layout, "k", async () => {
      events.push("a in");
      await held;
      events.push("a out");
    });
    await new Promise((r) => setTimeout(r, 50));
    const b = withKeyLock(layout, "k", () => {
      events.push("b in");
      return Promise.resolve();
    });
    await withKeyLock(layout, "other", () => {
      events.push("other");
      return Promise.resolve();
    });
    release();
    await Promise.all([a, b]);
    assertEquals(events, ["a in", "other", "a out", "b in"]);
  }));
