/**
 * tfjs' stock gradients of the {@link GradCase}s, in a process where freqlens' patches are not installed:
 * this script imports tfjs (core, layers, cpu backend) and `./grad_cases.ts` only, never lib/. Reads a JSON
 * array of cases from the file named by its argument, writes a JSON array of {@link CaseResult}s to stdout.
 *
 *   deno run -A tests/backend/stock_gradients.ts cases.json
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import { type CaseResult, computeCase, type GradCase } from "./grad_cases.ts";

await tf.setBackend("cpu");
const cases = JSON.parse(await Deno.readTextFile(Deno.args[0])) as GradCase[];
const results: CaseResult[] = [];
for (const c of cases) results.push(await computeCase(c));
console.log(JSON.stringify(results));
