/**
 * Reads the engine's canonical print of a subscription (`printSubscription`)
 * back into a plain tree, so the store knows which lists a snapshot covers
 * and how they are filtered (`ids`/`exids`).
 *
 * The canonical form is narrow (names, aliases, arguments whose values are
 * strings, lists, numbers, booleans, null, enums and objects, braces), so
 * this is a small reader of that form, not a GraphQL parser.
 *
 * @module
 */

/** One selected field. */
export interface SelectionNode {
  /** The field name (the response key is the map key it sits under). */
  readonly name: string;
  /** `ids` filter, when given. */
  readonly ids?: readonly string[];
  /** `exids` filter, when given. */
  readonly exids?: readonly string[];
  /** The sub-selection (empty for a leaf). */
  readonly children: ReadonlyMap<string, SelectionNode>;
}

type Token = { kind: "punct" | "name" | "string" | "number"; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re =
    /\s+|,|([{}()\[\]:@$=!])|("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([_A-Za-z][_0-9A-Za-z]*)/y;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const match = re.exec(text);
    if (!match) {
      throw new SyntaxError(`unexpected character at ${at} in ${text.slice(at, at + 20)}`);
    }
    at = re.lastIndex;
    if (match[1]) tokens.push({ kind: "punct", text: match[1] });
    else if (match[2]) tokens.push({ kind: "string", text: JSON.parse(match[2]) });
    else if (match[3]) tokens.push({ kind: "number", text: match[3] });
    else if (match[4]) tokens.push({ kind: "name", text: match[4] });
  }
  return tokens;
}

/**
 * Parses a canonical subscription print into its root selections.
 *
 * @throws {SyntaxError} for text that is not of the canonical form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSelection } from "./selection_tree.ts";
 * const root = parseSelection('subscription { workflows(ids: ["~u/f"]) { id taskProxies { id } } }');
 * const workflows = root.get("workflows")!;
 * assert.deepEqual(workflows.ids, ["~u/f"]);
 * assert(workflows.children.has("taskProxies"));
 * ```
 */
export function parseSelection(text: string): ReadonlyMap<string, SelectionNode> {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const take = (expected?: string): Token => {
    const token = tokens[i++];
    if (!token || (expected !== undefined && token.text !== expected)) {
      throw new SyntaxError(`expected ${expected ?? "a token"}, got ${token?.text ?? "the end"}`);
    }
    return token;
  };
  const value = (): unknown => {
    const token = take();
    if (token.kind === "string") return token.text;
    if (token.text === "[") {
      const items: unknown[] = [];
      while (peek()?.text !== "]") items.push(value());
      take("]");
      return items;
    }
    if (token.text === "{") {
      while (peek()?.text !== "}") {
        take();
        take(":");
        value();
      }
      take("}");
      return undefined;
    }
    return token.text;
  };
  const strings = (v: unknown): string[] =>
    (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");
  const selections = (): Map<string, SelectionNode> => {
    const out = new Map<string, SelectionNode>();
    take("{");
    while (peek()?.text !== "}") {
      let key = take().text;
      let name = key;
      if (peek()?.text === ":") {
        take(":");
        name = take().text;
      }
      let ids: string[] | undefined;
      let exids: string[] | undefined;
      if (peek()?.text === "(") {
        take("(");
        while (peek()?.text !== ")") {
          const arg = take().text;
          take(":");
          const v = value();
          if (arg === "ids") ids = strings(v);
          if (arg === "exids") exids = strings(v);
        }
        take(")");
      }
      const children = peek()?.text === "{" ? selections() : new Map();
      out.set(key, { name, ids, exids, children });
      key = "";
    }
    take("}");
    return out;
  };
  if (peek()?.kind === "name" && peek()?.text !== "{") take();
  while (peek()?.text === "@") {
    take("@");
    take();
  }
  return selections();
}
