/**
 * Sweeping from the command line. `--sweep stage.key=[v1, v2, …]` fans a stage out exactly as
 * `sweep: {key: [v1, v2, …]}` written in that stage would: it becomes the override
 * `stages.stage.sweep.key=[…]`, and the config loader drops `key` from the stage's `params:` (a swept key
 * may not be both), so instance names, params and cache keys are those of the YAML sweep and the two
 * ways of asking share the cache. `--set` with a list on a param that is not swept sets the param to the
 * list (some params are lists); when the task rejects that, the error says to use `--sweep`.
 */
import { ConfigError } from "./errors.ts";
import { didYouMean } from "./suggest.ts";
import { parseOverride, type YamlSource } from "./yaml_source.ts";

/**
 * The `--set` text equivalent to `--sweep text` (`attack_pgd.eps=[0.03,0.1]` →
 * `stages.attack_pgd.sweep.eps=[0.03,0.1]`); throws when `text` is not `stage.key=[values…]`.
 */
export function sweepOverride(text: string, file: string): string {
  const { path, value } = parseOverride(text, file);
  const where = { file, override: `--sweep ${text}` };
  if (path.length !== 2) {
    throw new ConfigError(where, path.join("."), "--sweep expects stage.param=[v1, v2, …]");
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigError(
      where,
      path.join("."),
      `--sweep expects a non-empty list of values, e.g. ${path.join(".")}=[0.03, 0.1]`,
    );
  }
  return `stages.${path[0]}.sweep.${path[1]}=${text.slice(text.indexOf("=") + 1)}`;
}

/** A param error on a list given with `--set stage.key=[…]`, with the hint to sweep it with `--sweep`. */
export function withSweepHint(error: ConfigError): ConfigError {
  const override = error.location.override;
  const m = override ? /^([^.=]+)\.([^.=]+)=\s*\[/.exec(override) : null;
  if (!m || !/received array/.test(error.detail)) return error;
  return new ConfigError(
    error.location,
    error.path,
    `${error.detail}; --set gives a param that is not swept the list itself: to fan the stage out over ` +
      `these values, use --sweep ${m[1]}.${m[2]}=${override!.slice(override!.indexOf("=") + 1)}`,
  );
}

/**
 * Before an override that sets `stages.<stage>.sweep.<key>` is applied: checks that the stage exists and
 * removes `key` from its `params:` (the sweep replaces it). Other paths are left alone.
 */
export function prepareSweepOverride(source: YamlSource, path: (string | number)[], text: string): void {
  if (path.length !== 4 || path[0] !== "stages" || path[2] !== "sweep") return;
  const stages = (source.value as { stages?: Record<string, unknown> }).stages ?? {};
  const stage = stages[String(path[1])] as { params?: Record<string, unknown> } | undefined;
  if (!stage || typeof stage !== "object") {
    throw new ConfigError(
      { file: source.file, override: text },
      `stages.${path[1]}`,
      `no stage '${path[1]}'${didYouMean(String(path[1]), Object.keys(stages))}`,
    );
  }
  if (stage.params && typeof stage.params === "object") delete stage.params[String(path[3])];
}
