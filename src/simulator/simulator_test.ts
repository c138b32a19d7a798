import { assert, assertEquals } from "../../tests/assert.ts";
import { parseHeartbeats } from "../heartbeat/ingest.ts";
import type { Scheduler } from "../heartbeat/monitor.ts";
import { IngestClient } from "./client.ts";
import { artifactDir, jobLogDir } from "./paths.ts";
import { Simulator, type SimulatorOptions } from "./simulator.ts";

const T0 = Date.parse("2024-05-01T12:00:00.000Z");

interface Recorded {
  path: string;
  auth: string | null;
  body: Record<string, unknown>;
  at: number;
}

/** A stand-in Overlap server: records bodies, checks heartbeats with the real parser. */
async function withFakeServer(
  fn: (baseUrl: string, recorded: Recorded[], clock: { now: number }) => Promise<void>,
  failFirstDeltas = 0,
) {
  const recorded: Recorded[] = [];
  const clock = { now: T0 };
  let seq = 0;
  let failures = failFirstDeltas;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    const body = await request.json();
    if (path === "/api/deltas" && failures > 0) {
      failures--;
      return Response.json({ error: "try later" }, { status: 503 });
    }
    recorded.push({ path, auth: request.headers.get("authorization"), body, at: clock.now });
    if (path === "/api/heartbeats") {
      try {
        parseHeartbeats(body, clock.now);
      } catch (error) {
        return Response.json({ error: (error as Error).message }, { status: 400 });
      }
      return Response.json({ received: 0, updated: 0, unknown: 0, stale: 0 });
    }
    return Response.json({ seq: ++seq });
  });
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`, recorded, clock);
  } finally {
    await server.shutdown();
  }
}

// The ingest body contract of docs/data_model.md, checked strictly.
const FIELDS: Record<string, readonly string[]> = {
  workflow: [
    "id",
    "name",
    "owner",
    "host",
    "status",
    "statusMsg",
    "lastHeartbeatTime",
    "stateTotals",
    "taskProxies",
    "familyProxies",
    "jobs",
    "edges",
  ],
  taskProxies: ["id", "name", "cyclePoint", "status", "isHeld", "firstParent", "jobs"],
  familyProxies: ["id", "name", "cyclePoint", "status", "firstParent"],
  jobs: [
    "id",
    "submitNum",
    "status",
    "platform",
    "submittedTime",
    "startedTime",
    "finishedTime",
    "lastHeartbeatTime",
  ],
  edges: ["id", "source", "target"],
};
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function checkBody(body: Record<string, unknown>): void {
  for (const key of Object.keys(body)) assert(["workflows", "pruned"].includes(key), key);
  const seen = new Set<string>();
  const unique = (id: string) => {
    assert(!seen.has(id), `duplicate id ${id}`);
    seen.add(id);
  };
  for (const wf of body.workflows as Record<string, unknown>[]) {
    const wfId = wf.id as string;
    assert(/^~[^/\s]+\/[^\s]+$/.test(wfId) && !wfId.includes("//"), wfId);
    unique(wfId);
    for (const key of Object.keys(wf)) assert(FIELDS.workflow.includes(key), `workflow.${key}`);
    if ("stateTotals" in wf) assert(typeof wf.stateTotals === "object");
    for (const kind of ["taskProxies", "familyProxies", "jobs", "edges"]) {
      for (const element of (wf[kind] ?? []) as Record<string, unknown>[]) {
        const id = element.id as string;
        unique(id);
        assert(id.startsWith(`${wfId}//`), `${id} not under ${wfId}`);
        for (const key of Object.keys(element)) {
          assert(FIELDS[kind].includes(key), `${kind}.${key}`);
        }
        if (kind === "jobs") {
          const match = /^(.+)\/(\d{2,})$/.exec(id);
          assert(match !== null, id);
          if ("submitNum" in element) assertEquals(element.submitNum, Number(match[2]));
          for (const t of ["submittedTime", "startedTime", "finishedTime"]) {
            if (t in element) assert(TIME.test(element[t] as string), `${id}.${t}`);
          }
        }
        if (kind === "taskProxies" && "isHeld" in element) {
          assertEquals(typeof element.isHeld, "boolean");
        }
        if ("firstParent" in element && element.firstParent !== null) {
          assert((element.firstParent as string).startsWith(`${wfId}//`));
        }
        if (kind === "edges") {
          assert(id.startsWith(`${wfId}//$edge|`), id);
          assert((element.source as string).startsWith(`${wfId}//`));
          assert((element.target as string).startsWith(`${wfId}//`));
        }
      }
    }
  }
  for (const [kind, ids] of Object.entries((body.pruned ?? {}) as Record<string, unknown>)) {
    assert(["workflows", "taskProxies", "familyProxies", "jobs", "edges"].includes(kind), kind);
    assert(Array.isArray(ids) && ids.every((id) => typeof id === "string"));
  }
}

function options(
  baseUrl: string,
  dir: string,
  clock: { now: number },
  extra: Partial<SimulatorOptions> = {},
): SimulatorOptions {
  return {
    client: new IngestClient({ baseUrl, token: "sim-token" }),
    logRoot: `${dir}/logs`,
    artifactRoot: `${dir}/artifacts`,
    seed: 7,
    now: () => clock.now,
    maxCycles: 3,
    keepCycles: 1,
    runahead: 2,
    submitMs: [500, 2000],
    runMs: [2000, 8000],
    heartbeatMs: 5000,
    silentGiveUpMs: 20_000,
    failChance: 0.1,
    silentChance: 0.15,
    ...extra,
  };
}

async function runToEnd(simulator: Simulator, clock: { now: number }): Promise<number> {
  let steps = 0;
  while (!simulator.finished) {
    assert(++steps < 5000, "the simulation did not finish");
    await simulator.step();
    clock.now += 1000;
  }
  return steps;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("the simulator runs workflows to the end through the ingest API, within the contract", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withFakeServer(async (baseUrl, recorded, clock) => {
      const simulator = new Simulator(options(baseUrl, dir, clock));
      await runToEnd(simulator, clock);
      assert(recorded.length > 10);
      assert(recorded.every((r) => r.auth === "Bearer sim-token"));
      const deltas = recorded.filter((r) => r.path === "/api/deltas").map((r) => r.body);
      for (const body of deltas) checkBody(body);
      // First an earlier run's workflows are pruned, then they are created.
      assertEquals(deltas[0], { workflows: [], pruned: { workflows: simulator.workflowIds } });
      const first = deltas[1].workflows as Record<string, unknown>[];
      assertEquals(first.map((w) => w.id), simulator.workflowIds);
      assertEquals(
        [first[1].owner, first[1].name, first[1].status],
        ["sim", "ingest/daily", "running"],
      );
      assert((first[0].familyProxies as unknown[]).length > 0);
      assert((first[0].edges as unknown[]).length > 0);

      // Every job: submitted → running → succeeded / failed, or silent.
      const jobs = new Map<string, string[]>();
      for (const body of deltas) {
        for (const wf of body.workflows as { jobs?: { id: string; status?: string }[] }[]) {
          for (const job of wf.jobs ?? []) {
            if (job.status) jobs.set(job.id, [...(jobs.get(job.id) ?? []), job.status]);
          }
        }
      }
      const histories = new Set([...jobs.values()].map((h) => h.join(">")));
      assert(histories.has("submitted>running>succeeded"));
      assert(histories.has("submitted>running>failed"));
      const silent = [...jobs].filter(([, h]) => h.join(">") === "submitted>running");
      assert(silent.length > 0, "no job went silent");
      for (const history of histories) {
        assert(
          ["submitted>running>succeeded", "submitted>running>failed", "submitted>running"]
            .includes(history),
          history,
        );
      }

      // A silent job stops heartbeating and its task is submitted again.
      const beats = recorded.filter((r) => r.path === "/api/heartbeats");
      for (const [id] of silent) {
        const nn = Number(id.slice(id.lastIndexOf("/") + 1));
        const retry = `${id.slice(0, id.lastIndexOf("/"))}/${String(nn + 1).padStart(2, "0")}`;
        const lastBeat = Math.max(
          ...beats.filter((b) => (b.body.heartbeats as { id: string }[]).some((h) => h.id === id))
            .map((b) => b.at),
          -Infinity,
        );
        const retried = recorded.find((r) =>
          r.path === "/api/deltas" && JSON.stringify(r.body).includes(`"${retry}"`)
        );
        if (retried) assert(lastBeat < retried.at - 19_000, `${id} kept heartbeating`);
      }
      assert(
        beats.some((b) => (b.body.heartbeats as { id: string }[]).some((h) => h.id.includes("//"))),
      );

      // Old cycles are pruned, with their files; the workflows stop at the end.
      const pruned = deltas.filter((b) => b.pruned && "taskProxies" in (b.pruned as object));
      assert(pruned.length > 0);
      const last = deltas.flatMap((b) => b.workflows as { id: string; status?: string }[])
        .filter((w) => w.status === "stopped").map((w) => w.id);
      assertEquals(last.sort(), [...simulator.workflowIds].sort());
      assertEquals(await exists(`${dir}/logs/sim/forecast/log/job/20240101T0000Z`), false);

      // The last cycle's files are where the cache actions look.
      const point = "3";
      const out = await Deno.readTextFile(
        `${jobLogDir(`${dir}/logs`, "~sim/train", point, "split", 1)}/job.out`,
      ).catch(() =>
        Deno.readTextFile(`${jobLogDir(`${dir}/logs`, "~sim/train", point, "split", 2)}/job.out`)
      );
      assert(out.includes("submitted ~sim/train//3/split/"), out);
      const succeeded = [...jobs].filter(([id, h]) =>
        id.startsWith("~sim/ingest/daily//3/validate/") && h.at(-1) === "succeeded"
      );
      for (const [id] of succeeded) {
        const nn = Number(id.slice(id.lastIndexOf("/") + 1));
        const report = await Deno.readTextFile(
          `${
            artifactDir(`${dir}/artifacts`, "~sim/ingest/daily", point, "validate", nn)
          }/report.txt`,
        );
        assert(report.startsWith(id));
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the same seed gives the same bodies", async () => {
  const runs: string[] = [];
  for (let i = 0; i < 2; i++) {
    const dir = await Deno.makeTempDir();
    try {
      await withFakeServer(async (baseUrl, recorded, clock) => {
        await runToEnd(new Simulator(options(baseUrl, dir, clock, { maxCycles: 2 })), clock);
        runs.push(JSON.stringify(recorded.map((r) => [r.path, r.at, r.body])));
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
  assertEquals(runs[0], runs[1]);
});

Deno.test("a refused delta body is sent again, merged with the next step's changes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withFakeServer(async (baseUrl, recorded, clock) => {
      const simulator = new Simulator(options(baseUrl, dir, clock, { reset: false }));
      assertEquals((await simulator.step()).sentDelta, false);
      clock.now += 1000;
      assertEquals((await simulator.step()).sentDelta, true);
      const deltas = recorded.filter((r) => r.path === "/api/deltas");
      assertEquals(deltas.length, 1);
      const wf = (deltas[0].body.workflows as Record<string, unknown>[])[0];
      assertEquals([wf.name, wf.status], ["forecast", "running"]); // first step's creation
      checkBody(deltas[0].body);
    }, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("start() steps on the injected scheduler until stop()", async () => {
  const timers: { fn: () => void; ms: number }[] = [];
  const scheduler: Scheduler = {
    setTimeout(fn, ms) {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimeout() {},
  };
  const posts: string[] = [];
  const dir = await Deno.makeTempDir();
  try {
    const simulator = new Simulator({
      client: {
        postDeltas: () => (posts.push("deltas"), Promise.resolve({ seq: 1 })),
        postHeartbeats: () => (posts.push("heartbeats"), Promise.resolve({})),
      },
      logRoot: `${dir}/l`,
      artifactRoot: `${dir}/a`,
      now: () => T0,
      scheduler,
      stepMs: 250,
    });
    simulator.start();
    assertEquals(timers.map((t) => t.ms), [0]);
    timers[0].fn();
    await simulator.stop();
    assertEquals(posts, ["deltas", "deltas", "heartbeats"]);
    assertEquals(timers.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
