/**
 * Schema names go into SQL text (CREATE SCHEMA, qualified table names), so they are restricted to
 * plain lower-case identifiers rather than escaped: no quoting surprises, same name in every tool.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`Invalid schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _`);
  }
  return `"${schema}"`;
}
