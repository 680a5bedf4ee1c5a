/** Identifiers reach SQL only from the catalog or the WAL (never from clients), and always quoted. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export const qualifiedName = (schema: string, table: string): string => `${quoteIdent(schema)}.${quoteIdent(table)}`;

/** A string literal for names taken from the catalog (used as JSON keys in generated SQL). */
export const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`;
