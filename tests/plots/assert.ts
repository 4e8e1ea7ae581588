/** The few assertions the plot and report tests use (Deno's std/assert is not reachable here). */
import { deepStrictEqual } from "node:assert";

export function assert(condition: unknown, message = "assertion failed"): asserts condition {
  if (!condition) throw new Error(message);
}

export function assertEquals(actual: unknown, expected: unknown, message?: string): void {
  deepStrictEqual(actual, expected, message);
}

export function assertGreater(actual: number, bound: number, message?: string): void {
  if (!(actual > bound)) throw new Error(message ?? `expected ${actual} > ${bound}`);
}

export function assertLess(actual: number, bound: number, message?: string): void {
  if (!(actual < bound)) throw new Error(message ?? `expected ${actual} < ${bound}`);
}

export function assertThrows(
  fn: () => unknown,
  type: new (...args: never[]) => Error,
  includes?: string,
): Error {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof type)) throw new Error(`expected ${type.name}, got ${error}`);
    if (includes && !error.message.includes(includes)) {
      throw new Error(`error '${error.message}' does not mention '${includes}'`);
    }
    return error;
  }
  throw new Error(`expected ${type.name} to be thrown`);
}
