/**
 * Maps action names to their modules, loaded on demand so that a worker
 * only compiles the action it runs (worker start-up is most of a miss's
 * overhead). Test actions are only reachable when the worker's request says
 * test mode, which only a server started with its test switch writes.
 *
 * @module
 */
import type { Action } from "./action.ts";

const PRODUCTION: Record<string, () => Promise<Action>> = {
  GetArtifacts: async () => (await import("./get_artifacts.ts")).getArtifacts,
  SearchArtifacts: async () => (await import("./search_artifacts.ts")).searchArtifacts,
  GetDag: async () => (await import("./get_dag.ts")).getDag,
  GetLogFile: async () => (await import("./get_log_file.ts")).getLogFile,
};

/**
 * Loads the action `name`.
 *
 * @throws {TypeError} when there is no such action (or it is a test action outside test mode).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadAction } from "./registry.ts";
 * assert(typeof await loadAction("GetDag", false) === "function");
 * await assert.rejects(() => loadAction("test:sleep", false), TypeError);
 * ```
 */
export async function loadAction(name: string, testMode: boolean): Promise<Action> {
  const load = PRODUCTION[name];
  if (load !== undefined) return await load();
  if (testMode && name.startsWith("test:")) {
    const action = (await import("./test_actions.ts")).TEST_ACTIONS[name];
    if (action !== undefined) return action;
  }
  throw new TypeError(`no cache action named ${JSON.stringify(name)}`);
}
