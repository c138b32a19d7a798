import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { artifactDir, jobLogDir, splitWorkflowId, submitDir } from "./paths.ts";

Deno.test("layouts: job logs under log/job, artifacts by cycle/task/NN", () => {
  assertEquals(
    jobLogDir("data/logs", "~sim/ingest/daily", "7", "load", 3),
    "data/logs/sim/ingest/daily/log/job/7/load/03",
  );
  assertEquals(
    artifactDir("/", "~sim/f", "7", "load", 10),
    "/sim/f/7/load/10",
  );
});

Deno.test("ids that would escape the root are refused", () => {
  assertThrows(
    () => splitWorkflowId("sim/f"),
    TypeError,
    'expected a workflow id ~owner/flow, got "sim/f"',
  );
  assertThrows(() => splitWorkflowId("~sim/../x"), TypeError, "path-safe names");
  assertThrows(() => jobLogDir("l", "~sim/f", "..", "t", 1), TypeError, "path-safe names");
  assertThrows(() => artifactDir("a", "~sim/f", "1", "a/b", 1), TypeError, "path-safe names");
  assertThrows(() => submitDir(0), RangeError, "submitNum must be an integer ≥ 1, got 0");
  assertThrows(() => jobLogDir("", "~sim/f", "1", "t", 1), TypeError, "expected a root directory");
});
