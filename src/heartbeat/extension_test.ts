import { assertEquals } from "../../tests/assert.ts";
import { dbCases } from "../../tests/db_fixture.ts";
import { OPEN_PRINCIPAL } from "../auth/tokens.ts";
import { silentLogger } from "../log.ts";
import { startHeartbeats } from "./extension.ts";

const NO_TIMERS = { setTimeout: () => 0, clearTimeout: () => {} };
const CONFIG = { heartbeatIntervalS: 10, heartbeatBufferS: 5 };

for (const dbCase of dbCases()) {
  Deno.test(`startHeartbeats: loads in-flight items, tracks events, ingests, stops (${dbCase.name})`, async () => {
    const { db, drop } = await dbCase.open();
    const now = Date.parse("2024-05-01T12:00:00Z");
    try {
      await db.query(
        `insert into workflows (id, status, last_heartbeat_time) values ('~u/f', 'running', $1)`,
        [new Date(now).toISOString()],
      );
      const heartbeats = await startHeartbeats(CONFIG, db, silentLogger, {
        now: () => now,
        scheduler: NO_TIMERS,
      });
      assertEquals(heartbeats.monitor.stats().workflows, 1);
      assertEquals(heartbeats.monitor.deadlineOf("workflow", "~u/f"), now + 15_000);
      // The feed's events reach the monitor through the bus.
      heartbeats.onEvents?.([{
        seq: 2,
        at: new Date(now).toISOString(),
        delta: { workflows: [{ id: "~u/f", jobs: [{ id: "~u/f//1/a/01", status: "running" }] }] },
        pruned: [],
        workflowIds: ["~u/f"],
      }]);
      assertEquals(heartbeats.monitor.stats().jobs, 1);
      assertEquals(
        await heartbeats.route({ heartbeats: [{ id: "~u/f" }] }, OPEN_PRINCIPAL),
        { received: 1, updated: 0, unknown: 0, stale: 1 },
      );
      assertEquals(heartbeats.status?.(), {
        heartbeats: { jobs: 1, workflows: 1, checked: 0, marked: 0, revived: 0, errors: 0 },
      });
      await heartbeats.close?.();
    } finally {
      await drop();
    }
  });
}
