import { assert, assertEquals } from "../../tests/assert.ts";
import { createLogger } from "../log.ts";
import { BundleError, type BundleSpec, ensureBundle, sha256Hex } from "./bundle.ts";
import { prepareAssets } from "./built_assets.ts";

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger("web", "debug", (line) => lines.push(line)) };
}

async function spec(): Promise<BundleSpec> {
  const dir = await Deno.makeTempDir({ prefix: "overlap-built-" });
  const root = new URL(`file://${dir}/`);
  await Deno.writeTextFile(new URL("deno.json", root), "{}\n");
  await Deno.writeTextFile(new URL("main.ts", root), 'import "./main.css";\nconsole.log(1);\n');
  await Deno.writeTextFile(new URL("main.css", root), "a { color: red; }\n");
  return {
    name: "tiny",
    root,
    entry: "main.ts",
    inputs: ["main.ts", "main.css", "deno.json"],
    outDir: new URL("out/", root),
    expect: [".js", ".css"],
  };
}

Deno.test("prepareAssets builds in the background, then serves from memory, and logs why and what it built", async () => {
  const s = await spec();
  const { lines, log } = capture();
  try {
    const since = new Date("2026-01-01T00:00:00Z");
    const bundle = prepareAssets(s, { log, now: () => since });
    assertEquals(bundle.state(), { kind: "building", since });
    assertEquals(bundle.status(), { state: "building" });
    const state = await bundle.settled;
    assert(state.kind === "ready", JSON.stringify(state));
    assert(state.built);
    const js = state.assets.files.get("main.js")!;
    assertEquals(await sha256Hex(js.body), state.manifest.files["main.js"].sha256);
    assertEquals(bundle.status(), {
      state: "ready",
      built: true,
      id: state.manifest.id,
      stamp: state.manifest.stamp.slice(0, 16),
    });
    // Why it builds (before the wait), then what it built.
    assertEquals(lines.length, 2, lines.join("\n"));
    assert(lines[0].includes("INFO [web] building the tiny bundle: none is built yet"), lines[0]);
    assert(lines[1].includes("INFO [web] tiny bundle built"), lines[1]);
    assert(lines[1].includes(`id=${state.manifest.id}`), lines[1]);

    const second = prepareAssets(s, { log });
    const again = await second.settled;
    assert(again.kind === "ready" && !again.built, "up to date: no second build");
    assertEquals(lines.length, 3, "up to date: one line");
    assert(lines[2].includes("tiny bundle up to date"), lines[2]);
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});

Deno.test("a failed build is one error line and a kept reason; the server side goes on", async () => {
  const s = await spec();
  const { lines, log } = capture();
  try {
    const bundle = prepareAssets(s, {
      log,
      ensure: () =>
        Promise.reject(new BundleError("tiny", "exited with code 1: line one\n  line two")),
    });
    const state = await bundle.settled;
    assertEquals(state, {
      kind: "failed",
      reason: "bundle tiny: exited with code 1: line one\n  line two",
    });
    assertEquals(bundle.status(), {
      state: "failed",
      reason: (state as { reason: string }).reason,
    });
    assertEquals(lines.length, 1);
    assert(
      lines[0].includes(
        "ERROR [web] tiny is unavailable: bundle tiny: exited with code 1: line one | line two " +
          "(its page answers 503; run deno task build to see the build, then restart)",
      ),
      lines[0],
    );
    await bundle.close();
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});

Deno.test("close aborts a running build, logged as stopped rather than as an error", async () => {
  const s = await spec();
  const { lines, log } = capture();
  try {
    let signal: AbortSignal | undefined;
    const bundle = prepareAssets(s, {
      log,
      ensure: (spec, options) => {
        signal = options.signal;
        return ensureBundle(spec, options);
      },
    });
    await bundle.close();
    assert(signal?.aborted, "the build got an aborted signal");
    assertEquals(bundle.state(), { kind: "failed", reason: "bundle tiny: build aborted" });
    assert(lines.at(-1)!.includes("INFO [web] tiny build stopped"), lines.join("\n"));
    assertEquals(lines.filter((l) => l.includes("ERROR")), [], "a stop is no error");
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});
