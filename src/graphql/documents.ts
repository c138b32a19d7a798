/**
 * Parsing and validation of GraphQL documents, cached by document text.
 *
 * UIs send the same few documents over and over (one per view), so the
 * parse/validate work is done once per distinct text. The cache is bounded
 * (least recently used entries go first) and documents are bounded in tokens
 * and depth, so a client cannot make the server do unbounded work.
 *
 * @module
 */
import {
  type ASTVisitor,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  getOperationAST,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  parse,
  print,
  specifiedRules,
  validate,
  type ValidationContext,
} from "graphql";

/** A document that parsed and validated. */
export interface ValidDocument {
  /** The parsed document. */
  readonly document: DocumentNode;
}

/** A document that did not: the errors to send back. */
export interface InvalidDocument {
  /** Syntax or validation errors. */
  readonly errors: readonly GraphQLError[];
}

/** Limits on documents. */
export interface DocumentLimits {
  /** Distinct documents cached. */
  readonly maxEntries?: number;
  /** Most tokens the parser reads. */
  readonly maxTokens?: number;
  /** Deepest selection nesting. */
  readonly maxDepth?: number;
}

/**
 * A validation rule that refuses selections nested deeper than `maxDepth`.
 * Fragment spreads count at the depth they are spread.
 */
export function depthLimitRule(maxDepth: number) {
  return function DepthLimit(context: ValidationContext): ASTVisitor {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        fragments.set(definition.name.value, definition);
      }
    }
    function depth(
      node: { selectionSet?: { selections: readonly unknown[] } },
      seen: Set<string>,
    ): number {
      let deepest = 0;
      for (
        const selection of (node.selectionSet?.selections ?? []) as Array<Record<string, unknown>>
      ) {
        let inner = 0;
        if (selection.kind === Kind.FIELD) {
          inner = selection.selectionSet ? 1 + depth(selection as never, seen) : 1;
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          inner = depth(selection as never, seen);
        } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
          const name = (selection.name as { value: string }).value;
          const fragment = fragments.get(name);
          // Cycles are reported by NoFragmentCyclesRule; stop here.
          if (fragment && !seen.has(name)) inner = depth(fragment, new Set(seen).add(name));
        }
        if (inner > deepest) deepest = inner;
        if (deepest > maxDepth) return deepest;
      }
      return deepest;
    }
    return {
      OperationDefinition(node) {
        const found = depth(node, new Set());
        if (found > maxDepth) {
          context.reportError(
            new GraphQLError(`selection is nested ${found} levels deep; the limit is ${maxDepth}`, {
              nodes: [node],
            }),
          );
        }
      },
    };
  };
}

/**
 * The cache of parsed and validated documents for one schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildSchema } from "graphql";
 * import { DocumentCache } from "./documents.ts";
 * const cache = new DocumentCache(buildSchema("type Query { a: Int }"));
 * assert("document" in cache.get("{ a }"));
 * assert("errors" in cache.get("{ b }"));
 * assert(cache.get("{ a }") === cache.get("{ a }"));
 * ```
 */
export class DocumentCache {
  readonly #schema: GraphQLSchema;
  readonly #entries = new Map<string, ValidDocument | InvalidDocument>();
  readonly #maxEntries: number;
  readonly #maxTokens: number;
  readonly #rules;
  #hits = 0;
  #misses = 0;

  /** Creates a cache for `schema`. */
  constructor(schema: GraphQLSchema, limits: DocumentLimits = {}) {
    this.#schema = schema;
    this.#maxEntries = limits.maxEntries ?? 1000;
    this.#maxTokens = limits.maxTokens ?? 10_000;
    this.#rules = [...specifiedRules, depthLimitRule(limits.maxDepth ?? 32)];
  }

  /** Hits, misses and entries, for `GET /status`. */
  stats(): { hits: number; misses: number; entries: number } {
    return { hits: this.#hits, misses: this.#misses, entries: this.#entries.size };
  }

  /** The parsed and validated document for `text`, or its errors. */
  get(text: string): ValidDocument | InvalidDocument {
    const cached = this.#entries.get(text);
    if (cached) {
      this.#hits++;
      // Re-insert to mark it most recently used (Map keeps insertion order).
      this.#entries.delete(text);
      this.#entries.set(text, cached);
      return cached;
    }
    this.#misses++;
    const entry = this.#compile(text);
    this.#entries.set(text, entry);
    if (this.#entries.size > this.#maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    return entry;
  }

  #compile(text: string): ValidDocument | InvalidDocument {
    let document: DocumentNode;
    try {
      document = parse(text, { maxTokens: this.#maxTokens });
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      throw error;
    }
    const errors = validate(this.#schema, document, this.#rules, { maxErrors: 20 });
    return errors.length ? { errors } : { document };
  }
}

/** The operation a request runs, picked from a valid document. */
export interface SelectedOperation {
  /** The operation. */
  readonly operation: OperationDefinitionNode;
  /** Whether it is a subscription marked `@deltas`. */
  readonly deltas: boolean;
  /** Names of its root fields. */
  readonly rootFields: readonly string[];
}

/**
 * Picks the operation named `operationName` (or the only one).
 *
 * @throws {TypeError} when it does not exist or the choice is ambiguous.
 */
export function selectOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
): SelectedOperation {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) {
    throw new TypeError(
      operationName
        ? `the document has no operation named ${JSON.stringify(operationName)}`
        : "the document has several operations; send operationName to pick one",
    );
  }
  const rootFields = operation.selectionSet.selections.flatMap((s) =>
    s.kind === Kind.FIELD ? [s.name.value] : []
  );
  const deltas = operation.directives?.some((d) => d.name.value === "deltas") ?? false;
  return { operation, deltas, rootFields };
}

/**
 * The text of one operation with the fragments it may use: what the engine
 * parses (it accepts exactly one operation per document).
 */
export function operationText(document: DocumentNode, operation: OperationDefinitionNode): string {
  const definitions = document.definitions.filter((d) =>
    d === operation || d.kind === Kind.FRAGMENT_DEFINITION
  );
  return print({ kind: Kind.DOCUMENT, definitions });
}

/**
 * The document with the subscription turned into a query of the same
 * selection, so the current result can be executed against `Query`, whose
 * `workflows` field has the same arguments and type as `Subscription`'s.
 */
export function asQuery(document: DocumentNode, operation: OperationDefinitionNode): DocumentNode {
  const query: OperationDefinitionNode = {
    ...operation,
    operation: "query" as never,
    directives: [],
  };
  return {
    ...document,
    definitions: document.definitions.flatMap((d): DefinitionNode[] =>
      d === operation ? [query] : d.kind === Kind.FRAGMENT_DEFINITION ? [d] : []
    ),
  };
}
