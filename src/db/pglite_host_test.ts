import { PGlite } from "@electric-sql/pglite";
import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { waitFor } from "../../tests/db_fixture.ts";
import { createPgliteHost } from "./pglite_host.ts";
import type { Reply, Request } from "./pglite_protocol.ts";

/** A host on an in-memory PGlite in this thread, with its replies collected. */
async function setUp(post?: (reply: Reply, replies: Reply[]) => void) {
  const pg = await PGlite.create();
  const replies: Reply[] = [];
  const host = createPgliteHost(pg, (reply) => post ? post(reply, replies) : replies.push(reply));
  const answer = async (id: number) => {
    await waitFor(`the answer to ${id}`, () => replies.some((r) => "id" in r && r.id === id));
    return replies.find((r) => "id" in r && r.id === id)!;
  };
  const query = (id: number, sql: string, tx: number | null = null): Request => ({
    op: "query",
    id,
    sql,
    params: [],
    tx,
  });
  return { pg, host, replies, answer, query };
}

Deno.test("host: transactions, batches, listens and mistakes", async (t) => {
  const { host, replies, answer, query } = await setUp();
  host(query(1, "create table t (n int unique)"));
  await answer(1);

  await t.step("a transaction's statements are answered in order, then end", async () => {
    host({ op: "begin", tx: 1 });
    host(query(2, "insert into t values (1)", 1));
    host(query(3, "select n from t", 1));
    host({ op: "end", id: 4, tx: 1, commit: true });
    assertEquals(await answer(4), { type: "done", id: 4, result: null });
    const order = replies.map((r) => "id" in r ? r.id : 0).filter((id) => id >= 2 && id <= 4);
    assertEquals(order, [2, 3, 4]);
    assertEquals(await answer(3), { type: "done", id: 3, result: [{ n: 1 }] });
  });

  await t.step("end without commit rolls back; a failed statement is its own answer", async () => {
    host({ op: "begin", tx: 2 });
    host(query(5, "insert into t values (2)", 2));
    host(query(6, "insert into t values (1)", 2)); // duplicate
    host({ op: "end", id: 7, tx: 2, commit: false });
    assertEquals(await answer(7), { type: "done", id: 7, result: null });
    const failed = await answer(6);
    assert(failed.type === "failed" && failed.error.fields?.code === "23505");
    host(query(8, "select count(*)::int as n from t"));
    assertEquals(await answer(8), { type: "done", id: 8, result: [{ n: 1 }] });
  });

  await t.step("statements for a transaction that is not open are refused", async () => {
    host(query(9, "select 1", 99));
    const failed = await answer(9);
    assert(failed.type === "failed" && failed.error.name === "TypeError");
    assertEquals(failed.error.message, "transaction 99 is not open (it ended or never began)");
    host({ op: "begin", tx: 3 });
    assertThrows(() => host({ op: "begin", tx: 3 }), RangeError, "transaction 3 was begun twice");
    host({ op: "end", id: 10, tx: 3, commit: true });
    await answer(10);
  });

  await t.step("a batch answers each statement's rows, or rolls back on failure", async () => {
    host({
      op: "batch",
      id: 11,
      statements: [{ sql: "insert into t values ($1)", params: [5] }, { sql: "select 7 as n" }],
    });
    assertEquals(await answer(11), { type: "done", id: 11, result: [[], [{ n: 7 }]] });
    host({
      op: "batch",
      id: 12,
      statements: [{ sql: "insert into t values (6)" }, { sql: "insert into t values (5)" }],
    });
    const failed = await answer(12);
    assert(failed.type === "failed" && failed.error.fields?.code === "23505");
    host(query(13, "select n from t order by n"));
    assertEquals(await answer(13), { type: "done", id: 13, result: [{ n: 1 }, { n: 5 }] });
  });

  await t.step("listen forwards notifications of the channel, case kept", async () => {
    host({ op: "listen", id: 14, channel: "Chan" });
    await answer(14);
    host(query(15, "select pg_notify('Chan', 'one'), pg_notify('chan', 'other channel')"));
    await answer(15);
    await waitFor("the notification", () => replies.some((r) => r.type === "notify"));
    assertEquals(replies.filter((r) => r.type === "notify"), [
      { type: "notify", channel: "Chan", payload: "one" },
    ]);
    host({ op: "unlisten", id: 16, channel: "Chan" });
    await answer(16);
    host(query(17, "select pg_notify('Chan', 'two')"));
    await answer(17);
    host(query(18, "select 1"));
    await answer(18);
    assertEquals(replies.filter((r) => r.type === "notify").length, 1);
  });

  await t.step("unknown requests are refused", async () => {
    host({ op: "open", id: 19, location: null });
    const open = await answer(19);
    assert(open.type === "failed" && open.error.message === "the PGlite database is already open");
    host({ op: "drop", id: 20 } as unknown as Request);
    const unknown = await answer(20);
    assert(unknown.type === "failed" && unknown.error.message === 'unknown request op "drop"');
    assertThrows(() => host({ op: "drop" } as unknown as Request), TypeError, "unknown request");
  });

  await t.step("close rolls back a transaction that never ended, then refuses", async () => {
    host({ op: "begin", tx: 4 });
    host(query(21, "insert into t values (40)", 4));
    await answer(21);
    host(query(22, "select count(*)::int as n from t")); // waits for transaction 4
    host({ op: "close", id: 23 });
    assertEquals(await answer(23), { type: "done", id: 23, result: null });
    assertEquals(await answer(22), { type: "done", id: 22, result: [{ n: 2 }] }); // 40 is gone
    host(query(24, "select 1"));
    host(query(25, "select 1", 4));
    for (const id of [24, 25]) {
      const refused = await answer(id);
      assert(refused.type === "failed");
      assertEquals(refused.error.message, "the PGlite database is closed; open a new one");
    }
  });
});

Deno.test("host: a result that cannot be posted is answered with the reason", async () => {
  const { host, answer, query, pg } = await setUp((reply, replies) => {
    if (reply.type === "done" && JSON.stringify(reply.result)?.includes("unsendable")) {
      throw new DOMException("could not be cloned", "DataCloneError");
    }
    replies.push(reply);
  });
  try {
    host(query(1, "select 'unsendable' as x"));
    const failed = await answer(1);
    assert(failed.type === "failed" && failed.error.name === "TypeError");
    assertEquals(
      failed.error.message,
      "the result cannot be sent to the server thread: DataCloneError: could not be cloned",
    );
  } finally {
    await pg.close();
  }
});
