/**
 * The error catalogue: every error the app sends is built here, so every answer has
 * one shape — { statusCode, error, message, requestId } — and one wording per case.
 */

/** Reason phrases for the statuses the app sends. */
export const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Payload Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? (status >= 500 ? "Server Error" : "Client Error");
}

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  requestId: string;
}

/** The one error body. */
export function errorBody(statusCode: number, message: string, requestId: string): ErrorBody {
  return { statusCode, error: statusName(statusCode), message, requestId };
}

/** An error with an HTTP status; the error handler answers it with errorBody. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** Extra response headers (e.g. Retry-After). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export const ERRORS = {
  badRequest: (message: string) => new HttpError(400, message),
  invalidCursor: () =>
    new HttpError(400, "querystring/cursor is not a valid cursor: pass the nextCursor value from the previous page unchanged."),
  ticketNotFound: (id: string) => new HttpError(404, `Ticket ${id} not found.`),
  routeNotFound: (method: string, path: string) => new HttpError(404, `Route ${method} ${path} does not exist.`),
  missingToken: () =>
    new HttpError(401, "Missing Authorization header: send 'Authorization: Bearer <token>' (mint one with npm run token -- <subject>)."),
  invalidToken: () => new HttpError(401, "Invalid or expired bearer token: mint a new one with npm run token -- <subject>."),
  uuidNotCanonical: (field: string) => new HttpError(400, `${field} must be a UUID in canonical form (8-4-4-4-12 hex digits).`),
  badIdempotencyKey: () => new HttpError(400, "headers/idempotency-key must be 1-255 visible ASCII characters (a UUID is typical)."),
  idempotencyMismatch: () =>
    new HttpError(422, "This Idempotency-Key was already used for a different request: use a new key for a new request."),
  idempotencyInProgress: () =>
    new HttpError(409, "A request with this Idempotency-Key is still in progress: retry shortly with the same key."),
  dataException: (sqlstate: string) =>
    new HttpError(
      400,
      `A value in the request was refused by the database (SQLSTATE ${sqlstate}): check the request's values against the API schema.`,
    ),
  outcomeUnknown: () =>
    new HttpError(
      504,
      "The database did not answer in time after the write was sent, so its outcome is unknown: retry with the same Idempotency-Key (a retry without one may create a duplicate).",
    ),
  databaseUnavailable: () => new HttpError(503, "The database is unavailable; retry shortly.", { "retry-after": "5" }),
  internal: (message = "Internal Server Error") => new HttpError(500, message),
} as const;
