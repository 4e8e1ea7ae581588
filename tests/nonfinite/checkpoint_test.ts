/**
 * Issue 12, case 1: a checkpoint with a NaN weight is refused on import, naming the tensor (the committed
 * safetensors fixture with one element of `conv1.weight` overwritten by NaN, in memory).
 */
import assert from "node:assert/strict";
import { initBackend } from "../../lib/backend/mod.ts";
import { importCheckpointBytes, NonFiniteTensorError } from "../../lib/models/import/mod.ts";

const FILE = new URL("../fixtures/torch/robustbench_preact_resnet18.safetensors", import.meta.url).pathname;

/** The fixture's bytes with element `index` of tensor `name` set to `value`. */
function withValue(bytes: Uint8Array, name: string, index: number, value: number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const headerLen = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(out.subarray(8, 8 + headerLen)));
  const [begin] = header[name].data_offsets;
  view.setFloat32(8 + headerLen + begin + 4 * index, value, true);
  return out;
}

Deno.test("a checkpoint whose layer1.0.bn1.weight holds NaN is refused by tensor name; the clean one imports", async () => {
  await initBackend("cpu");
  const bytes = await Deno.readFile(FILE);
  const spec = { arch: "preact_resnet18" as const, source: "robustbench" as const, width: 4 };
  const ok = importCheckpointBytes(bytes, FILE, spec);
  ok.model.dispose();
  for (const value of [NaN, -Infinity]) {
    let err: unknown;
    try {
      importCheckpointBytes(withValue(bytes, "layer1.0.bn1.weight", 2, value), FILE, spec).model.dispose();
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof NonFiniteTensorError, String(err));
    assert.equal(err.tensor, "layer1.0.bn1.weight");
    assert.equal(err.index, 2);
    assert.match(
      err.message,
      new RegExp(
        `safetensors: tensor 'layer1\\.0\\.bn1\\.weight' holds 1 non-finite value\\(s\\) \\(first: ${value}`,
      ),
    );
  }
});
