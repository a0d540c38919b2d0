// Reading IAM policy documents (bucket policies, identity policies): statements,
// wildcard patterns and the global condition keys that pin a "*" principal.
//
// Everything here is pure and linear in the document size. Unknown values
// (preview) are reported as "unknown" so callers can skip rather than guess.
import { isKnownString, isUnknown } from "./values";

export function asList(v: unknown): any[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

/** A statement's fields, whatever case the document used (JSON documents are case-sensitive, but the provider's typed inputs are camelCase). */
export interface Statement {
  index: number;
  sid?: string;
  effect?: string;
  principal?: unknown;
  notPrincipal?: unknown;
  action: unknown[];
  notAction?: unknown[];
  resource: unknown[];
  notResource?: unknown[];
  condition: Record<string, Record<string, unknown>>;
}

function field(o: any, ...names: string[]): unknown {
  for (const n of names) {
    if (o[n] !== undefined) {
      return o[n];
    }
  }
  return undefined;
}

export function statementsOf(doc: unknown): Statement[] {
  if (!doc || typeof doc !== "object") {
    return [];
  }
  const raw = asList(field(doc, "Statement", "statement", "statements"));
  return raw
    .filter((s) => s && typeof s === "object")
    .map((s, index) => {
      const cond = field(s, "Condition", "condition");
      const condition: Record<string, Record<string, unknown>> = {};
      if (cond && typeof cond === "object") {
        for (const [op, kv] of Object.entries(cond as Record<string, unknown>)) {
          if (kv && typeof kv === "object") {
            condition[op] = kv as Record<string, unknown>;
          }
        }
      }
      const notAction = field(s, "NotAction", "notAction", "notActions");
      const notResource = field(s, "NotResource", "notResource", "notResources");
      const sid = field(s, "Sid", "sid");
      return {
        index,
        sid: typeof sid === "string" && sid !== "" ? sid : undefined,
        effect: field(s, "Effect", "effect") as string | undefined,
        principal: field(s, "Principal", "principal", "principals"),
        notPrincipal: field(s, "NotPrincipal", "notPrincipal", "notPrincipals"),
        action: asList(field(s, "Action", "action", "actions")),
        notAction: notAction === undefined ? undefined : asList(notAction),
        resource: asList(field(s, "Resource", "resource", "resources")),
        notResource: notResource === undefined ? undefined : asList(notResource),
        condition,
      };
    });
}

/** How a statement is named in messages: its Sid, or its position. */
export function statementLabel(st: Statement): string {
  return st.sid !== undefined ? `statement '${st.sid}'` : `statement #${st.index + 1}`;
}

/** True when any value inside is an unknown sentinel or contains one (interpolated into a JSON document). */
export function containsUnknown(v: unknown): boolean {
  if (typeof v === "string") {
    return isUnknown(v) || v.includes("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
  }
  if (Array.isArray(v)) {
    return v.some(containsUnknown);
  }
  if (v && typeof v === "object") {
    return Object.values(v).some(containsUnknown);
  }
  return false;
}

/**
 * IAM wildcard matching: `*` any run of characters (colons and slashes included), `?` one character.
 * Case-sensitive unless asked. The classic greedy matcher that backtracks only to the last `*`:
 * O(pattern × value) in the worst case and no regular expressions built from user input.
 */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === "?" || (p[pi] !== "*" && p[pi] === v[vi]))) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === "*") {
      star = pi++;
      mark = vi;
    } else if (star >= 0) {
      pi = star + 1;
      vi = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === "*") {
    pi++;
  }
  return pi === p.length;
}

export const PARTITIONS = ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-eusc"];

// ARNs that differ in every segment, including empty region/account (S3) and
// resources with ':' and '/'. A pattern made only of wildcards and colons after
// "arn:<partition>:" matches all of them exactly when it matches every ARN.
function probeArns(partition: string): string[] {
  return [
    `arn:${partition}::::`,
    `arn:${partition}:s3:::b`,
    `arn:${partition}:s3:::bucket-1/a/b.txt`,
    `arn:${partition}:iam::123456789012:role/x`,
    `arn:${partition}:ec2:eu-west-1:210987654321:instance/i-0abc`,
    `arn:${partition}:lambda:us-east-1:1:function:f:1`,
    `arn:${partition}:q:r:a:Z~`,
  ];
}

/** True when the resource pattern matches every ARN of at least one partition ("*", "arn*", "arn:aws:*", "arn:*:*:*:*:*", ...). */
export function matchesEveryResource(pattern: unknown): boolean {
  if (!isKnownString(pattern)) {
    return false;
  }
  return PARTITIONS.some((p) => probeArns(p).every((arn) => globMatch(pattern, arn)));
}

const ACTION_PROBES = ["iam:CreateUser", "s3:GetObject", "ec2:RunInstances", "a:b", "sts:AssumeRole", "kms:Decrypt"];

/** True when the action pattern matches every action of every service ("*", "*:*", "?*:*", ...). Action names are case-insensitive. */
export function matchesEveryAction(pattern: unknown): boolean {
  return isKnownString(pattern) && ACTION_PROBES.every((a) => globMatch(pattern, a, true));
}

const S3_ACTION_PROBES = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject", "s3:PutBucketPolicy", "s3:x"];

/** True when the action pattern matches every S3 action ("s3:*", "*", "s3:*", "S3:*"). */
export function matchesEveryS3Action(pattern: unknown): boolean {
  if (pattern === "*" || pattern === "s3:*") {
    return true;
  }
  return isKnownString(pattern) && S3_ACTION_PROBES.every((a) => globMatch(pattern, a, true));
}

export function matchesAnyS3Action(pattern: unknown): boolean {
  return isKnownString(pattern) && S3_ACTION_PROBES.some((a) => globMatch(pattern, a, true));
}

// ---------------------------------------------------------------------------
// Principals

/** "*" or { AWS: "*" } (also inside a list), or an AWS principal ARN with a wildcard account. */
export function isPublicPrincipal(p: unknown): boolean {
  if (p === "*") {
    return true;
  }
  if (p && typeof p === "object" && !Array.isArray(p)) {
    for (const [k, v] of Object.entries(p as Record<string, unknown>)) {
      const kind = k.toLowerCase();
      for (const x of asList(v)) {
        if (x === "*") {
          return true;
        }
        // arn:aws:iam::*:root and similar: every account.
        if (kind === "aws" && isKnownString(x) && /^arn:[^:]*:iam::[^:]*[*?][^:]*:/.test(x)) {
          return true;
        }
      }
    }
  }
  return false;
}

// ---------------------------------------------------------------------------
// Conditions

export interface ParsedOperator {
  qualifier?: "ForAnyValue" | "ForAllValues";
  base: string;
  ifExists: boolean;
}

export function parseOperator(op: string): ParsedOperator {
  let rest = op;
  let qualifier: ParsedOperator["qualifier"];
  const q = /^(ForAnyValue|ForAllValues):/i.exec(rest);
  if (q) {
    qualifier = q[1].toLowerCase() === "foranyvalue" ? "ForAnyValue" : "ForAllValues";
    rest = rest.slice(q[0].length);
  }
  let ifExists = false;
  if (/IfExists$/i.test(rest)) {
    ifExists = true;
    rest = rest.slice(0, -"IfExists".length);
  }
  return { qualifier, base: rest.toLowerCase(), ifExists };
}

/** Operators that let through only requests whose value matches; their negations let through everything else. */
const POSITIVE_STRING = new Set(["stringequals", "stringequalsignorecase", "stringlike"]);
const POSITIVE_ARN = new Set(["arnequals", "arnlike"]);
const POSITIVE_IP = new Set(["ipaddress"]);

type KeyKind = "account" | "arn" | "org" | "orgpath" | "vpc" | "vpce" | "ip" | "userid";

/**
 * IAM global condition keys that pin a request to principals or networks we
 * control, and what their values look like. aws:username is deliberately
 * absent: a user name is only unique inside one account, so anyone can create
 * a user with the same name in theirs.
 */
const RESTRICTING_KEYS: Record<string, KeyKind> = {
  "aws:principalarn": "arn",
  "aws:principalaccount": "account",
  "aws:principalorgid": "org",
  "aws:principalorgpaths": "orgpath",
  "aws:sourceaccount": "account",
  "aws:sourcearn": "arn",
  "aws:sourceorgid": "org",
  "aws:sourceorgpaths": "orgpath",
  "aws:sourcevpc": "vpc",
  "aws:sourcevpce": "vpce",
  "aws:sourceip": "ip",
  "aws:vpceaccount": "account",
  "aws:vpceorgid": "org",
  "aws:vpceorgpaths": "orgpath",
  "aws:userid": "userid",
};

/** Keys present in every request, so `...IfExists` on them still restricts. */
const ALWAYS_PRESENT = new Set(["aws:userid"]);

function hasWildcard(s: string): boolean {
  return s.includes("*") || s.includes("?");
}

function ipv4Prefix(cidr: string): number | undefined {
  const m = /^(\d{1,3})(?:\.(\d{1,3})){3}(?:\/(\d{1,2}))?$/.exec(cidr.trim());
  if (!m) {
    return undefined;
  }
  return m[3] === undefined ? 32 : Number(m[3]);
}

/** A value that narrows the key to something we own (no wildcard in the identifying part, not the whole internet). */
function restrictingValue(kind: KeyKind, value: unknown, wildcards: boolean): boolean {
  if (!isKnownString(value) || value === "") {
    return false;
  }
  const v = value.trim();
  const wild = wildcards && hasWildcard(v);
  switch (kind) {
    case "account":
      return !wild && /^\d{12}$/.test(v);
    case "org":
      return !wild && /^o-[a-z0-9]{4,32}$/.test(v);
    case "orgpath": {
      // o-xxxx/r-xxxx/ou-.../ : the organisation id must be literal.
      const org = v.split("/")[0];
      return !(wildcards && hasWildcard(org)) && /^o-[a-z0-9]{4,32}$/.test(org);
    }
    case "vpc":
      return !wild && /^vpc-[0-9a-f]+$/.test(v);
    case "vpce":
      return !wild && /^vpce-[0-9a-f]+$/.test(v);
    case "userid": {
      // AROA...:session or AIDA...: unique ids; "anonymous" is the unauthenticated caller.
      const id = v.split(":")[0];
      return id !== "" && id.toLowerCase() !== "anonymous" && !(wildcards && hasWildcard(id));
    }
    case "arn": {
      const parts = v.split(":");
      if (parts.length < 6 || parts[0] !== "arn") {
        return false;
      }
      const account = parts[4];
      if (account !== "") {
        return !(wildcards && hasWildcard(account)) && /^\d{12}$/.test(account);
      }
      // No account segment (S3): the globally unique bucket name must be literal.
      const name = parts.slice(5).join(":").split("/")[0];
      return parts[2] === "s3" && name !== "" && !(wildcards && hasWildcard(name));
    }
    case "ip": {
      if (v.includes(":")) {
        const m = /\/(\d{1,3})$/.exec(v);
        return m === null || Number(m[1]) >= 16;
      }
      const prefix = ipv4Prefix(v);
      return prefix !== undefined && prefix >= 8;
    }
  }
}

export interface ConditionVerdict {
  restricted: boolean;
  /** Condition contains unknown values (preview): no verdict. */
  unknown: boolean;
}

/**
 * Whether a statement's Condition pins the caller to principals/networks we
 * control. A block restricts when at least one operator/key pair does (they
 * are ANDed): a positive String/Arn/IpAddress operator, not ForAllValues (true
 * for an absent key), not IfExists (true for an absent key) unless the key is
 * always present, on a restricting key, with every value restricting.
 */
export function conditionRestrictsPrincipal(condition: Record<string, Record<string, unknown>>): ConditionVerdict {
  if (containsUnknown(condition)) {
    return { restricted: false, unknown: true };
  }
  for (const [op, kv] of Object.entries(condition)) {
    const parsed = parseOperator(op);
    if (parsed.qualifier === "ForAllValues") {
      continue;
    }
    const isString = POSITIVE_STRING.has(parsed.base);
    const isArn = POSITIVE_ARN.has(parsed.base);
    const isIp = POSITIVE_IP.has(parsed.base);
    if (!isString && !isArn && !isIp) {
      continue; // negated operators (…NotEquals, …NotLike, NotIpAddress), Bool, Null, Numeric, Date: restrict no principal
    }
    for (const [key, values] of Object.entries(kv)) {
      const k = key.toLowerCase();
      const kind = RESTRICTING_KEYS[k];
      if (!kind || (parsed.ifExists && !ALWAYS_PRESENT.has(k))) {
        continue;
      }
      if ((kind === "ip") !== isIp) {
        continue; // IpAddress only works on aws:SourceIp, and String operators not on it
      }
      // StringEquals treats * literally; StringLike and both Arn operators expand wildcards.
      const wildcards = parsed.base === "stringlike" || isArn;
      const list = asList(values);
      if (list.length > 0 && list.every((v) => restrictingValue(kind, v, wildcards))) {
        return { restricted: true, unknown: false };
      }
    }
  }
  return { restricted: false, unknown: false };
}
