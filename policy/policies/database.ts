// RDS PostgreSQL (and Aurora) safety: encrypted, backed up, private, TLS-only,
// and in prod resilient and hard to delete.
import { Config, Res, resourcePolicy, stackPolicy } from "../lib/core";
import { asArray, asInt, isKnownString, isTrue, isUnknown, isKnownNotTrue } from "../lib/values";

export const RDS_INSTANCE = "aws:rds/instance:Instance";
export const RDS_CLUSTER = "aws:rds/cluster:Cluster";
export const RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance";
export const RDS_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup";
export const RDS_CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup";

/** Read replicas inherit these settings from their source. */
function isReplica(r: Res): boolean {
  return r.props.replicateSourceDb !== undefined && r.props.replicateSourceDb !== null;
}

export const storageEncrypted = resourcePolicy({
  name: "paved-rds-storage-encrypted",
  description: "RDS instances and Aurora clusters encrypt storage at rest (optionally with a customer-managed KMS key).",
  rationale: "Data at rest and snapshots must be unreadable without KMS access.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set storageEncrypted: true (and kmsKeyId to a customer-managed key when requireCustomerManagedKey is on). " +
    "An existing unencrypted database must be migrated via an encrypted snapshot copy.",
  types: [RDS_INSTANCE, RDS_CLUSTER],
  config: {
    requireCustomerManagedKey: {
      type: "boolean",
      default: false,
      description: "Also require kmsKeyId (a customer-managed key) instead of the AWS-managed aws/rds key.",
    },
  },
  validate(r, config: Config, report) {
    const enc = r.props.storageEncrypted;
    if (isUnknown(enc) || isReplica(r)) {
      return;
    }
    // Aurora Serverless v1 is always encrypted.
    if (r.type === RDS_CLUSTER && r.props.engineMode === "serverless") {
      return;
    }
    if (!isTrue(enc)) {
      report(`Database '${r.name}' does not encrypt its storage (storageEncrypted is not true).`);
      return;
    }
    const key = r.props.kmsKeyId;
    if (config.requireCustomerManagedKey && !isUnknown(key) && (!isKnownString(key) || key === "")) {
      report(`Database '${r.name}' encrypts storage with the AWS-managed key; set kmsKeyId to a customer-managed KMS key.`);
    }
  },
});

export const backupRetention = resourcePolicy({
  name: "paved-rds-backup-retention",
  description: "Automated backups are kept for at least minRetentionDays (default 30).",
  rationale: "Corruption is often noticed weeks later.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Set backupRetentionPeriod to at least the configured minimum (max 35 days; use AWS Backup for longer).",
  types: [RDS_INSTANCE, RDS_CLUSTER],
  config: {
    minRetentionDays: {
      type: "integer",
      minimum: 1,
      maximum: 35,
      default: 30,
      description: "Minimum backupRetentionPeriod in days.",
    },
  },
  validate(r, config: Config, report) {
    const v = r.props.backupRetentionPeriod;
    if (isUnknown(v) || isReplica(r)) {
      return;
    }
    const days = asInt(v);
    const min: number = config.minRetentionDays;
    if (days === undefined) {
      report(`Database '${r.name}' does not set backupRetentionPeriod (the AWS default is 1 to 7 days); set it to at least ${min}.`);
    } else if (days < min) {
      report(`Database '${r.name}' has backupRetentionPeriod ${days} days; the minimum is ${min}.`);
    }
  },
});

export const notPublic = resourcePolicy({
  name: "paved-rds-not-public",
  description: "Databases are never publicly accessible.",
  rationale: "A public endpoint exposes PostgreSQL to the internet's scanners.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set publiclyAccessible: false and keep the database in private subnets; connect from the app's security group, or for admin use SSM port forwarding.",
  types: [RDS_INSTANCE, RDS_CLUSTER_INSTANCE],
  validate(r, _config, report) {
    if (isTrue(r.props.publiclyAccessible)) {
      report(`Database '${r.name}' is reachable from the internet (publiclyAccessible is true).`);
    }
  },
});

export const inSubnetGroup = resourcePolicy({
  name: "paved-rds-in-subnet-group",
  description: "Databases are placed in an explicit DB subnet group (private subnets), not the default VPC.",
  rationale: "Without a subnet group the database lands in the default VPC.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Create an aws.rds.SubnetGroup over the VPC's private subnets and set dbSubnetGroupName.",
  types: [RDS_INSTANCE, RDS_CLUSTER],
  validate(r, _config, report) {
    const v = r.props.dbSubnetGroupName;
    if (isUnknown(v) || isReplica(r)) {
      return;
    }
    if (!isKnownString(v) || v === "" || v === "default") {
      report(`Database '${r.name}' does not set dbSubnetGroupName, so it lands in the default VPC's subnets.`);
    }
  },
});

function isPostgresFamily(family: string): boolean {
  return family.startsWith("postgres") || family.startsWith("aurora-postgresql");
}

export const postgresForceSsl = resourcePolicy({
  name: "paved-rds-postgres-force-ssl",
  description:
    "PostgreSQL parameter groups set rds.force_ssl=1, so no client can connect without TLS; PostgreSQL instances use such a group unless the engine (15+) defaults to it.",
  rationale:
    "Users' failure write-ups: TLS verification disabled; the server must refuse plaintext connections, whatever the client asks for.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Add { name: "rds.force_ssl", value: "1" } to the parameter group\'s parameters and set the instance\'s parameterGroupName to it; ' +
    "clients then connect with sslmode=verify-full and the RDS CA bundle.",
  types: [RDS_PARAMETER_GROUP, RDS_CLUSTER_PARAMETER_GROUP, RDS_INSTANCE],
  validate(r, _config, report) {
    if (r.type === RDS_INSTANCE) {
      const engine = r.props.engine;
      const pg = r.props.parameterGroupName;
      const version = r.props.engineVersion;
      if (engine !== "postgres" || isUnknown(pg) || isUnknown(version) || isReplica(r)) {
        return;
      }
      const usesDefault = !isKnownString(pg) || pg === "" || pg.startsWith("default.");
      const major = isKnownString(version) ? asInt(version.split(".")[0]) : undefined;
      // Engines before 15 ship rds.force_ssl=0 in the default group.
      if (usesDefault && major !== undefined && major < 15) {
        report(
          `Database '${r.name}' runs PostgreSQL ${version} with the default parameter group, which accepts non-TLS connections; use a parameter group with rds.force_ssl=1.`,
        );
      }
      return;
    }
    const family = r.props.family;
    if (!isKnownString(family) || !isPostgresFamily(family)) {
      return;
    }
    const params = r.props.parameters;
    if (isUnknown(params)) {
      return;
    }
    const forceSsl = asArray(params).find((p) => p && p.name === "rds.force_ssl");
    if (forceSsl && isUnknown(forceSsl.value)) {
      return;
    }
    if (!forceSsl || String(forceSsl.value) !== "1") {
      report(`PostgreSQL parameter group '${r.name}' (${family}) does not set rds.force_ssl=1, so clients may connect without TLS.`);
    }
  },
});

export const multiAz = resourcePolicy({
  name: "paved-rds-multi-az",
  description: "Production databases are Multi-AZ (mandatory in prod, advisory in staging).",
  rationale: "A single-AZ outage takes the database down.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Set multiAz: true on the instance (Aurora clusters are checked by paved-rds-cluster-multi-az).",
  types: [RDS_INSTANCE],
  validate(r, _config, report) {
    const v = r.props.multiAz;
    if (isKnownNotTrue(v) && !isReplica(r)) {
      report(`Database '${r.name}' is single-AZ (multiAz is not true): one AZ outage takes it down.`);
    }
  },
});

export const deletionProtection = resourcePolicy({
  name: "paved-rds-deletion-protection",
  description: "Databases have deletion protection on (mandatory in prod, advisory in staging).",
  rationale: "A bad refactor must not delete the database.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Set deletionProtection: true (turn it off deliberately, in a separate update, before deleting).",
  types: [RDS_INSTANCE, RDS_CLUSTER],
  validate(r, _config, report) {
    const v = r.props.deletionProtection;
    if (isKnownNotTrue(v)) {
      report(`Database '${r.name}' can be deleted by one mistaken update (deletionProtection is not true).`);
    }
  },
});

export const finalSnapshot = resourcePolicy({
  name: "paved-rds-final-snapshot",
  description: "Deleting a database takes a final snapshot (mandatory in prod, advisory in staging).",
  rationale: "Deleting without a snapshot loses the data for good.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: 'Set skipFinalSnapshot: false and finalSnapshotIdentifier: "<name>-final".',
  types: [RDS_INSTANCE, RDS_CLUSTER],
  validate(r, _config, report) {
    const skip = r.props.skipFinalSnapshot;
    const id = r.props.finalSnapshotIdentifier;
    if (isUnknown(skip) || isUnknown(id) || isReplica(r)) {
      return;
    }
    if (isTrue(skip)) {
      report(`Database '${r.name}' sets skipFinalSnapshot true: deleting it loses its data.`);
    } else if (!isKnownString(id) || id === "") {
      report(
        `Database '${r.name}' does not set finalSnapshotIdentifier, so deletion fails or, if the snapshot is skipped later, loses data.`,
      );
    }
  },
});

// Aurora has no multiAz flag: a cluster is Multi-AZ when it has a reader in a
// second AZ to fail over to. That is a property of several resources (the
// cluster and its ClusterInstances), so it is a stack policy on outputs; a
// separate policy name because one policy is either per-resource or per-stack.
export const clusterMultiAz = stackPolicy({
  name: "paved-rds-cluster-multi-az",
  types: [RDS_CLUSTER, RDS_CLUSTER_INSTANCE],
  description:
    "Production Aurora clusters are Multi-AZ: at least minInstances ClusterInstances, in distinct AZs when AZs are set; " +
    "Multi-AZ DB clusters (dbClusterInstanceClass) qualify as they are (mandatory in prod, advisory in staging).",
  rationale: "An Aurora cluster with one instance has no reader to fail over to.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Add a second aws.rds.ClusterInstance with clusterIdentifier: cluster.id (a reader Aurora promotes on failure), " +
    "and leave availabilityZone unset or give each instance a different AZ.",
  config: {
    minInstances: {
      type: "integer",
      minimum: 2,
      default: 2,
      description: "Minimum number of ClusterInstances per Aurora cluster (writer + readers).",
    },
  },
  validate(resources, config: Config, report) {
    const min: number = config.minInstances;
    const byCluster = new Map<string, Res[]>();
    let unlinkedUnknown = false;
    for (const ci of resources) {
      if (ci.type !== RDS_CLUSTER_INSTANCE) {
        continue;
      }
      const keys = new Set(ci.propertyDependencies?.clusterIdentifier ?? []);
      const id = ci.props.clusterIdentifier;
      if (isKnownString(id)) {
        keys.add(id);
      } else if (keys.size === 0) {
        unlinkedUnknown = true; // could belong to any cluster
      }
      for (const k of keys) {
        const list = byCluster.get(k) ?? [];
        list.push(ci);
        byCluster.set(k, list);
      }
    }
    for (const c of resources) {
      if (c.type !== RDS_CLUSTER) {
        continue;
      }
      const { engine, engineMode, dbClusterInstanceClass } = c.props;
      if (isUnknown(engine) || isUnknown(engineMode) || isUnknown(dbClusterInstanceClass)) {
        continue;
      }
      if (isKnownString(dbClusterInstanceClass) && dbClusterInstanceClass !== "") {
        continue; // Multi-AZ DB cluster: one writer and two readers in three AZs by construction
      }
      // Aurora Serverless v1 has no instances; AWS moves its capacity to another AZ itself.
      if (!isKnownString(engine) || !engine.startsWith("aurora") || engineMode === "serverless") {
        continue;
      }
      const instances = new Set<Res>(byCluster.get(c.urn) ?? []);
      let idKnown = false;
      for (const v of [c.props.clusterIdentifier, c.props.id]) {
        if (isKnownString(v) && v !== "") {
          idKnown = true;
          for (const ci of byCluster.get(v) ?? []) {
            instances.add(ci);
          }
        }
      }
      if (instances.size < min) {
        if (idKnown && !unlinkedUnknown) {
          report(
            `Aurora cluster '${c.name}' has ${instances.size} ClusterInstance(s); at least ${min} (a writer and a reader to fail over to) are needed for Multi-AZ.`,
            c.urn,
          );
        }
        continue;
      }
      const azs = [...instances].map((ci) => ci.props.availabilityZone);
      if (azs.every((az) => isKnownString(az) && az !== "") && new Set(azs).size < 2) {
        report(
          `Aurora cluster '${c.name}' runs all ${instances.size} instances in ${azs[0]}: one AZ outage takes the database down.`,
          c.urn,
        );
      }
    }
  },
});

export const databaseStackPolicies = [clusterMultiAz];

export const databasePolicies = [
  storageEncrypted,
  backupRetention,
  notPublic,
  inSubnetGroup,
  postgresForceSsl,
  multiAz,
  deletionProtection,
  finalSnapshot,
];
