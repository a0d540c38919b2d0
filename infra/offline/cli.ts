/**
 * `npm run plan -- <stack> [--out FILE]`
 *
 * Runs the program offline for a stack, prints the resource tree (component →
 * resources with their key settings), totals and stack outputs, optionally writes
 * a `pulumi stack export` (v3) file, then evaluates the policy pack with
 * policy/config/<stack>.json. Exit codes: 0 clean or advisory only, 1 mandatory
 * policy violations, 2 bad usage or a program/config error.
 */
import * as fs from "fs";
import * as path from "path";
import { runCommand, UsageError, type CommandSpec, type ParsedOptions } from "./options";
import { findingJson } from "../../policy/cli/check";
import { runPlan, listStacks, REPO_ROOT, ExportResource, PlanResult, isSecretValue } from "./plan";
import { resolveProject } from "../../policy/cli/projects";

const USAGE = "usage: npm run plan -- <stack> [--json] [--out FILE] [--config KEY=VALUE] [--project NAME] (--help for more)";

const onOff = (v: any) => (v ? "on" : "off");

/** One line of the most telling settings per resource type. */
export function keySettings(r: ExportResource): string {
  const i = r.inputs ?? {};
  const o = r.outputs ?? {};
  const kv = (o2: Record<string, any>) =>
    Object.entries(o2)
      .filter(([, v]) => v !== undefined && v !== "")
      .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`)
      .join(" ");
  switch (r.type) {
    case "aws:kms/key:Key":
      return kv({ rotation: onOff(i.enableKeyRotation), deletionWindow: i.deletionWindowInDays });
    case "aws:ec2/vpc:Vpc":
      return kv({ cidr: i.cidrBlock });
    case "aws:ec2/subnet:Subnet":
      return kv({ tier: i.tags?.tier, az: i.availabilityZone, cidr: i.cidrBlock, publicIp: onOff(i.mapPublicIpOnLaunch) });
    case "aws:ec2/natGateway:NatGateway":
      return kv({ subnet: i.subnetId });
    case "aws:ec2/route:Route":
      return kv({ dest: i.destinationCidrBlock, via: i.natGatewayId ?? i.networkInterfaceId ?? i.gatewayId });
    case "aws:ec2/instance:Instance":
      return kv({
        type: i.instanceType,
        subnet: i.subnetId,
        publicIp: onOff(i.associatePublicIpAddress),
        sourceDestCheck: onOff(i.sourceDestCheck !== false),
        imdsv2: i.metadataOptions?.httpTokens,
        hopLimit: i.metadataOptions?.httpPutResponseHopLimit,
        keyPair: i.keyName ?? "none",
        rootEncrypted: onOff(i.rootBlockDevice?.encrypted),
      });
    case "aws:ec2/flowLog:FlowLog":
      return kv({ traffic: i.trafficType, to: i.logDestination });
    case "aws:ec2/vpcEndpoint:VpcEndpoint":
      return kv({ service: i.serviceName, type: i.vpcEndpointType });
    case "aws:ec2/securityGroup:SecurityGroup":
      return kv({ description: JSON.stringify(i.description) });
    case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
      return "rules=none (locked down)";
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
    case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
      return kv({
        [r.type.includes("Ingress") ? "from" : "to"]: i.cidrIpv4 ?? i.cidrIpv6 ?? i.referencedSecurityGroupId ?? i.prefixListId,
        port: i.fromPort === i.toPort ? i.fromPort : `${i.fromPort}-${i.toPort}`,
        proto: i.ipProtocol,
      });
    case "aws:cloudwatch/logGroup:LogGroup":
      return kv({ name: i.name, retentionDays: i.retentionInDays, kms: i.kmsKeyId ? "yes" : "no" });
    case "aws:ecr/repository:Repository":
      return kv({
        tags: i.imageTagMutability,
        scanOnPush: onOff(i.imageScanningConfiguration?.scanOnPush),
        encryption: i.encryptionConfigurations?.[0]?.encryptionType,
      });
    case "docker:index/image:Image":
      return kv({ image: o.repoDigest ?? i.imageName, platform: i.build?.platform, buildOnPreview: onOff(i.buildOnPreview) });
    case "aws:rds/instance:Instance":
      return kv({
        engine: `${i.engine} ${i.engineVersion}`,
        class: i.instanceClass,
        storage: `${i.allocatedStorage}-${i.maxAllocatedStorage}GiB ${i.storageType}`,
        multiAz: onOff(i.multiAz),
        backups: `${i.backupRetentionPeriod}d`,
        deletionProtection: onOff(i.deletionProtection),
        finalSnapshot: onOff(!i.skipFinalSnapshot),
        managedPassword: onOff(i.manageMasterUserPassword),
        protect: onOff(r.protect),
      });
    case "aws:rds/parameterGroup:ParameterGroup":
      return kv({ family: i.family, params: (i.parameters ?? []).map((p: any) => `${p.name}=${p.value}`).join(",") });
    case "aws:secretsmanager/secret:Secret":
      return kv({ arn: o.arn, kms: i.kmsKeyId ? "yes" : "no" });
    case "aws:s3/bucket:Bucket":
      return kv({ bucket: o.bucket, protect: onOff(r.protect) });
    case "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
      return kv({ sse: i.rules?.[0]?.applyServerSideEncryptionByDefault?.sseAlgorithm });
    case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":
      return kv({ all4: onOff(i.blockPublicAcls && i.blockPublicPolicy && i.ignorePublicAcls && i.restrictPublicBuckets) });
    case "aws:lb/loadBalancer:LoadBalancer":
      return kv({
        dns: o.dnsName,
        internal: i.internal,
        dropInvalidHeaders: onOff(i.dropInvalidHeaderFields),
        deletionProtection: onOff(i.enableDeletionProtection),
        accessLogs: onOff(i.accessLogs?.enabled),
      });
    case "aws:lb/targetGroup:TargetGroup": {
      const hc = i.healthCheck ?? {};
      return kv({
        type: i.targetType,
        port: i.port,
        health: `${hc.path} every ${hc.interval}s healthy=${hc.healthyThreshold} unhealthy=${hc.unhealthyThreshold} timeout=${hc.timeout}s matcher=${hc.matcher}`,
        deregistration: `${i.deregistrationDelay}s`,
      });
    }
    case "aws:lb/listener:Listener": {
      const a = i.defaultActions?.[0] ?? {};
      return kv({
        listen: `${i.protocol}:${i.port}`,
        tls: i.sslPolicy,
        action: a.type === "redirect" ? `redirect ${a.redirect?.statusCode} → ${a.redirect?.protocol}:${a.redirect?.port}` : a.type,
        hsts: i.routingHttpResponseStrictTransportSecurityHeaderValue
          ? JSON.stringify(i.routingHttpResponseStrictTransportSecurityHeaderValue)
          : undefined,
      });
    }
    case "aws:ecs/cluster:Cluster":
      return kv({ name: i.name, insights: i.settings?.find((s: any) => s.name === "containerInsights")?.value });
    case "aws:ecs/taskDefinition:TaskDefinition": {
      let cs: any[] = [];
      try {
        cs = JSON.parse(i.containerDefinitions);
      } catch {
        /* unknown during preview */
      }
      const c: any = cs[0] ?? {};
      // Containers the first one waits for (e.g. `migrate:SUCCESS` when migrations run on deploy).
      const waitsFor = (c.dependsOn ?? []).map((d: any) => `${d.containerName}:${d.condition}`).join(",") || undefined;
      const readOnly = cs.length > 0 && cs.every((x) => x.readonlyRootFilesystem === true) ? true : c.readonlyRootFilesystem;
      return kv({
        family: i.family,
        cpu: i.cpu,
        memory: i.memory,
        arch: i.runtimePlatform?.cpuArchitecture,
        containers: cs.map((x) => x.name).join(",") || undefined,
        dependsOn: waitsFor,
        env: (c.environment ?? []).length,
        secrets: (c.secrets ?? []).length,
        readOnlyRoot: onOff(readOnly),
        user: c.user,
        command: c.command?.join(" "),
      });
    }
    case "aws:ecs/service:Service":
      return kv({
        desired: i.desiredCount,
        circuitBreaker: i.deploymentCircuitBreaker?.enable ? `on${i.deploymentCircuitBreaker.rollback ? "+rollback" : ""}` : "off",
        healthy: `${i.deploymentMinimumHealthyPercent}-${i.deploymentMaximumPercent}%`,
        publicIp: onOff(i.networkConfiguration?.assignPublicIp),
        exec: onOff(i.enableExecuteCommand),
        grace: i.healthCheckGracePeriodSeconds !== undefined ? `${i.healthCheckGracePeriodSeconds}s` : undefined,
      });
    case "aws:ec2/launchTemplate:LaunchTemplate": {
      const m = i.metadataOptions ?? {};
      const ebs = i.blockDeviceMappings?.[0]?.ebs ?? {};
      return kv({
        type: i.instanceType,
        ami: i.imageId,
        imds: `${m.httpTokens === "required" ? "v2-only" : "v1"} hops=${m.httpPutResponseHopLimit}`,
        publicIp: onOff(i.networkInterfaces?.[0]?.associatePublicIpAddress === "true"),
        keyPair: i.keyName ?? "none",
        root: `${ebs.volumeSize}GiB ${ebs.volumeType} encrypted=${onOff(ebs.encrypted === "true")}`,
        detailedMonitoring: onOff(i.monitoring?.enabled),
      });
    }
    case "aws:autoscaling/group:Group":
      return kv({
        size: `${i.minSize}-${i.maxSize}`,
        subnets: (i.vpcZoneIdentifiers ?? []).length,
        scaleInProtected: onOff(i.protectFromScaleIn),
        forceDelete: onOff(i.forceDelete),
        refresh: i.instanceRefresh?.strategy,
      });
    case "aws:ecs/capacityProvider:CapacityProvider": {
      const g = i.autoScalingGroupProvider ?? {};
      return kv({
        scaling: `${g.managedScaling?.status} target=${g.managedScaling?.targetCapacity}%`,
        terminationProtection: g.managedTerminationProtection,
        draining: g.managedDraining,
      });
    }
    case "aws:appautoscaling/target:Target":
      return kv({ min: i.minCapacity, max: i.maxCapacity });
    case "aws:appautoscaling/policy:Policy": {
      const c = i.targetTrackingScalingPolicyConfiguration ?? {};
      return kv({ metric: c.predefinedMetricSpecification?.predefinedMetricType, target: c.targetValue });
    }
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return kv({ alarm: i.metricName ?? "metric math", threshold: `${i.comparisonOperator} ${i.threshold}` });
    case "aws:acm/certificate:Certificate":
      return kv({ domain: i.domainName, validation: i.validationMethod });
    case "aws:route53/record:Record":
      return kv({ name: i.name, type: i.type });
    default:
      return "";
  }
}

/** Secret values (from `secure:` config) print as [secret], as in `pulumi preview`. */
function maskSecrets(v: any): any {
  if (isSecretValue(v)) return "[secret]";
  if (Array.isArray(v)) return v.map(maskSecrets);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskSecrets(x)]));
  return v;
}

/** The readable tree: stack → components → resources, one line each. */
export function renderTree(res: ExportResource[]): string {
  const children = new Map<string, ExportResource[]>();
  for (const r of res) {
    if (!r.parent) continue;
    if (!children.has(r.parent)) children.set(r.parent, []);
    children.get(r.parent)!.push(r);
  }
  const lines: string[] = [];
  const label = (r: ExportResource) => {
    const name = r.urn.split("::").pop();
    const ks = r.custom ? keySettings({ ...r, inputs: maskSecrets(r.inputs), outputs: maskSecrets(r.outputs) }) : "";
    return `${r.custom ? "" : "[component] "}${r.type} ${name}${ks ? `  (${ks})` : ""}`;
  };
  const walk = (r: ExportResource, prefix: string, last: boolean, root: boolean) => {
    lines.push(root ? label(r) : `${prefix}${last ? "└─ " : "├─ "}${label(r)}`);
    // Stable order: components first, then by type and name (registration order is async).
    const kids = (children.get(r.urn) ?? [])
      .filter((k) => !k.type.startsWith("pulumi:providers:"))
      .sort((a, b) => Number(a.custom) - Number(b.custom) || a.type.localeCompare(b.type) || a.urn.localeCompare(b.urn));
    kids.forEach((k, idx) => walk(k, root ? "" : prefix + (last ? "   " : "│  "), idx === kids.length - 1, false));
  };
  for (const r of res.filter((x) => !x.parent && !x.type.startsWith("pulumi:providers:"))) walk(r, "", true, true);
  return lines.join("\n");
}

export function renderTotals(result: PlanResult): string {
  const res = result.exportDoc.deployment.resources;
  const custom = res.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
  const components = res.filter((r) => !r.custom && r.type !== "pulumi:pulumi:Stack");
  const providers = res.filter((r) => r.type.startsWith("pulumi:providers:"));
  const byType = new Map<string, number>();
  for (const r of custom) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
  const typeLines = [...byType.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([t, n]) => `  ${String(n).padStart(3)}  ${t}`);
  const outputs = Object.entries(result.outputs).map(([k, v]) => `  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  return [
    `Totals: ${custom.length} resources to create, ${components.length} components, ${providers.length} default providers (stack ${result.stack}, ${Math.round(result.durationMs)} ms)`,
    ...typeLines,
    "Outputs:",
    ...outputs,
  ].join("\n");
}

export const PLAN_COMMAND: CommandSpec = {
  command: "npm run plan --",
  summary:
    "Runs the program offline (Pulumi mocks, nothing is deployed) for a stack, prints the resource tree, totals and outputs, and evaluates the policy pack with policy/config/<stack>.json.",
  standard: ["stack", "config", "json", "project"],
  options: {
    out: { type: "string", short: "o", placeholder: "FILE", description: "Also write the plan as a `pulumi stack export` (v3) file." },
  },
  examples: [
    "npm run plan -- staging",
    "npm run plan -- prod --out prod.json",
    "npm run plan -- staging --config compute=ec2",
    "npm run plan -- prod --json | jq .counts",
    "npm run plan -- shared --project bootstrap",
  ],
  notes: [
    "--json prints one JSON document: stack, counts (resources by type), outputs, policy findings (with remediation) and the exit code's reason.",
    "Exit codes: 0 clean or advisory findings only, 1 mandatory policy violations, 2 bad usage, a missing policy config, or a program/config error.",
  ],
};

export async function main(argv: string[]): Promise<number> {
  return runCommand(PLAN_COMMAND, argv, (o) => plan(o));
}

/** Secret values (from `secure:` config) as [secret] in machine-readable output. */
function summaryOutputs(result: PlanResult): Record<string, unknown> {
  const stackRes = result.exportDoc.deployment.resources.find((r) => r.type === "pulumi:pulumi:Stack");
  return maskSecrets(stackRes?.outputs ?? result.outputs);
}

/** Counts for --json: resources to create by type, components, default providers. */
export function planCounts(result: PlanResult): {
  resources: number;
  components: number;
  providers: number;
  byType: Record<string, number>;
} {
  const res = result.exportDoc.deployment.resources;
  const custom = res.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
  const byType: Record<string, number> = {};
  for (const r of [...custom].sort((a, b) => a.type.localeCompare(b.type))) byType[r.type] = (byType[r.type] ?? 0) + 1;
  return {
    resources: custom.length,
    components: res.filter((r) => !r.custom && r.type !== "pulumi:pulumi:Stack").length,
    providers: res.filter((r) => r.type.startsWith("pulumi:providers:")).length,
    byType,
  };
}

/** Refuses an --out path that cannot be written, before the (slow) plan runs. */
function checkWritable(out: string): void {
  const dir = path.dirname(path.resolve(out));
  if (!fs.existsSync(dir)) throw new UsageError(`--out ${out}: directory ${dir} does not exist.`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new UsageError(`--out ${out}: directory ${dir} is not writable.`);
  }
  if (fs.existsSync(out) && fs.statSync(out).isDirectory()) throw new UsageError(`--out ${out} is a directory; give a file name.`);
}

async function plan(o: ParsedOptions): Promise<number> {
  const stack = o.stack;
  const out = o.values.out as string | undefined;
  const project = resolveProject(o.project);
  const stackDir = path.join(REPO_ROOT, project.dir);
  if (!stack) throw new UsageError(`Missing stack. ${USAGE}. Stacks: ${listStacks(stackDir).join(", ")}.`);
  // Everything the plan's verdict needs is checked first, so a new stack fails fast.
  const stacks = listStacks(stackDir);
  if (!stacks.includes(stack))
    throw new UsageError(
      `Unknown stack "${stack}": no ${path.join(project.dir, `Pulumi.${stack}.yaml`)}. Available stacks: ${stacks.join(", ") || "(none)"}.`,
    );
  const configFile = path.join(project.policyConfigDir, `${stack}.json`);
  const absConfig = path.join(REPO_ROOT, configFile);
  if (!fs.existsSync(absConfig)) {
    throw new UsageError(
      `no policy config ${configFile} for stack "${stack}": add one (copy policy/config/staging.json) so the pack knows this stack's enforcement levels.`,
    );
  }
  if (out) checkWritable(out);
  const evaluator = await import("../../policy/evaluator");
  let policyConfig: Record<string, any>;
  try {
    policyConfig = evaluator.loadPolicyConfig(absConfig);
  } catch (e: any) {
    throw new UsageError(e.message);
  }

  let result: PlanResult;
  try {
    result = await runPlan(stack, { config: o.config, project: project.key });
  } catch (e: any) {
    console.error(`plan failed: ${e?.message ?? e}`);
    return 2;
  }
  const resources = result.exportDoc.deployment.resources;
  if (out) {
    try {
      fs.writeFileSync(out, JSON.stringify(result.exportDoc, null, 2) + "\n");
    } catch (e: any) {
      console.error(`plan: cannot write --out ${out}: ${e?.code ?? e?.message ?? e}.`);
      return 2;
    }
  }
  const findings = await evaluator.evaluateResources(result.resources, { config: policyConfig });
  const mandatory = findings.filter((f) => f.enforcementLevel === "mandatory").length;
  if (o.json) {
    console.log(
      JSON.stringify(
        {
          stack,
          policyConfig: configFile,
          counts: planCounts(result),
          outputs: summaryOutputs(result),
          secretConfigKeys: result.secretKeys,
          findings: findings.map((f) => findingJson(f)),
          mandatory,
          ...(out ? { exportFile: out } : {}),
        },
        null,
        2,
      ),
    );
    return mandatory > 0 ? 1 : 0;
  }
  console.log(`Offline plan for stack "${stack}" (Pulumi mocks; nothing is deployed)\n`);
  for (const w of result.warnings) console.log(w);
  if (result.warnings.length) console.log("");
  console.log(renderTree(resources));
  console.log("");
  console.log(renderTotals(result));
  if (out) console.log(`\nWrote ${resources.length} resources (pulumi stack export v3) to ${out}`);
  console.log(`\nPolicy pack (${configFile}):`);
  console.log(evaluator.formatFindings(findings));
  if (mandatory > 0) {
    console.error(`\n${mandatory} mandatory policy violation(s): the stack would be blocked by \`pulumi up\`.`);
    return 1;
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`plan failed: ${e?.stack ?? e}`);
      process.exit(2);
    },
  );
}
