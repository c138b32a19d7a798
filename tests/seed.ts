/**
 * The seed example of the engine issue, shared by every test suite that
 * checks it: two views, their merge, one delta and the expected overlap.
 *
 * @module
 */

/** The tree view's subscription. */
export const VIEW_1 = `subscription { workflows(ids: ["~user/flow"]) {
  taskProxies { name status firstParent { id } }
  familyProxies { id name firstParent { id } } } }`;

/** The graph view's subscription. */
export const VIEW_2 = `subscription { workflows(ids: ["~user/flow"]) {
  taskProxies { name id status }
  nodesEdges { nodes { id } edges { source target } } } }`;

/** The merge of the two views, as the issue states it. */
export const MERGED = `subscription { workflows(ids: ["~user/flow"]) {
  taskProxies { name id status firstParent { id } }
  familyProxies { id name firstParent { id } }
  nodesEdges { nodes { id } edges { source target } } } }`;

/** The scheduler's delta: a task and its job start running. */
export const SEED_DELTA =
  `{"workflows":[{"id":"~user/flow","taskProxies":[{"id":"~user/flow//1/foo",` +
  `"status":"running","jobs":[{"id":"~user/flow//1/foo/01","status":"running"}]}]}]}`;

/** The overlap of the delta with the merge: the jobs are not subscribed. */
export const SEED_EXPECTED =
  `{"workflows":[{"id":"~user/flow","taskProxies":[{"id":"~user/flow//1/foo","status":"running"}]}]}`;
