// Reads `pulumi stack export` files and `pulumi preview --json` output into
// the evaluator's ResourceRecords. Errors name the file and the problem.
import * as fs from "fs";
import type { ResourceRecord } from "../evaluator";
import { nameFromUrn } from "./core";

export class InputError extends Error {}

export interface ParsedInput {
  kind: "stack-export" | "preview";
  resources: ResourceRecord[];
}

function toRecord(r: any, where: string, file: string): ResourceRecord {
  if (!r || typeof r !== "object" || typeof r.urn !== "string" || typeof r.type !== "string") {
    throw new InputError(`${file}: ${where} is not a resource (needs string "urn" and "type")`);
  }
  return {
    urn: r.urn,
    type: r.type,
    name: nameFromUrn(r.urn),
    custom: r.custom,
    id: r.id,
    parent: r.parent,
    provider: r.provider,
    inputs: r.inputs && typeof r.inputs === "object" ? r.inputs : {},
    outputs: r.outputs && typeof r.outputs === "object" ? r.outputs : {},
    dependencies: Array.isArray(r.dependencies) ? r.dependencies : [],
    propertyDependencies: r.propertyDependencies && typeof r.propertyDependencies === "object" ? r.propertyDependencies : {},
  };
}

export function parseInputDocument(doc: any, file: string): ParsedInput {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    throw new InputError(`${file}: expected a JSON object from \`pulumi stack export\` or \`pulumi preview --json\``);
  }
  if (doc.deployment !== undefined) {
    if (typeof doc.version === "number" && doc.version > 3) {
      throw new InputError(`${file}: stack export version ${doc.version} is not supported (expected 1-3)`);
    }
    const resources = doc.deployment?.resources ?? [];
    if (!Array.isArray(resources)) {
      throw new InputError(`${file}: deployment.resources must be an array`);
    }
    return { kind: "stack-export", resources: resources.map((r: any, i: number) => toRecord(r, `deployment.resources[${i}]`, file)) };
  }
  if (Array.isArray(doc.steps)) {
    // A replace shows up as several steps for one URN; the last new state wins.
    const byUrn = new Map<string, ResourceRecord>();
    doc.steps.forEach((s: any, i: number) => {
      if (!s || typeof s !== "object") {
        throw new InputError(`${file}: steps[${i}] is not an object`);
      }
      if (s.newState) {
        const rec = toRecord(s.newState, `steps[${i}].newState`, file);
        byUrn.set(rec.urn, rec);
      }
    });
    return { kind: "preview", resources: [...byUrn.values()] };
  }
  throw new InputError(`${file}: neither a stack export (no "deployment") nor preview JSON (no "steps")`);
}

export function readInputFile(file: string): ParsedInput {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e: any) {
    throw new InputError(`${file}: cannot read file (${e.code ?? e.message})`);
  }
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch (e: any) {
    throw new InputError(`${file}: invalid JSON (${e.message})`);
  }
  return parseInputDocument(doc, file);
}
