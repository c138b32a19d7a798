import { assertEquals } from "../tests/assert.ts";
import { compareStreams, hash32, parseFrame, StreamRecord } from "./soak_stream.ts";

Deno.test("soak stream: frames are read without parsing their data", () => {
  assertEquals(
    parseFrame(
      '{"id":"1","type":"next","payload":{"data":{"workflows":[]},"extensions":{"seq":7,"snapshot":true}}}',
    ),
    {
      id: "1",
      type: "next",
      seq: 7,
      snapshot: "snapshot",
      payload: '{"data":{"workflows":[]},"extensions":{"seq":7,"snapshot":true}}',
    },
  );
  assertEquals(
    parseFrame(
      '{"id":"1","type":"next","payload":{"data":null,"extensions":{"seq":9,"resync":true}}}',
    )
      .snapshot,
    "resync",
  );
  assertEquals(parseFrame('{"id":"1","type":"error","payload":[{"message":"no"}]}'), {
    id: "1",
    type: "error",
    payload: '[{"message":"no"}]',
  });
  // Data that quotes the extensions' text does not fool it: extensions come last.
  const tricky = parseFrame(
    '{"id":"1","type":"next","payload":{"data":{"m":"\\"extensions\\":{\\"seq\\":1"},"extensions":{"seq":5,"pruned":[]}}}',
  );
  assertEquals(tricky.seq, 5);
});

Deno.test("soak stream: records keep order, count duplicates, find by seq", () => {
  const record = new StreamRecord();
  record.snapshot(100);
  for (let seq = 101; seq < 3000; seq += 2) record.add(seq, `p${seq}`);
  assertEquals(record.length, 1450);
  assertEquals(record.hashOf(2001), hash32("p2001"));
  assertEquals(record.hashOf(2002), undefined);
  record.add(2001, "p2001");
  record.add(2003, "changed");
  assertEquals([record.duplicates, record.duplicateMismatches], [2, 1]);
  record.add(50, "late");
  assertEquals(record.outOfOrder, 1);
  record.snapshot(4000, "resync");
  assertEquals(record.resyncs, 1);
});

Deno.test("soak stream: a client is compared with the control from its own first snapshot", () => {
  const control = new StreamRecord();
  control.snapshot(1);
  for (const seq of [2, 3, 5, 8, 9]) control.add(seq, `p${seq}`);
  const client = new StreamRecord();
  client.snapshot(3); // joined later: 5, 8, 9 are its to get
  client.add(5, "p5");
  client.add(8, "other"); // corrupt
  client.add(10, "p10"); // beyond the comparison's end: ignored
  assertEquals(compareStreams(control, client, 9), {
    lost: 1, // 9
    extra: 0,
    corrupt: 1,
    outOfOrder: 0,
    duplicates: 0,
    resyncs: 0,
    expected: 3,
  });
  const whole = new StreamRecord();
  whole.snapshot(3);
  for (const seq of [5, 8, 9]) whole.add(seq, `p${seq}`);
  whole.add(7, "extra, and out of order");
  assertEquals(compareStreams(control, whole, 9).lost, 0);
  assertEquals(compareStreams(control, whole, 9).outOfOrder, 1);
});
