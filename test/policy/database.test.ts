import * as assert from "assert";
import { loadPolicyConfig } from "../../policy/evaluator";
import { findingsOf, passes, res, UNKNOWN, violates } from "./helpers";

const INSTANCE = "aws:rds/instance:Instance";
const CLUSTER = "aws:rds/cluster:Cluster";
const good = {
  engine: "postgres",
  engineVersion: "16.4",
  storageEncrypted: true,
  kmsKeyId: "arn:aws:kms:eu-west-1:1:key/k",
  backupRetentionPeriod: 30,
  publiclyAccessible: false,
  dbSubnetGroupName: "db-private",
  parameterGroupName: "pg16-tls",
  multiAz: true,
  deletionProtection: true,
  skipFinalSnapshot: false,
  finalSnapshotIdentifier: "db-final",
  manageMasterUserPassword: true,
};
const POLICIES = [
  "paved-rds-storage-encrypted",
  "paved-rds-backup-retention",
  "paved-rds-not-public",
  "paved-rds-in-subnet-group",
  "paved-rds-postgres-force-ssl",
  "paved-rds-multi-az",
  "paved-rds-deletion-protection",
  "paved-rds-final-snapshot",
];

describe("policy: database", () => {
  it("a hardened PostgreSQL instance and Aurora cluster pass every database policy", async () => {
    for (const p of POLICIES) {
      await passes(p, res(INSTANCE, "db", good));
      await passes(p, res(CLUSTER, "aurora", { ...good, engine: "aurora-postgresql" }));
    }
  });

  it("encryption at rest, with an optional customer-managed key", async () => {
    for (const type of [INSTANCE, CLUSTER]) {
      await violates("paved-rds-storage-encrypted", res(type, "db", { ...good, storageEncrypted: false }), /storageEncrypted/);
      await violates("paved-rds-storage-encrypted", res(type, "db", { ...good, storageEncrypted: undefined }));
      await passes("paved-rds-storage-encrypted", res(type, "db", { ...good, kmsKeyId: undefined }));
      await violates("paved-rds-storage-encrypted", res(type, "db", { ...good, kmsKeyId: undefined }), /customer-managed/, {
        "paved-rds-storage-encrypted": { requireCustomerManagedKey: true },
      });
    }
  });

  it("backup retention meets the configured minimum (default 30 days)", async () => {
    for (const type of [INSTANCE, CLUSTER]) {
      await violates("paved-rds-backup-retention", res(type, "db", { ...good, backupRetentionPeriod: 7 }), /7 days; the minimum is 30/);
      await violates("paved-rds-backup-retention", res(type, "db", { ...good, backupRetentionPeriod: undefined }), /not set/);
      await passes("paved-rds-backup-retention", res(type, "db", { ...good, backupRetentionPeriod: 7 }), {
        "paved-rds-backup-retention": { minRetentionDays: 7 },
      });
      await passes("paved-rds-backup-retention", res(type, "db", { ...good, backupRetentionPeriod: UNKNOWN }));
    }
  });

  it("never publicly accessible; always in a subnet group", async () => {
    await violates("paved-rds-not-public", res(INSTANCE, "db", { ...good, publiclyAccessible: true }));
    await violates("paved-rds-not-public", res("aws:rds/clusterInstance:ClusterInstance", "ci", { publiclyAccessible: true }));
    await passes("paved-rds-not-public", res("aws:rds/clusterInstance:ClusterInstance", "ci", { publiclyAccessible: false }));
    for (const type of [INSTANCE, CLUSTER]) {
      await violates("paved-rds-in-subnet-group", res(type, "db", { ...good, dbSubnetGroupName: undefined }), /default VPC/);
    }
  });

  it("PostgreSQL parameter groups force TLS; old engines on the default group are flagged", async () => {
    const P = "paved-rds-postgres-force-ssl";
    for (const [type, family] of [
      ["aws:rds/parameterGroup:ParameterGroup", "postgres16"],
      ["aws:rds/clusterParameterGroup:ClusterParameterGroup", "aurora-postgresql16"],
    ]) {
      await violates(P, res(type, "pg", { family, parameters: [{ name: "log_connections", value: "1" }] }), /rds.force_ssl=1/);
      await violates(P, res(type, "pg", { family, parameters: [{ name: "rds.force_ssl", value: "0" }] }));
      await passes(P, res(type, "pg", { family, parameters: [{ name: "rds.force_ssl", value: "1" }] }));
      await passes(P, res(type, "pg", { family: "mysql8.0", parameters: [] }));
    }
    await violates(P, res(INSTANCE, "db", { ...good, engineVersion: "14.9", parameterGroupName: undefined }), /14.9/);
    await passes(P, res(INSTANCE, "db", { ...good, engineVersion: "16.4", parameterGroupName: undefined }));
  });

  it("prod resilience: Multi-AZ, deletion protection, final snapshot — advisory in staging, mandatory in prod", async () => {
    await violates("paved-rds-multi-az", res(INSTANCE, "db", { ...good, multiAz: false }));
    await violates("paved-rds-deletion-protection", res(CLUSTER, "db", { ...good, deletionProtection: false }));
    await violates("paved-rds-final-snapshot", res(INSTANCE, "db", { ...good, skipFinalSnapshot: true }), /skipFinalSnapshot/);
    await violates(
      "paved-rds-final-snapshot",
      res(CLUSTER, "db", { ...good, finalSnapshotIdentifier: undefined }),
      /finalSnapshotIdentifier/,
    );
    const db = res(INSTANCE, "db", { ...good, multiAz: false });
    const staging = await findingsOf("paved-rds-multi-az", [db], loadPolicyConfig("policy/config/staging.json"));
    const prod = await findingsOf("paved-rds-multi-az", [db], loadPolicyConfig("policy/config/prod.json"));
    assert.deepStrictEqual([staging[0].enforcementLevel, prod[0].enforcementLevel], ["advisory", "mandatory"]);
  });
});

describe("policy: Aurora clusters are Multi-AZ (stack policy, on outputs)", () => {
  const C = "paved-rds-cluster-multi-az";
  const CI = "aws:rds/clusterInstance:ClusterInstance";
  const aurora = (props: Record<string, any> = {}) =>
    res(CLUSTER, "aurora", { engine: "aurora-postgresql", clusterIdentifier: "paved-aurora", ...props });
  const member = (name: string, props: Record<string, any> = {}) =>
    res(CI, name, { clusterIdentifier: "paved-aurora", instanceClass: "db.r6g.large", ...props });

  it("flags an Aurora cluster with fewer than two instances (none, or a lone writer)", async () => {
    await violates(C, [aurora()], /0 ClusterInstance\(s\)/);
    await violates(C, [aurora(), member("writer", { availabilityZone: "eu-west-1a" })], /1 ClusterInstance\(s\); at least 2/);
    // An instance of another cluster does not count.
    await violates(C, [aurora(), member("writer"), member("other", { clusterIdentifier: "other-cluster" })], /1 ClusterInstance/);
    await violates(C, [aurora({ engine: "aurora-mysql" }), member("writer")]);
  });

  it("flags two or more instances that are all pinned to one AZ", async () => {
    await violates(
      C,
      [aurora(), member("a", { availabilityZone: "eu-west-1a" }), member("b", { availabilityZone: "eu-west-1a" })],
      /all 2 instances in eu-west-1a/,
    );
  });

  it("passes two instances in distinct AZs, or with AZs left to AWS", async () => {
    await passes(C, [aurora(), member("a", { availabilityZone: "eu-west-1a" }), member("b", { availabilityZone: "eu-west-1b" })]);
    await passes(C, [aurora(), member("a"), member("b")]);
    await passes(C, [aurora(), member("a", { availabilityZone: "eu-west-1a" }), member("b")]);
  });

  it("correlates by the cluster's id or through the instance's property dependency on the cluster", async () => {
    await passes(C, [aurora({ clusterIdentifier: undefined, id: "paved-aurora" }), member("a"), member("b")]);
    const cluster = aurora({ clusterIdentifier: "renamed" });
    const a = member("a", { clusterIdentifier: "something-else" });
    const b = member("b", { clusterIdentifier: UNKNOWN });
    a.propertyDependencies = { clusterIdentifier: [cluster.urn] };
    b.propertyDependencies = { clusterIdentifier: [cluster.urn] };
    await passes(C, [cluster, a, b]);
  });

  it("Multi-AZ DB clusters (dbClusterInstanceClass), non-Aurora and Serverless v1 clusters qualify as they are", async () => {
    await passes(C, [res(CLUSTER, "maz", { engine: "postgres", dbClusterInstanceClass: "db.m6gd.large", clusterIdentifier: "maz" })]);
    await passes(C, [aurora({ engineMode: "serverless" })]);
  });

  it("does not judge unknowns (preview): the engine, the cluster's identity, or an unlinked instance's cluster", async () => {
    await passes(C, [aurora({ engine: UNKNOWN })]);
    await passes(C, [aurora({ clusterIdentifier: UNKNOWN }), member("a", { clusterIdentifier: UNKNOWN })]);
    await passes(C, [aurora(), member("a"), member("b", { clusterIdentifier: UNKNOWN })]);
    await passes(C, [aurora({ dbClusterInstanceClass: UNKNOWN })]);
  });

  it("minInstances from config; advisory in staging, mandatory in prod", async () => {
    const two = [aurora(), member("a"), member("b")];
    await violates(C, two, /2 ClusterInstance\(s\); at least 3/, { [C]: { minInstances: 3 } });
    await passes(C, [...two, member("c")], { [C]: { minInstances: 3 } });
    const staging = await findingsOf(C, [aurora()], loadPolicyConfig("policy/config/staging.json"));
    const prod = await findingsOf(C, [aurora()], loadPolicyConfig("policy/config/prod.json"));
    assert.deepStrictEqual([staging.map((f) => f.enforcementLevel), prod.map((f) => f.enforcementLevel)], [["advisory"], ["mandatory"]]);
  });
});
