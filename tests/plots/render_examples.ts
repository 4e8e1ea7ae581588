/** Writes every example figure as SVG and PNG into the directory given as the first argument. */
import { renderFigure } from "../../lib/plots/mod.ts";
import { exampleFigures } from "./examples.ts";

const out = Deno.args[0] ?? "outputs/plot-examples";
await Deno.mkdir(out, { recursive: true });
for (const [name, spec] of Object.entries(exampleFigures(Number(Deno.args[1] ?? 8)))) {
  const fig = await renderFigure(spec, { name });
  await Deno.writeTextFile(`${out}/${name}.svg`, fig.svg);
  await Deno.writeFile(`${out}/${name}.png`, fig.png);
  console.log(name, fig.width, fig.height, fig.warnings.join(" | "));
}
