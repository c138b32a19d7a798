import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import {
  artifactKey,
  dagKey,
  parseClientMessage,
  parseServerMessage,
  ProtocolError,
  validatePayload,
} from "./protocol.ts";

const request = (extra: Record<string, unknown>) =>
  JSON.stringify({
    type: "request",
    id: "r1",
    action: "GetArtifacts",
    keys: [artifactKey("file:///a")],
    payload: { locations: ["file:///a"] },
    ...extra,
  });

Deno.test("a valid request gets defaults", () => {
  const message = parseClientMessage(request({}), ["GetArtifacts"], 500);
  assertEquals(message, {
    type: "request",
    id: "r1",
    action: "GetArtifacts",
    keys: ["artifact:file:///a"],
    payload: { locations: ["file:///a"] },
    priority: "high",
    timeoutMs: 500,
    force: false,
  });
});

Deno.test("malformed requests are refused with the id when it is readable", () => {
  const cases: [string, string][] = [
    [request({ action: "GetDag" }), "unknown action"],
    [request({ keys: [] }), "keys must be"],
    [request({ keys: ["x".repeat(3000)] }), "keys must be"],
    [request({ payload: [] }), "payload must be an object"],
    [request({ priority: "urgent" }), "priority"],
    [request({ timeoutMs: 0 }), "timeoutMs"],
    [request({ force: "yes" }), "force"],
    [request({ keys: ["artifact:file:///b"] }), "key 0 must be"],
  ];
  for (const [line, includes] of cases) {
    const error = assertThrows(
      () => parseClientMessage(line, ["GetArtifacts"], 1),
      ProtocolError,
      includes,
    );
    assertEquals(error.id, "r1");
  }
  assertEquals(assertThrows(() => parseClientMessage("nope", [], 1), ProtocolError).id, null);
  assertThrows(() => parseClientMessage('{"type":"touch","hashes":["x"]}', [], 1), ProtocolError);
});

Deno.test("payload checks per action", () => {
  assert(
    validatePayload("GetDag", [dagKey("~u/f", "v")], {
      workflowId: "~u/f",
      version: "v",
      nodes: [],
      edges: [["a", "b"]],
    }) === null,
  );
  assert(
    validatePayload("GetDag", ["other"], {
      workflowId: "~u/f",
      version: "v",
      nodes: [],
      edges: [],
    }) !== null,
  );
  assert(
    validatePayload("GetDag", [dagKey("~u/f", "v")], {
      workflowId: "~u/f",
      version: "v",
      nodes: [],
      edges: [["a"]],
    }) !== null,
  );
  assert(validatePayload("GetLogFile", ["k"], { jobId: "j", stream: "stdout", tail: 5 }) === null);
  assert(validatePayload("GetLogFile", ["k"], { jobId: "j", stream: "both" }) !== null);
  assert(
    validatePayload("GetLogFile", ["k"], { jobId: "j", stream: "stdout", tail: 1, page: 1 }) !==
      null,
  );
  assert(
    validatePayload("SearchArtifacts", ["k"], { workflowId: "w", name: "n", value: 1 }) !== null,
  );
});

Deno.test("server messages are checked for their type's fields", () => {
  assertEquals(parseServerMessage('{"type":"progress","id":"1","fraction":0.5}').type, "progress");
  assertThrows(() => parseServerMessage('{"type":"done"}'), ProtocolError, "without an id");
  assertThrows(() => parseServerMessage('{"type":"wat"}'), ProtocolError, "unknown");
});
