import * as assert from "assert";
import { loadPolicyConfig } from "../../policy/evaluator";
import { findingsOf, passes, res, UNKNOWN, violates } from "./helpers";

const INSTANCE = "aws:rds/instance:Instance";
const CLUSTER = "aws:rds/cluster:Cluster";
const good = {
    engine: "postgres", engineVersion: "16.4", storageEncrypted: true, kmsKeyId: "arn:aws:kms:eu-west-1:1:key/k",
    backupRetentionPeriod: 30, publiclyAccessible: false, dbSubnetGroupName: "db-private", parameterGroupName: "pg16-tls",
    multiAz: true, deletionProtection: true, skipFinalSnapshot: false, finalSnapshotIdentifier: "db-final", manageMasterUserPassword: true,
};
const POLICIES = [
    "paved-rds-storage-encrypted", "paved-rds-backup-retention", "paved-rds-not-public", "paved-rds-in-subnet-group",
    "paved-rds-postgres-force-ssl", "paved-rds-multi-az", "paved-rds-deletion-protection", "paved-rds-final-snapshot",
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
            await violates("paved-rds-storage-encrypted", res(type, "db", { ...good, kmsKeyId: undefined }), /customer-managed/,
                { "paved-rds-storage-encrypted": { requireCustomerManagedKey: true } });
        }
    });

    it("backup retention meets the configured minimum (default 30 days)", async () => {
        for (const type of [INSTANCE, CLUSTER]) {
            await violates("paved-rds-backup-retention", res(type, "db", { ...good, backupRetentionPeriod: 7 }), /7 days; the minimum is 30/);
            await violates("paved-rds-backup-retention", res(type, "db", { ...good, backupRetentionPeriod: undefined }), /not set/);
            await passes("paved-rds-backup-retention", res(type, "db", { ...good, backupRetentionPeriod: 7 }), { "paved-rds-backup-retention": { minRetentionDays: 7 } });
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
        for (const [type, family] of [["aws:rds/parameterGroup:ParameterGroup", "postgres16"], ["aws:rds/clusterParameterGroup:ClusterParameterGroup", "aurora-postgresql16"]]) {
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
        await violates("paved-rds-final-snapshot", res(CLUSTER, "db", { ...good, finalSnapshotIdentifier: undefined }), /finalSnapshotIdentifier/);
        const db = res(INSTANCE, "db", { ...good, multiAz: false });
        const staging = await findingsOf("paved-rds-multi-az", [db], loadPolicyConfig("policy/config/staging.json"));
        const prod = await findingsOf("paved-rds-multi-az", [db], loadPolicyConfig("policy/config/prod.json"));
        assert.deepStrictEqual([staging[0].enforcementLevel, prod[0].enforcementLevel], ["advisory", "mandatory"]);
    });
});
