import { assert, assertEquals } from "../../tests/assert.ts";
import { isArtifactName, logFilePath, parseJobId, parseWorkflowId } from "./job_paths.ts";

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
