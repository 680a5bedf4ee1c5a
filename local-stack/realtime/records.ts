/**
 * Turns the text values the WAL carries into the JSON hosted Realtime sends (`to_jsonb` of each value cast to its
 * column's type: numbers, booleans, JSON documents, ISO timestamps, arrays…) and evaluates the subscribers'
 * filters with PostgreSQL's own operators, in one query per table per batch.
 */
import type postgres from 'postgres';
import { tupleJson } from './authorisation.ts';
import { operandText, predicateSql, type FilterCondition } from './filters.ts';
import { qualifiedName, quoteIdent, quoteLiteral } from './sql-names.ts';
import type { Relation, TextTuple } from './wal-reader.ts';

export interface DecodedTuple {
  /** Column → JSON value, for the columns present in the tuple (an unchanged TOASTed value is absent). */
  record: Record<string, unknown>;
  /** One boolean per predicate, in the order given. */
  matches: boolean[];
  /** Canonical text of the columns asked for (`value::text`), for equality filters compared without SQL. */
  texts: Record<string, string | null>;
}

/** A filter condition bound to the type of its column in this table (`regtype` text). */
export interface TypedCondition {
  condition: FilterCondition;
  columnType: string;
  /**
   * For `eq`/`in` on a type whose text form is canonical (equal values print equally: uuid, integers, text,
   * booleans, dates, timestamps), the operands as PostgreSQL prints them: such a filter is a string comparison
   * with the column's text, so a thousand subscribers filtering on their own user id cost one column per row.
   */
  canonical?: string[];
}

/** Column types whose `::text` is equal exactly when the values are equal. */
export const CANONICAL_TEXT_TYPES = new Set([
  'uuid',
  'smallint',
  'integer',
  'bigint',
  'text',
  'character varying',
  'boolean',
  'date',
  'timestamp with time zone',
  'timestamp without time zone',
]);

export async function decodeTuples(
  sql: postgres.Sql,
  relation: Relation,
  tuples: TextTuple[],
  predicates: TypedCondition[],
  textColumns: string[] = [],
): Promise<DecodedTuple[]> {
  // One parameter per operand: each is a constant for the planner, cast once, not once per row.
  const operands = predicates.map((predicate) => operandText(predicate.condition));
  const checks = predicates.map((predicate, i) => predicateSql(predicate.condition, '_rt_k', predicate.columnType, `$${i + 2}::text`));
  const rows = await sql.unsafe<{ record: Record<string, unknown>; matches: boolean[]; texts: Record<string, string | null> }[]>(
    `select to_jsonb(_rt_k) as record, to_jsonb(array[${checks.join(', ')}]::boolean[]) as matches,
            jsonb_build_object(${textColumns.map((name) => `${quoteLiteral(name)}, _rt_k.${quoteIdent(name)}::text`).join(', ')}) as texts
     from jsonb_array_elements($1::text::jsonb) with ordinality as _rt_e(_rt_v, _rt_i)
     cross join lateral jsonb_populate_record(null::${qualifiedName(relation.schema, relation.table)}, _rt_e._rt_v) as _rt_k
     order by _rt_e._rt_i`,
    [JSON.stringify(tuples.map((tuple) => tupleJson(relation, tuple))), ...operands],
  );
  return rows.map((row, i) => {
    const record: Record<string, unknown> = {};
    for (const column of relation.columns) if (tuples[i][column.name] !== undefined) record[column.name] = row.record[column.name];
    return { record, matches: row.matches ?? [], texts: row.texts ?? {} };
  });
}
