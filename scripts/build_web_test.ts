import { assert, assertEquals } from "../tests/assert.ts";

async function run(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/build_web.ts", ...args],
    cwd: new URL("../", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("deno task build: an unknown argument is refused with the usage", async () => {
  const { code, stderr } = await run("everything");
  assertEquals(code, 2);
  assert(
    stderr.includes("unknown argument everything; usage: build_web.ts [--force] [ui|graphiql]"),
  );
});

Deno.test("deno task build ui: the UI's bundle, its build id and files", async () => {
  const { code, stdout, stderr } = await run("ui");
  assertEquals(code, 0, stderr);
  const id = /^(?:built|up to date): ui in \d+ ms, build ([0-9a-f]{16}), /m.exec(stdout)?.[1];
  assert(id, stdout);
  for (const name of ["main.js", "main.css", "overlap.wasm"]) {
    assert(new RegExp(`^  ${id}/${name} \\(\\d+ bytes\\)$`, "m").test(stdout), stdout);
  }
  assert(!stdout.includes("graphiql"), "only the bundle asked for");
});
