/**
 * The table of attacks by name, so a task or script can look a method up from a config string:
 * `const a = attacks["pgd"]; await a.run(request, a.params.parse(raw))` — and the config schema built from
 * it: one entry per method, holding that method's own params (snake_case) with its bounds and defaults.
 */
import { z } from "zod";
import type { Attack } from "./types.ts";
import { AttackError } from "./types.ts";
import { fgsm } from "./fgsm.ts";
import { pgd } from "./pgd.ts";
import { cw } from "./cw.ts";
import { simba } from "./simba.ts";
import { lowFrequencyPgd } from "./lowfreq.ts";

/** Every attack method by its name. */
export const attacks = {
  fgsm,
  pgd,
  cw,
  simba,
  lfpgd: lowFrequencyPgd,
} as const;

/** A name in {@link attacks}. */
export type AttackName = keyof typeof attacks;

/** The names of all attacks, for schemas and messages. */
export const ATTACK_NAMES = Object.keys(attacks) as AttackName[];

/** The attack called `name`, or an {@link AttackError} listing the known names. */
export function attackByName(name: string): Attack<Record<string, unknown>> {
  if (!(name in attacks)) {
    throw new AttackError(`unknown attack '${name}'; known: ${ATTACK_NAMES.join(", ")}`);
  }
  return attacks[name as AttackName] as unknown as Attack<Record<string, unknown>>;
}

/** A camelCase param name as configs write it, in snake_case (`stepSize` → `step_size`). */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The fields of an attack's params schema (each attack's is a strict object). */
function paramShape(name: AttackName): Record<string, z.ZodType> {
  return (attacks[name].params as unknown as z.ZodObject).shape;
}

/** The params of attack `name` as a config writes them: snake_case name → the attack's camelCase name. */
export function configParamNames(name: AttackName): Record<string, string> {
  return Object.fromEntries(Object.keys(paramShape(name)).map((k) => [snakeCase(k), k]));
}

/**
 * The schema of an attack as a config writes it, one entry per method of {@link attacks}: `method: <name>`,
 * the `common` fields (the task's own: image count, batch size…), and that method's params in snake_case
 * with the method's bounds and defaults. So a param of another method (`eps` for `cw`) or out of the
 * method's bounds (FGSM `eps: 2`) is rejected, by the entry of the method named, when the config is read.
 *
 * ```ts
 * const schema = attackConfigSchema({ limit: z.number().int().default(200) });
 * schema.parse({ method: "pgd", eps: 0.03, step_size: 0.01 }); // pgd's defaults filled in
 * ```
 */
export function attackConfigSchema<C extends Record<string, z.ZodType>>(common: C): z.ZodType {
  const entries = ATTACK_NAMES.map((name) => {
    const own = Object.entries(paramShape(name)).map(([k, v]) => [snakeCase(k), v] as const);
    const clash = own.find(([k]) => k in common || k === "method");
    if (clash) throw new AttackError(`${name}: param '${clash[0]}' collides with a common attack field`);
    return z.strictObject({ method: z.literal(name), ...common, ...Object.fromEntries(own) });
  });
  return z.discriminatedUnion("method", entries as unknown as [z.ZodObject, ...z.ZodObject[]]);
}

/**
 * The attack's own params under their camelCase names, from config params that {@link attackConfigSchema}
 * parsed (its entry for `name` is the attack's own schema under snake_case names, so the values are checked
 * and defaulted already and are not parsed again); the common fields are left out.
 */
export function attackParamsFromConfig(
  name: AttackName,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [snake, camel] of Object.entries(configParamNames(name))) {
    if (config[snake] !== undefined) params[camel] = config[snake];
  }
  return params;
}
