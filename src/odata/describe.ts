/**
 * The markdown that completion documentation and hover show for tables,
 * columns and navigation properties. Org text is escaped (see markdown.ts).
 */
import type { Column, Relationship, RequiredLevel, TableSummary } from '../dataverse/metadata/model';
import { code, escapeMarkdown, plain } from './markdown';

const REQUIRED: Readonly<Record<RequiredLevel, string>> = {
  None: 'optional', SystemRequired: 'required by the system', ApplicationRequired: 'business required', Recommended: 'business recommended',
};

const NAVIGATION_PAGE = 'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-navigation-properties';
const LOOKUP_PAGE = 'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-properties#lookup-properties';

/** A column's type as one short line: `String`, `Lookup → contact`, `Picklist`. */
export function columnType(c: Column): string {
  if (c.targets?.length) return `${c.type} → ${c.targets.join(', ')}`;
  if (c.typeName === 'MultiSelectPicklistType') return 'MultiSelectPicklist';
  return c.type;
}

/** Markdown for a column: display name, logical name, type, lookup targets and navigation properties, required level, description. */
export function columnMarkdown(c: Column, navigationProperties: readonly string[] = []): string {
  const lines: string[] = [];
  const title = plain(c.displayName) ? `**${escapeMarkdown(c.displayName)}** ` : '';
  lines.push(`${title}${code(c.logicalName)} (column of ${code(c.tableLogicalName)})`);
  const facts: string[] = [`Type: ${escapeMarkdown(c.type)}${c.typeName && c.typeName !== `${c.type}Type` ? ` (${escapeMarkdown(c.typeName)})` : ''}`];
  if (c.maxLength !== undefined) facts.push(`max length ${c.maxLength}`);
  if (c.format) facts.push(`format ${escapeMarkdown(c.format)}`);
  if (c.isPrimaryId) facts.push('primary key');
  if (c.isPrimaryName) facts.push('primary name');
  facts.push(REQUIRED[c.requiredLevel] ?? escapeMarkdown(c.requiredLevel));
  lines.push(facts.join(' · '));
  if (c.targets?.length) {
    let lookup = `Lookup to ${c.targets.map(code).join(', ')}`;
    if (c.lookupValueName) lookup += `; read and filter it as ${code(c.lookupValueName)}`;
    if (navigationProperties.length) lookup += `; expand it through ${navigationProperties.map(code).join(', ')}`;
    lines.push(`${lookup} ([lookup properties](${LOOKUP_PAGE})).`);
  }
  if (plain(c.description)) lines.push(escapeMarkdown(c.description));
  return lines.join('\n\n');
}

/** Markdown for a table: display name, logical name, entity set, primary columns, description. */
export function tableMarkdown(t: TableSummary): string {
  const lines: string[] = [];
  const title = plain(t.displayName) ? `**${escapeMarkdown(t.displayName)}** ` : '';
  lines.push(`${title}table ${code(t.logicalName)}`);
  const facts = [`Entity set: ${t.entitySetName ? code(t.entitySetName) : 'none (not in the Web API)'}`, `primary key ${code(t.primaryIdAttribute)}`];
  if (t.primaryNameAttribute) facts.push(`primary name ${code(t.primaryNameAttribute)}`);
  lines.push(facts.join(' · '));
  if (plain(t.description)) lines.push(escapeMarkdown(t.description));
  return lines.join('\n\n');
}

/** The relationship's kind as users read it: N:1, 1:N or N:N. */
export function relationshipKind(rel: Relationship): string {
  return rel.kind === 'ManyToOne' ? 'N:1' : rel.kind === 'OneToMany' ? '1:N' : 'N:N';
}

/** Markdown for a navigation property of `table`. */
export function navigationMarkdown(name: string, table: string, rel: Relationship): string {
  const single = rel.kind === 'ManyToOne';
  const lines = [
    `Navigation property ${code(name)} of ${code(table)}`,
    `${single ? 'Single-valued: one' : 'Collection-valued: the related'} ${code(rel.relatedTable)} ${single ? 'row' : 'rows'} · ${relationshipKind(rel)} relationship ${code(rel.schemaName)}`,
  ];
  if (rel.kind !== 'ManyToMany' && single) lines.push(`Through the lookup ${code(rel.referencingAttribute)}.`);
  lines.push(`[Navigation properties](${NAVIGATION_PAGE})`);
  return lines.join('\n\n');
}
