import assert from "node:assert/strict";
import { groupHeap, heapGrowth, type HeapSnapshot } from "./inspector.ts";

function snapshot(nodes: [type: number, name: number, size: number][]): HeapSnapshot {
  return {
    snapshot: {
      meta: {
        node_fields: ["type", "name", "id", "self_size", "edge_count"],
        node_types: [[
          "hidden",
          "array",
          "string",
          "object",
          "code",
          "closure",
          "concatenated string",
        ]],
      },
    },
    nodes: nodes.flatMap(([type, name, size], id) => [type, name, id, size, 0]),
    strings: ["Conn", "onmessage", "abc"],
  };
}

Deno.test("objects group by constructor, closures by name, strings together", () => {
  const groups = groupHeap(
    snapshot([[3, 0, 100], [3, 0, 100], [5, 1, 56], [2, 2, 20], [6, 2, 32]]),
  );
  assert.deepEqual(groups.get("object:Conn"), { key: "object:Conn", count: 2, bytes: 200 });
  assert.deepEqual(groups.get("closure:onmessage"), {
    key: "closure:onmessage",
    count: 1,
    bytes: 56,
  });
  assert.deepEqual(groups.get("string"), { key: "string", count: 2, bytes: 52 });
});

Deno.test("growth per unit, largest first; groups only in the first snapshot are not listed", () => {
  const before = groupHeap(snapshot([[3, 0, 100], [5, 1, 56], [5, 1, 56]]));
  const after = groupHeap(snapshot([[3, 0, 100], [3, 0, 100], [3, 0, 100], [2, 2, 40]]));
  const growth = heapGrowth(before, after, 2);
  assert.deepEqual(growth.map((g) => g.key), ["object:Conn", "string"]);
  assert.deepEqual(growth[0], { key: "object:Conn", count: 1, bytes: 100 });
});
