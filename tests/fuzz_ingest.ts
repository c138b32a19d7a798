/**
 * Fuzz cases for `POST /api/deltas` and `POST /api/heartbeats` (used by
 * `fuzz_test.ts` against a running server).
 *
 * Three kinds of body: arbitrary JSON and bytes (must be refused with 400,
 * 413 or 415 and an `error` message), valid bodies (must be accepted), and
 * valid bodies with exactly one thing wrong, whose answer must be a 400 whose
 * message starts with the JSON path of that thing and says what was
 * expected. The expectations are written here, independently of the
 * validator.
 *
 * @module
 */
import fc from "fast-check";
import { assert, assertEquals } from "./assert.ts";
import type { FuzzContext } from "./fuzz_context.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Body = Record<string, Json>;

/** A body with one planted mistake, and the start of the error it must get. */
interface Planted {
  readonly body: Json;
  readonly error: string;
}

const text = fc.string({ unit: "grapheme", maxLength: 12 }).filter((s) =>
  !s.includes("\0") && s.isWellFormed()
);
const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/);
const iso = fc.date({
  min: new Date("2000-01-01T00:00:00Z"),
  max: new Date("2099-12-31T00:00:00Z"),
  noInvalidDate: true,
}).map((d) => d.toISOString());
const orNull = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 5 });

/** A valid ingest body over workflows `~fz<n>/<name>` (never the control workflow). */
const validDeltaArb: fc.Arbitrary<Body> = fc.uniqueArray(
  fc.tuple(fc.nat(3), name),
  { minLength: 1, maxLength: 3, selector: ([n, w]) => `~fz${n}/${w}` },
).chain((flows) =>
  fc.tuple(...flows.map(([n, w]) => {
    const wf = `~fz${n}/${w}`;
    const task = (t: string) => `${wf}//1/${t}`;
    return fc.record({
      id: fc.constant(wf),
      status: orNull(fc.constantFrom("running", "paused", "stopped")),
      statusMsg: orNull(text),
      host: orNull(text),
      lastHeartbeatTime: orNull(iso),
      stateTotals: orNull(fc.dictionary(name, fc.nat(1000), { maxKeys: 3 })),
      taskProxies: fc.uniqueArray(name, { maxLength: 4 }).chain((names) =>
        fc.tuple(...names.map((t) =>
          fc.record({
            id: fc.constant(task(t)),
            status: orNull(fc.constantFrom("waiting", "running", "succeeded")),
            isHeld: orNull(fc.boolean()),
            cyclePoint: orNull(text),
            jobs: fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 2 }).map((nums) =>
              nums.map((k) => ({
                id: `${task(t)}/${String(k).padStart(2, "0")}`,
                status: "running",
                submitNum: k,
              }))
            ),
          }, { requiredKeys: ["id"] })
        ))
      ),
    }, { requiredKeys: ["id"] });
  }))
).map((workflows) => ({ workflows: workflows as unknown as Json[] }));

const notString: fc.Arbitrary<Json> = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant({}),
  fc.constant([1]) as fc.Arbitrary<Json>,
);

/** One thing wrong in an otherwise valid body: the body, and the error's start. */
const plantedArb: fc.Arbitrary<Planted> = fc.tuple(validDeltaArb, fc.nat(1000), fc.nat(11)).chain(
  ([body, pick, kind]) => {
    const workflows = body.workflows as Array<Record<string, Json>>;
    const wi = pick % workflows.length;
    const wf = workflows[wi];
    const at = `workflows[${wi}]`;
    const tasks = (wf.taskProxies ?? []) as Array<Record<string, Json>>;
    const clone = () => structuredClone(body) as { workflows: Array<Record<string, Json>> };
    const plant = (edit: (b: ReturnType<typeof clone>) => void, error: string): Planted => {
      const b = clone();
      edit(b);
      return { body: b as unknown as Json, error };
    };
    switch (kind) {
      case 0:
        return notString.map((value) =>
          plant(
            (b) => b.workflows[wi].statusMsg = value,
            `${at}.statusMsg: expected a string or null`,
          )
        );
      case 1:
        return fc.constantFrom("a\u0000b", "\u0000").map((value) =>
          plant(
            (b) => b.workflows[wi].host = value,
            `${at}.host: expected text without NUL characters`,
          )
        );
      case 2:
        return fc.constantFrom("\ud800", "x\udfff", "\udc00y").map((value) =>
          plant((b) => b.workflows[wi].status = value, `${at}.status: expected valid Unicode text`)
        );
      case 3:
        return fc.constantFrom(
          "yesterday",
          "2024-01-01",
          "2024-01-01T00:00:00",
          "0000-01-01T00:00:00Z",
        )
          .map((value) =>
            plant(
              (b) => b.workflows[wi].lastHeartbeatTime = value,
              value.startsWith("0000")
                ? `${at}.lastHeartbeatTime: expected a time from year 1 to 9999`
                : `${at}.lastHeartbeatTime: expected an ISO 8601 time with a time zone`,
            )
          );
      case 4:
        return name.map((key) =>
          plant((b) => b.workflows[wi][`zz_${key}`] = 1, `${at}: unknown field "zz_${key}"`)
        );
      case 5:
        return fc.oneof(fc.integer(), fc.constant(null), fc.constant("flow"), fc.constant("~u"))
          .map((value) =>
            plant(
              (b) => b.workflows[wi].id = value,
              typeof value === "string" ? `${at}.id: ` : `${at}.id: expected a workflow id`,
            )
          );
      case 6:
        return fc.constantFrom("a string", 7, [1]).map((value) =>
          plant(
            (b) => b.workflows[wi].taskProxies = value,
            Array.isArray(value)
              ? `${at}.taskProxies[0]: expected an object`
              : `${at}.taskProxies: expected an array`,
          )
        );
      case 7:
        if (tasks.length === 0) break;
        return fc.constant(plant(
          (b) =>
            (b.workflows[wi].taskProxies as Array<Record<string, Json>>)[0].id =
              "~elsewhere/x//1/t",
          `${at}.taskProxies[0].id: "~elsewhere/x//1/t" is not under workflow "${wf.id}"`,
        ));
      case 8:
        if (tasks.length === 0) break;
        return fc.constant(plant(
          (b) => {
            const list = b.workflows[wi].taskProxies as Array<Record<string, Json>>;
            list.push({ id: list[0].id });
          },
          `${at}.taskProxies[${tasks.length}].id: duplicate id`,
        ));
      case 9:
        if (tasks.length === 0) break;
        return fc.constantFrom("yes", 1, {}).map((value) =>
          plant(
            (b) => (b.workflows[wi].taskProxies as Array<Record<string, Json>>)[0].isHeld = value,
            `${at}.taskProxies[0].isHeld: expected a boolean or null`,
          )
        );
      case 10: {
        const ti = tasks.findIndex((t) => ((t.jobs ?? []) as Json[]).length > 0);
        if (ti === -1) break;
        return fc.constantFrom(0, -1, 2 ** 31, 1.5, "1").map((value) =>
          plant(
            (b) => {
              const task = (b.workflows[wi].taskProxies as Array<Record<string, Json>>)[ti];
              (task.jobs as Array<Record<string, Json>>)[0].submitNum = value;
            },
            `${at}.taskProxies[${ti}].jobs[0].submitNum: expected an integer from 1 to 2147483647 or null`,
          )
        );
      }
    }
    // Nothing to plant that mistake in: a mistake at the root instead.
    return fc.constantFrom<Planted>(
      { body: [body as Json], error: "body: expected an object" },
      { body: { ...body, extra: true }, error: 'body: unknown field "extra"' },
      { body: {}, error: "body: nothing to do" },
    );
  },
);

const MAX_BODY_BYTES = 1024 * 1024;

/** The server's environment these cases assume. */
export const INGEST_ENV = { OVERLAP_MAX_BODY_BYTES: String(MAX_BODY_BYTES) };

async function post(
  url: string,
  body: BodyInit,
  type = "application/json",
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": type }, body });
  const text = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${url} answered ${res.status} with a body that is not JSON: ${text}`);
  }
  return { status: res.status, body: parsed };
}

/** Asserts a refusal: `status` with an `error` message that starts with `start` (if given). */
function refused(
  answer: { status: number; body: Record<string, unknown> },
  status: number,
  start?: string,
): void {
  const error = answer.body.error;
  assert(
    answer.status === status && typeof error === "string" && error.length > 0,
    `expected ${status} with an error message, got ${answer.status} ${JSON.stringify(answer.body)}`,
  );
  if (start !== undefined) {
    assert(
      error.startsWith(start),
      `expected the error to start with ${JSON.stringify(start)}, got ${JSON.stringify(error)}`,
    );
  }
}

/**
 * Runs the ingest and heartbeat cases against `ctx.server`.
 *
 * @example
 * ```ts ignore
 * await fuzzIngest(ctx);
 * ```
 */
export async function fuzzIngest(ctx: FuzzContext): Promise<void> {
  const deltas = `${ctx.server.url}/api/deltas`;
  const beats = `${ctx.server.url}/api/heartbeats`;
  const run = <T>(
    label: string,
    seed: number,
    numRuns: number,
    arb: fc.Arbitrary<T>,
    check: (value: T) => Promise<void>,
  ) => ctx.property(label, seed, numRuns, arb, check);

  await run("ingest: arbitrary JSON", 12_001, 150, fc.jsonValue({ maxDepth: 4 }), async (value) => {
    const answer = await post(deltas, JSON.stringify(value));
    refused(answer, 400);
    assert(
      /^(body|workflows|pruned)\b/.test(answer.body.error as string),
      String(answer.body.error),
    );
  });

  await run(
    "ingest: arbitrary text and bytes",
    12_002,
    100,
    fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }).map((s) => new TextEncoder().encode(s)),
      fc.uint8Array({ maxLength: 200 }),
    ),
    async (bytes) => {
      let json = true;
      try {
        JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
      } catch {
        json = false;
      }
      const answer = await post(deltas, bytes);
      refused(answer, 400, json ? undefined : "body is not valid JSON");
    },
  );

  await run("ingest: valid bodies are accepted", 12_003, 60, validDeltaArb, async (body) => {
    const answer = await post(deltas, JSON.stringify(body));
    assertEquals(answer.status, 200, JSON.stringify(answer.body));
    assert(answer.body.seq === null || Number.isSafeInteger(answer.body.seq));
  });

  await run(
    "ingest: one planted mistake, named by its path",
    12_004,
    300,
    plantedArb,
    async (p) => {
      refused(await post(deltas, JSON.stringify(p.body)), 400, p.error);
    },
  );

  await run(
    "ingest: huge, deep and mistyped bodies",
    12_005,
    12,
    fc.constantFrom(
      ...[
        () =>
          post(
            deltas,
            JSON.stringify({
              workflows: [{ id: "~fz/big", statusMsg: "x".repeat(MAX_BODY_BYTES) }],
            }),
          ).then((a) =>
            refused(a, 413, `request body is over the limit of ${MAX_BODY_BYTES} bytes`)
          ),
        () => post(deltas, "[".repeat(600_000) + "]".repeat(600_000)).then((a) => refused(a, 413)),
        () =>
          post(deltas, "[".repeat(100_000) + "]".repeat(100_000)).then((a) =>
            refused(a, 400, "body: expected an object, got an array")
          ),
        () =>
          post(deltas, `{"workflows":${"[".repeat(50_000)}${"]".repeat(50_000)}}`).then((a) =>
            refused(a, 400, "workflows[0]: expected an object")
          ),
        () =>
          post(
            deltas,
            `{"workflows":[{"id":"~fz/d","stateTotals":${'{"a":'.repeat(40_000)}1${
              "}".repeat(40_000)
            }}]}`,
          )
            .then((a) => refused(a, 400, "workflows[0].stateTotals.a: expected a count")),
        () =>
          post(
            deltas,
            `{"pruned":{"taskProxies":[${
              Array.from({ length: 100_001 }, (_, i) => `"~fz/p//1/t${i}"`).join(",")
            }]}}`,
          )
            .then((a) => refused(a, 413)),
        () =>
          post(
            deltas,
            `{"pruned":{"taskProxies":[${
              Array.from({ length: 30_000 }, () => `"~fz/p//1/t"`).join(",")
            }]}}`,
          )
            .then((a) => refused(a, 400, "pruned.taskProxies[1]: duplicate id")),
        () =>
          post(deltas, "{}", "text/plain").then((a) =>
            refused(a, 415, "expected Content-Type: application/json")
          ),
        () => post(deltas, "{}", "application/x-www-form-urlencoded").then((a) => refused(a, 415)),
        () =>
          post(deltas, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])).then((a) =>
            refused(a, 400, "body is not valid JSON")
          ),
        () => post(deltas, "").then((a) => refused(a, 400, "body is not valid JSON")),
        () =>
          post(deltas, `{"workflows":[{"id":"~fz/${"x".repeat(600)}"}]}`).then((a) =>
            refused(a, 400, "workflows[0].id: expected an id of at most 512 characters")
          ),
      ] as Array<() => Promise<void>>,
    ),
    (check) => check(),
  );

  const jobId = fc.tuple(fc.nat(3), name, name, fc.integer({ min: 1, max: 99 })).map(
    ([n, w, t, k]) => `~fz${n}/${w}//1/${t}/${String(k).padStart(2, "0")}`,
  );
  const beatArb = fc.record({
    id: fc.oneof(jobId, fc.tuple(fc.nat(3), name).map(([n, w]) => `~fz${n}/${w}`)),
    time: fc.option(
      fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date(), noInvalidDate: true })
        .map((d) => d.toISOString()),
      { nil: undefined },
    ),
  }, { requiredKeys: ["id"] });

  await run(
    "heartbeats: arbitrary JSON",
    12_011,
    100,
    fc.jsonValue({ maxDepth: 3 }),
    async (value) => {
      refused(await post(beats, JSON.stringify(value)), 400);
    },
  );

  await run(
    "heartbeats: valid batches are counted",
    12_012,
    40,
    fc.array(beatArb, { maxLength: 20 }),
    async (list) => {
      const answer = await post(beats, JSON.stringify({ heartbeats: list }));
      assertEquals(answer.status, 200, JSON.stringify(answer.body));
      const { received, updated, unknown, stale } = answer.body as Record<string, number>;
      // Several heartbeats of one id count once (the latest wins).
      assertEquals(received, new Set(list.map((beat) => beat.id)).size);
      assertEquals(updated + unknown + stale, received, JSON.stringify(answer.body));
    },
  );

  const beatMistakes: fc.Arbitrary<Planted> = fc.tuple(
    fc.array(beatArb, { minLength: 1, maxLength: 5 }),
    fc.nat(7),
  )
    .chain(([list, kind]) => {
      const i = list.length - 1;
      const at = `heartbeats[${i}]`;
      const with_ = (entry: Json, error: string): Planted => ({
        body: { heartbeats: [...list.slice(0, i), entry] as Json[] },
        error,
      });
      switch (kind) {
        case 0:
          return notString.map((id) => with_({ id } as Json, `${at}.id: expected a string`));
        case 1:
          return fc.constantFrom("~fz/w//1/task", "nope", "~fz/w//1/t/x", "~fz/\u0000").map((id) =>
            with_({ id }, `${at}.id: expected a job id`)
          );
        case 2:
          return fc.constantFrom("soon", "2024-02-30T00:00:00Z", "0000-01-01T00:00:00Z", 5).map((
            time,
          ) => with_({ id: list[i].id, time } as Json, `${at}.time: expected an ISO 8601 time`));
        case 3:
          return fc.constant(with_(
            { id: list[i].id, time: new Date(Date.now() + 3_600_000).toISOString() },
            `${at}.time: expected a time at most 300 s after the server's clock`,
          ));
        case 4:
          return fc.constant(with_({ id: list[i].id, beat: 1 }, `${at}: unknown field "beat"`));
        case 5:
          return fc.constantFrom("x", 1, [1]).map((entry) =>
            with_(entry as Json, `${at}: expected an object`)
          );
        case 6:
          return fc.constant<Planted>({
            body: { heartbeats: Array.from({ length: 10_001 }, () => ({ id: "~fz/w" })) },
            error: "heartbeats: expected at most 10000 per batch, got 10001",
          });
        default:
          return fc.constant<Planted>({
            body: { heartbeats: {} },
            error: "heartbeats: expected an array",
          });
      }
    });

  await run(
    "heartbeats: one planted mistake, named by its path",
    12_013,
    120,
    beatMistakes,
    async (p) => {
      refused(await post(beats, JSON.stringify(p.body)), 400, p.error);
    },
  );
}
