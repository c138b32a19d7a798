import { assertEquals } from "../../tests/assert.ts";
import { MAX_ID_LENGTH, parseId } from "./ids.ts";

Deno.test("parseId: each element kind of the data model", () => {
  assertEquals(parseId("~user/flow"), { kind: "workflow", owner: "user", name: "flow" });
  assertEquals(parseId("~user/a/b//20240101T00Z/FAM"), {
    kind: "node",
    workflowId: "~user/a/b",
    cyclePoint: "20240101T00Z",
    name: "FAM",
  });
  assertEquals(parseId("~user/flow//1/foo/123"), {
    kind: "job",
    workflowId: "~user/flow",
    taskId: "~user/flow//1/foo",
    submitNum: 123,
  });
  assertEquals(parseId("~user/flow//$edge|1/a|1/b"), { kind: "edge", workflowId: "~user/flow" });
});

Deno.test("parseId: malformed ids say what was expected", () => {
  const form = "expected an id starting with a workflow id of the form ~owner/name";
  for (const id of ["user/flow", "~user", "~/flow", "~user/", "~user/flow/", "~user/flow/"]) {
    assertEquals(parseId(id), form, id);
  }
  const node = "expected <workflow>//<cyclePoint>/<name> or <workflow>//<cyclePoint>/<name>/<NN>";
  for (const id of ["~u/f//", "~u/f//1", "~u/f//1//a", "~u/f//1/a/01/x", "~u/f//1/a/"]) {
    assertEquals(parseId(id), node, id);
  }
  assertEquals(
    parseId("~u/f//1/a/1"),
    "expected a job's submit number of 2 or more digits, at least 01",
  );
  assertEquals(
    parseId("~u/f//$edge|a"),
    "expected an edge id of the form <workflow>//$edge|<source>|<target>",
  );
  assertEquals(parseId("~u/f\t"), "expected an id without whitespace or control characters");
  assertEquals(parseId("~u/f\u00a0"), "expected an id without whitespace or control characters");
  const long = `~u/${"x".repeat(MAX_ID_LENGTH)}`;
  assertEquals(
    parseId(long),
    `expected an id of at most 512 characters (this one has ${long.length})`,
  );
  assertEquals(typeof parseId(long.slice(0, MAX_ID_LENGTH)), "object");
});
