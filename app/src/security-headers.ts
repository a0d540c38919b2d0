import helmet, { type HelmetOptions } from "helmet";

/**
 * The one security-header policy of the API, passed both to @fastify/helmet and
 * to `staticHelmetHeaders` below so the two can never disagree.
 */
export const HELMET_OPTIONS = {
  hsts: { maxAge: 31_536_000, includeSubDomains: true },
  frameguard: { action: "deny" },
  // A JSON API serves no documents: nothing may be loaded or framed. useDefaults: false
  // because helmet's defaults would add script-src/style-src/img-src/font-src entries
  // that *loosen* default-src 'none' (e.g. style-src https: 'unsafe-inline') and
  // ~200 bytes to every response.
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
  },
} satisfies HelmetOptions;

/**
 * The headers helmet itself sets for `options`, computed once.
 *
 * Why: @fastify/helmet 13 calls `helmet(options)` inside its onRequest hook, so
 * every request re-validates the options and re-parses and re-serialises the CSP
 * directives; on /livez that was about 40% of the server's CPU per request
 * (measured: ~33 µs/request with the global hook vs ~19 µs with this). Without
 * nonces the output depends only on the options, so we run helmet's own
 * middleware once against a recording response and replay the result. Helmet
 * stays the single source of the header values and of their validation (a bad
 * option still throws here, at startup).
 */
export function staticHelmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as never, recorder as never, (err?: unknown) => {
    failure = err;
  });
  if (failure) throw failure;
  return Object.freeze(headers);
}

/**
 * Headers every response carries whatever its helmet policy (a route's `helmet: false` included):
 * `Cache-Control: no-store`, because every /api answer is private (tickets, presigned URLs) and
 * probes must never be answered from a cache. A route that may be cached sets its own
 * Cache-Control (reply.header replaces this one).
 */
export const ALWAYS_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "cache-control": "no-store" });

/** The static headers of a response under `options`: helmet's output for it plus ALWAYS_HEADERS; `false`: ALWAYS_HEADERS only. */
export function responseHeaders(options: HelmetOptions | false): Readonly<Record<string, string>> {
  return Object.freeze({ ...(options === false ? {} : staticHelmetHeaders(options)), ...ALWAYS_HEADERS });
}

/** Fastify's own store of a reply's headers (lower-case name -> value), read by reply.header(). */
const REPLY_HEADERS = "fastify.reply.headers";
let replyHeadersKey: symbol | undefined;

/**
 * Adds `headers` (names already lower-case, values strings: staticHelmetHeaders' output) to a
 * reply, as `reply.headers(headers)` would. reply.headers() lower-cases every name and checks for
 * set-cookie on each call — for the dozen static security headers on every response that was
 * ~3% of a probe's CPU (measured). Fastify keeps a reply's headers in a plain object under a
 * symbol; when it is there (found once, by its description) the headers are copied into it in one
 * step, otherwise (a Fastify that stores them differently) reply.headers() is used.
 */
export function addStaticHeaders(reply: object, headers: Readonly<Record<string, string>>): void {
  replyHeadersKey ??= Object.getOwnPropertySymbols(reply).find((s) => s.description === REPLY_HEADERS);
  const store = replyHeadersKey === undefined ? undefined : (reply as Record<symbol, unknown>)[replyHeadersKey];
  if (store !== null && typeof store === "object") Object.assign(store, headers);
  else (reply as { headers(h: Record<string, string>): unknown }).headers(headers);
}
