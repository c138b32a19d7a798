import { assertEquals } from "../../../tests/assert.ts";
import { getDag } from "./get_dag.ts";

Deno.test("GetDag returns the layout with the workflow and version", async () => {
  const [entry] = await getDag({
    keys: ["dag:~u/f:v1"],
    jobDir: "",
    progress: () => {},
    payload: {
      workflowId: "~u/f",
      version: "v1",
      nodes: ["a", "b", "c"],
      edges: [["a", "b"], ["a", "c"]],
    },
    settings: {
      artifactRoots: [],
      logRoots: [],
      artifactMaxBytes: 1,
      artifactHosts: [],
      s3Region: "x",
    },
  });
  const layout = JSON.parse(entry.body as string);
  assertEquals([layout.workflowId, layout.version, layout.layers, layout.nodes.length], [
    "~u/f",
    "v1",
    2,
    3,
  ]);
  assertEquals(entry.meta, { workflowId: "~u/f", version: "v1" });
});
