/**
 * Support for the completion and hover tests: the metadata of a real sandbox
 * org (read through the same MetadataService and OrgMetadata the extension
 * uses), and `.odata` files built by hand, so that these tests do not depend
 * on the file parser: a request line, continuation lines, `{{variables}}`
 * and headers, with `|` marking the cursor.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { MetadataLookup } from '../../../src/dataverse/metadata/model';
import { MetadataService } from '../../../src/dataverse/metadata/metadataService';
import { OrgMetadata } from '../../../src/dataverse/metadata/orgMetadata';
import { parseRequestUrl } from '../../../src/odata/index';
import type { Header, ODataFile, ODataRequest, UrlPiece, Variable } from '../../../src/odata/file';
import { memoryFileSystem } from '../dataverse/metadata/memoryFileSystem';
import { startSandbox, type Sandbox } from '../../../sandbox/index';
import { sandboxClient } from '../dataverse/sandboxClient';

/** A lookup that records what it was asked: `columns(account)`. */
export type CountingLookup = MetadataLookup & { calls: string[] };

/** Wraps a lookup so that a test can see which calls a completion made. */
export function counting(inner: MetadataLookup): CountingLookup {
  const calls: string[] = [];
  const wrapped = { calls } as unknown as CountingLookup;
  for (const name of ['tables', 'table', 'tableByEntitySet', 'columns', 'column', 'relationships', 'navigationProperty', 'keys', 'choices'] as const) {
    (wrapped as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      calls.push(`${name}(${args.filter((a) => typeof a === 'string').join(',')})`);
      return (inner[name] as (...a: unknown[]) => unknown).apply(inner, args);
    };
  }
  return wrapped;
}

/**
 * For a test file: the metadata of the sandbox org `contosodev` (the hand-made
 * core tables: account, contact, systemuser...), signed in as a System
 * Administrator, started before the tests and closed after them.
 */
export function sandboxMetadata(name = 'contosodev'): { lookup: () => OrgMetadata; client: () => ReturnType<typeof sandboxClient>['client'] } {
  let sandbox: Sandbox | undefined;
  let metadata: OrgMetadata | undefined;
  let client: ReturnType<typeof sandboxClient>['client'] | undefined;
  before(async () => {
    sandbox = await startSandbox();
    const org = sandbox.orgs.find((o) => o.uniqueName === name) ?? assert.fail(`no sandbox org ${name}`);
    ({ client } = sandboxClient(sandbox, org.url));
    metadata = await OrgMetadata.open({ service: new MetadataService(client), fs: memoryFileSystem(), cache: { folder: '/cache', orgUrl: org.url, identity: 'test' } });
  });
  after(async () => {
    metadata?.dispose();
    await sandbox?.close();
  });
  return {
    lookup: () => metadata ?? assert.fail('The sandbox is started in before(): call lookup() from a test.'),
    client: () => client ?? assert.fail('The sandbox is started in before().'),
  };
}

/** A cursor position and the text without its marker. */
export function cursor(marked: string): { text: string; offset: number } {
  const offset = marked.indexOf('|');
  assert.ok(offset >= 0 && marked.indexOf('|', offset + 1) < 0, 'test bug: mark the cursor with exactly one |');
  return { text: marked.slice(0, offset) + marked.slice(offset + 1), offset };
}

/** A file holding one bare URL (file offsets = URL offsets), the cursor marked with `|`. */
export function urlFile(marked: string): { file: ODataFile; offset: number } {
  const { text, offset } = cursor(marked);
  const request: ODataRequest = {
    start: 0, end: text.length, title: '', method: 'GET', url: text,
    pieces: [{ urlStart: 0, urlLength: text.length, docStart: 0, docLength: text.length }],
    parsed: parseRequestUrl(text), headers: [],
  };
  return { file: { text, requests: text ? [request] : [], variables: [], diagnostics: [] }, offset };
}

/** What `requestFile` builds a file from. */
export interface RequestSpec {
  /** Lines before the request (comments, `@name = value`, a `###` line). */
  preamble?: string[];
  /** The method as written; omitted for a defaulted GET. */
  method?: string;
  /** The URL: the first line, then continuation lines (written indented by four spaces). `{{name}}` is replaced by the variable's value. */
  url: string[];
  headers?: string[];
  body?: string;
  /** Text after the request, not part of it (e.g. a blank line being typed on). */
  after?: string;
}

/**
 * A file with one request built as the file parser documents it (see
 * src/odata/file.ts): continuation lines are joined without their
 * indentation, and a variable maps its whole value to its whole `{{name}}`.
 * The spec's strings may hold one `|`, the cursor.
 */
export function requestFile(spec: RequestSpec): { file: ODataFile; offset: number } {
  let text = '';
  let offset = -1;
  const add = (s: string): number => {
    const at = s.indexOf('|');
    if (at >= 0) {
      offset = text.length + at;
      s = s.slice(0, at) + s.slice(at + 1);
    }
    const start = text.length;
    text += s;
    return start;
  };
  const variables: Variable[] = [];
  for (const line of spec.preamble ?? []) {
    const start = add(line);
    const m = /^@(\w+)\s*=\s*(.*)$/.exec(text.slice(start));
    if (m) {
      const nameStart = start + 1;
      const valueStart = start + text.slice(start).indexOf(m[2], m[1].length + 1);
      variables.push({ name: m[1], value: m[2], start, end: text.length, nameSpan: { start: nameStart, end: nameStart + m[1].length }, valueSpan: { start: valueStart, end: valueStart + m[2].length } });
    }
    add('\n');
  }
  const requestStart = text.length;
  let methodSpan: ODataRequest['methodSpan'];
  if (spec.method !== undefined) {
    const start = add(spec.method);
    methodSpan = { start, end: text.length };
    add(' ');
  }
  let url = '';
  const pieces: UrlPiece[] = [];
  spec.url.forEach((line, i) => {
    if (i > 0) add('\n    ');
    const lineStart = add(line);
    const written = text.slice(lineStart);
    const re = /\{\{(\w+)\}\}/g;
    let last = 0;
    for (let m = re.exec(written); m; m = re.exec(written)) {
      pushText(pieces, written.slice(last, m.index), lineStart + last, url.length);
      url += written.slice(last, m.index);
      const value = variables.find((v) => v.name === m![1])?.value ?? m[0];
      pieces.push({ urlStart: url.length, urlLength: value.length, docStart: lineStart + m.index, docLength: m[0].length, variable: m[1] });
      url += value;
      last = m.index + m[0].length;
    }
    pushText(pieces, written.slice(last), lineStart + last, url.length);
    url += written.slice(last);
  });
  const headers: Header[] = [];
  for (const h of spec.headers ?? []) {
    add('\n');
    const start = add(h);
    const line = text.slice(start);
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const valueStart = colon < 0 ? text.length : start + colon + 1 + (line.slice(colon + 1).length - line.slice(colon + 1).trimStart().length);
    headers.push({
      name: name.trim(), value: colon < 0 ? '' : line.slice(colon + 1).trim(), start, end: text.length,
      nameSpan: { start, end: start + name.trimEnd().length }, valueSpan: { start: valueStart, end: text.length },
    });
  }
  let body: ODataRequest['body'];
  if (spec.body !== undefined) {
    add('\n\n');
    const start = add(spec.body);
    body = { start, end: text.length, text: text.slice(start) };
  }
  const requestEnd = text.length;
  if (spec.after !== undefined) add(spec.after);
  assert.ok(offset >= 0, 'test bug: no cursor');
  const request: ODataRequest = {
    start: requestStart, end: requestEnd, title: '', method: (spec.method ?? 'GET').toUpperCase(), url, pieces,
    parsed: parseRequestUrl(url), headers, ...(methodSpan ? { methodSpan } : {}), ...(body ? { body } : {}),
  };
  return { file: { text, requests: [request], variables, diagnostics: [] }, offset };
}

function pushText(pieces: UrlPiece[], s: string, docStart: number, urlStart: number): void {
  if (s) pieces.push({ urlStart, urlLength: s.length, docStart, docLength: s.length });
}
