import assert from "node:assert/strict";
import { cpuSeconds, machineCpu, parseCpuSeconds, parseMachineCpu, rssKiB } from "./proc.ts";

Deno.test("RSS and CPU of this process are read and CPU grows with work", () => {
  assert(rssKiB(Deno.pid) > 1000);
  const before = cpuSeconds(Deno.pid);
  const until = performance.now() + 60;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  assert(x > 0);
  assert(cpuSeconds(Deno.pid) >= before);
  const cpu = machineCpu();
  assert(cpu.busy > 0 && cpu.busy <= cpu.total);
});

Deno.test("stat lines with spaces and parentheses in the name", () => {
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
  fields[11] = "123"; // field 14: utime
  fields[12] = "77"; // field 15: stime
  assert.equal(parseCpuSeconds(`9 (deno (x) y) ${fields.join(" ")}`), 2);
  assert.throws(() => parseCpuSeconds("garbage"), TypeError);
  assert.throws(() => parseMachineCpu("intr 1 2 3"), TypeError);
});
