/**
 * Issue 8, "Must show": a checkpoint with a foreign pickle global, a truncated zip and a checkpoint of the
 * wrong architecture each give a typed error that says what is wrong (fixtures from
 * scripts/torch_fixtures.py).
 */
import assert from "node:assert/strict";
import { initBackend } from "../../../lib/backend/mod.ts";
import {
  ArchitectureMismatchError,
  CheckpointFormatError,
  CheckpointNotFoundError,
  ForbiddenGlobalError,
  importCheckpoint,
  ImportOptionError,
} from "../../../lib/models/import/mod.ts";

const DIR = new URL("../../fixtures/torch/", import.meta.url).pathname;

Deno.test("a pickled os.system reference is refused, naming the global", async () => {
  await initBackend("cpu");
  const err = await importCheckpoint(DIR + "bad_foreign_global.pt", {
    arch: "resnet18",
    source: "robustness",
  })
    .then(() => null, (e) => e);
  assert.ok(err instanceof ForbiddenGlobalError, String(err));
  assert.equal(err.global, "posix.system");
  assert.match(err.message, /bad_foreign_global\.pt.*'posix\.system'.*not allowed/);
});

Deno.test("a truncated zip checkpoint is a format error naming the file", async () => {
  await initBackend("cpu");
  const err = await importCheckpoint(DIR + "truncated.pt", { arch: "resnet18", source: "robustness" })
    .then(() => null, (e) => e);
  assert.ok(err instanceof CheckpointFormatError, String(err));
  assert.match(err.message, /truncated\.pt: truncated or corrupt zip archive/);
});

Deno.test("a wrong-architecture checkpoint lists missing, unexpected and mis-shaped tensors", async () => {
  await initBackend("cpu");
  const err = await importCheckpoint(DIR + "wrong_arch.pt", {
    arch: "resnet18",
    source: "robustness",
    width_multiplier: 1 / 16,
  }).then(() => null, (e) => e);
  assert.ok(err instanceof ArchitectureMismatchError, String(err));
  // wrong_arch.pt: robustness ResNet-18 without layer4.1, an extra tensor, and a 100-class linear layer
  const block = ["conv1.weight", "conv2.weight"].concat(
    ...["bn1", "bn2"].map((bn) => ["weight", "bias", "running_mean", "running_var"].map((t) => `${bn}.${t}`)),
  ).map((t) => `layer4.1.${t}`);
  assert.deepEqual([...err.missing].sort(), block.sort());
  assert.deepEqual(err.unexpected, ["extra.weight"]);
  assert.deepEqual(err.misshaped, [
    { name: "linear.weight", expected: [10, 32], actual: [100, 32] },
    { name: "linear.bias", expected: [10], actual: [100] },
  ]);
  assert.match(
    err.message,
    /missing 10: .*unexpected 1: extra\.weight; mis-shaped 2: linear\.weight \[100,32\]/,
  );
});

Deno.test("a checkpoint imported as another architecture or with other widths fails the same way", async () => {
  await initBackend("cpu");
  const asPreact = await importCheckpoint(DIR + "robustbench_resnet18_legacy.pt", {
    arch: "preact_resnet18",
    source: "robustbench",
    width: 4,
  }).then(() => null, (e) => e);
  assert.ok(asPreact instanceof ArchitectureMismatchError);
  assert.ok(asPreact.unexpected.includes("bn1.weight")); // ResNet's stem batch norm: PreActResNet has none
  const wider = await importCheckpoint(DIR + "robustbench_resnet18_legacy.pt", {
    arch: "resnet18",
    source: "robustbench",
    width: 8,
  }).then(() => null, (e) => e);
  assert.ok(wider instanceof ArchitectureMismatchError);
  assert.deepEqual(wider.missing, []);
  assert.deepEqual(wider.unexpected, []);
  assert.deepEqual(wider.misshaped[0], {
    name: "conv1.weight",
    expected: [8, 3, 3, 3],
    actual: [4, 3, 3, 3],
  });
});

Deno.test("a robustness checkpoint without its normalizer reports the missing buffers", async () => {
  await initBackend("cpu");
  const err = await importCheckpoint(DIR + "robustbench_resnet18_legacy.pt", {
    arch: "resnet18",
    source: "robustness",
    width: 4,
  }).then(() => null, (e) => e);
  assert.ok(err instanceof ArchitectureMismatchError);
  assert.deepEqual(err.missing, ["normalizer.new_mean", "normalizer.new_std"]);
});

Deno.test("normaliser options that contradict the checkpoint's are refused", async () => {
  await initBackend("cpu");
  const err = await importCheckpoint(DIR + "robustbench_preact_resnet18.pt", {
    arch: "preact_resnet18",
    source: "robustbench",
    width: 4,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
  }).then(() => null, (e) => e);
  assert.ok(err instanceof ImportOptionError, String(err));
  assert.match(err.message, /differs from the options'/);
});

Deno.test("a missing file and a file of another kind are named", async () => {
  const missing = await importCheckpoint(DIR + "no_such.pt", { arch: "resnet18", source: "plain" })
    .then(() => null, (e) => e);
  assert.ok(missing instanceof CheckpointNotFoundError);
  assert.match(missing.message, /no_such\.pt/);
  const npy = await importCheckpoint(DIR + "inputs.npy", { arch: "resnet18", source: "plain" })
    .then(() => null, (e) => e);
  assert.ok(npy instanceof CheckpointFormatError);
  assert.match(npy.message, /inputs\.npy: not a PyTorch checkpoint .* first bytes 93 4e 55 4d/);
});

Deno.test("the tar checkpoints of PyTorch < 0.4 are named as unsupported", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = new Uint8Array(1024);
    bytes.set(new TextEncoder().encode("storages"), 0);
    bytes.set(new TextEncoder().encode("ustar"), 257);
    await Deno.writeFile(`${dir}/old.pt`, bytes);
    const err = await importCheckpoint(`${dir}/old.pt`, { arch: "resnet18", source: "plain" })
      .then(() => null, (e) => e);
    assert.ok(err instanceof CheckpointFormatError);
    assert.match(err.message, /old\.pt: this is the tar format of PyTorch < 0\.4/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
