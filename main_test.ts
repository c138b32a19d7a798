/**
 * `main.ts`'s exit codes and first lines, as a real process: a
 * configuration mistake (exit 2, in the log format asked for), and a drain
 * cut short by `OVERLAP_DRAIN_TIMEOUT_MS` (exit 3, naming what was cut).
 */
import { EXIT_DRAIN_INCOMPLETE } from "./main.ts";
import { assert, assertEquals } from "./tests/assert.ts";
import { MAIN, ROOT, START_PERMISSIONS, startChild } from "./tests/process_fixture.ts";
import { waitFor } from "./tests/server_fixture.ts";

async function run(env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...START_PERMISSIONS, MAIN.href],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr).trimEnd() };
}

Deno.test("main: a configuration mistake exits 2 with one line, JSON when asked", async () => {
  const json = await run({ OVERLAP_LOG_FORMAT: "json", OVERLAP_PORT: "http" });
  assertEquals(json.code, 2);
  const line = JSON.parse(json.stderr);
  assertEquals([line.level, line.component, line.message], [
    "error",
    "overlap",
    'configuration error: OVERLAP_PORT must be a whole number from 0 to 65535, got "http"',
  ]);
  // The format itself is wrong: the line is text, and says so.
  const text = await run({ OVERLAP_LOG_FORMAT: "yaml" });
  assertEquals(text.code, 2);
  assert(
    text.stderr.endsWith(
      'ERROR [overlap] configuration error: OVERLAP_LOG_FORMAT must be one of text, json, got "yaml"',
    ),
    text.stderr,
  );
  assertEquals(text.stderr.split("\n").length, 1);
});

Deno.test("main: a drain cut short by its bound exits 3 and says what was cut", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "overlap-main-" });
  const child = startChild({ OVERLAP_DATA_DIR: dataDir, OVERLAP_DRAIN_TIMEOUT_MS: "300" });
  const body = new TransformStream<Uint8Array, Uint8Array>();
  const writer = body.writable.getWriter();
  try {
    const url = await child.url;
    // A POST whose body never ends: in flight for as long as the test wants.
    const stuck = fetch(`${url}/api/deltas`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body.readable,
    }).then((res) => res.body?.cancel(), () => {});
    await writer.write(new TextEncoder().encode('{"workflows":['));
    await waitFor("the POST to be in flight", async () => {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      return /^overlap_ingest_in_flight 1$/m.test(metrics);
    });
    child.process.kill("SIGTERM");
    const status = await child.process.status;
    await child.logged;
    assertEquals(status.code, EXIT_DRAIN_INCOMPLETE);
    const timedOut = child.lines.find((line) =>
      line.message === "drain timed out: exiting with work cut short"
    );
    assert(timedOut !== undefined, JSON.stringify(child.lines.map((line) => line.message)));
    const cutShort = (timedOut.fields as { cutShort: string[] }).cutShort;
    assertEquals(cutShort[0], "in-flight ingest finished (1 ingest request(s) in flight)");
    await writer.abort().catch(() => {});
    await stuck;
  } finally {
    try {
      child.process.kill("SIGKILL");
    } catch { /* exited */ }
    await child.process.status;
    await writer.abort().catch(() => {});
    await Deno.remove(dataDir, { recursive: true });
  }
});
