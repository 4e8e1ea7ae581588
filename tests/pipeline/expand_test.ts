/** Sweep expansion, fan-out joins, gathers, defaults merge and instance names. */
import { assertEquals } from "./assert.ts";
import { loadConfig } from "../../pipeline/config.ts";
import { deepMerge, expandConfig, instanceName } from "../../pipeline/expand.ts";
import { tempProject } from "./helpers.ts";

const YAML = `name: x
defaults:
  total: {offset: 1, nested: {a: 1, b: 2}}
stages:
  m:
    task: emit
    sweep: {value: [1, 2]}
  att:
    task: total
    inputs: {parts: m}
    params: {nested: {b: 3}}
    sweep: {offset: [10, 20], kind: [x, y]}
  ev:
    task: total
    inputs: {model: m, adv: att}
  rep:
    task: total
    inputs: {model: m, all: {stage: att, gather: true}}
  top:
    task: total
    inputs: {all: {stage: rep, gather: true}}
`;

Deno.test("sweeps: cartesian product in written order; fan-out multiplies; names carry coordinates", async () => {
  await using p = await tempProject(YAML);
  const inst = expandConfig(loadConfig(p.config));
  const names = (stage: string) => inst.filter((i) => i.stage.name === stage).map((i) => i.name);
  assertEquals(names("m"), ["m[value=1]", "m[value=2]"]);
  assertEquals(names("att"), [
    "att[value=1,offset=10,kind=x]",
    "att[value=1,offset=10,kind=y]",
    "att[value=1,offset=20,kind=x]",
    "att[value=1,offset=20,kind=y]",
    "att[value=2,offset=10,kind=x]",
    "att[value=2,offset=10,kind=y]",
    "att[value=2,offset=20,kind=x]",
    "att[value=2,offset=20,kind=y]",
  ]);
  const att = inst.find((i) => i.name === "att[value=2,offset=20,kind=y]")!;
  assertEquals(att.inputs, { parts: ["m[value=2]"] });
  // defaults ⊕ params (deep) ⊕ sweep
  assertEquals(att.params, { offset: 20, nested: { a: 1, b: 3 }, kind: "y" });
});

Deno.test("two fanned inputs join on shared coordinates (no mismatched model/attack pairs)", async () => {
  await using p = await tempProject(YAML);
  const inst = expandConfig(loadConfig(p.config));
  const ev = inst.filter((i) => i.stage.name === "ev");
  assertEquals(ev.length, 8); // not 2 × 8
  for (const e of ev) {
    const v = e.inputs.model[0].match(/value=(\d)/)![1];
    assertEquals(e.inputs.adv[0].includes(`value=${v},`), true);
  }
});

Deno.test("gather collects the compatible instances in sweep order; upstream before downstream", async () => {
  await using p = await tempProject(YAML);
  const inst = expandConfig(loadConfig(p.config));
  const rep = inst.filter((i) => i.stage.name === "rep");
  assertEquals(rep.map((r) => r.name), ["rep[value=1]", "rep[value=2]"]);
  assertEquals(rep[1].inputs.all, [
    "att[value=2,offset=10,kind=x]",
    "att[value=2,offset=10,kind=y]",
    "att[value=2,offset=20,kind=x]",
    "att[value=2,offset=20,kind=y]",
  ]);
  const top = inst.find((i) => i.stage.name === "top")!;
  assertEquals([top.name, top.inputs.all], ["top", ["rep[value=1]", "rep[value=2]"]]);
  const pos = new Map(inst.map((x, i) => [x.name, i]));
  for (const x of inst) {
    for (const up of Object.values(x.inputs).flat()) assertEquals(pos.get(up)! < pos.get(x.name)!, true);
  }
});

Deno.test("instance names qualify a key shared by two origins; non-string values as JSON", () => {
  assertEquals(
    instanceName("s", [
      { origin: "a", key: "eps", value: 0.1 },
      { origin: "b", key: "eps", value: [1, "x"] },
      { origin: "b", key: "m", value: "pgd" },
    ]),
    's[a.eps=0.1,b.eps=[1,"x"],m=pgd]',
  );
  assertEquals(instanceName("s", []), "s");
});

Deno.test("deepMerge merges mappings, replaces sequences and scalars", () => {
  assertEquals(deepMerge({ a: { x: 1, y: [1, 2] }, b: 1 }, { a: { y: [3] }, c: 2 }), {
    a: { x: 1, y: [3] },
    b: 1,
    c: 2,
  });
});
