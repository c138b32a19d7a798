import { dbCases } from "../../tests/db_fixture.ts";
import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { loadConfig } from "../config.ts";
import { shouldStartSimulator, simulatorOptions } from "./auto_start.ts";

const never = { query: () => Promise.reject(new Error("must not query")) };

Deno.test("OVERLAP_SIMULATOR=1 always, =0 never, without asking the database", async () => {
  assertEquals(
    await shouldStartSimulator({ simulator: "on", databaseUrl: "postgres://x" }, never),
    true,
  );
  assertEquals(
    await shouldStartSimulator({ simulator: "off", databaseUrl: undefined }, never),
    false,
  );
  assertEquals(
    await shouldStartSimulator({ simulator: "auto", databaseUrl: "postgres://x/y" }, never),
    false,
  );
});

for (const dbCase of dbCases()) {
  Deno.test(`auto: on an embedded database with only simulated workflows (${dbCase.name})`, async () => {
    const { db, drop } = await dbCase.open();
    try {
      const auto = { simulator: "auto" as const, databaseUrl: undefined };
      assertEquals(await shouldStartSimulator(auto, db), true);
      await db.query("insert into workflows (id) values ('~sim/forecast')");
      assertEquals(await shouldStartSimulator(auto, db), true);
      await db.query("insert into workflows (id) values ('~alice/real')");
      assertEquals(await shouldStartSimulator(auto, db), false);
    } finally {
      await drop();
    }
  });
}

Deno.test("options follow the configuration; no roots is refused", () => {
  const config = loadConfig(
    new Map([
      ["OVERLAP_DATA_DIR", "/d"],
      ["OVERLAP_HEARTBEAT_INTERVAL_S", "10"],
      ["OVERLAP_HEARTBEAT_BUFFER_S", "5"],
    ]),
  );
  const options = simulatorOptions(config, "http://127.0.0.1:1", { seed: 3 });
  assertEquals(
    [
      options.logRoot,
      options.artifactRoot,
      options.heartbeatMs,
      options.silentGiveUpMs,
      options.seed,
    ],
    ["/d/logs", "/d/artifacts", 10_000, 30_000, 3],
  );
  assertThrows(
    () => simulatorOptions({ ...config, logRoots: [] }, "http://127.0.0.1:1"),
    TypeError,
    "first of OVERLAP_LOG_ROOTS",
  );
});
