/**
 * A restart loses nobody, end to end: `main.ts` runs as a real child process
 * (as `deno task start` runs it: cache servers, heartbeat monitor, JSON
 * logs) on PGlite on disk, and on PostgreSQL when `TEST_DATABASE_URL` is
 * set. A graphql-ws client with retries and `lastSeq` resume stays
 * subscribed while deltas are posted before, during and after a SIGTERM and
 * a restart on the same data. The first process drains and exits 0, the
 * client is closed with 1012, reconnects to the second process, and ends
 * with every event exactly once, in order. Every line both processes (and
 * their cache servers) log is one JSON object.
 */
import { type Client, createClient } from "graphql-ws";
import { assert, assertEquals } from "./assert.ts";
import { dbCases } from "./db_fixture.ts";
import { waitFor } from "./server_fixture.ts";
import { type Child, startChild } from "./process_fixture.ts";

const W = "~user/restart";
const BEFORE = 10;
const DURING = 40;
const AFTER = 10;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Posts `statusMsg: m<i>` until some instance accepts it (503 and refused connections are retried). */
async function postUntilAccepted(base: () => string, i: number, seen: { refused: number }) {
  for (;;) {
    let res: Response;
    try {
      res = await fetch(`${base()}/api/deltas`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ workflows: [{ id: W, statusMsg: `m${i}` }] }),
      });
    } catch {
      seen.refused++; // the old process is gone and the new one not yet up
      await delay(20);
      continue;
    }
    if (res.status === 503) {
      assertEquals(res.headers.get("retry-after"), "2");
      await res.body?.cancel();
      seen.refused++;
      await delay(20);
      continue;
    }
    assertEquals(res.status, 200, `POST m${i}`);
    return (await res.json()).seq as number | null;
  }
}

const cases = [
  { name: "pglite on disk" as const, open: undefined },
  ...dbCases().filter((c) => c.name === "postgres").map((c) => ({ name: c.name, open: c.open })),
];

for (const dbCase of cases) {
  Deno.test(`restart (${dbCase.name}): SIGTERM drains, the client resumes and misses nothing`, async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "overlap-restart-" });
    const opened = await dbCase.open?.();
    const env: Record<string, string> = { OVERLAP_DATA_DIR: dataDir };
    if (opened?.url) env.DATABASE_URL = opened.url;
    const children: Child[] = [];
    let wsUrl = "";
    let httpUrl = "";
    const received: { seq: number; statusMsg?: string; snapshot?: boolean }[] = [];
    const closes: number[] = [];
    let lastSeq: number | undefined;
    let ws: Client | undefined;
    try {
      const first = startChild(env);
      children.push(first);
      httpUrl = await first.url;
      wsUrl = httpUrl.replace("http", "ws") + "/graphql";
      ws = createClient({
        url: () => wsUrl,
        webSocketImpl: WebSocket,
        lazy: false,
        retryAttempts: 1000,
        retryWait: () => delay(50),
        shouldRetry: () => true,
        connectionParams: () => (lastSeq === undefined ? {} : { lastSeq }),
        on: { closed: (event) => void closes.push((event as CloseEvent).code) },
        onNonLazyError: () => {},
      });
      ws.subscribe(
        { query: `subscription @deltas { workflows(ids: ["${W}"]) { id statusMsg } }` },
        {
          next(value) {
            const extensions = value.extensions as { seq: number; snapshot?: boolean };
            const workflows = (value.data as { workflows?: { statusMsg?: string }[] } | null)
              ?.workflows;
            received.push({
              seq: extensions.seq,
              snapshot: extensions.snapshot,
              statusMsg: extensions.snapshot ? undefined : workflows?.[0]?.statusMsg,
            });
            lastSeq = extensions.seq;
          },
          error: (error) => {
            throw new Error(`the subscription failed: ${JSON.stringify(error)}`);
          },
          complete: () => {},
        },
      );
      await waitFor("the snapshot", () => received.length === 1);
      assert(received[0].snapshot === true);

      const seen = { refused: 0 };
      const acked: (number | null)[] = [];
      let i = 0;
      while (i < BEFORE) acked.push(await postUntilAccepted(() => httpUrl, ++i, seen));

      // During: the poster keeps going while the first process drains and exits
      // and the second one starts on the same data.
      const posting = (async () => {
        while (i < BEFORE + DURING) {
          acked.push(await postUntilAccepted(() => httpUrl, ++i, seen));
          await delay(5); // so the phase spans the drain, the gap and the restart
        }
      })();
      await waitFor("a few deltas of the restart phase", () => acked.length >= BEFORE + 5);
      first.process.kill("SIGTERM");
      const status = await first.process.status;
      await first.logged;
      assertEquals([status.code, status.signal], [0, null], "the drained process exits 0");
      const second = startChild(env);
      children.push(second);
      httpUrl = await second.url;
      wsUrl = httpUrl.replace("http", "ws") + "/graphql";
      await posting;
      while (i < BEFORE + DURING + AFTER) {
        acked.push(await postUntilAccepted(() => httpUrl, ++i, seen));
      }
      const lastAcked = Math.max(...acked.filter((seq): seq is number => seq !== null));
      await waitFor("every delta at the client", () => lastSeq === lastAcked, 30_000);

      // Every event exactly once, in order, across the restart.
      const deltas = received.filter((item) => !item.snapshot);
      assertEquals(
        deltas.map((item) => item.statusMsg),
        Array.from({ length: BEFORE + DURING + AFTER }, (_, k) => `m${k + 1}`),
      );
      const seqs = deltas.map((item) => item.seq);
      for (let k = 1; k < seqs.length; k++) {
        assert(seqs[k] > seqs[k - 1], `seq ${seqs[k]} repeated or out of order`);
      }
      for (const seq of acked) {
        if (seq !== null) assert(seqs.includes(seq), `acknowledged seq ${seq} never arrived`);
      }
      assert(closes.includes(1012), `the client was told 1012, got ${closes}`);
      assert(seen.refused > 0, "no POST met the drain or the gap: the restart phase was empty");
      assert(
        received.every((item) => !item.snapshot || item === received[0]),
        "no resync snapshot",
      );

      // What the first process said while it drained, as JSON.
      const messages = first.lines.map((line) => line.message);
      for (const message of ["signal received: draining", "draining", "stopped"]) {
        assert(messages.includes(message), `the first process did not log ${message}`);
      }
      for (const line of [...first.lines, ...second.lines]) {
        assertEquals(Object.keys(line), ["time", "level", "component", "message", "fields"]);
      }
      assert(
        first.lines.some((line) => String(line.component).startsWith("cache-server/")),
        "the cache servers log JSON too",
      );

      await ws.dispose();
      second.process.kill("SIGTERM");
      assertEquals((await second.process.status).code, 0);
      await second.logged;
    } finally {
      // A client still retrying a stopped server rejects its dispose with the connect error.
      await Promise.resolve(ws?.dispose()).catch(() => {});
      for (const child of children) {
        try {
          child.process.kill("SIGKILL");
        } catch { /* already exited */ }
        await child.process.status;
        await child.logged.catch(() => {});
      }
      await opened?.drop().catch(() => {});
      await Deno.remove(dataDir, { recursive: true });
    }
  });
}
