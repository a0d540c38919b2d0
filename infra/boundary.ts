/**
 * The permissions boundary every IAM role of the program carries (`paved:permissionsBoundaryArn`,
 * the bootstrap program's `permissionsBoundaryArn` output). The pipeline's deploy roles may
 * create only roles that carry it, so each `new aws.iam.Role` in infra/ sets
 * `permissionsBoundary: permissionsBoundary()` — one line, no extra component argument.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, ConfigError, NAMESPACE } from "./config";

/** The validated boundary ARN, or undefined when the stack sets none. */
export function permissionsBoundary(
  get: (key: string) => string | undefined = (k) => new pulumi.Config(NAMESPACE).get(k),
): string | undefined {
  const v = get("permissionsBoundaryArn");
  if (v === undefined || v === "") return undefined;
  const err = CONFIG_KEYS.permissionsBoundaryArn.check?.(v);
  if (err) throw new ConfigError(`Invalid config ${NAMESPACE}:permissionsBoundaryArn=${JSON.stringify(v)}: ${err}.`);
  return v;
}
