/**
 * The table of attacks by name, so a task or script can look a method up from a config string:
 * `const a = attacks["pgd"]; await a.run(request, a.params.parse(raw))`.
 */
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
