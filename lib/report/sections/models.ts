/** The report's "Models" section: each model's clean accuracy and accuracy under its evaluation's PGD. */
import type { ReportInputs } from "../records.ts";
import { modelAccuracyTable } from "../tables.ts";
import { type SectionContent, tableOf } from "./section.ts";

/** The `model_accuracy` table, from the evaluate stages (or the models' own info without them). */
export function modelsSection(inputs: ReportInputs): SectionContent {
  const table = inputs.evaluate.length > 0 ? modelAccuracyTable(inputs.evaluate) : null;
  return { figures: [], tables: tableOf("models", table, inputs.evaluate.map((e) => e.source)) };
}
