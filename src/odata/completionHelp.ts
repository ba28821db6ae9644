/**
 * What completion and hover say about names that need no metadata: query
 * options, filter operators and functions, request headers and their values,
 * each with a short line and the Microsoft Learn page that documents it.
 */

/** A short explanation and where Microsoft documents it. */
export interface Help {
  readonly summary: string;
  readonly url: string;
}

const WEBAPI = 'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/';
const QUERY = WEBAPI + 'query/';

/** The request methods of the Web API. */
export const METHODS: readonly (readonly [string, string])[] = [
  ['GET', 'Retrieve rows, a row or a function result.'],
  ['POST', 'Create a row, or call an action.'],
  ['PATCH', 'Update a row (or create it when it does not exist: upsert).'],
  ['PUT', 'Set a single column value.'],
  ['DELETE', 'Delete a row, or a single column value.'],
];

/** Top-level query options Dataverse supports, in the order they are offered. */
export const QUERY_OPTIONS: ReadonlyMap<string, Help> = new Map([
  ['$select', { summary: 'The columns to return, separated by commas. Without it every column comes back, which is slow.', url: QUERY + 'select-columns' }],
  ['$filter', { summary: 'Which rows to return: a condition on columns, e.g. statecode eq 0 and contains(name,\'x\').', url: QUERY + 'filter-rows' }],
  ['$orderby', { summary: 'The order of the rows: columns separated by commas, each optionally followed by asc or desc.', url: QUERY + 'order-rows' }],
  ['$top', { summary: 'The number of rows to return at most. Dataverse ignores it when the Prefer: odata.maxpagesize header is sent.', url: QUERY + 'page-results' }],
  ['$expand', { summary: 'Related rows to return through navigation properties, with nested options in parentheses.', url: QUERY + 'join-tables' }],
  ['$count', { summary: 'true adds @odata.count, the number of rows that match (up to 5,000).', url: QUERY + 'count-rows' }],
  ['$apply', { summary: 'Group and aggregate rows: groupby((column),aggregate(column with sum as total)).', url: QUERY + 'aggregate-data' }],
  ['fetchXml', { summary: 'A FetchXML query instead of OData options; write the XML as is, it is encoded when the request runs.', url: 'https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/retrieve-data' }],
  ['savedQuery', { summary: 'Run a system view by its savedqueryid.', url: WEBAPI + 'retrieve-and-execute-predefined-queries' }],
  ['userQuery', { summary: 'Run a personal view by its userqueryid.', url: WEBAPI + 'retrieve-and-execute-predefined-queries' }],
]);

/** Options Dataverse accepts inside `$expand(...)`. */
export const EXPAND_QUERY_OPTIONS: ReadonlyMap<string, Help> = new Map([
  ['$select', { summary: 'The columns of the related table to return.', url: QUERY + 'join-tables' }],
  ['$filter', { summary: 'Collection-valued navigation properties: which related rows to return.', url: QUERY + 'join-tables' }],
  ['$orderby', { summary: 'Collection-valued navigation properties: the order of the related rows (not with a nested $expand).', url: QUERY + 'join-tables' }],
  ['$top', { summary: 'Collection-valued navigation properties: how many related rows (not with a nested $expand).', url: QUERY + 'join-tables' }],
  ['$expand', { summary: 'Expand navigation properties of the related table (a nested $expand).', url: QUERY + 'join-tables' }],
]);

/** Options the parser knows but Dataverse does not support; never offered, explained on hover. */
export const UNSUPPORTED_OPTIONS: ReadonlyMap<string, Help> = new Map([
  ['$skip', { summary: 'Not supported by Dataverse: page with Prefer: odata.maxpagesize and follow @odata.nextLink.', url: QUERY + 'page-results' }],
  ['$format', { summary: 'Not supported by Dataverse: it always answers JSON.', url: WEBAPI + 'compose-http-requests-handle-errors' }],
  ['$search', { summary: 'Works only when Dataverse search is enabled for the environment.', url: WEBAPI + 'query/overview' }],
]);

const FILTER = QUERY + 'filter-rows';

/** Filter operators. */
export const OPERATORS: ReadonlyMap<string, string> = new Map([
  ['eq', 'Equal'], ['ne', 'Not equal'], ['gt', 'Greater than'], ['ge', 'Greater than or equal'], ['lt', 'Less than'],
  ['le', 'Less than or equal'], ['and', 'Both conditions'], ['or', 'Either condition'], ['in', 'One of a list: name in (\'a\',\'b\')'],
  ['has', 'Multi-select choice has a value'], ['add', 'Addition'], ['sub', 'Subtraction'], ['mul', 'Multiplication'],
  ['div', 'Division'], ['mod', 'Remainder'],
]);

/** Standard functions Dataverse supports in $filter. */
export const FILTER_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['contains', "contains(name,'text'): the column contains the text."],
  ['startswith', "startswith(name,'text'): the column starts with the text."],
  ['endswith', "endswith(name,'text'): the column ends with the text."],
]);

/** Where filter operators and functions are documented. */
export const FILTER_URL = FILTER;
/** Where the Microsoft.Dynamics.CRM query functions are documented. */
export const QUERY_FUNCTIONS_URL = WEBAPI + 'reference/queryfunctions';

/** Unbound functions offered where an entity set goes. */
export const UNBOUND_FUNCTIONS: readonly (readonly [string, string, string])[] = [
  ['WhoAmI()', 'The caller: UserId, BusinessUnitId and OrganizationId.', WEBAPI + 'reference/whoami'],
  ['RetrieveVersion()', 'The version of the Dataverse server.', WEBAPI + 'reference/retrieveversion'],
  ['RetrieveCurrentOrganization(AccessType=@p1)', "The org's details; add &@p1=Microsoft.Dynamics.CRM.EndpointAccessType'Default'.", WEBAPI + 'reference/retrievecurrentorganization'],
  ['EntityDefinitions', 'Table definitions (metadata).', WEBAPI + 'query-metadata-web-api'],
  ['GlobalOptionSetDefinitions', 'Global choice definitions (metadata).', WEBAPI + 'query-metadata-web-api'],
  ['RelationshipDefinitions', 'Relationship definitions (metadata).', WEBAPI + 'query-metadata-web-api'],
];

/** A request header: what it does, its usual values, and its page. */
export interface HeaderHelp extends Help {
  readonly name: string;
  /** Values offered after `Name: `, each with a short explanation and, when the value ends in a number to choose, a placeholder for it. */
  readonly values: readonly (readonly [value: string, detail: string, placeholder?: string])[];
  /** True when the value is a comma-separated list of preferences (Prefer). */
  readonly list?: boolean;
}

const HEADERS_PAGE = WEBAPI + 'compose-http-requests-handle-errors';

/** Request headers of the Dataverse Web API. */
export const HEADERS: readonly HeaderHelp[] = [
  {
    name: 'Prefer', summary: 'Preferences: page size, annotations such as formatted values, returning the created row, change tracking.', url: HEADERS_PAGE, list: true,
    values: [
      ['odata.maxpagesize=', 'Rows per page (at most 5,000); follow @odata.nextLink for the next page. Dataverse then ignores $top.', '100'],
      ['odata.include-annotations="*"', 'Every annotation: formatted values, lookup names and logical names.'],
      ['odata.include-annotations="OData.Community.Display.V1.FormattedValue"', 'Formatted values only: choice labels, currency and dates as shown to users.'],
      ['odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"', 'The table each lookup points to.'],
      ['return=representation', 'POST and PATCH return the row they created or updated (status 201 or 200 instead of 204).'],
      ['odata.track-changes', 'Change tracking: the response ends with an @odata.deltaLink for the next call.'],
      ['odata.continue-on-error', '$batch: keep running the requests after one fails.'],
    ],
  },
  { name: 'Accept', summary: 'The response format: Dataverse answers JSON.', url: HEADERS_PAGE, values: [['application/json', 'JSON'], ['application/json;odata.metadata=minimal', 'JSON with minimal OData annotations (the default)'], ['application/json;odata.metadata=none', 'JSON without @odata annotations']] },
  { name: 'Content-Type', summary: 'The format of the request body.', url: HEADERS_PAGE, values: [['application/json', 'A JSON body'], ['multipart/mixed;boundary=batch_1', 'A $batch body']] },
  { name: 'If-Match', summary: 'Run only if the row matches: `*` prevents an upsert from creating; an ETag makes an update optimistic.', url: WEBAPI + 'perform-conditional-operations-using-web-api', values: [['*', 'The row must exist (PATCH does not create it).']] },
  { name: 'If-None-Match', summary: '`*` prevents an upsert from updating; `null` asks for fresh data instead of a cached answer.', url: WEBAPI + 'perform-conditional-operations-using-web-api', values: [['*', 'The row must not exist (PATCH does not update it).'], ['null', 'Do not answer from the browser or proxy cache.']] },
  { name: 'OData-MaxVersion', summary: 'The highest OData version the client understands.', url: HEADERS_PAGE, values: [['4.0', 'OData 4.0']] },
  { name: 'OData-Version', summary: 'The OData version of the request.', url: HEADERS_PAGE, values: [['4.0', 'OData 4.0']] },
  { name: 'MSCRM.SuppressDuplicateDetection', summary: '`false` runs duplicate detection rules on create and update; by default they do not run.', url: WEBAPI + 'manage-duplicate-detection-create-update', values: [['false', 'Detect duplicates: the request fails when a duplicate is found.'], ['true', 'Do not detect duplicates.']] },
  { name: 'MSCRM.BypassCustomPluginExecution', summary: '`true` skips custom synchronous plug-ins and workflows (needs the prvBypassCustomPlugins privilege).', url: 'https://learn.microsoft.com/power-apps/developer/data-platform/bypass-custom-business-logic', values: [['true', 'Skip custom synchronous logic.']] },
  { name: 'MSCRM.BypassBusinessLogicExecution', summary: 'Skip custom synchronous logic, asynchronous logic, or both.', url: 'https://learn.microsoft.com/power-apps/developer/data-platform/bypass-custom-business-logic', values: [['CustomSync', 'Skip custom synchronous logic.'], ['CustomAsync', 'Skip custom asynchronous logic.'], ['CustomSync,CustomAsync', 'Skip both.']] },
  { name: 'CallerObjectId', summary: 'Impersonation: run the request as the user with this Microsoft Entra object id.', url: WEBAPI + 'impersonate-another-user-web-api', values: [] },
  { name: 'MSCRMCallerID', summary: 'Impersonation: run the request as the user with this systemuserid.', url: WEBAPI + 'impersonate-another-user-web-api', values: [] },
  { name: 'MSCRM.SolutionUniqueName', summary: 'Add the created or updated definition to this unmanaged solution.', url: WEBAPI + 'create-update-entity-definitions-using-web-api', values: [] },
  { name: 'MSCRM.MergeLabels', summary: '`true` keeps labels in other languages when updating a definition.', url: WEBAPI + 'create-update-entity-definitions-using-web-api', values: [['true', 'Merge labels.'], ['false', 'Replace labels.']] },
  { name: 'Consistency', summary: '`Strong` reads metadata without the cache, right after a change.', url: WEBAPI + 'query-metadata-web-api', values: [['Strong', 'Read the latest metadata.']] },
];

/** The header with this name, matched without case. */
export function headerHelp(name: string): HeaderHelp | undefined {
  const lower = name.trim().toLowerCase();
  return HEADERS.find((h) => h.name.toLowerCase() === lower);
}
