/**
 * The plans stage 2 produces and stage 3 turns into SQL (PostgREST's ReadPlan, MutatePlan, CallPlan). Every
 * name in them points into the schema cache; values stay request text until they are bound as parameters.
 */
import type { MediaType } from './media-type.ts';
import type { Preferences } from './preferences.ts';
import type { AggregateName, Condition, JsonStep } from './query-params.ts';
import type { Relationship } from './relationships.ts';
import type { Column, ComputedField, DbFunction, FunctionParameter, Relation } from './schema-cache.ts';

/** What a read node's rows look like: a relation, or the rows of a function without one. */
export interface Shape {
  /** Name for messages (`column books.x does not exist`) and the default alias. */
  name: string;
  relation: Relation | null;
  columns: Column[];
  columnsByName: Map<string, Column>;
  computedFields: Map<string, ComputedField>;
}

/** A value of the row: a column or a computed field, with an optional JSON path. */
export type ValueRef =
  | { kind: 'column'; column: Column; path: JsonStep[] }
  | { kind: 'computed'; field: ComputedField; path: JsonStep[] };

export interface PlannedField {
  /** null: the whole row (`count()`). */
  value: ValueRef | null;
  /** SQL spellings of the types (from the schema cache's type map). */
  cast: string | null;
  aggregate: AggregateName | null;
  aggregateCast: string | null;
  /** The JSON key (SQL column alias) of the value. */
  key: string;
}

export type FromItem =
  | { kind: 'relation'; relation: Relation }
  /** The CTE of mutated rows or function results, `pgrst_source`. */
  | { kind: 'source' }
  /** A computed relationship: the function called with the parent row. */
  | { kind: 'computed'; fn: DbFunction; parentAlias: string; parentRelation: Relation };

export interface PlannedEmbed {
  /** The name written (table, view, function, key or column) and the alias, which both address it in parameters. */
  name: string;
  alias: string | null;
  /** The key under which it appears (alias, else the name written). */
  key: string;
  /** SQL alias of the lateral join (PostgREST's `<parent>_<name>_<depth>`). */
  joinAlias: string;
  relationship: Relationship;
  inner: boolean;
  spread: boolean;
  toOne: boolean;
  node: ReadNode;
  /** Spread: the keys lifted into the parent, with the aggregates hoisted to the parent's level. */
  spreadFields: SpreadField[];
}

export interface SpreadField {
  key: string;
  aggregate: AggregateName | null;
  aggregateCast: string | null;
  /** The key in the parent (an aggregate without alias is named after its function). */
  outputKey: string;
}

export type PlannedFilter =
  | { type: 'condition'; value: ValueRef; condition: Condition }
  /** `rel=is.null` / `rel=not.is.null` on an embedded resource: anti/semi join. */
  | { type: 'embed-null'; embed: PlannedEmbed; isNull: boolean }
  | { type: 'logic'; operator: 'and' | 'or'; negated: boolean; children: PlannedFilter[] };

export interface PlannedOrder {
  /** A value of this node's rows, or a column of a to-one embed (`order=rel(col)`). */
  target: { kind: 'value'; value: ValueRef } | { kind: 'embedded'; joinAlias: string; key: string; path: JsonStep[] };
  direction: 'asc' | 'desc' | null;
  nulls: 'first' | 'last' | null;
}

export interface ReadNode {
  shape: Shape;
  from: FromItem;
  /** SQL alias of the FROM item. */
  alias: string;
  fields: PlannedField[];
  embeds: PlannedEmbed[];
  filters: PlannedFilter[];
  order: PlannedOrder[];
  limit: number | null;
  offset: number;
  depth: number;
}

export interface Output {
  media: MediaType;
  /** A function returning one scalar (`json_agg(…)->0`), or a set of scalars (an array of values). */
  scalar: 'one' | 'set' | null;
  /** One JSON object (a function returning one composite, or `Accept: …object+json`). */
  single: boolean;
}

export interface ReadPlan {
  kind: 'read';
  relation: Relation;
  root: ReadNode;
}

export interface InsertGroup {
  columns: Column[];
  rows: Record<string, unknown>[];
  /** Positions (1-based) of the rows in the body; null when the group is the whole body. */
  positions: number[] | null;
}

interface MutationCommon {
  relation: Relation;
  /** Columns RETURNING gives the read over the mutated rows (`*` when null; none for return=minimal). */
  returning: string[] | null | 'none';
  /** The rows given back (return=representation), read over the mutated rows. */
  root: ReadNode | null;
}

export interface InsertPlan extends MutationCommon {
  kind: 'insert';
  /** Rows grouped by the columns they set (one group unless `missing=default` meets rows with different keys). */
  groups: InsertGroup[];
  onConflict: { columns: string[]; merge: boolean } | null;
  /** PUT: the primary key values the URL names, which the body must repeat. */
  put: { column: Column; value: string }[] | null;
}

export interface UpdatePlan extends MutationCommon {
  kind: 'update';
  columns: Column[];
  /** Columns to set to their default (`missing=default` and absent from the body). */
  defaults: Column[];
  values: Record<string, unknown>;
  filters: PlannedFilter[];
  order: PlannedOrder[];
  limit: number | null;
  offset: number;
}

export interface DeletePlan extends MutationCommon {
  kind: 'delete';
  filters: PlannedFilter[];
  order: PlannedOrder[];
  limit: number | null;
  offset: number;
}

export type CallArguments =
  | { kind: 'none' }
  /** The JSON body's keys that are parameters, read with json_to_record. */
  | { kind: 'json'; raw: string; parameters: FunctionParameter[] }
  /** GET/HEAD: the query parameters that are arguments (arrays for a variadic parameter). */
  | { kind: 'query'; values: { parameter: FunctionParameter; value: string }[] }
  /** The whole body for the one unnamed parameter (json/jsonb/text/xml/bytea). */
  | { kind: 'single'; parameter: FunctionParameter; value: string | Buffer };

export interface CallPlan {
  kind: 'call';
  fn: DbFunction;
  args: CallArguments;
  readOnly: boolean;
  /** The rows of a set-returning or composite function (select, filters, order, limit); null for void. */
  root: ReadNode | null;
}

export type MutationPlan = InsertPlan | UpdatePlan | DeletePlan;
export type Plan = ReadPlan | MutationPlan | CallPlan;

/** The plan with what the response needs beyond it. */
export interface ActionPlan {
  plan: Plan;
  output: Output;
  preferences: Preferences;
  /** `Prefer: count=…` asked and meaningful for the action. */
  count: Preferences['count'];
}
