import { assertEquals, assertRejects } from "../../../tests/assert.ts";
import { TEST_ACTIONS } from "./test_actions.ts";

Deno.test("test actions: bytes, count and throw in-process", async () => {
  const testDir = await Deno.makeTempDir();
  try {
    const context = (payload: Record<string, unknown>) => ({
      keys: ["a", "b"],
      payload,
      jobDir: testDir,
      progress: () => {},
      settings: {
        artifactRoots: [],
        logRoots: [],
        artifactMaxBytes: 1,
        artifactHosts: [],
        s3Region: "x",
        testDir,
      },
    });
    assertEquals((await TEST_ACTIONS["test:bytes"](context({ bytes: 2 }))).length, 2);
    await TEST_ACTIONS["test:count"](context({ counter: "n" }));
    assertEquals((await Deno.readTextFile(`${testDir}/n`)).split("\n").length, 2);
    await assertRejects(() => TEST_ACTIONS["test:throw"](context({})), Error, "asked to throw");
  } finally {
    await Deno.remove(testDir, { recursive: true });
  }
});
