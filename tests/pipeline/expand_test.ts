/** Sweep expansion, fan-out joins, gathers, defaults merge and instance names. */
import fc from "fast-check";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { loadConfig } from "../../pipeline/config.ts";
import { ConfigError } from "../../pipeline/errors.ts";
import { deepMerge, expandConfig } from "../../pipeline/expand.ts";
import { hashedForm, instanceName, legacyInstanceName, NAME_CHARS } from "../../pipeline/names.ts";
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

Deno.test("instance names qualify a key shared by two origins; lists and mappings flattened to dotted keys", () => {
  const coords = [
    { origin: "a", key: "eps", value: 0.1 },
    { origin: "b", key: "eps", value: [1, "x"] },
    { origin: "b", key: "m", value: "pgd" },
  ];
  assertEquals(instanceName("s", coords), "s[a.eps=0.1,b.eps.0=1,b.eps.1=x,m=pgd]");
  assertEquals(legacyInstanceName("s", coords), 's[a.eps=0.1,b.eps=[1,"x"],m=pgd]');
  assertEquals(instanceName("s", []), "s");
  const adversarial = { method: "fgsm-rs", norm: "l2", eps: 0.25 };
  assertEquals(
    instanceName("evaluate_robust", [{ origin: "train", key: "adversarial", value: adversarial }]),
    "evaluate_robust[adversarial.method=fgsm-rs,adversarial.norm=l2,adversarial.eps=0.25]",
  );
  assertEquals(
    instanceName("x", [{ origin: "x", key: "o", value: { a: { b: [true, null] }, c: -1e-7, d: 1e21 } }]),
    "x[o.a.b.0=true,o.a.b.1=null,o.c=-1e-7,o.d=1e21]",
  );
});

Deno.test("a string, key or empty container outside the name characters is written in its hashed form", () => {
  const name = (value: unknown, key = "k") => instanceName("s", [{ origin: "s", key, value }]);
  // The hashed form: the safe characters, then '_' and 8 hex digits of SHA-256 of the canonical JSON.
  assertMatch(hashedForm("data/cifar 10"), /^data_cifar_10_[0-9a-f]{8}$/);
  assertEquals(name("data/cifar 10"), `s[k=${hashedForm("data/cifar 10")}]`);
  assertEquals(name("a=b,c"), `s[k=${hashedForm("a=b,c")}]`);
  assertEquals(name(1, "we ird"), `s[${hashedForm("we ird")}=1]`);
  assertMatch(name([]), /^s\[k=_[0-9a-f]{8}\]$/);
  assert(name([]) !== name({}));
  assert(name("[]") !== name([]));
  assertEquals(name(""), "s[k=]");
  assertEquals(name("fgsm-rs_2.5"), "s[k=fgsm-rs_2.5]");
});

Deno.test("names use only [A-Za-z0-9._=,-] between the brackets, for any JSON value", () => {
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 3 }), fc.string(), (value, key) => {
    const name = instanceName("stage_1-x", [{ origin: "o", key: key || "k", value }]);
    const m = /^stage_1-x\[(.*)\]$/.exec(name);
    assert(m !== null && NAME_CHARS.test(m[1]), name);
  }));
});

Deno.test("two instances that would share a name are a config error naming both coordinates, at the sweep value", async () => {
  await using p = await tempProject(`name: x
stages:
  m:
    task: emit
    sweep: {tag: [0.5, "0.5"]}
`);
  let e: unknown;
  try {
    expandConfig(loadConfig(p.config));
  } catch (err) {
    e = err;
  }
  assert(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
  assertMatch(e.message, /config\.yaml:6:24: /); // the second value (a tasks_dir line comes first)
  assertMatch(e.message, /stages\.m\.sweep\.tag\.1/);
  assertMatch(
    e.message,
    /instances with coordinates m\.tag=0\.5 and m\.tag="0\.5" would both be named 'm\[tag=0\.5\]'/,
  );
});

Deno.test("deepMerge merges mappings, replaces sequences and scalars", () => {
  assertEquals(deepMerge({ a: { x: 1, y: [1, 2] }, b: 1 }, { a: { y: [3] }, c: 2 }), {
    a: { x: 1, y: [3] },
    b: 1,
    c: 2,
  });
});
