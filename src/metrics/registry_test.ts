import parsePrometheus from "parse-prometheus-text-format";
import { assertEquals } from "../../tests/assert.ts";
import { counterFrom, gaugeFrom, Registry } from "./registry.ts";

Deno.test("counterFrom/gaugeFrom: label values and help text survive escaping through a parser", async () => {
  const registry = new Registry();
  const awkward = 'a "quoted" \\ back\nslash';
  let total = 2;
  counterFrom(registry, {
    name: "x_events_total",
    help: 'Help with "quotes", a \\ and a\nline break.',
    labelNames: ["where"],
    read: () => [[{ where: awkward }, total], [{ where: "plain" }, 0]],
  });
  gaugeFrom(registry, { name: "x_level", help: "Level.", read: () => -1.5 });
  total = 5;
  const parsed = parsePrometheus(await registry.metrics());
  assertEquals(parsed, [
    {
      name: "x_events_total",
      help: 'Help with "quotes", a \\ and a\nline break.',
      type: "COUNTER",
      metrics: [{ value: "5", labels: { where: awkward } }, {
        value: "0",
        labels: { where: "plain" },
      }],
    },
    { name: "x_level", help: "Level.", type: "GAUGE", metrics: [{ value: "-1.5" }] },
  ]);
});
