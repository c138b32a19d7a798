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
  type FieldNode,
  type FragmentDefinitionNode,
  getOperationAST,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  parse,
  print,
  type SelectionSetNode,
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
  /** Most fields an operation selects, aliases and fragments expanded. */
  readonly maxFields?: number;
}

/** The fragment definitions of a document, by name. */
function fragmentsOf(context: ValidationContext): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  return fragments;
}

type SelectionOwner = { readonly selectionSet?: SelectionSetNode };

/**
 * Folds over the selections of an operation with fragments expanded, each
 * fragment computed once (memoized), so a fragment spread twice at every
 * level (a "fragment bomb": 2^n expansions) costs n steps, not 2^n. A cycle
 * counts as nothing here: NoFragmentCyclesRule reports it.
 */
function expandedMeasure(
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  combine: (field: FieldNode, inner: number | undefined) => number,
  join: (a: number, b: number) => number,
): (owner: SelectionOwner) => number {
  const memo = new Map<string, number>();
  const active = new Set<string>();
  function measure(owner: SelectionOwner): number {
    let total = 0;
    for (const selection of owner.selectionSet?.selections ?? []) {
      let value = 0;
      if (selection.kind === Kind.FIELD) {
        value = combine(selection, selection.selectionSet ? measure(selection) : undefined);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        value = measure(selection);
      } else {
        const name = selection.name.value;
        const known = memo.get(name);
        if (known !== undefined) value = known;
        else {
          const fragment = fragments.get(name);
          if (fragment && !active.has(name)) {
            active.add(name);
            value = measure(fragment);
            active.delete(name);
            memo.set(name, value);
          }
        }
      }
      total = join(total, value);
    }
    return total;
  }
  return measure;
}

/**
 * A validation rule that refuses selections nested deeper than `maxDepth`.
 * Fragment spreads count at the depth they are spread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildSchema, parse, validate } from "graphql";
 * import { depthLimitRule } from "./documents.ts";
 * const schema = buildSchema("type Query { a: A } type A { a: A, n: Int }");
 * const [error] = validate(schema, parse("{ a { a { a { n } } } }"), [depthLimitRule(2)]);
 * assert.equal(error.message, "selection is nested 4 levels deep; the limit is 2");
 * ```
 */
export function depthLimitRule(maxDepth: number) {
  return function DepthLimit(context: ValidationContext): ASTVisitor {
    const depth = expandedMeasure(
      fragmentsOf(context),
      (_field, inner) => 1 + (inner ?? 0),
      Math.max,
    );
    return {
      OperationDefinition(node) {
        const found = depth(node);
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
 * A validation rule that refuses operations selecting more than `maxFields`
 * fields once fragments are expanded, each alias counting as a field of its
 * own. It bounds what one document can make the server compute: a thousand
 * aliases of a list field, or fragments spread twice at each of twenty
 * levels, ask for the same data many times over.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildSchema, parse, validate } from "graphql";
 * import { fieldLimitRule } from "./documents.ts";
 * const schema = buildSchema("type Query { n: Int }");
 * const document = parse("{ a: n b: n c: n }");
 * assert.equal(validate(schema, document, [fieldLimitRule(3)]).length, 0);
 * const [error] = validate(schema, document, [fieldLimitRule(2)]);
 * assert.equal(
 *   error.message,
 *   "the operation selects more than 2 fields (aliases and fragments expanded); " +
 *     "the limit is 2 (OVERLAP_MAX_FIELDS): select fewer fields or aliases",
 * );
 * ```
 */
export function fieldLimitRule(maxFields: number) {
  return function FieldLimit(context: ValidationContext): ASTVisitor {
    // Counts stop growing just past the limit, so a fragment bomb's 2^n
    // never becomes a number at all.
    const cap = maxFields + 1;
    const count = expandedMeasure(
      fragmentsOf(context),
      (_field, inner) => Math.min(cap, 1 + (inner ?? 0)),
      (a, b) => Math.min(cap, a + b),
    );
    return {
      OperationDefinition(node) {
        if (count(node) > maxFields) {
          context.reportError(
            new GraphQLError(
              `the operation selects more than ${maxFields} fields (aliases and fragments ` +
                `expanded); the limit is ${maxFields} (OVERLAP_MAX_FIELDS): ` +
                "select fewer fields or aliases",
              { nodes: [node] },
            ),
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
  readonly #limitRules;
  #hits = 0;
  #misses = 0;

  /** Creates a cache for `schema`. */
  constructor(schema: GraphQLSchema, limits: DocumentLimits = {}) {
    this.#schema = schema;
    this.#maxEntries = limits.maxEntries ?? 1000;
    this.#maxTokens = limits.maxTokens ?? 10_000;
    this.#limitRules = [
      depthLimitRule(limits.maxDepth ?? 32),
      fieldLimitRule(limits.maxFields ?? 1000),
    ];
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
    // The size limits first: the specified rules' work grows with the
    // document, and a document over the limits is refused before it costs any.
    let errors = validate(this.#schema, document, this.#limitRules, { maxErrors: 20 });
    if (errors.length === 0) {
      errors = validate(this.#schema, document, specifiedRules, { maxErrors: 20 }).map((e) =>
        // graphql-js's own work budget (overlapping fields, fragment spreads)
        // says only "Validation aborted."; say what it means.
        e.message === "Validation aborted."
          ? new GraphQLError(
            "the document is too complex to validate (too many overlapping fields or " +
              "fragment spreads); send a smaller document",
          )
          : e
      );
    }
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
