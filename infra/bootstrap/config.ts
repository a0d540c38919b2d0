/**
 * Typed, validated configuration of the bootstrap program (namespace `paved-bootstrap`).
 * A bad value fails before any resource is built, naming the key, the value and the fix.
 */
import * as pulumi from "@pulumi/pulumi";

export const BOOTSTRAP_NAMESPACE = "paved-bootstrap";

export interface BootstrapConfig {
  stack: string;
  region: string;
  /** `owner/name` of the GitHub repository whose workflows may assume the roles. */
  githubRepository: string;
  /** App stacks that get a deploy role (default: staging, prod). */
  deployStacks: string[];
  /** Stacks deployed only from the GitHub environment below (default: prod). */
  protectedStacks: string[];
  /** The GitHub environment with required reviewers that protected stacks deploy from (default: production). */
  productionEnvironment: string;
  /** The branch the unprotected stacks deploy from and the nightly drift check runs on (default: main). */
  deployBranch: string;
  /** An existing GitHub OIDC provider's ARN (one per account); empty creates it. */
  existingOidcProviderArn: string;
  /** Days before a scheduled deletion of the state and secrets keys completes (default 30). */
  keyDeletionWindowDays: number;
}

export class BootstrapConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BootstrapConfigError";
  }
}

const STACK = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Reads and validates the config; `get` returns the raw value of a `paved-bootstrap:` key (tests pass a map). */
export function loadBootstrapConfig(
  get: (key: string) => string | undefined = (k) => new pulumi.Config(BOOTSTRAP_NAMESPACE).get(k),
  region: string | undefined = new pulumi.Config("aws").get("region"),
  stack: string = pulumi.getStack(),
): BootstrapConfig {
  const where = `infra/bootstrap/Pulumi.${stack}.yaml`;
  const bad = (key: string, raw: string | undefined, why: string) =>
    new BootstrapConfigError(`Invalid config ${BOOTSTRAP_NAMESPACE}:${key}=${JSON.stringify(raw ?? "")}: ${why}. Set it in ${where}.`);
  if (!region || !/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region))
    throw new BootstrapConfigError(
      `Invalid config aws:region=${JSON.stringify(region ?? "")}: must be an AWS region such as us-east-1. Set it in ${where}.`,
    );

  const repo = get("githubRepository");
  if (!repo || !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/.test(repo)) {
    throw bad(
      "githubRepository",
      repo,
      "must be the GitHub repository as owner/name (e.g. acme/shop), the only repository whose workflows may assume these roles",
    );
  }
  const list = (key: string, def: string[]): string[] => {
    const raw = get(key);
    if (raw === undefined) return def;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      v = raw.split(",");
    }
    if (!Array.isArray(v) || v.some((s) => typeof s !== "string" || !STACK.test(s.trim())))
      throw bad(key, raw, "must be a list of stack names (lowercase letters, digits, single hyphens)");
    return (v as string[]).map((s) => s.trim());
  };
  const deployStacks = list("deployStacks", ["staging", "prod"]);
  if (deployStacks.length === 0) throw bad("deployStacks", get("deployStacks"), "must name at least one stack");
  const protectedStacks = list("protectedStacks", ["prod"]);
  const stray = protectedStacks.filter((s) => !deployStacks.includes(s));
  if (stray.length)
    throw bad(
      "protectedStacks",
      get("protectedStacks"),
      `names ${stray.join(", ")}, which ${stray.length > 1 ? "are" : "is"} not in deployStacks (${deployStacks.join(", ")})`,
    );

  const productionEnvironment = get("productionEnvironment") ?? "production";
  if (!/^[A-Za-z0-9._-]{1,255}$/.test(productionEnvironment))
    throw bad("productionEnvironment", productionEnvironment, "must be a GitHub environment name (letters, digits, . _ -)");
  const deployBranch = get("deployBranch") ?? "main";
  if (!/^[A-Za-z0-9._/-]{1,255}$/.test(deployBranch) || deployBranch.includes("*"))
    throw bad("deployBranch", deployBranch, "must be one branch name, without wildcards");
  const existingOidcProviderArn = get("existingOidcProviderArn") ?? "";
  if (
    existingOidcProviderArn !== "" &&
    !/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/.test(existingOidcProviderArn)
  ) {
    throw bad(
      "existingOidcProviderArn",
      existingOidcProviderArn,
      "must be the ARN of the account's GitHub OIDC provider (arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com), or empty to create it",
    );
  }
  const rawWindow = get("keyDeletionWindowDays") ?? "30";
  const keyDeletionWindowDays = Number(rawWindow);
  if (!/^\d+$/.test(rawWindow) || keyDeletionWindowDays < 7 || keyDeletionWindowDays > 30)
    throw bad("keyDeletionWindowDays", rawWindow, "must be an integer from 7 to 30");

  return {
    stack,
    region,
    githubRepository: repo,
    deployStacks,
    protectedStacks,
    productionEnvironment,
    deployBranch,
    existingOidcProviderArn,
    keyDeletionWindowDays,
  };
}
