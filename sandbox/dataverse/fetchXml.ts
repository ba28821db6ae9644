/**
 * FetchXML as the Web API receives it in `?fetchXml=`: parsed with the strict
 * parser of ./xmlParser, then checked against the org's tables and columns
 * with Dataverse's documented errors
 * (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/reference/).
 */
import { DataverseError } from './errors';
import type { AttributeDef, EntityDef } from './model';
import type { Schema } from './schema';
import { parseXml, XmlSyntaxError, type XmlElement } from './xmlParser';

/** Condition operators the stand-in evaluates (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/reference/operators). */
export const OPERATORS = [
  'eq', 'ne', 'neq', 'lt', 'le', 'gt', 'ge', 'like', 'not-like', 'begins-with', 'ends-with', 'in', 'not-in', 'null', 'not-null',
  'between', 'not-between', 'eq-userid', 'ne-userid', 'last-x-days', 'next-x-days', 'today', 'yesterday', 'on', 'on-or-after', 'on-or-before',
] as const;
export type Operator = (typeof OPERATORS)[number];

export const AGGREGATES = ['count', 'countcolumn', 'sum', 'avg', 'min', 'max'] as const;
export type AggregateFunction = (typeof AGGREGATES)[number];

/** A column selected by an `attribute` element. */
export interface FetchAttribute {
  readonly attribute: AttributeDef;
  readonly alias?: string;
  readonly aggregate?: AggregateFunction;
  readonly groupby: boolean;
  readonly distinct: boolean;
  readonly dategrouping?: 'year' | 'quarter' | 'month' | 'day';
}

/** An `order` element: a column of its entity, or (aggregate queries) an alias. */
export interface FetchOrder {
  readonly attribute?: AttributeDef;
  readonly alias?: string;
  readonly descending: boolean;
}

/** A `condition` element, its values already split (`value` attribute or `value` children). */
export interface FetchCondition {
  readonly kind: 'condition';
  /** Alias of the link-entity the column belongs to (`entityname`), else the element's own entity. */
  readonly entityAlias?: string;
  readonly attribute: AttributeDef;
  readonly operator: Operator;
  readonly values: readonly string[];
}

/** A `filter` element. */
export interface FetchFilter {
  readonly kind: 'filter';
  readonly type: 'and' | 'or';
  readonly items: ReadonlyArray<FetchFilter | FetchCondition>;
}

/** The `entity` element or a `link-entity` element. */
export interface FetchNode {
  readonly entity: EntityDef;
  /** '' for the root entity; the link-entity's alias (given or generated, e.g. `contact1`). */
  readonly alias: string;
  readonly link?: { readonly from: AttributeDef; readonly to: AttributeDef; readonly type: 'inner' | 'outer' };
  /** null: every column (`all-attributes`, or no attribute element on the root entity). */
  readonly attributes: readonly FetchAttribute[] | null;
  readonly orders: readonly FetchOrder[];
  readonly filter?: FetchFilter;
  readonly links: readonly FetchNode[];
}

/** A parsed `fetch` element. */
export interface FetchQuery {
  readonly root: FetchNode;
  readonly top?: number;
  readonly count?: number;
  readonly page?: number;
  /** The `paging-cookie` attribute, already XML-decoded: `<cookie page="1"><accountid last=.. first=.. /></cookie>`. */
  readonly pagingCookie?: string;
  readonly aggregate: boolean;
  readonly aggregateLimit?: number;
  readonly distinct: boolean;
}

/** 400 0x80040201 InvalidXml: the FetchXML is not well-formed (https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes). */
export function invalidXml(): DataverseError {
  return new DataverseError(400, '0x80040201', 'Invalid XML.');
}

/** 400 0x80041103 QueryBuilderNoAttribute, worded as Dataverse words it. */
export function attributeNotFound(entity: string, attribute: string): DataverseError {
  return new DataverseError(400, '0x80041103', `'${entity}' entity doesn't contain attribute with Name = '${attribute}' and NameMapping = 'Logical'.`);
}

/** 400 0x80041102 QueryBuilderNoEntity, worded as Dataverse words it. */
export function entityNotFound(entity: string): DataverseError {
  return new DataverseError(400, '0x80041102', `The entity with a name = '${entity}' with namemapping = 'Logical' was not found in the MetadataCache.`);
}

/** 400 0x80040203 InvalidArgument: the XML is well-formed but is not a valid fetch. */
export function invalidFetch(message: string): DataverseError {
  return new DataverseError(400, '0x80040203', message);
}

/** 501: valid FetchXML the stand-in does not evaluate (an honest gap, never a wrong answer). */
export function unsupportedFetch(what: string): DataverseError {
  return new DataverseError(501, '0x80060888', `${what} is not supported by the sandbox's FetchXML evaluation.`);
}

const FETCH_ATTRIBUTES = new Set([
  'version', 'count', 'page', 'paging-cookie', 'top', 'aggregate', 'aggregatelimit', 'distinct', 'mapping', 'output-format', 'no-lock',
  'returntotalrecordcount', 'latematerialize', 'options', 'useraworderby', 'datasource',
]);

function positiveInt(el: XmlElement, name: string): number | undefined {
  const raw = el.attributes.get(name);
  if (raw === undefined) return undefined;
  if (!/^\s*\d+\s*$/.test(raw) || parseInt(raw, 10) < 1) throw invalidFetch(`The '${name}' attribute of <${el.name}> must be a positive integer, not '${raw}'.`);
  return parseInt(raw, 10);
}

function bool(el: XmlElement, name: string): boolean {
  const raw = (el.attributes.get(name) ?? 'false').trim().toLowerCase();
  if (raw !== 'true' && raw !== 'false' && raw !== '1' && raw !== '0') throw invalidFetch(`The '${name}' attribute of <${el.name}> must be true or false, not '${raw}'.`);
  return raw === 'true' || raw === '1';
}

function required(el: XmlElement, name: string): string {
  const v = el.attributes.get(name);
  if (v === undefined || v.trim() === '') throw invalidFetch(`The '${name}' attribute is required on <${el.name}>.`);
  return v.trim();
}

/** Parses and validates `?fetchXml=` text against the schema. */
export function parseFetchXml(text: string, schema: Schema): FetchQuery {
  let doc: XmlElement;
  try {
    doc = parseXml(text);
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw invalidXml();
    throw e;
  }
  if (doc.name !== 'fetch') throw invalidFetch(`The root element must be <fetch>, not <${doc.name}>.`);
  for (const name of doc.attributes.keys()) if (!FETCH_ATTRIBUTES.has(name)) throw invalidFetch(`The attribute '${name}' is not declared on <fetch>.`);
  const entities = doc.children.filter((c) => c.name === 'entity');
  const other = doc.children.find((c) => c.name !== 'entity');
  if (other) throw invalidFetch(`The element 'fetch' has invalid child element '${other.name}'. List of possible elements expected: 'entity'.`);
  if (entities.length !== 1) throw invalidFetch('The <fetch> element must contain exactly one <entity> element.');
  const aggregate = bool(doc, 'aggregate');
  const top = positiveInt(doc, 'top');
  if (top !== undefined && top > 5000) throw invalidFetch(`The 'top' attribute can't exceed 5000 (it is ${top}); use count and page to page through more rows.`);
  const count = positiveInt(doc, 'count');
  const page = positiveInt(doc, 'page');
  if (top !== undefined && (count !== undefined || page !== undefined)) {
    // https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/page-results: top and paging are not compatible.
    throw invalidFetch("The 'top' attribute can't be used with 'count' or 'page'; use one way of limiting the rows.");
  }
  const aggregateLimit = positiveInt(doc, 'aggregatelimit');
  const cookie = doc.attributes.get('paging-cookie');
  const aliases = new Map<string, number>();
  const root = parseNode(entities[0]!, schema, undefined, aggregate, aliases);
  return resolveConditionTargets({
    root, aggregate, distinct: bool(doc, 'distinct'),
    ...(top !== undefined ? { top } : {}), ...(count !== undefined ? { count } : {}), ...(page !== undefined ? { page } : {}),
    ...(cookie !== undefined && cookie.trim() !== '' ? { pagingCookie: cookie } : {}),
    ...(aggregateLimit !== undefined ? { aggregateLimit } : {}),
  }, schema);
}

function entityOf(schema: Schema, name: string): EntityDef {
  const entity = schema.entity(name);
  if (!entity) throw entityNotFound(name);
  return entity;
}

function attributeOf(schema: Schema, entity: EntityDef, name: string): AttributeDef {
  const a = schema.attribute(entity.logicalName, name);
  if (!a) throw attributeNotFound(entity.logicalName, name);
  return a;
}

function parseNode(el: XmlElement, schema: Schema, parent: EntityDef | undefined, aggregate: boolean, aliases: Map<string, number>): FetchNode {
  const entity = entityOf(schema, required(el, 'name'));
  let alias = '';
  let link: FetchNode['link'];
  if (parent) {
    const n = (aliases.get(entity.logicalName) ?? 0) + 1;
    aliases.set(entity.logicalName, n);
    // Without an alias Dataverse names the link `{table}{n}` (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/reference/link-entity).
    alias = el.attributes.get('alias')?.trim() || `${entity.logicalName}${n}`;
    const type = (el.attributes.get('link-type') ?? 'inner').trim();
    if (type !== 'inner' && type !== 'outer') {
      if (['any', 'not any', 'all', 'not all', 'exists', 'in', 'matchfirstrowusingcrossapply'].includes(type)) throw unsupportedFetch(`link-type '${type}'`);
      throw invalidFetch(`The link-type '${type}' is not valid; use inner or outer.`);
    }
    link = { from: attributeOf(schema, entity, required(el, 'from')), to: attributeOf(schema, parent, required(el, 'to')), type };
  }
  let attributes: FetchAttribute[] | null = [];
  let all = false;
  const orders: FetchOrder[] = [];
  let filter: FetchFilter | undefined;
  const links: FetchNode[] = [];
  for (const child of el.children) {
    switch (child.name) {
      case 'all-attributes': all = true; break;
      case 'attribute': attributes.push(parseAttribute(child, schema, entity, aggregate)); break;
      case 'order': orders.push(parseOrder(child, schema, entity, aggregate)); break;
      case 'filter':
        if (filter) throw invalidFetch(`<${el.name} name='${entity.logicalName}'> can have only one <filter>; nest filters inside it.`);
        filter = parseFilter(child, schema, entity);
        break;
      case 'link-entity': links.push(parseNode(child, schema, entity, aggregate, aliases)); break;
      default: throw invalidFetch(`The element '${el.name}' has invalid child element '${child.name}'. List of possible elements expected: 'all-attributes, attribute, order, link-entity, filter'.`);
    }
  }
  if (all || (!parent && attributes.length === 0 && !aggregate)) attributes = null;
  return { entity, alias, ...(link ? { link } : {}), attributes, orders, ...(filter ? { filter } : {}), links };
}

function parseAttribute(el: XmlElement, schema: Schema, entity: EntityDef, aggregateQuery: boolean): FetchAttribute {
  const attribute = attributeOf(schema, entity, required(el, 'name'));
  const alias = el.attributes.get('alias')?.trim() || undefined;
  const agg = el.attributes.get('aggregate')?.trim();
  const groupby = bool(el, 'groupby');
  const dategrouping = el.attributes.get('dategrouping')?.trim();
  if (agg !== undefined && !(AGGREGATES as readonly string[]).includes(agg)) {
    throw invalidFetch(`The aggregate '${agg}' is not valid; use one of ${AGGREGATES.join(', ')}.`);
  }
  if (aggregateQuery) {
    // https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/aggregate-data: every attribute needs an alias and either aggregate or groupby.
    if (!alias) throw invalidFetch(`In an aggregate query every attribute needs an alias; add alias='...' to <attribute name='${attribute.logicalName}'>.`);
    if (!agg && !groupby) throw invalidFetch(`In an aggregate query <attribute name='${attribute.logicalName}'> needs aggregate='...' or groupby='true'.`);
  } else if (agg || groupby) {
    throw invalidFetch(`<attribute name='${attribute.logicalName}'> uses ${agg ? 'aggregate' : 'groupby'}, which needs aggregate='true' on <fetch>.`);
  }
  if (dategrouping !== undefined && !['year', 'quarter', 'month', 'day'].includes(dategrouping)) throw unsupportedFetch(`dategrouping '${dategrouping}'`);
  return {
    attribute, groupby, distinct: bool(el, 'distinct'),
    ...(alias ? { alias } : {}), ...(agg ? { aggregate: agg as AggregateFunction } : {}),
    ...(dategrouping ? { dategrouping: dategrouping as FetchAttribute['dategrouping'] & string } : {}),
  };
}

function parseOrder(el: XmlElement, schema: Schema, entity: EntityDef, aggregateQuery: boolean): FetchOrder {
  const descending = bool(el, 'descending');
  const alias = el.attributes.get('alias')?.trim();
  const name = el.attributes.get('attribute')?.trim();
  if (aggregateQuery) {
    if (!alias) throw invalidFetch("In an aggregate query an <order> names the alias of a groupby or aggregate attribute: <order alias='...' />.");
    return { alias, descending };
  }
  if (!name) throw invalidFetch("The 'attribute' attribute is required on <order>.");
  if (el.attributes.has('entityname')) throw unsupportedFetch('An order on a link-entity column named with entityname');
  return { attribute: attributeOf(schema, entity, name), descending };
}

function parseFilter(el: XmlElement, schema: Schema, entity: EntityDef): FetchFilter {
  const type = (el.attributes.get('type') ?? 'and').trim();
  if (type !== 'and' && type !== 'or') throw invalidFetch(`The filter type '${type}' is not valid; use and or or.`);
  const items: Array<FetchFilter | FetchCondition> = [];
  for (const child of el.children) {
    if (child.name === 'filter') items.push(parseFilter(child, schema, entity));
    else if (child.name === 'condition') items.push(parseCondition(child, schema, entity));
    else throw invalidFetch(`The element 'filter' has invalid child element '${child.name}'. List of possible elements expected: 'condition, filter'.`);
  }
  return { kind: 'filter', type, items };
}

/** Operators that take no value, one value, two values, or a list. */
const ARITY: Partial<Record<Operator, 0 | 1 | 2 | 'list'>> = {
  'null': 0, 'not-null': 0, 'eq-userid': 0, 'ne-userid': 0, 'today': 0, 'yesterday': 0,
  'in': 'list', 'not-in': 'list', 'between': 2, 'not-between': 2,
};

function parseCondition(el: XmlElement, schema: Schema, entity: EntityDef): FetchCondition {
  const operator = required(el, 'operator');
  if (!(OPERATORS as readonly string[]).includes(operator)) throw unsupportedFetch(`The condition operator '${operator}'`);
  if (el.attributes.has('valueof')) throw unsupportedFetch("A condition comparing two columns (valueof)");
  const entityAlias = el.attributes.get('entityname')?.trim() || undefined;
  const name = required(el, 'attribute');
  // A condition naming a link-entity's alias is resolved once the aliases are known (validateConditionTargets).
  const attribute = entityAlias ? { logicalName: name, entityLogicalName: '' } as AttributeDef : attributeOf(schema, entity, name);
  const children = el.children.filter((c) => c.name === 'value').map((c) => c.text);
  const attr = el.attributes.get('value');
  const values = attr !== undefined ? [attr, ...children] : children;
  const arity = ARITY[operator as Operator] ?? 1;
  const ok = arity === 'list' ? values.length >= 1 : values.length === arity;
  if (!ok) {
    const wanted = arity === 0 ? 'no value' : arity === 1 ? "one value (value='...')" : arity === 2 ? 'two <value> elements' : 'one or more <value> elements';
    throw invalidFetch(`The condition operator '${operator}' on '${name}' takes ${wanted}.`);
  }
  return { kind: 'condition', attribute, operator: operator as Operator, values, ...(entityAlias ? { entityAlias } : {}) };
}

/** Every node of the tree, root first. */
export function nodesOf(root: FetchNode): FetchNode[] {
  const out: FetchNode[] = [root];
  for (const link of root.links) out.push(...nodesOf(link));
  return out;
}

/** Resolves `entityname` conditions against the link-entity aliases; returns the query with real attributes. */
function resolveConditionTargets(query: FetchQuery, schema: Schema): FetchQuery {
  const byAlias = new Map(nodesOf(query.root).map((n) => [n.alias, n] as const));
  const fixFilter = (f: FetchFilter): FetchFilter => ({
    ...f,
    items: f.items.map((item) => {
      if (item.kind === 'filter') return fixFilter(item);
      if (!item.entityAlias) return item;
      const node = byAlias.get(item.entityAlias);
      if (!node || node.alias === '') throw invalidFetch(`The condition on '${item.attribute.logicalName}' names entityname='${item.entityAlias}', which is not the alias of a link-entity in this query.`);
      return { ...item, attribute: attributeOf(schema, node.entity, item.attribute.logicalName) };
    }),
  });
  const fixNode = (n: FetchNode): FetchNode => ({ ...n, ...(n.filter ? { filter: fixFilter(n.filter) } : {}), links: n.links.map(fixNode) });
  return { ...query, root: fixNode(query.root) };
}
