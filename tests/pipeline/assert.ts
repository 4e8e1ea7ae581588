/** Minimal assertions (JSR's @std/assert is unreachable here), node:assert underneath. */
import nodeAssert from "node:assert/strict";

/** Throws unless `cond` is truthy. */
export function assert(cond: unknown, message = "assertion failed"): asserts cond {
  if (!cond) throw new Error(message);
}

/** Deep strict equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

/** Throws unless `text` matches `re`. */
export function assertMatch(text: string, re: RegExp): void {
  if (!re.test(text)) throw new Error(`expected ${re} to match:\n${text}`);
}

/** Awaits `fn`, expecting it to reject; returns the error. */
export async function assertRejects(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}
