import { assertEquals, assertRejects } from "../../../tests/assert.ts";
import { searchArtifacts } from "./search_artifacts.ts";
import { ActionFailure } from "./action.ts";

Deno.test("search scans every root, matches exact content, reports bounded progress", async () => {
  const roots = [
    await Deno.realPath(await Deno.makeTempDir()),
    await Deno.realPath(await Deno.makeTempDir()),
  ];
  try {
    for (let i = 0; i < 300; i++) {
      const root = roots[i % 2];
      const dir = `${root}/u/f/${i % 3}/t${i}/01`;
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(`${dir}/acc`, i % 100 === 0 ? "hit\n" : i % 2 ? "hit!" : "miss");
    }
    await Deno.mkdir(`${roots[0]}/u/f/0/tx/notanumber`, { recursive: true });
    const fractions: number[] = [];
    const context = (payload: Record<string, unknown>) => ({
      keys: ["k"],
      jobDir: "",
      progress: (fraction: number) => fractions.push(fraction),
      payload: { workflowId: "~u/f", name: "acc", value: "hit", ...payload },
      settings: {
        artifactRoots: roots,
        logRoots: [],
        artifactMaxBytes: 1,
        artifactHosts: [],
        s3Region: "x",
      },
    });
    const [entry] = await searchArtifacts(context({}));
    const result = JSON.parse(entry.body as string);
    assertEquals(result.jobIds, ["~u/f//0/t0/01", "~u/f//1/t100/01", "~u/f//2/t200/01"]);
    assertEquals(result.scanned, 300);
    assertEquals(fractions.at(-1), 1);
    assertEquals(fractions.length <= 102, true);
    await assertRejects(
      () => searchArtifacts(context({ name: "../x" })),
      ActionFailure,
      "bad artifact name",
    );
  } finally {
    for (const root of roots) await Deno.remove(root, { recursive: true });
  }
});
