import { assert } from "../../tests/assert.ts";
import { originAllowed } from "./origin.ts";

Deno.test("originAllowed: no Origin (not a browser) passes", () => {
  assert(originAllowed(undefined, "h:1", []));
});

Deno.test("originAllowed: same origin and listed origins pass, others do not", () => {
  assert(originAllowed("http://h:1", "h:1", []));
  assert(!originAllowed("http://evil:1", "h:1", []));
  assert(originAllowed("http://ui:3000", "h:1", ["http://ui:3000"]));
  assert(!originAllowed("http://ui:3001", "h:1", ["http://ui:3000"]));
  assert(originAllowed("http://anything", "h:1", ["*"]));
  assert(!originAllowed("not a url", "h:1", []));
  assert(!originAllowed("http://h:1", undefined, []));
});
