import assert from "node:assert/strict";
import { ReferenceWorker } from "../../bench/reference_worker.ts";

/** A stand-in reference in POSIX sh: says hello, echoes each request, fails on "boom", dies on "die". */
const FAKE = `
echo '{"ready": true, "threads": 2}'
while IFS= read -r line; do
  case "$line" in
    *boom*) echo '{"error": "ValueError: boom"}' ;;
    *die*) echo "Traceback: it died" >&2; exit 3 ;;
    *) printf '{"got": %s}\\n' "$line" ;;
  esac
done
`;

Deno.test("a reference worker answers requests in order after its hello line", async () => {
  const w = await ReferenceWorker.start("sh", ["-c", FAKE]);
  assert.ok(w instanceof ReferenceWorker, String(w));
  assert.deepEqual(w.hello, { ready: true, threads: 2 });
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(await w.request({ case: "forward", i }), { got: { case: "forward", i } });
  }
  await w.close();
});

Deno.test("a reference's error reply and its death are errors that say what happened", async () => {
  const w = await ReferenceWorker.start("sh", ["-c", FAKE]);
  assert.ok(w instanceof ReferenceWorker);
  await assert.rejects(() => w.request({ case: "boom" }), /ValueError: boom/);
  assert.deepEqual(await w.request({ case: "after" }), { got: { case: "after" } });
  await assert.rejects(() => w.request({ case: "die" }), /code 3\).*it died/s);
  await w.close();
});

Deno.test("a reference that cannot start says why instead of throwing", async () => {
  const missing = await ReferenceWorker.start("/nonexistent/python3", []);
  assert.deepEqual(typeof missing, "string");
  const dies = await ReferenceWorker.start("sh", ["-c", "echo 'No module named torch' >&2; exit 1"]);
  assert.deepEqual(typeof dies, "string");
  assert.match(dies as string, /No module named torch/);
});

Deno.test("a reference worker gets the environment it is given on top of this process's", async () => {
  const w = await ReferenceWorker.start("sh", [
    "-c",
    `printf '{"v": "%s", "path": %s}\\n' "$FREQLENS_T" "\${#PATH}"`,
  ], {
    FREQLENS_T: "given",
  });
  assert.ok(w instanceof ReferenceWorker, String(w));
  assert.strictEqual(w.hello.v, "given");
  assert.ok((w.hello.path as number) > 0, "PATH inherited");
  await w.close();
});
