/**
 * The `Prefer` request header and the annotations it asks for
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors#request-annotations).
 */

/** What a `Prefer` header asks for. */
export interface Preferences {
  maxPageSize?: number;
  /** Raw `odata.include-annotations` value, e.g. `*` or `OData.Community.Display.V1.FormattedValue`. */
  includeAnnotations?: string;
  returnRepresentation: boolean;
  continueOnError: boolean;
}

/** Parses one or more `Prefer` header values. */
export function parsePrefer(header: string | string[] | undefined): Preferences {
  const prefs: Preferences = { returnRepresentation: false, continueOnError: false };
  const values = Array.isArray(header) ? header : header ? [header] : [];
  for (const value of values) {
    for (const part of splitPrefer(value)) {
      const eq = part.indexOf('=');
      const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
      const v = eq < 0 ? '' : part.slice(eq + 1).trim().replace(/^"|"$/g, '');
      if (key === 'odata.maxpagesize') { const n = parseInt(v, 10); if (n > 0) prefs.maxPageSize = n; }
      else if (key === 'odata.include-annotations') prefs.includeAnnotations = v;
      else if (key === 'return' && v === 'representation') prefs.returnRepresentation = true;
      else if (key === 'odata.continue-on-error') prefs.continueOnError = true;
    }
  }
  return prefs;
}

function splitPrefer(value: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '"') quoted = !quoted;
    else if (value[i] === ',' && !quoted) { parts.push(value.slice(start, i)); start = i + 1; }
  }
  parts.push(value.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** Which annotations a request wants: `*`, a list, or wildcard prefixes like `Microsoft.Dynamics.CRM.*`. */
export class AnnotationFilter {
  private readonly patterns: string[];
  constructor(readonly raw: string | undefined) {
    this.patterns = (raw ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  }
  wants(name: string): boolean {
    return this.patterns.some((p) => {
      if (p === '*') return true;
      if (p.startsWith('-')) return false;
      if (p.endsWith('*')) return name.startsWith(p.slice(0, -1));
      return p === name;
    });
  }
  get any(): boolean {
    return this.patterns.length > 0;
  }
}

export const FORMATTED_VALUE = 'OData.Community.Display.V1.FormattedValue';
export const LOOKUP_LOGICAL_NAME = 'Microsoft.Dynamics.CRM.lookuplogicalname';
export const ASSOCIATED_NAVIGATION_PROPERTY = 'Microsoft.Dynamics.CRM.associatednavigationproperty';
export const TOTAL_RECORD_COUNT = 'Microsoft.Dynamics.CRM.totalrecordcount';
export const TOTAL_RECORD_COUNT_LIMIT_EXCEEDED = 'Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded';
export const GLOBAL_METADATA_VERSION = 'Microsoft.Dynamics.CRM.globalmetadataversion';

const MONTHS_EN_US = { year: 'numeric', month: 'numeric', day: 'numeric' } as const;

/** Formats a date the way the docs' samples show for en-US users ("4/7/2023 2:59 PM"; date-only: "4/7/2023"). */
export function formatDate(iso: string, dateOnly: boolean): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const date = d.toLocaleDateString('en-US', { ...MONTHS_EN_US, timeZone: 'UTC' });
  if (dateOnly) return date;
  const time = d.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' });
  return `${date} ${time}`;
}

/** "$1,234.50" */
export function formatMoney(value: number, symbol = '$'): string {
  return `${value < 0 ? '-' : ''}${symbol}${Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** "1,234" / "12.50" */
export function formatNumber(value: number, precision = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: precision, maximumFractionDigits: precision });
}
