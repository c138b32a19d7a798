import { assertEquals, assertRejects } from "../../../tests/assert.ts";
import { getLogFile, MAX_LINE_CHARS } from "./get_log_file.ts";
import { ActionFailure } from "./action.ts";

async function withLog(text: string, fn: (root: string) => Promise<void>) {
  const root = await Deno.realPath(await Deno.makeTempDir());
  await Deno.mkdir(`${root}/u/f/log/job/1/a/01`, { recursive: true });
  await Deno.writeTextFile(`${root}/u/f/log/job/1/a/01/job.err`, text);
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const run = async (root: string, payload: Record<string, unknown>) => {
  const [entry] = await getLogFile({
    keys: ["k"],
    jobDir: "",
    progress: () => {},
    payload: { jobId: "~u/f//1/a/01", stream: "stderr", ...payload },
    settings: {
      artifactRoots: [],
      logRoots: [root],
      artifactMaxBytes: 1,
      artifactHosts: [],
      s3Region: "x",
    },
  });
  return JSON.parse(entry.body as string);
};

Deno.test("tail across chunk boundaries of a large log, without a final newline", async () => {
  const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i}`);
  await withLog(lines.join("\n"), async (root) => {
    assertEquals((await run(root, { tail: 3 })).lines, ["line 49997", "line 49998", "line 49999"]);
    const last = await run(root, { page: 50, pageSize: 1000 });
    assertEquals([last.lines.length, last.totalLines, last.pages, last.firstLine], [
      1000,
      50_000,
      50,
      49_001,
    ]);
    assertEquals((await run(root, { tail: 60_000 })).lines.length, 50_000);
  });
});

Deno.test("overlong lines are cut; missing logs and bad ids fail clearly", async () => {
  await withLog("x".repeat(MAX_LINE_CHARS + 10) + "\nshort\n", async (root) => {
    const page = await run(root, {});
    assertEquals([page.lines[0].length, page.lines[1]], [MAX_LINE_CHARS + 1, "short"]);
    await assertRejects(() => run(root, { stream: "stdout" }), ActionFailure, "no stdout log");
    await assertRejects(() => run(root, { jobId: "~u/f//1/../01" }), ActionFailure, "bad job id");
  });
});
