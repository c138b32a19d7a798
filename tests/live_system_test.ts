/**
 * End to end, what `deno task start` shows a newcomer: the built-in
 * simulator posting to a real server over HTTP, the heartbeat monitor
 * catching the jobs it lets go silent, within interval + buffer (plus one
 * tick). Simulator and monitor share an injected clock that the test moves
 * one second per step; nothing sleeps. Runs on PGlite, and on PostgreSQL
 * when `TEST_DATABASE_URL` is set.
 */
import { assert, assertEquals } from "./assert.ts";
import type { Queryable } from "../src/db/database.ts";
import { type HeartbeatExtension, startHeartbeats } from "../src/heartbeat/extension.ts";
import { createLogger } from "../src/log.ts";
import { type SimulatorExtension, simulatorExtension } from "../src/simulator/extension.ts";
import { serverCases, testConfig } from "./server_fixture.ts";

const INTERVAL_S = 10;
const BUFFER_S = 5;
const SPAN = (INTERVAL_S + BUFFER_S) * 1000;
const TICK = 1000;
const NO_TIMERS = { setTimeout: () => 0, clearTimeout: () => {} };

for (const serverCase of serverCases()) {
  Deno.test(`live system (${serverCase.name}): simulated workflows progress; silent jobs are marked within interval + buffer`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "overlap-live-" });
    const env = {
      OVERLAP_SIMULATOR: "1",
      OVERLAP_LOG_ROOTS: `${dir}/logs`,
      OVERLAP_ARTIFACT_ROOTS: `${dir}/artifacts`,
      OVERLAP_HEARTBEAT_INTERVAL_S: String(INTERVAL_S),
      OVERLAP_HEARTBEAT_BUFFER_S: String(BUFFER_S),
    };
    const config = testConfig(env);
    let now = Date.now();
    const lines: string[] = [];
    const log = createLogger("live", "info", (line) => lines.push(line));
    let heartbeats: HeartbeatExtension | undefined;
    let sim: SimulatorExtension | undefined;
    let db: Queryable | undefined;
    const test = await serverCase.start(env, {
      log,
      async extend(opened, log, { auth }) {
        db = opened;
        heartbeats = await startHeartbeats(config, opened, log, {
          now: () => now,
          scheduler: NO_TIMERS,
        });
        sim = await simulatorExtension(config, opened, log, {
          tokensConfigured: auth === "tokens",
          // Timers that never fire: the test steps it. Many silent jobs, so
          // the monitor has work within a short run.
          simulator: { now: () => now, scheduler: NO_TIMERS, seed: 11, silentChance: 0.25 },
        });
        return [heartbeats, sim];
      },
      services: () => ({
        heartbeats: (body, principal) => heartbeats!.route(body, principal),
      }),
    });
    try {
      const simulator = sim!.simulator;
      assert(simulator !== undefined, "the simulator starts once the server listens");
      // Its own timer would step it too: stop it, keep stepping by hand.
      await simulator.stop();
      const marked: string[] = [];
      let steps = 0;
      const succeeded = async () => {
        const res = await test.post("/graphql", { query: "{ workflows { jobs { status } } }" });
        const workflows = (res.body.data as { workflows: { jobs: { status: string }[] }[] })
          .workflows;
        return workflows.flatMap((w) => w.jobs).filter((j) => j.status === "succeeded").length;
      };
      while (steps < 300 && (marked.length < 2 || await succeeded() === 0)) {
        now += TICK;
        steps++;
        await simulator.step();
        await test.server.feed.catchUp();
        for (const outcome of await heartbeats!.monitor.tick()) {
          assertEquals(outcome.kind, "job", `only jobs go silent here: ${JSON.stringify(outcome)}`);
          if (outcome.result !== "marked") continue;
          const [row] = await db!.query<{ life: Date }>(
            `select greatest(last_heartbeat_time, started_time, submitted_time) as life
               from jobs where id = $1`,
            [outcome.id],
          );
          const silence = now - row.life.getTime();
          assert(
            silence > SPAN && silence <= SPAN + TICK,
            `${outcome.id} marked after ${silence} ms of silence; expected (${SPAN}, ${
              SPAN + TICK
            }]`,
          );
          marked.push(outcome.id);
        }
      }
      assert(marked.length >= 2, `after ${steps} steps only ${marked.length} marks`);
      // Every job marked is one the simulator let go silent, and the mark
      // reached the store with its reason.
      const silenced = lines.filter((l) => l.includes("simulated job went silent"));
      for (const id of marked) {
        assert(
          silenced.some((l) => l.includes(`job=${id}`)),
          `${id} was marked but never went silent`,
        );
      }
      await test.server.feed.catchUp();
      const res = await test.post("/graphql", {
        query: "{ workflows { jobs { id status statusMsg } } }",
      });
      const jobs = (res.body.data as {
        workflows: { jobs: { id: string; status: string; statusMsg: string | null }[] }[];
      }).workflows.flatMap((w) => w.jobs);
      for (const id of marked) {
        assertEquals(jobs.find((j) => j.id === id), {
          id,
          status: "failed",
          statusMsg: "heartbeat lost",
        });
      }
      assert(jobs.filter((j) => j.status === "succeeded").length > 0, "no job succeeded");
      // The files the cache actions read were written.
      const logs = [...Deno.readDirSync(`${dir}/logs`)];
      assert(logs.length > 0, "no job logs written");
    } finally {
      await test.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
