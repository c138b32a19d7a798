import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { validateDelta } from "./validate_delta.ts";

const W = "~user/flow";
const T = `${W}//1/foo`;
const J = `${T}/01`;

Deno.test("validateDelta: the data-model example, flattened with derived defaults", () => {
  const valid = validateDelta({
    workflows: [{
      id: W,
      status: "running",
      lastHeartbeatTime: "2024-01-02T05:04:05.6789+02:00",
      stateTotals: { running: 1, waiting: 0 },
      taskProxies: [{
        id: T,
        status: "running",
        isHeld: null,
        jobs: [{ id: J, status: "running" }],
      }],
      familyProxies: [{ id: `${W}//1/FAM`, firstParent: `${W}//1/root` }],
      jobs: [{ id: `${W}//1/bar/01`, status: "submitted", submitNum: 1 }],
      edges: [{ id: `${W}//$edge|1/foo|1/bar`, source: T, target: `${W}//1/bar` }],
    }],
    pruned: { taskProxies: [`${W}//0/old`], workflows: [] },
  });
  assertEquals(valid.elements, 7);
  assertEquals(valid.upserts.workflows, [{
    id: W,
    workflowId: W,
    set: {
      status: "running",
      last_heartbeat_time: "2024-01-02T03:04:05.678Z",
      state_totals: { running: 1, waiting: 0 },
    },
    derived: { owner: "user", name: "flow" },
  }]);
  assertEquals(valid.upserts.taskProxies, [{
    id: T,
    workflowId: W,
    set: { status: "running", is_held: null },
    derived: { name: "foo", cycle_point: "1" },
  }]);
  assertEquals(valid.upserts.jobs, [
    {
      id: J,
      workflowId: W,
      set: { status: "running" },
      derived: { task_id: T, submit_num: 1 },
    },
    {
      id: `${W}//1/bar/01`,
      workflowId: W,
      set: { submit_num: 1, status: "submitted" },
      derived: { task_id: `${W}//1/bar`, submit_num: 1 },
    },
  ]);
  assertEquals(valid.upserts.familyProxies[0].set, { first_parent: `${W}//1/root` });
  assertEquals(valid.upserts.edges[0].set, { source: T, target: `${W}//1/bar` });
  assertEquals(valid.pruned, {
    workflows: [],
    taskProxies: [`${W}//0/old`],
    familyProxies: [],
    jobs: [],
    edges: [],
  });
});

Deno.test("validateDelta: a prune-only body and an id-only workflow are fine", () => {
  assertEquals(validateDelta({ pruned: { jobs: [J] } }).pruned.jobs, [J]);
  assertEquals(validateDelta({ workflows: [{ id: W }] }).upserts.workflows[0].set, {});
});

Deno.test("validateDelta: times are normalised to UTC milliseconds", () => {
  const times = ["2024-01-02T03:04Z", "2024-01-02T04:04:05+0100", "2024-01-02T03:04:05.123456Z"];
  const got = times.map((time) =>
    validateDelta({ workflows: [{ id: W, lastHeartbeatTime: time }] }).upserts.workflows[0].set
      .last_heartbeat_time
  );
  assertEquals(got, [
    "2024-01-02T03:04:00.000Z",
    "2024-01-02T03:04:05.000Z",
    "2024-01-02T03:04:05.123Z",
  ]);
});

/** [body, error class, exact message] */
const BAD: [unknown, typeof TypeError | typeof RangeError, string][] = [
  [[], TypeError, "body: expected an object, got an array"],
  [null, TypeError, "body: expected an object, got null"],
  [{}, TypeError, "body: nothing to do (expected at least one workflow or pruned id)"],
  [
    { workflows: [], pruned: {} },
    TypeError,
    "body: nothing to do (expected at least one workflow or pruned id)",
  ],
  [
    { workflows: [], extra: 1, more: 2 },
    TypeError,
    'body: unknown fields "extra", "more" (expected workflows, pruned)',
  ],
  [{ workflows: {} }, TypeError, "workflows: expected an array, got an object"],
  [{ workflows: [5] }, TypeError, "workflows[0]: expected an object, got 5"],
  [
    { workflows: [{ status: "x" }] },
    TypeError,
    "workflows[0].id: expected a workflow id (~owner/name), got nothing",
  ],
  [
    { workflows: [{ id: "flow" }] },
    TypeError,
    'workflows[0].id: expected an id starting with a workflow id of the form ~owner/name, got "flow"',
  ],
  [
    { workflows: [{ id: T }] },
    TypeError,
    `workflows[0].id: expected a workflow id (~owner/name), got "${T}"`,
  ],
  [
    { workflows: [{ id: "~user/my flow" }] },
    TypeError,
    'workflows[0].id: expected an id without whitespace or control characters, got "~user/my flow"',
  ],
  [
    { workflows: [{ id: "~user/a\u0001" }] },
    TypeError,
    'workflows[0].id: expected an id without whitespace or control characters, got "~user/a\\u0001"',
  ],
  [
    { workflows: [{ id: `~user/${"x".repeat(507)}` }] },
    TypeError,
    `workflows[0].id: expected an id of at most 512 characters (this one has 513), got "~user/${
      "x".repeat(70)
    }…`,
  ],
  [
    { workflows: [{ id: W, colour: "red" }] },
    TypeError,
    'workflows[0]: unknown field "colour" (expected id, name, owner, host, status, statusMsg, ' +
    "lastHeartbeatTime, stateTotals, taskProxies, familyProxies, jobs, edges)",
  ],
  [
    { workflows: [{ id: W, status: 3 }] },
    TypeError,
    "workflows[0].status: expected a string or null, got 3",
  ],
  [
    { workflows: [{ id: W, lastHeartbeatTime: "yesterday" }] },
    TypeError,
    "workflows[0].lastHeartbeatTime: expected an ISO 8601 time with a time zone " +
    '(2024-01-02T03:04:05Z) or null, got "yesterday"',
  ],
  [
    { workflows: [{ id: W, lastHeartbeatTime: "2024-01-02T03:04:05" }] },
    TypeError,
    "workflows[0].lastHeartbeatTime: expected an ISO 8601 time with a time zone " +
    '(2024-01-02T03:04:05Z) or null, got "2024-01-02T03:04:05"',
  ],
  [
    { workflows: [{ id: W, lastHeartbeatTime: "2024-13-45T03:04:05Z" }] },
    TypeError,
    "workflows[0].lastHeartbeatTime: expected an ISO 8601 time with a time zone " +
    '(2024-01-02T03:04:05Z) or null, got "2024-13-45T03:04:05Z"',
  ],
  [
    { workflows: [{ id: W, stateTotals: [1] }] },
    TypeError,
    "workflows[0].stateTotals: expected an object of status → count or null, got an array",
  ],
  [
    { workflows: [{ id: W, stateTotals: { running: -1 } }] },
    TypeError,
    "workflows[0].stateTotals.running: expected a count (an integer ≥ 0), got -1",
  ],
  [
    { workflows: [{ id: W, taskProxies: [{ id: T, isHeld: "yes" }] }] },
    TypeError,
    'workflows[0].taskProxies[0].isHeld: expected a boolean or null, got "yes"',
  ],
  [
    { workflows: [{ id: W, taskProxies: [{ id: "~other/flow//1/foo" }] }] },
    TypeError,
    'workflows[0].taskProxies[0].id: "~other/flow//1/foo" is not under workflow "~user/flow"',
  ],
  [
    { workflows: [{ id: W, taskProxies: [{ id: J }] }] },
    TypeError,
    `workflows[0].taskProxies[0].id: expected a task proxy id (<workflow>//<cyclePoint>/<name>), got "${J}"`,
  ],
  [
    { workflows: [{ id: W, taskProxies: [{ id: `${W}//1` }] }] },
    TypeError,
    "workflows[0].taskProxies[0].id: expected <workflow>//<cyclePoint>/<name> or " +
    `<workflow>//<cyclePoint>/<name>/<NN>, got "${W}//1"`,
  ],
  [
    { workflows: [{ id: W, taskProxies: [{ id: T, firstParent: `${W}//1/a/01` }] }] },
    TypeError,
    "workflows[0].taskProxies[0].firstParent: expected a task or family id " +
    `(<workflow>//<cyclePoint>/<name>) or null, got "${W}//1/a/01"`,
  ],
  [
    { workflows: [{ id: W, familyProxies: [{ id: `${W}//1/F`, firstParent: "~x/y//1/root" }] }] },
    TypeError,
    'workflows[0].familyProxies[0].firstParent: "~x/y//1/root" is not under workflow "~user/flow"',
  ],
  [
    { workflows: [{ id: W, taskProxies: [{ id: T, jobs: [{ id: `${W}//1/bar/01` }] }] }] },
    TypeError,
    `workflows[0].taskProxies[0].jobs[0].id: "${W}//1/bar/01" is not a job of task "${T}"`,
  ],
  [
    { workflows: [{ id: W, jobs: [{ id: `${T}/1` }] }] },
    TypeError,
    "workflows[0].jobs[0].id: expected a job's submit number of 2 or more digits, at least 01, " +
    `got "${T}/1"`,
  ],
  [
    { workflows: [{ id: W, jobs: [{ id: `${T}/00` }] }] },
    TypeError,
    "workflows[0].jobs[0].id: expected a job's submit number of 2 or more digits, at least 01, " +
    `got "${T}/00"`,
  ],
  [
    { workflows: [{ id: W, jobs: [{ id: J, submitNum: 0 }] }] },
    TypeError,
    "workflows[0].jobs[0].submitNum: expected an integer from 1 to 2147483647 or null, got 0",
  ],
  [
    { workflows: [{ id: W, jobs: [{ id: J, submitNum: 1.5 }] }] },
    TypeError,
    "workflows[0].jobs[0].submitNum: expected an integer from 1 to 2147483647 or null, got 1.5",
  ],
  [
    { workflows: [{ id: W, jobs: [{ id: J, jobs: [] }] }] },
    TypeError,
    'workflows[0].jobs[0]: unknown field "jobs" (expected id, submitNum, status, statusMsg, platform, ' +
    "submittedTime, startedTime, finishedTime, lastHeartbeatTime)",
  ],
  [
    { workflows: [{ id: W, edges: [{ id: `${W}//$edge|1/a` }] }] },
    TypeError,
    "workflows[0].edges[0].id: expected an edge id of the form <workflow>//$edge|<source>|<target>, " +
    `got "${W}//$edge|1/a"`,
  ],
  [
    { workflows: [{ id: W, edges: [{ id: `${W}//$edge|1/a|1/b`, source: 5 }] }] },
    TypeError,
    "workflows[0].edges[0].source: expected a task or family id " +
    "(<workflow>//<cyclePoint>/<name>) or null, got 5",
  ],
  [
    { workflows: [{ id: W }, { id: W }] },
    TypeError,
    `workflows[1].id: duplicate id "${W}" (first at workflows[0].id)`,
  ],
  [
    { workflows: [{ id: W, taskProxies: [{ id: T, jobs: [{ id: J }] }], jobs: [{ id: J }] }] },
    TypeError,
    `workflows[0].jobs[0].id: duplicate id "${J}" (first at workflows[0].taskProxies[0].jobs[0].id)`,
  ],
  [
    { workflows: [{ id: W, taskProxies: [{ id: T }], familyProxies: [{ id: T }] }] },
    TypeError,
    `workflows[0].familyProxies[0].id: duplicate id "${T}" (first at workflows[0].taskProxies[0].id)`,
  ],
  [{ pruned: [] }, TypeError, "pruned: expected an object, got an array"],
  [
    { pruned: { tasks: [] } },
    TypeError,
    'pruned: unknown field "tasks" (expected workflows, familyProxies, taskProxies, jobs, edges)',
  ],
  [{ pruned: { jobs: J } }, TypeError, `pruned.jobs: expected an array, got "${J}"`],
  [
    { pruned: { jobs: [T] } },
    TypeError,
    `pruned.jobs[0]: expected a job id (<workflow>//<cyclePoint>/<task>/<NN>), got "${T}"`,
  ],
  [
    { pruned: { jobs: [J, J] } },
    TypeError,
    `pruned.jobs[1]: duplicate id "${J}" (first at pruned.jobs[0])`,
  ],
];

Deno.test("validateDelta: every malformed body is refused with its path and expectation", () => {
  for (const [body, ErrorClass, message] of BAD) {
    const error = assertThrows(() => validateDelta(body), ErrorClass);
    assertEquals(error.message, message);
  }
});

Deno.test("validateDelta: the element cap counts every kind, nested and pruned", () => {
  const tasks = Array.from({ length: 3 }, (_, i) => ({ id: `${W}//1/t${i}` }));
  const body = { workflows: [{ id: W, taskProxies: tasks }], pruned: { jobs: [J] } };
  assertEquals(validateDelta(body, { maxElements: 5 }).elements, 5);
  const error = assertThrows(() => validateDelta(body, { maxElements: 4 }), RangeError);
  assertEquals(
    error.message,
    "pruned.jobs: the body holds more than 4 elements (workflows, task proxies, family proxies, " +
      "jobs, edges and pruned ids together); send it in smaller bodies",
  );
  const big = { workflows: [{ id: W, jobs: Array.from({ length: 100_001 }, () => ({})) }] };
  assertThrows(
    () => validateDelta(big),
    RangeError,
    "workflows[0].jobs: the body holds more than 100000",
  );
});

Deno.test("validateDelta: an id both upserted and pruned is allowed (the prune runs last)", () => {
  const valid = validateDelta({
    workflows: [{ id: W, taskProxies: [{ id: T }] }],
    pruned: { taskProxies: [T] },
  });
  assertEquals(valid.pruned.taskProxies, [T]);
});

Deno.test("validateDelta: text PostgreSQL cannot store is refused (NUL, lone surrogates, year 0)", () => {
  const cases: Array<[unknown, string]> = [
    [
      { workflows: [{ id: W, statusMsg: "a\u0000b" }] },
      "workflows[0].statusMsg: expected text without NUL characters (U+0000 at index 1)",
    ],
    [
      { workflows: [{ id: W, statusMsg: "x\ud800" }] },
      "workflows[0].statusMsg: expected valid Unicode text (it holds a lone surrogate, e.g. from \\ud800)",
    ],
    [
      { workflows: [{ id: W, stateTotals: { "\udc00": 1 } }] },
      'workflows[0].stateTotals key "\\udc00": expected valid Unicode text (it holds a lone surrogate, e.g. from \\ud800)',
    ],
    [
      { workflows: [{ id: `${W}\ud800` }] },
      'workflows[0].id: expected an id of valid Unicode text (it holds a lone surrogate), got "~user/flow\\ud800"',
    ],
    [
      { workflows: [{ id: W, lastHeartbeatTime: "0000-01-01T00:00:00Z" }] },
      'workflows[0].lastHeartbeatTime: expected a time from year 1 to 9999 (UTC), got "0000-01-01T00:00:00Z"',
    ],
    [
      { workflows: [{ id: W, lastHeartbeatTime: "0001-01-01T00:00:00+01:00" }] },
      'workflows[0].lastHeartbeatTime: expected a time from year 1 to 9999 (UTC), got "0001-01-01T00:00:00+01:00"',
    ],
  ];
  for (const [body, message] of cases) assertThrows(() => validateDelta(body), TypeError, message);
  // Other text is fine, astral characters included.
  validateDelta({
    workflows: [{
      id: W,
      statusMsg: "ok 😀 \u0001",
      lastHeartbeatTime: "0001-01-01T01:00:00+01:00",
    }],
  });
});
