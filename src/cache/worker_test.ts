/** The worker as a real subprocess, run by hand the way the server runs it. */
import { assert, assertEquals } from "../../tests/assert.ts";
import { decodeEntry } from "./entry_codec.ts";

async function runWorker(request: Record<string, unknown>) {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/request.json`, JSON.stringify(request));
  // stdin stays open while it runs: a closed stdin tells a worker its server is gone.
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      new URL("./worker.ts", import.meta.url).href,
      dir,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = await child.output();
  await child.stdin.close();
  const manifest = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
  return { dir, code: output.code, stdout: new TextDecoder().decode(output.stdout), manifest };
}

const settings = {
  artifactRoots: [],
  logRoots: [],
  artifactMaxBytes: 1,
  artifactHosts: [],
  s3Region: "x",
};

Deno.test("the worker writes entries and a manifest, and progress on stdout", async () => {
  const { dir, code, stdout, manifest } = await runWorker({
    action: "GetDag",
    keys: ["dag:~u/f:v"],
    payload: { workflowId: "~u/f", version: "v", nodes: ["a"], edges: [] },
    settings,
    testMode: false,
  });
  try {
    assertEquals(code, 0);
    assertEquals(stdout, "");
    assertEquals(manifest.ok, true);
    assertEquals(manifest.entries, [{ key: "dag:~u/f:v", file: "0" }]);
    const entry = decodeEntry(await Deno.readFile(`${dir}/out/0`));
    assertEquals(JSON.parse(new TextDecoder().decode(entry.body)).layers, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failing action or a test action outside test mode gives ok:false and exit 1", async () => {
  const { dir, code, manifest } = await runWorker({
    action: "test:bytes",
    keys: ["k"],
    payload: {},
    settings,
    testMode: false,
  });
  try {
    assertEquals(code, 1);
    assertEquals(manifest.ok, false);
    assert(manifest.error.message.includes("no cache action named"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a worker whose server is gone (stdin closed) exits without a result", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/request.json`,
      JSON.stringify({
        action: "test:sleep",
        keys: ["k"],
        payload: { forever: true },
        settings,
        testMode: true,
      }),
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        `--allow-read=${dir}`,
        new URL("./worker.ts", import.meta.url).href,
        dir,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    assertEquals(output.code, 70);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
