/**
 * Response writing shared by the Web API and discovery stand-ins: OData
 * headers (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors), request ids, and the faults that alter a response.
 */
import type http from 'node:http';
import type { DataverseError } from './errors';
import type { DataverseRunConfig, FaultConfig } from './runConfig';

/** What composition (sandbox/index.ts) gets back. */
export interface SandboxHandler {
  handle(req: http.IncomingMessage, res: http.ServerResponse): void;
  configure(patch: Partial<DataverseRunConfig>): void;
  close?(): void;
}

const JSON_TYPE = 'application/json; odata.metadata=minimal';

/** Response writer shared with the discovery stand-in: OData headers, request ids, faults. */
export class Responder {
  constructor(private readonly req: http.IncomingMessage, private readonly res: http.ServerResponse, private readonly extraHeaders: Record<string, string>, private fault?: FaultConfig) {}

  send(status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const contentType = typeof body === 'string' ? undefined : body === undefined ? undefined : JSON_TYPE;
    const all: Record<string, string> = { 'OData-Version': '4.0', ...this.extraHeaders, ...(contentType ? { 'Content-Type': contentType } : {}), ...headers };
    const fault = this.fault;
    if (fault?.kind === 'truncate' && text.length > 1) {
      // Body cut in the middle, connection closed cleanly: the client sees JSON that does not parse.
      const cut = Buffer.from(text).subarray(0, Math.max(1, Math.floor(Buffer.byteLength(text) / 2)));
      this.res.writeHead(status, { ...all, 'Content-Length': String(cut.length) });
      this.res.end(cut);
      return;
    }
    if (fault?.kind === 'drop') {
      // Headers and part of the body, then the socket is destroyed.
      this.res.writeHead(status, all);
      this.res.write(text.slice(0, Math.max(1, Math.floor(text.length / 3))));
      setImmediate(() => this.req.socket.destroy());
      return;
    }
    this.res.writeHead(status, { ...all, 'Content-Length': String(Buffer.byteLength(text)) });
    this.res.end(this.req.method === 'HEAD' ? undefined : text);
  }

  error(e: DataverseError, headers: Record<string, string> = {}): void {
    this.send(e.status, e.body(), headers);
  }
}

/** Performs a fault that replaces the answer; returns false for faults that only alter it (slow, truncate, drop). */
export async function applyFault(fault: FaultConfig, responder: Responder, timers: Set<NodeJS.Timeout>): Promise<boolean> {
  switch (fault.kind) {
    case 'status': {
      const gateway = fault.body === 'gateway';
      const body = gateway
        ? { error: { code: fault.status === 504 ? 'GatewayTimeout' : 'BadGateway', message: fault.status === 504 ? 'The gateway did not receive a response from the backend in time.' : 'The gateway received an invalid response from the backend.' } }
        : { error: { code: fault.status === 503 ? '0x80040216' : '0x80040216', message: fault.status === 503 ? 'The service is temporarily unavailable. Please try again later.' : 'An unexpected error occurred.' } };
      responder.send(fault.status, body, fault.status === 503 ? { 'Retry-After': '5' } : {});
      return true;
    }
    case 'html': {
      const status = fault.status ?? 502;
      const html = `<!DOCTYPE html><html><head><title>${status} - Web server received an invalid response while acting as a gateway or proxy server.</title></head><body><h1>Server Error</h1><h2>${status} - Web server received an invalid response while acting as a gateway or proxy server.</h2><p>There is a problem with the page you are looking for, and it cannot be displayed.</p></body></html>`;
      responder.send(status, html, { 'Content-Type': 'text/html; charset=utf-8' });
      return true;
    }
    case 'slow':
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { timers.delete(t); resolve(); }, fault.delayMs);
        timers.add(t);
      });
      return false;
    default:
      return false;
  }
}

