/**
 * Child process of freed_memory_test.ts (run with `--v8-flags=--expose-gc`): page faults of each of six
 * rounds of dropping the previous 64 MB Float32Array, collecting it, then allocating and touching a new
 * one, with `keepFreedMemory()` applied first when the first argument is `keep`. Prints `{applied, faults:
 * [per round]}`.
 */
import { keepFreedMemory } from "../../lib/backend/native/freed_memory.ts";

const applied = Deno.args[0] === "keep" ? keepFreedMemory() : false;
const gc = (globalThis as { gc?: () => void }).gc!;
const minorFaults = () => Number(Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ")[7]);
const faults: number[] = [];
let live = new Float32Array(0);
let last = 0;
for (let round = 0; round < 6; round++) {
  last = live[0] ?? last;
  live = new Float32Array(0);
  gc();
  await new Promise((r) => setTimeout(r, 50)); // V8 frees collected backing stores on another thread
  const before = minorFaults();
  live = new Float32Array(16 * 2 ** 20);
  for (let i = 0; i < live.length; i += 1024) live[i] = round;
  faults.push(minorFaults() - before);
}
console.log(JSON.stringify({ applied, faults, last }));
