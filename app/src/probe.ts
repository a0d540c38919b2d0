import http from "node:http";

/** The liveness probe's path and its one answer. */
export const LIVEZ_PATH = "/livez";
export const LIVEZ_BODY = JSON.stringify({ status: "ok" });

export interface LivezFastPathOptions {
  /** The headers every answer carries (security-headers.ts `responseHeaders`), lower-case names. */
  headers: Readonly<Record<string, string>>;
  /** The request id, as Fastify's `genReqId` makes it for every other request. */
  requestId: (req: http.IncomingMessage) => string;
  /** True once shutdown has started: answers then carry `Connection: close`, as the app's hook adds. */
  draining: () => boolean;
}

/**
 * `GET /livez` answered before Fastify routes the request: the container HEALTHCHECK's probe has
 * no dependencies, logs nothing and is not rate-limited, so the app's per-request machinery
 * (router, request logger, response listeners, hooks, serializer) does nothing for it. Answered
 * here it costs what a bare Node server's answer costs plus its headers: bench:app's figure.
 *
 * Exactly `GET /livez` (no query string) takes this path; anything else, `HEAD /livez` and
 * `app.inject()` included, reaches the Fastify route in routes/health.ts, which gives the same
 * answer — a test holds the two equal (status, headers, body) over real HTTP.
 *
 * Returns false when the request is not the probe (the caller hands it to Fastify).
 */
export function livezFastPath(opts: LivezFastPathOptions): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  // Node's flat header list ([name, value, name, value, ...]): built once, copied per answer.
  const fixed: string[] = [];
  for (const [name, value] of Object.entries(opts.headers)) fixed.push(name, value);
  fixed.push("content-type", "application/json; charset=utf-8", "content-length", String(Buffer.byteLength(LIVEZ_BODY)));
  return (req, res) => {
    if (req.url !== LIVEZ_PATH || req.method !== "GET") return false;
    const headers = fixed.slice();
    headers.push("x-request-id", opts.requestId(req));
    if (opts.draining()) headers.push("connection", "close");
    res.writeHead(200, headers);
    res.end(LIVEZ_BODY);
    return true;
  };
}
