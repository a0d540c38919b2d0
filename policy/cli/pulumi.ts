// `npm run preview -- <stack> [pulumi args...]` / `npm run up -- <stack> [...]`
// Always runs the Pulumi CLI with this pack and the stack's policy config, so
// the safe way is the short way. The stack may also come from $STACK.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { loadPolicyConfig } from "../evaluator";

const POLICY_DIR = path.resolve(__dirname, "..");
const REPO_ROOT = path.resolve(POLICY_DIR, "..");

export function buildPulumiArgs(command: "preview" | "up", stack: string, extra: string[]): string[] {
    const configFile = path.join("policy", "config", `${stack}.json`);
    return [command, "--stack", stack, "--policy-pack", "policy", "--policy-pack-config", configFile, ...extra];
}

export function main(argv: string[], env: NodeJS.ProcessEnv = process.env, spawn: Spawn = spawnSync): number {
    const [command, ...rest] = argv;
    if (command !== "preview" && command !== "up") {
        process.stderr.write(`usage: npm run preview|up -- <stack> [pulumi args...]\n`);
        return 2;
    }
    let stack = env.STACK;
    if (rest.length > 0 && !rest[0].startsWith("-")) {
        stack = rest.shift();
    }
    const dryRun = rest[0] === "--print-command";
    if (dryRun) {
        rest.shift();
    }
    if (!stack) {
        process.stderr.write(`npm run ${command}: no stack given. Run \`npm run ${command} -- staging\` (or prod), or set STACK=<stack>.\n`);
        return 2;
    }
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(stack)) {
        process.stderr.write(`npm run ${command}: invalid stack name "${stack}" (letters, digits, - _ . only).\n`);
        return 2;
    }
    const configFile = path.join(REPO_ROOT, "policy", "config", `${stack}.json`);
    if (!fs.existsSync(configFile)) {
        const known = fs.readdirSync(path.join(POLICY_DIR, "config")).filter(f => f.endsWith(".json")).map(f => f.replace(/\.json$/, ""));
        process.stderr.write(`npm run ${command}: no policy config for stack "${stack}" (policy/config/${stack}.json). ` +
            `Known stacks: ${known.join(", ")}. Create one before deploying a new stack.\n`);
        return 2;
    }
    try {
        loadPolicyConfig(configFile);
    } catch (e: any) {
        process.stderr.write(`${e.message}\n`);
        return 2;
    }
    const args = buildPulumiArgs(command, stack, rest);
    if (dryRun) {
        process.stdout.write(`pulumi ${args.join(" ")}\n`);
        return 0;
    }
    const res = spawn("pulumi", args, { cwd: REPO_ROOT, stdio: "inherit" });
    if (res.error) {
        process.stderr.write(`cannot run the Pulumi CLI (${(res.error as any).code ?? res.error.message}). Install it (https://www.pulumi.com/docs/install/) ` +
            `or use the offline check: npm run plan -- ${stack}\n`);
        return 2;
    }
    const status = res.status ?? 1;
    return command === "up" && status === 0 ? verifyAfterUp(stack, spawn) : status;
}

// --- verify after up --------------------------------------------------------------------------
// `pulumi up` reports success when ECS rolled the release back (one deployment, running =
// desired is the state it waits for), so a successful `up` is followed by `npm run verify`, which
// checks the primary deployment runs this update's task definition, COMPLETED, and /health
// answers 200 through the load balancer. Run as a separate command: the pack stays standalone.
type Spawn = (cmd: string, args: string[], opts: { cwd: string; stdio: "inherit" }) => { status: number | null; error?: Error };

export function verifyAfterUp(stack: string, spawn: Spawn = spawnSync): number {
    const res = spawn("npm", ["run", "--silent", "verify", "--", stack], { cwd: REPO_ROOT, stdio: "inherit" });
    if (res.error) {
        process.stderr.write(`pulumi up succeeded, but \`npm run verify -- ${stack}\` could not be started (${res.error.message}); run it before calling the release live.\n`);
        return 1;
    }
    if (res.status !== 0) {
        process.stderr.write(`pulumi up finished, but the release is not live (npm run verify -- ${stack} failed above).\n`);
        return res.status ?? 1;
    }
    return 0;
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
