// Entry point the Pulumi CLI runs (`--policy-pack policy`). Constructing the
// PolicyPack starts the Analyzer gRPC server, so nothing else imports this file.
import { PolicyPack } from "@pulumi/policy";
import { PACK_ENFORCEMENT_LEVEL, PACK_NAME, policies } from "./policies";

new PolicyPack(PACK_NAME, {
  description:
    "paved guardrails: blocks unsafe AWS configurations for a Node.js + PostgreSQL app (network, TLS, secrets, database, storage, compute, IAM).",
  displayName: "paved guardrails",
  provider: "aws",
  tags: ["aws", "security", "paved"],
  // Policies carry their own defaults; anything without one is blocking.
  enforcementLevel: PACK_ENFORCEMENT_LEVEL,
  policies,
});
