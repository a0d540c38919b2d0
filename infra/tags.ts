/** Common tags and small helpers shared by the components. */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AppConfig } from "./config";

/** Tags every taggable resource carries (cost allocation, ownership, blast radius). */
export function baseTags(cfg: AppConfig, extra: Record<string, string> = {}): Record<string, string> {
  return { project: "paved", stack: cfg.stack, environment: cfg.environment, "managed-by": "pulumi", ...extra };
}

/** Account id and partition of the deploying credentials, resolved once per component. */
export function accountInfo(parent: pulumi.Resource) {
  const identity = aws.getCallerIdentityOutput({}, { parent });
  const partition = aws.getPartitionOutput({}, { parent });
  return { accountId: identity.accountId, partition: partition.partition };
}

/** Serialises an IAM policy document whose values may be Outputs. */
export function policyJson(doc: any): pulumi.Output<string> {
  return pulumi.output(doc).apply((d) => JSON.stringify(d));
}
