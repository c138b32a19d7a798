import { assertRejects } from "../../../tests/assert.ts";
import { loadAction } from "./registry.ts";

Deno.test("test actions load only in test mode; unknown names are refused", async () => {
  await loadAction("test:sleep", true);
  await assertRejects(() => loadAction("test:sleep", false), TypeError, "no cache action");
  await assertRejects(() => loadAction("test:nope", true), TypeError);
  await assertRejects(() => loadAction("Nope", true), TypeError);
  for (const name of ["GetArtifacts", "SearchArtifacts", "GetDag", "GetLogFile"]) {
    await loadAction(name, false);
  }
});
