/**
 * Attack throughput on the active backend (lib/backend's choice, `FREQLENS_BACKEND` to force one):
 * images/s of FGSM, PGD-10 (l∞, 1 restart), Carlini–Wagner l2 at a fixed number of Adam iterations (one
 * binary step, no early abort) and low-frequency PGD-10 on ResNet-20 (lib/models, 32×32×3, untrained:
 * the cost of a step does not depend on the weights), and SimBA-DCT's model queries/s. `--quick`: smaller
 * batch and fewer iterations.
 */
import * as tf from "@tensorflow/tfjs-core";
import { backendInfo, initBackend } from "../../lib/backend/mod.ts";
import { cifarResNet, classifierFromLayersModel } from "../../lib/models/mod.ts";
import { attackByName, type AttackName } from "../../lib/attacks/mod.ts";
import { Rng } from "../../lib/stats/mod.ts";
import type { BenchOptions, BenchRecord, BenchSuite } from "../suite.ts";

interface Case {
  name: string;
  method: AttackName;
  params: Record<string, unknown>;
}

async function run(options: BenchOptions): Promise<BenchRecord[]> {
  await initBackend();
  const info = backendInfo();
  const batch = options.quick ? 8 : 32;
  const cwIterations = options.quick ? 10 : 50;
  const simbaQueries = options.quick ? 50 : 300;
  const net = cifarResNet({ inputShape: [32, 32, 3], numClasses: 10, seed: 1 });
  const model = classifierFromLayersModel(net);
  const rng = new Rng(3);
  const images = tf.tensor4d(rng.uniformArray(batch * 32 * 32 * 3), [batch, 32, 32, 3]);
  // The model's own predictions as labels, so every image starts correctly classified and SimBA has work.
  const pred = tf.tidy(() => tf.argMax(model.logits(images), 1));
  const labels = new Int32Array(pred.dataSync());
  pred.dispose();
  const cases: Case[] = [
    { name: "fgsm", method: "fgsm", params: { eps: 8 / 255 } },
    { name: "pgd-linf-10", method: "pgd", params: { eps: 8 / 255, steps: 10 } },
    {
      name: `cw-l2-${cwIterations}it`,
      method: "cw",
      params: { binarySteps: 1, maxIterations: cwIterations, abortEarly: false },
    },
    { name: "lfpgd-10", method: "lfpgd", params: { eps: 8 / 255, steps: 10, bands: 16 } },
    { name: `simba-dct-${simbaQueries}q`, method: "simba", params: { maxQueries: simbaQueries } },
  ];
  const records: BenchRecord[] = [];
  // Warm-up: the first call compiles kernels / allocates.
  const warm = await attackByName("fgsm").run({ model, images, labels, seed: 0 }, { eps: 0.01 });
  warm.adversarial.dispose();
  for (const c of cases) {
    const attack = attackByName(c.method);
    const params = attack.params.parse(c.params);
    const t0 = performance.now();
    const res = await attack.run({ model, images, labels, seed: 1 }, params);
    res.adversarial.dataSync();
    const seconds = (performance.now() - t0) / 1000;
    const queries = res.queries.reduce((a, q) => a + q, 0);
    res.adversarial.dispose();
    records.push({
      suite: "attacks",
      case: c.name,
      model: "resnet20",
      backend: info.name,
      threads: info.threads,
      batch,
      images_per_s: batch / seconds,
      seconds,
      extra: attack.whiteBox ? { params } : { params, queries, queries_per_s: queries / seconds },
    });
  }
  images.dispose();
  net.dispose();
  return records;
}

const suite: BenchSuite = { name: "attacks", run };
export default suite;
