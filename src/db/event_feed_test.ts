import { assert, assertEquals, assertRejects, assertThrows } from "../../tests/assert.ts";
import { dbCases, reset, waitFor } from "../../tests/db_fixture.ts";
import { createLogger } from "../log.ts";
import type { Database } from "./database.ts";
import type { OverlapEvent } from "./event_delta.ts";
import { EventFeed } from "./event_feed.ts";
import { latestSeq } from "./event_log.ts";
import { applyDelta } from "../ingest/apply_delta.ts";
import { validateDelta } from "../ingest/validate_delta.ts";

const W = "~user/flow";

function write(db: Database, i: number) {
  return applyDelta(
    db,
    validateDelta({
      workflows: [{ id: W, taskProxies: [{ id: `${W}//1/t${i % 50}`, status: `s${i}` }] }],
    }),
  );
}

/** A consumer that checks it is never called concurrently and records seqs. */
function consumer() {
  const seqs: number[] = [];
  let busy = false;
  return {
    seqs,
    onEvents: async (events: OverlapEvent[]) => {
      assert(!busy, "onEvents was called while a previous call was running");
      busy = true;
      await Promise.resolve();
      seqs.push(...events.map((e) => e.seq));
      busy = false;
    },
  };
}

function checkExactly(delivered: number[], written: number[]) {
  for (let i = 1; i < delivered.length; i++) {
    assert(
      delivered[i] > delivered[i - 1],
      `seq ${delivered[i]} delivered after ${delivered[i - 1]}`,
    );
  }
  assertEquals(delivered, written);
}

for (const dbCase of dbCases()) {
  Deno.test(`EventFeed (${dbCase.name})`, async (t) => {
    const lines: string[] = [];
    const log = createLogger("test", "info", (line) => lines.push(line));
    const { db, drop, url } = await dbCase.open({ log });
    try {
      await t.step("delivers 1,000 events in order, each once, from notifications", async () => {
        await reset(db);
        await write(db, -1);
        const start = await latestSeq(db);
        const { seqs, onEvents } = consumer();
        // The poll is too slow to matter: delivery must come from LISTEN.
        const feed = new EventFeed(db, {
          afterSeq: start,
          pollMs: 60_000,
          onEvents,
          log,
          batch: 64,
        });
        await feed.start();
        const written: number[] = [];
        const kills = url ? [250, 500, 750] : [];
        const reconnects = () => lines.filter((l) => l.includes("listen reconnected")).length;
        try {
          for (let i = 0; i < 1000; i++) {
            if (kills.includes(i)) {
              const before = reconnects();
              const killed = await db.query<{ ok: boolean }>(
                `select pg_terminate_backend(pid) as ok from pg_stat_activity
                  where datname = current_database() and query ilike 'listen%'`,
              );
              assertEquals(killed, [{ ok: true }], "the LISTEN backend was found and killed");
              // Write while LISTEN is down: those notifications are lost.
              written.push((await write(db, i)).seq!);
              await waitFor("the LISTEN connection to come back", () => reconnects() > before);
              continue;
            }
            written.push((await write(db, i)).seq!);
          }
          await waitFor(
            "all 1,000 events to be delivered",
            () => seqs.length >= written.length,
            20_000,
          );
          checkExactly(seqs, written);
          assertEquals(feed.lastSeq, written.at(-1));
          if (url) assertEquals(reconnects(), 3);
        } finally {
          await feed.stop();
        }
      });

      await t.step(
        "catchUp resolves once everything committed before it is delivered",
        async () => {
          await reset(db);
          const start = await latestSeq(db);
          const { seqs, onEvents } = consumer();
          const feed = new EventFeed(db, { afterSeq: start, pollMs: 60_000, onEvents });
          const written = [];
          for (let i = 0; i < 5; i++) written.push((await write(db, i)).seq!);
          await feed.start(); // reads what was written before it started
          await feed.catchUp();
          checkExactly(seqs, written);
          await feed.catchUp(); // nothing new: resolves at once
          await feed.stop();
          await assertRejects(() => feed.catchUp(), TypeError, "the feed is stopped, not started");
        },
      );

      await t.step("a read that returns less than a batch is the last one", async () => {
        await reset(db);
        const start = await latestSeq(db);
        const written = [];
        for (let i = 0; i < 3; i++) written.push((await write(db, i)).seq!);
        let reads = 0;
        const counting: Database = {
          kind: db.kind,
          query: (sql, params) => {
            // readEvents: the one query that pages the log by a count of events.
            if (sql.includes("from overlap_event_log") && sql.includes("next.n < $2")) reads++;
            return db.query(sql, params);
          },
          transaction: (fn) => db.transaction(fn),
          batch: (statements) => db.batch(statements),
          listen: (channel, handlers) => db.listen(channel, handlers),
          close: () => db.close(),
        };
        const { seqs, onEvents } = consumer();
        // Written before LISTEN and no poll: only start's own read runs.
        const feed = new EventFeed(counting, {
          afterSeq: start,
          pollMs: 60_000,
          onEvents,
          batch: 2,
        });
        await feed.start();
        await waitFor("the three events", () => seqs.length === 3);
        await feed.stop();
        checkExactly(seqs, written);
        assertEquals(reads, 2, "two events, then one: no third read to see the log empty");
      });

      await t.step("lag: NOTIFY payloads move headSeq while the consumer is stuck", async () => {
        await reset(db);
        const start = await latestSeq(db);
        const gate = Promise.withResolvers<void>();
        const seen: number[] = [];
        const feed = new EventFeed(db, {
          afterSeq: start,
          pollMs: 60_000,
          async onEvents(events) {
            seen.push(...events.map((e) => e.seq));
            await gate.promise;
          },
        });
        await feed.start();
        try {
          const first = (await write(db, 1)).seq!;
          await waitFor("the first event to reach the consumer", () => seen.length === 1);
          const written = [first];
          for (let i = 2; i <= 4; i++) written.push((await write(db, i)).seq!);
          // Nothing delivered yet (the consumer holds the first batch), but
          // the notifications told the feed how far the log goes.
          await waitFor("the notifications of the later writes", () => feed.headSeq === written[3]);
          assertEquals([feed.lastSeq, feed.lag], [start, written[3] - start]);
          gate.resolve();
          await feed.catchUp();
          assertEquals([feed.lastSeq, feed.headSeq, feed.lag], [written[3], written[3], 0]);
        } finally {
          gate.resolve();
          await feed.stop();
        }
      });

      await t.step("a throwing consumer gets the same events again; lastSeq waits", async () => {
        await reset(db);
        const start = await latestSeq(db);
        const calls: number[][] = [];
        let fail = true;
        const feed = new EventFeed(db, {
          afterSeq: start,
          pollMs: 20,
          log,
          onEvents: (events) => {
            calls.push(events.map((e) => e.seq));
            if (fail) throw new Error("consumer hiccup");
          },
        });
        const { seq } = await write(db, 1);
        await feed.start();
        await waitFor("a failed delivery", () => calls.length >= 1);
        assertEquals(feed.lastSeq, start);
        fail = false;
        await feed.catchUp();
        assertEquals(calls.at(-1), [seq]);
        assert(calls.every((c) => c.length === 1 && c[0] === seq));
        assertEquals(feed.lastSeq, seq);
        assert(
          lines.some((l) => l.includes("event feed read failed") && l.includes("consumer hiccup")),
        );
        await feed.stop();
      });

      await t.step("the safety-net poll delivers without notifications", async () => {
        await reset(db);
        const start = await latestSeq(db);
        const { seqs, onEvents } = consumer();
        // A database whose LISTEN never hears anything: only the poll is left.
        const deaf: Database = {
          kind: db.kind,
          query: (sql, params) => db.query(sql, params),
          transaction: (fn) => db.transaction(fn),
          batch: (statements) => db.batch(statements),
          listen: () => Promise.resolve(() => Promise.resolve()),
          close: () => db.close(),
        };
        const feed = new EventFeed(deaf, { afterSeq: start, pollMs: 20, onEvents });
        await feed.start();
        await waitFor("the first read after start", () => Promise.resolve(true));
        const { seq } = await write(db, 3);
        await waitFor("the poll to deliver", () => seqs.includes(seq!));
        await feed.stop();
      });

      await t.step("stop rejects a pending catchUp; options are checked", async () => {
        let attempts = 0;
        const feed = new EventFeed(db, {
          afterSeq: await latestSeq(db),
          pollMs: 60_000,
          onEvents: () => {
            attempts++;
            throw new Error("never accepts");
          },
        });
        await feed.start();
        await write(db, 7);
        // Handled from the start: the refusal may come while stop() runs.
        const refused = assertRejects(
          () => feed.catchUp(),
          TypeError,
          "the event feed stopped before catching up",
        );
        await waitFor("a delivery attempt", () => attempts > 0);
        await feed.stop();
        await refused;
        await assertRejects(() => feed.start(), TypeError, "the feed is stopped; start it once");
        const onEvents = () => {};
        assertThrows(
          () => new EventFeed(db, { afterSeq: -1, pollMs: 1, onEvents }),
          RangeError,
          "afterSeq",
        );
        assertThrows(
          () => new EventFeed(db, { afterSeq: 0, pollMs: 0, onEvents }),
          RangeError,
          "pollMs",
        );
        assertThrows(
          () => new EventFeed(db, { afterSeq: 0, pollMs: 1, onEvents, batch: 0 }),
          RangeError,
          "batch must be a positive integer, got 0",
        );
      });

      await t.step(
        "a catchUp whose first query outlives stop() rejects instead of hanging",
        async () => {
          // The race behind a hung test run: stop() came while catchUp still
          // awaited its latestSeq query, and the waiter it added afterwards was
          // never settled.
          let release = () => {};
          let held = false;
          const slow: Database = {
            kind: db.kind,
            query: async (sql, params) => {
              // latestSeq's query (readEvents has a max(seq) too, but no greatest).
              if (held === false && sql.includes("greatest(")) {
                held = true;
                await new Promise<void>((resolve) => release = resolve);
              }
              return await db.query(sql, params);
            },
            transaction: (fn) => db.transaction(fn),
            batch: (statements) => db.batch(statements),
            listen: (channel, handlers) => db.listen(channel, handlers),
            close: () => db.close(),
          };
          const feed = new EventFeed(slow, {
            afterSeq: await latestSeq(db),
            pollMs: 60_000,
            onEvents: () => {},
          });
          await feed.start();
          await write(db, 8);
          const pending = feed.catchUp();
          await waitFor("catchUp's query to be held", () => held);
          await feed.stop();
          release();
          await assertRejects(
            () => pending,
            TypeError,
            "the event feed stopped before catching up",
          );
        },
      );
    } finally {
      await drop();
    }
  });
}
