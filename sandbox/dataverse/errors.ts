/**
 * Dataverse error responses: `{"error":{"code","message"}}` where the code is
 * an HRESULT-style hex string unrelated to the HTTP status, and frequently
 * "0x0" or empty (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors).
 */

/** An error the stand-in answers with; `status` and `code` follow the Microsoft page cited on each factory below (docs/protocol.md#dataverse-web-api). */
export class DataverseError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'DataverseError';
  }

  body(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** 404 0x8006088a: wrong or case-mismatched entity set, function or action (https://learn.microsoft.com/troubleshoot/power-platform/dataverse/dataverse-web-api-and-sdk/web-api-client-errors). */
export function resourceNotFound(segment: string): DataverseError {
  return new DataverseError(404, '0x8006088a', `Resource not found for the segment '${segment}'.`);
}

/** 400 0x0: unknown property in $select/$filter/$orderby (https://learn.microsoft.com/troubleshoot/power-platform/dataverse/dataverse-web-api-and-sdk/web-api-client-errors; older services answer 0x80060888 with the same text, seen in public reports). */
export function propertyNotFound(property: string, typeName: string): DataverseError {
  return new DataverseError(400, '0x0', `Could not find a property named '${property}' on type '${typeName}'.`);
}

/** 400 0x80060888: query syntax and unsupported query options (https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes). */
export function querySyntax(message: string): DataverseError {
  return new DataverseError(400, '0x80060888', message);
}

/** 404 0x80040217 ObjectDoesNotExist (https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes). */
export function recordNotFound(entity: string, id: string): DataverseError {
  return new DataverseError(404, '0x80040217', `${entity} With Id = ${id} Does Not Exist`);
}

/** 404 with empty code: a function or action called with the wrong HTTP method (https://learn.microsoft.com/troubleshoot/power-platform/dataverse/dataverse-web-api-and-sdk/web-api-client-errors). */
export function noHttpResource(url: string): DataverseError {
  return new DataverseError(404, '', `No HTTP resource was found that matches the request URI '${url}'.`);
}

/** 403 0x80072560: caller has no systemuser / application user in the org (docs/protocol.md#dataverse-web-api). */
export function notMemberOfOrganization(): DataverseError {
  return new DataverseError(403, '0x80072560', 'The user is not a member of the organization.');
}

/** Service-protection codes and texts (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits). */
export const SERVICE_PROTECTION = {
  requests: { code: '0x80072322', message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.' },
  executionTime: {
    code: '0x80072321',
    message: 'Combined execution time of incoming requests exceeded limit of 1,200,000 milliseconds over time window of 300 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.',
  },
  concurrency: { code: '0x80072326', message: 'Number of concurrent requests exceeded the limit of 52.' },
} as const;
