// Every policy of the pack, in evaluation order. Importing this module does not
// start the gRPC server (only constructing the PolicyPack in ../index.ts does),
// so the offline evaluator and the tests run exactly these objects.
import type { PavedPolicy } from "../lib/core";
import { computePolicies, computeStackPolicies } from "./compute";
import { costStackPolicies } from "./cost";
import { databasePolicies, databaseStackPolicies } from "./database";
import { exemptionPolicies } from "./exemptions";
import { iamPolicies } from "./iam";
import { networkPolicies, networkStackPolicies } from "./network";
import { secretsPolicies } from "./secrets";
import { storagePolicies, storageStackPolicies } from "./storage";
import { transportPolicies } from "./transport";

export const policies: PavedPolicy[] = [
  ...networkPolicies,
  ...transportPolicies,
  ...secretsPolicies,
  ...databasePolicies,
  ...storagePolicies,
  ...computePolicies,
  ...iamPolicies,
  ...networkStackPolicies,
  ...databaseStackPolicies,
  ...storageStackPolicies,
  ...computeStackPolicies,
  ...costStackPolicies,
  // Must stay last: they report on what the policies above exempted.
  ...exemptionPolicies,
];

export const PACK_NAME = "paved-guardrails";

/** Pack-wide default for any policy without its own level (the engine falls back to it). */
export const PACK_ENFORCEMENT_LEVEL = "mandatory" as const;

/** The pack's policies by area (one module each), in pack order: for the generated policy reference. */
export const policyAreas: Array<{ area: string; module: string; policies: PavedPolicy[] }> = [
  { area: "Network ingress", module: "network", policies: [...networkPolicies, ...networkStackPolicies] },
  { area: "Transport security (load balancers)", module: "transport", policies: transportPolicies },
  { area: "Secrets", module: "secrets", policies: secretsPolicies },
  { area: "Databases (RDS, Aurora)", module: "database", policies: [...databasePolicies, ...databaseStackPolicies] },
  { area: "Storage and logs (S3, CloudWatch Logs)", module: "storage", policies: [...storagePolicies, ...storageStackPolicies] },
  { area: "Compute (ECS, EC2, EBS)", module: "compute", policies: [...computePolicies, ...computeStackPolicies] },
  { area: "IAM, ECR and KMS", module: "iam", policies: iamPolicies },
  { area: "Cost", module: "cost", policies: costStackPolicies },
  { area: "Exemptions", module: "exemptions", policies: exemptionPolicies },
];
