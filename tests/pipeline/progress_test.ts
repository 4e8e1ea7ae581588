/** Plain-line progress (no terminal): start, throttled updates, finish; every line also logged. */
import { assertEquals, assertMatch } from "./assert.ts";
import { createProgress } from "../../pipeline/progress.ts";

Deno.test("plain progress: a line at start and finish, updates throttled by the interval", () => {
  const lines: string[] = [];
  const logged: string[] = [];
  const p = createProgress({
    name: "train[w=8]",
    tty: false,
    intervalMs: 1e9,
    write: (l) => lines.push(l),
    log: (l) => logged.push(l),
  });
  p.start("epoch 1", 4);
  for (let i = 1; i <= 4; i++) p.update(i, { loss: 0.5 / i });
  p.finish();
  assertEquals(lines.length, 2);
  assertEquals(lines[0], "[train[w=8]] epoch 1 start 0/4 (0%)");
  assertMatch(lines[1], /^\[train\[w=8\]\] epoch 1 done 4\/4 \(100%\) \S+\/s loss=0\.1250$/);
  assertEquals(logged, lines);
});

Deno.test("plain progress: with a zero interval every update prints", () => {
  const lines: string[] = [];
  const p = createProgress({ name: "s", tty: false, intervalMs: 0, write: (l) => lines.push(l) });
  p.start("phase", 3);
  p.update(1);
  p.update(2, { acc: 0.9 });
  p.finish();
  assertEquals(lines.length, 4);
  assertMatch(lines[2], /^\[s\] phase at 2\/3 \(67%\) \S+\/s acc=0\.9000$/);
});
