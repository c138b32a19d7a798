import { assert, assertEquals, assertRejects } from "../../../tests/assert.ts";
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

const run = async (
  root: string,
  payload: Record<string, unknown>,
  progress: (fraction: number, detail?: string) => void = () => {},
) => {
  const [entry] = await getLogFile({
    keys: ["k"],
    jobDir: "",
    progress,
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

Deno.test("progress: bytes read of the bytes the read may take, at most once a percent", async () => {
  const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i}`);
  const text = lines.join("\n") + "\n";
  const size = new TextEncoder().encode(text).length; // 538,890 bytes: 9 chunks
  await withLog(text, async (root) => {
    const events: [number, string | undefined][] = [];
    const page = await run(root, { page: 2, pageSize: 100 }, (f, d) => events.push([f, d]));
    assertEquals(page.lines[0], "line 100");
    // A page reads the whole file: from 0 to all of it, one event a chunk here.
    const chunks = Array.from({ length: Math.ceil(size / 65536) - 1 }, (_, i) => i + 1);
    assertEquals(chunks.length, 8);
    assertEquals(events.map(([f]) => f), [0, ...chunks.map((n) => n * 65536 / size), 1]);
    assertEquals(events.at(-1)![1], `read ${size} of ${size} bytes`);
    assertEquals(events[1][1], `read 65536 of ${size} bytes`);

    // A tail stops once it has its lines: a quarter of the most a 3-line tail may read.
    const tail: number[] = [];
    await run(root, { tail: 3 }, (f) => tail.push(f));
    const most = 3 * (MAX_LINE_CHARS + 1) + 65536;
    assertEquals(tail, [0, 65536 / most]);
    // A tail longer than the file reads all of it.
    const whole: number[] = [];
    await run(root, { tail: 60_000 }, (f) => whole.push(f));
    assertEquals(whole.at(-1), 1);
    assert(whole.every((f, i) => i === 0 || f > whole[i - 1]), "it only grows");
  });
  // One chunk or less: nothing worth a progress bar.
  await withLog("short\n", async (root) => {
    const none: number[] = [];
    await run(root, { tail: 10 }, (f) => none.push(f));
    await run(root, {}, (f) => none.push(f));
    assertEquals(none, []);
  });
});

Deno.test("progress of a big page is at most one event a percent", async () => {
  const text = "x".repeat(99) + "\n";
  await withLog(text.repeat(200_000), async (root) => { // 20 MB: 306 chunks
    const events: number[] = [];
    await run(root, { page: 1, pageSize: 10 }, (f) => events.push(f));
    assert(events.length <= 101 && events.length >= 90, `${events.length} events`);
    assertEquals(events.at(-1), 1);
  });
});
