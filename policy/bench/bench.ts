// `npm run bench:policy`: evaluates synthetic 1,000- and 10,000-resource stack
// exports (a realistic mix: security groups, listeners, task definitions with
// JSON container definitions, databases, buckets with their v7 companions,
// log groups, IAM documents) and prints resources/s and the 10k/1k time ratio.
// Timing covers JSON parsing of the export, conversion and the full pack.
import { evaluateResources } from "../evaluator";
import { parseInputDocument } from "../lib/inputs";

const URN = (type: string, name: string) => `urn:pulumi:bench::paved::${type}::${name}`;

function resource(type: string, name: string, inputs: Record<string, any>, outputs?: Record<string, any>) {
  return { urn: URN(type, name), type, custom: true, id: `${name}-id`, inputs, outputs: outputs ?? inputs, dependencies: [] as string[] };
}

function group(i: number): any[] {
  const b = `bucket-${i}`;
  const env = Array.from({ length: 12 }, (_, k) => ({ name: `SETTING_${k}`, value: `value-${i}-${k}` }));
  env.push({ name: "JWT_ISSUER", value: "https://auth.example.com" }, { name: "PASSWORD_MIN_LENGTH", value: "12" });
  return [
    resource("aws:ec2/securityGroup:SecurityGroup", `sg-${i}`, {
      ingress: [
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
        { protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] },
      ],
    }),
    // The internet-facing ALB that the group's public 443 rule is for.
    resource("aws:lb/loadBalancer:LoadBalancer", `alb-${i}`, {
      loadBalancerType: "application",
      internal: false,
      securityGroups: [`sg-${i}-id`],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: true,
      accessLogs: { bucket: b, prefix: "alb", enabled: true },
    }),
    resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", `rule-${i}`, {
      ipProtocol: "tcp",
      fromPort: 22,
      toPort: 22,
      cidrIpv4: i % 50 === 0 ? "0.0.0.0/0" : "10.0.0.0/8",
    }),
    resource("aws:lb/listener:Listener", `https-${i}`, {
      protocol: "HTTPS",
      port: 443,
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=31536000; includeSubDomains",
      defaultActions: [{ type: "forward", targetGroupArn: "arn" }],
    }),
    resource("aws:ecs/taskDefinition:TaskDefinition", `task-${i}`, {
      networkMode: "awsvpc",
      containerDefinitions: JSON.stringify([
        {
          name: "app",
          image: "repo@sha256:abc",
          user: "1000:1000",
          readonlyRootFilesystem: true,
          privileged: false,
          logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/app" } },
          environment: env,
          secrets: [{ name: "JWT_SECRET", valueFrom: "arn:aws:secretsmanager:eu-west-1:1:secret:jwt" }],
        },
      ]),
    }),
    resource("aws:rds/instance:Instance", `db-${i}`, {
      engine: "postgres",
      engineVersion: "16.4",
      storageEncrypted: true,
      backupRetentionPeriod: 30,
      dbSubnetGroupName: "db",
      multiAz: true,
      deletionProtection: true,
      finalSnapshotIdentifier: "final",
      manageMasterUserPassword: true,
    }),
    resource("aws:s3/bucket:Bucket", `b-${i}`, { bucket: b }, { bucket: b, id: b }),
    resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `pab-${i}`, {
      bucket: b,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }),
    resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `sse-${i}`, {
      bucket: b,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }],
    }),
    resource("aws:s3/bucketPolicy:BucketPolicy", `bp-${i}`, {
      bucket: b,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    }),
    resource("aws:cloudwatch/logGroup:LogGroup", `lg-${i}`, { retentionInDays: 365, kmsKeyId: "arn:aws:kms:eu-west-1:1:key/k" }),
    resource("aws:iam/rolePolicy:RolePolicy", `rp-${i}`, {
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: `arn:aws:s3:::${b}/*` }],
      }),
    }),
  ];
}

export function syntheticExport(n: number): string {
  const resources: any[] = [];
  for (let i = 0; resources.length < n; i++) {
    resources.push(...group(i));
  }
  return JSON.stringify({
    version: 3,
    deployment: { manifest: { time: new Date(0).toISOString(), magic: "bench", version: "v3" }, resources: resources.slice(0, n) },
  });
}

export async function timeOnce(text: string): Promise<{ ms: number; cpuMs: number; resources: number; findings: number }> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const input = parseInputDocument(JSON.parse(text), "synthetic");
  const findings = await evaluateResources(input.resources, { config: {} });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, resources: input.resources.length, findings: findings.length };
}

async function best(text: string, runs: number) {
  let bestRun = await timeOnce(text);
  for (let i = 1; i < runs; i++) {
    const r = await timeOnce(text);
    if (r.ms < bestRun.ms) {
      bestRun = r;
    }
  }
  return bestRun;
}

async function main() {
  const small = syntheticExport(1_000);
  const large = syntheticExport(10_000);
  await timeOnce(small); // warm up the JIT and module loading
  const a = await best(small, 5);
  const b = await best(large, 3);
  const ratio = b.ms / a.ms;
  // CPU time next to wall time: on a shared machine wall time also counts waiting for a core.
  const fmt = (r: typeof a) =>
    `${r.resources.toLocaleString("en-US")} resources: ${r.ms.toFixed(0)} ms (${r.cpuMs.toFixed(0)} ms CPU), ${Math.round(r.resources / (r.ms / 1000)).toLocaleString("en-US")} resources/s (${r.findings} findings)`;
  console.log(fmt(a));
  console.log(fmt(b));
  console.log(`10k/1k time ratio: ${ratio.toFixed(2)} (target <= 12); 10k under 2 s: ${b.ms < 2000 ? "yes" : "no"}`);
  if (b.ms >= 2000 || ratio > 12) {
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
