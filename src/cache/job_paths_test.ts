import { assert, assertEquals } from "../../tests/assert.ts";
import {
  artifactWorkflow,
  isArtifactName,
  logFilePath,
  parseJobId,
  parseWorkflowId,
} from "./job_paths.ts";

Deno.test("job ids map to log paths; unsafe segments are refused", () => {
  const job = parseJobId("~me/a/b//20260101T00/task_1/003")!;
  assertEquals(job, {
    owner: "me",
    flow: "a/b",
    cycle: "20260101T00",
    task: "task_1",
    submit: "003",
  });
  assertEquals(
    logFilePath("/l", job, "stdout"),
    "/l/me/a/b/log/job/20260101T00/task_1/003/job.out",
  );
  for (
    const bad of [
      "~me/f//1/t",
      "~me/f//1/t/x1",
      "~../f//1/t/01",
      "~me/./f//1/t/01",
      "~me/f//../t/01",
      "~me/f//1/t t/01",
      "me/f//1/t/01",
      "~me/f///1/t/01",
    ]
  ) {
    assertEquals(parseJobId(bad), null, bad);
  }
  assertEquals(parseWorkflowId("~me"), null);
  assert(!isArtifactName("..") && !isArtifactName("") && isArtifactName("model.pkl"));
});

Deno.test("artifactWorkflow: the workflow of a file:// artifact under a root, else null", () => {
  const roots = ["/r/one", "/r/two"];
  assertEquals(artifactWorkflow("file:///r/two/u/f/1/foo/01/score", roots), "~u/f");
  assertEquals(
    artifactWorkflow("file:///r/one/u/a/b/c/20240101T00Z/foo/12/x.csv", roots),
    "~u/a/b/c",
  );
  for (
    const location of [
      "file:///r/three/u/f/1/foo/01/score", // not under a root
      "file:///r/one-more/u/f/1/foo/01/score", // a prefix of a root's name is not the root
      "file:///r/one/u/f/1/foo/1/score", // NN has two digits at least
      "file:///r/one/u/1/foo/01/score", // no flow segment
      "file://host/r/one/u/f/1/foo/01/score", // another host
      "http://example.com/r/one/u/f/1/foo/01/score",
      "not a url",
    ]
  ) assertEquals(artifactWorkflow(location, roots), null, location);
});
