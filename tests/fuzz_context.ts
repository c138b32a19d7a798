/**
 * What the fuzz cases share: the running server, a fast-check runner that
 * counts cases and keeps a control client fed, and the control client that
 * must receive every control delta, once and in order, whatever the fuzz
 * cases did meanwhile.
 *
 * @module
 */
import fc from "fast-check";
import { assert, assertEquals } from "./assert.ts";
import type { ServerProcess } from "./server_process.ts";
import { waitFor } from "./db_fixture.ts";
import { client, type Stream, subscribe } from "./ws_fixture.ts";

/** The workflow only the control client watches and only the control writes. */
export const CONTROL_WORKFLOW = "~ctl/flow";

/** Everything a group of fuzz cases needs. */
export interface FuzzContext {
  /** The server under test. */
  readonly server: ServerProcess;
  /**
   * Runs `check` on `numRuns` values of `arb` with a fixed `seed`; fails at
   * the first failing value (no shrinking against a live server), naming it.
   */
  property<T>(
    label: string,
    seed: number,
    numRuns: number,
    arb: fc.Arbitrary<T>,
    check: (value: T) => Promise<void>,
  ): Promise<void>;
}

/** How many cases each property ran. */
export type CaseCounts = Map<string, number>;

/** A client subscribed to the control workflow for the whole run. */
export class ControlClient {
  readonly #server: ServerProcess;
  readonly #client;
  readonly #stream: Stream;
  readonly #closes: number[] = [];
  readonly #sent: Array<{ seq: number; statusMsg: string }> = [];

  /** Connects and subscribes; call {@linkcode ready} before the cases. */
  constructor(server: ServerProcess) {
    this.#server = server;
    this.#client = client(server.wsUrl, {}, (code) => this.#closes.push(code));
    this.#stream = subscribe(
      this.#client,
      `subscription @deltas { workflows(ids: ["${CONTROL_WORKFLOW}"]) { id statusMsg } }`,
    );
  }

  /** Control deltas posted so far. */
  get sent(): number {
    return this.#sent.length;
  }

  /** Waits for the first payload (the snapshot). */
  async ready(): Promise<void> {
    await waitFor("the control snapshot", () => this.#stream.items.length === 1);
  }

  /** Posts one control delta (it must be accepted). */
  async tick(): Promise<void> {
    const statusMsg = `control ${this.#sent.length}`;
    const res = await fetch(`${this.#server.url}/api/deltas`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ workflows: [{ id: CONTROL_WORKFLOW, statusMsg }] }),
    });
    const body = await res.json();
    assertEquals(res.status, 200, `a control delta was refused: ${JSON.stringify(body)}`);
    this.#sent.push({ seq: body.seq, statusMsg });
  }

  /** Asserts the control client got every control delta once, in order, and was never closed. */
  async verify(): Promise<void> {
    await waitFor(
      `${this.#sent.length} control deltas`,
      () => this.#stream.items.length - 1 >= this.#sent.length,
      30_000,
    );
    assertEquals(
      this.#stream.items.slice(1).map((item) => ({
        seq: item.extensions!.seq!,
        statusMsg: (item.data as { workflows: Array<{ statusMsg: string }> }).workflows[0]
          .statusMsg,
      })),
      this.#sent,
    );
    assertEquals(this.#closes, [], "the control client was disconnected");
    assert(this.#stream.errors === undefined, `control errors: ${String(this.#stream.errors)}`);
  }

  /** Disconnects. */
  async close(): Promise<void> {
    await this.#client.dispose();
  }
}

/**
 * A context over `server`: every `tickEvery` cases a control delta is
 * posted; after each property the server must still be alive.
 */
export function fuzzContext(
  server: ServerProcess,
  control: ControlClient,
  counts: CaseCounts,
  tickEvery = 25,
): FuzzContext {
  let total = 0;
  return {
    server,
    async property(label, seed, numRuns, arb, check) {
      let ran = 0;
      await fc.assert(
        fc.asyncProperty(arb, async (value) => {
          await check(value);
          ran++;
          if (++total % tickEvery === 0) await control.tick();
        }),
        { seed, numRuns, endOnFailure: true, timeout: 20_000 },
      ).catch((error) => {
        throw new Error(`${label} (seed ${seed}): ${(error as Error).message}`);
      });
      counts.set(label, ran);
      assert(server.alive(), `the server died during "${label}"`);
    },
  };
}
