import { assertEquals } from "./assert.ts";
import { join } from "node:path";
import { cachedBackendResolver, dropBackendProbe } from "../../pipeline/backend.ts";

/** A project whose `lib/backend/mod.ts` counts how often it is started (each start is one probe). */
async function countingProject(): Promise<{ root: string; cache: string; probes: () => number }> {
  const root = await Deno.makeTempDir({ prefix: "freqlens-backend-" });
  await Deno.mkdir(join(root, "lib", "backend", "kernels"), { recursive: true });
  const counter = `freqlensProbes_${crypto.randomUUID().replaceAll("-", "")}`;
  await Deno.writeTextFile(
    join(root, "lib", "backend", "mod.ts"),
    `const g = globalThis as Record<string, number>;
export async function initBackend() { g.${counter} = (g.${counter} ?? 0) + 1; return { name: "toy", threads: 1 }; }
export function backendInfo() { return { name: "toy", threads: 1, version: "v1" }; }`,
  );
  await Deno.writeTextFile(join(root, "lib", "backend", "kernels", "k.ts"), "export const k = 1;\n");
  const probes = () => (globalThis as unknown as Record<string, number>)[counter] ?? 0;
  return { root, cache: join(root, "outputs", ".cache"), probes };
}

Deno.test("the backend probe is cached on disk and redone when lib/backend or OMP_NUM_THREADS changes", async () => {
  const { root, cache, probes } = await countingProject();
  const before = Deno.env.get("OMP_NUM_THREADS");
  try {
    const resolve = cachedBackendResolver(root, cache);
    assertEquals(await resolve("auto"), { name: "toy", threads: 1, version: "v1" });
    await resolve("auto");
    assertEquals(probes(), 1);
    await cachedBackendResolver(root, cache)("auto"); // a new run reads the file
    assertEquals(probes(), 1);
    await Deno.writeTextFile(join(root, "lib", "backend", "kernels", "k.ts"), "export const k = 22;\n");
    await resolve("auto");
    assertEquals(probes(), 2);
    Deno.env.set("OMP_NUM_THREADS", "1");
    await resolve("auto");
    assertEquals(probes(), 3);
    dropBackendProbe(cache);
    await resolve("auto");
    assertEquals(probes(), 4);
  } finally {
    if (before === undefined) Deno.env.delete("OMP_NUM_THREADS");
    else Deno.env.set("OMP_NUM_THREADS", before);
    await Deno.remove(root, { recursive: true });
  }
});
