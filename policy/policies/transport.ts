// Transport security at the load balancer: HTTPS only, modern TLS, HSTS.
import { Config, Res, resourcePolicy } from "../lib/core";
import { asArray, asInt, isKnownString, isTrue, isUnknown, isKnownNotTrue, joinWords } from "../lib/values";

// @pulumi/aws exposes the same resources under both aws:lb/* and aws:alb/*.
export const LISTENERS = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];
export const LOAD_BALANCERS = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];

function protocolOf(r: Res): string | undefined {
  const p = r.props.protocol;
  if (isUnknown(p)) {
    return undefined;
  }
  if (typeof p === "string" && p !== "") {
    return p.toUpperCase();
  }
  // ALB listeners default to HTTP when no protocol is given; a listener with
  // neither protocol nor port belongs to a Gateway Load Balancer (GENEVE on 6081).
  const port = r.props.port;
  if (port === undefined || port === null || port === "") {
    return undefined;
  }
  return "HTTP";
}

function listenerLabel(r: Res): string {
  const port = asInt(r.props.port);
  return `Listener '${r.name}'${port === undefined ? "" : ` (port ${port})`}`;
}

function isApplicationLb(r: Res): boolean | undefined {
  const t = r.props.loadBalancerType;
  if (isUnknown(t)) {
    return undefined;
  }
  return t === undefined || t === null || t === "application";
}

export const httpsOnly = resourcePolicy({
  name: "paved-alb-https-only",
  description:
    "Load balancer HTTP listeners (protocol HTTP, or no protocol with a port) must redirect to HTTPS; nothing may be served over plain HTTP. Gateway Load Balancer listeners (no protocol, no port) are not HTTP.",
  rationale: "Plain HTTP leaks JWTs and session data on every hop.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Serve the app on an HTTPS listener (port 443, ACM certificate) and make the HTTP listener's only default action " +
    '{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }.',
  types: LISTENERS,
  validate(r, _config, report) {
    if (protocolOf(r) !== "HTTP") {
      return;
    }
    const actions = r.props.defaultActions;
    if (isUnknown(actions)) {
      return;
    }
    const list = asArray(actions).filter((a) => a && typeof a === "object");
    const unknown = list.some((a) => isUnknown(a.type) || (a.type === "redirect" && isUnknown(a.redirect?.protocol)));
    if (unknown) {
      return;
    }
    const redirectsToHttps =
      list.length > 0 && list.every((a) => a.type === "redirect" && String(a.redirect?.protocol ?? "").toUpperCase() === "HTTPS");
    if (!redirectsToHttps) {
      const served = list.map((a) => a.type).filter(isKnownString);
      report(
        `${listenerLabel(r)} serves plain HTTP (${served.length > 0 ? `default action ${joinWords(served)}` : "no default action"}) instead of redirecting to HTTPS.`,
      );
    }
  },
});

export const DEFAULT_TLS_POLICIES = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
  "ELBSecurityPolicy-TLS-1-2-2017-01",
  "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
  "ELBSecurityPolicy-FS-1-2-2019-08",
  "ELBSecurityPolicy-FS-1-2-Res-2019-08",
  "ELBSecurityPolicy-FS-1-2-Res-2020-10",
];

export const tlsPolicy = resourcePolicy({
  name: "paved-alb-tls-policy",
  description: "HTTPS/TLS listeners must use a TLS 1.2+ security policy from the allowlist (the AWS default still allows TLS 1.0).",
  rationale: "The AWS default policy still negotiates TLS 1.0/1.1.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: 'Set sslPolicy to "ELBSecurityPolicy-TLS13-1-2-2021-06" (TLS 1.3 + 1.2), or another policy in allowedSslPolicies.',
  types: LISTENERS,
  config: {
    allowedSslPolicies: {
      type: "array",
      items: { type: "string" },
      default: DEFAULT_TLS_POLICIES,
      description: "ELB security policies that only negotiate TLS 1.2 or newer.",
    },
  },
  validate(r, config: Config, report) {
    const proto = protocolOf(r);
    if (proto !== "HTTPS" && proto !== "TLS") {
      return;
    }
    const policy = r.props.sslPolicy;
    if (isUnknown(policy)) {
      return;
    }
    if (!isKnownString(policy) || policy === "") {
      report(`${listenerLabel(r)} is ${proto} without an sslPolicy, so AWS applies ELBSecurityPolicy-2016-08, which allows TLS 1.0/1.1.`);
    } else if (!(config.allowedSslPolicies as string[]).includes(policy)) {
      report(`${listenerLabel(r)} is ${proto} with sslPolicy '${policy}', which is not on the TLS 1.2+ allowlist.`);
    }
  },
});

/** Parses an HSTS header value; undefined max-age when missing or malformed. */
export function parseHsts(value: string): { maxAge?: number; includeSubDomains: boolean } {
  let maxAge: number | undefined;
  let includeSubDomains = false;
  for (const raw of value.split(";")) {
    const part = raw.trim();
    const m = /^max-age\s*=\s*"?(\d{1,12})"?$/i.exec(part);
    if (m) {
      maxAge = Number(m[1]);
    } else if (part.toLowerCase() === "includesubdomains") {
      includeSubDomains = true;
    }
  }
  return { maxAge, includeSubDomains };
}

export const hsts = resourcePolicy({
  name: "paved-alb-hsts",
  description:
    "HTTPS listeners inject Strict-Transport-Security (routingHttpResponseStrictTransportSecurityHeaderValue) with a long max-age and includeSubDomains.",
  rationale:
    "Users' failure write-ups: HSTS switched off; injecting at the listener covers every route, including errors the app never sees.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    'On the HTTPS listener set routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=31536000; includeSubDomains" ' +
    '(add "; preload" once the domain is on the preload list). Do not rely on the app to send it: any route it misses is unprotected.',
  types: LISTENERS,
  config: {
    minMaxAgeSeconds: {
      type: "integer",
      minimum: 0,
      default: 31536000,
      description: "Minimum HSTS max-age in seconds (default one year).",
    },
    requireIncludeSubDomains: {
      type: "boolean",
      default: true,
      description: "Require the includeSubDomains directive.",
    },
  },
  validate(r, config: Config, report) {
    if (protocolOf(r) !== "HTTPS") {
      return;
    }
    const value = r.props.routingHttpResponseStrictTransportSecurityHeaderValue;
    if (isUnknown(value)) {
      return;
    }
    if (!isKnownString(value) || value.trim() === "") {
      report(
        `${listenerLabel(r)} is HTTPS but does not set routingHttpResponseStrictTransportSecurityHeaderValue, so browsers are never told to insist on HTTPS.`,
      );
      return;
    }
    const parsed = parseHsts(value);
    const min: number = config.minMaxAgeSeconds;
    if (parsed.maxAge === undefined) {
      report(`${listenerLabel(r)} sends the HSTS header '${value}', which has no valid max-age.`);
    } else if (parsed.maxAge < min) {
      report(`${listenerLabel(r)} sends HSTS whose max-age=${parsed.maxAge} is below the required minimum of ${min} seconds.`);
    }
    if (config.requireIncludeSubDomains && !parsed.includeSubDomains) {
      report(`${listenerLabel(r)} sends the HSTS header '${value}', which lacks includeSubDomains.`);
    }
  },
});

export const dropInvalidHeaders = resourcePolicy({
  name: "paved-alb-drop-invalid-headers",
  description: "Application load balancers drop HTTP headers with invalid fields (request-smuggling defence).",
  rationale: "Malformed headers enable request smuggling against the app behind the ALB.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Set dropInvalidHeaderFields: true on the load balancer.",
  types: LOAD_BALANCERS,
  validate(r, _config, report) {
    if (isApplicationLb(r) !== true || isUnknown(r.props.dropInvalidHeaderFields)) {
      return;
    }
    if (!isTrue(r.props.dropInvalidHeaderFields)) {
      report(`Application load balancer '${r.name}' forwards headers with invalid fields (dropInvalidHeaderFields is not true).`);
    }
  },
});

export const lbDeletionProtection = resourcePolicy({
  name: "paved-alb-deletion-protection",
  description: "Load balancers have deletion protection on (required in prod; advisory in staging).",
  rationale: "One mistaken update must not take production offline.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Set enableDeletionProtection: true on the load balancer.",
  types: LOAD_BALANCERS,
  validate(r, _config, report) {
    const v = r.props.enableDeletionProtection;
    if (isKnownNotTrue(v)) {
      report(`Load balancer '${r.name}' can be deleted by a single mistaken update (enableDeletionProtection is not true).`);
    }
  },
});

export const lbAccessLogs = resourcePolicy({
  name: "paved-alb-access-logs",
  description: "Load balancers write access logs to S3 (required in prod; advisory in staging).",
  rationale: "Incident response needs request logs.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set accessLogs: { bucket: <log bucket>, enabled: true } on the load balancer; the bucket policy must allow the regional ELB log delivery principal.",
  types: LOAD_BALANCERS,
  validate(r, _config, report) {
    const logs = r.props.accessLogs;
    if (isUnknown(logs)) {
      return;
    }
    if (!logs || typeof logs !== "object") {
      report(`Load balancer '${r.name}' has no accessLogs configuration, so requests leave no trace.`);
      return;
    }
    if (isUnknown(logs.enabled) || isUnknown(logs.bucket)) {
      return;
    }
    if (!isTrue(logs.enabled) || !isKnownString(logs.bucket) || logs.bucket === "") {
      report(`Load balancer '${r.name}' does not write access logs (accessLogs needs enabled: true and a bucket).`);
    }
  },
});

export const transportPolicies = [httpsOnly, tlsPolicy, hsts, dropInvalidHeaders, lbDeletionProtection, lbAccessLogs];
