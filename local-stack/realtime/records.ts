/**
 * Turns the text values the WAL carries into the JSON hosted Realtime sends (`to_jsonb` of each value cast to its
 * column's type: numbers, booleans, JSON documents, ISO timestamps, arrays…) and evaluates the subscribers'
 * filters with PostgreSQL's own operators, in one query per table per batch.
 */
import type postgres from 'postgres';
import { tupleJson } from './authorisation.ts';
import { operandText, predicateSql, type FilterCondition } from './filters.ts';
import { qualifiedName } from './sql-names.ts';
import type { Relation, TextTuple } from './wal-reader.ts';

export interface DecodedTuple {
  /** Column → JSON value, for the columns present in the tuple (an unchanged TOASTed value is absent). */
  record: Record<string, unknown>;
  /** One boolean per predicate, in the order given. */
  matches: boolean[];
}

/** A filter condition bound to the type of its column in this table (`regtype` text). */
export interface TypedCondition {
  condition: FilterCondition;
  columnType: string;
}

export async function decodeTuples(
  sql: postgres.Sql,
  relation: Relation,
  tuples: TextTuple[],
  predicates: TypedCondition[],
): Promise<DecodedTuple[]> {
  const operands = predicates.map((predicate) => operandText(predicate.condition));
  const checks = predicates.map((predicate, i) => predicateSql(predicate.condition, '_rt_k', predicate.columnType, `$2::text::jsonb->>${i}`));
  const rows = await sql.unsafe<{ record: Record<string, unknown>; matches: boolean[] }[]>(
    `select to_jsonb(_rt_k) as record, to_jsonb(array[${checks.join(', ')}]::boolean[]) as matches
     from jsonb_array_elements($1::text::jsonb) with ordinality as _rt_e(_rt_v, _rt_i)
     cross join lateral jsonb_populate_record(null::${qualifiedName(relation.schema, relation.table)}, _rt_e._rt_v) as _rt_k
     order by _rt_e._rt_i`,
    predicates.length > 0
      ? [JSON.stringify(tuples.map((tuple) => tupleJson(relation, tuple))), JSON.stringify(operands)]
      : [JSON.stringify(tuples.map((tuple) => tupleJson(relation, tuple)))],
  );
  return rows.map((row, i) => {
    const record: Record<string, unknown> = {};
    for (const column of relation.columns) if (tuples[i][column.name] !== undefined) record[column.name] = row.record[column.name];
    return { record, matches: row.matches ?? [] };
  });
}
