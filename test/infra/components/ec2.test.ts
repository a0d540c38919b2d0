import * as assert from "assert";
import * as path from "path";
import { runPlan, PlanResult, REPO_ROOT } from "../../../infra/offline/plan";
import { evaluateResources, loadPolicyConfig } from "../../../policy/evaluator";
import * as aws from "@pulumi/aws";
import { ECS_AMI_PARAMETER, Ec2Capacity, ecsAgentConfig, type Ec2CapacityArgs } from "../../../infra/components/ec2";
import { ec2Sizing } from "../../../infra/ec2-sizing";
import { renderTree } from "../../../infra/offline/cli";
import type { ResourceRecord } from "../../../infra/offline/plan";
import { ofType as ofTypeRaw, one as oneRaw, plan, policyDoc, STACKS } from "../helpers";

type Rec = ResourceRecord & { outputs: Record<string, any>; dependencies: string[] };
const one = (p: PlanResult, type: string, suffix = "") => oneRaw(p, type, suffix) as Rec;
const ofType = (p: PlanResult, type: string) => ofTypeRaw(p, type) as Rec[];

const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const ASG = "aws:autoscaling/group:Group";
const CP = "aws:ecs/capacityProvider:CapacityProvider";
const TD = "aws:ecs/taskDefinition:TaskDefinition";
const SVC = "aws:ecs/service:Service";
const EC2_TYPES = [
  LT,
  ASG,
  CP,
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
  "aws:iam/instanceProfile:InstanceProfile",
  "aws:iam/serviceLinkedRole:ServiceLinkedRole",
  "aws:ecs/accountSettingDefault:AccountSettingDefault",
];

/** The default EC2 host type for a stack's shipped platform (Pulumi.<stack>.yaml). */
const hostType = (stack: string) => (stack === "staging" ? "m7g.large" : "m6i.large");

// One EC2-mode plan per stack (and one variant), computed once for the file.
const cache = new Map<string, Promise<PlanResult>>();
function ec2Plan(stack: string, extra: Record<string, string> = {}): Promise<PlanResult> {
  const key = `${stack}|${JSON.stringify(extra)}`;
  if (!cache.has(key)) {
    // Plans run one at a time in a process: chain on whatever is cached.
    const prev = Promise.all([...cache.values()]).catch(() => undefined);
    cache.set(
      key,
      prev.then(() => runPlan(stack, { config: { "paved:compute": "ec2", ...extra } })),
    );
  }
  return cache.get(key)!;
}

const userData = (p: PlanResult) => Buffer.from(one(p, LT).inputs.userData, "base64").toString("utf8");

describe("infra/components/ec2: compute=ec2", function () {
  this.timeout(240_000);

  for (const stack of STACKS) {
    describe(stack, () => {
      it("hosts: ECS-optimized AL2023 AMI from AWS's public SSM parameter, IMDSv2 only with hop limit 1", async () => {
        const p = await ec2Plan(stack);
        const lt = one(p, LT);
        assert.match(lt.inputs.imageId, /^ami-[0-9a-f]{17}$/);
        // The default host type follows the stack's platform (staging runs Graviton tasks, a cost lever).
        assert.strictEqual(lt.inputs.instanceType, hostType(stack));
        assert.deepStrictEqual(lt.inputs.metadataOptions, {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: "disabled",
        });
        assert.strictEqual(ECS_AMI_PARAMETER.x86_64, "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id");
      });

      it("hosts: the ECS agent blocks IMDS for tasks, keeps task roles on, refuses privileged containers; the SSM agent runs", async () => {
        const p = await ec2Plan(stack);
        const ud = userData(p);
        const config = Object.fromEntries(
          /cat > \/etc\/ecs\/ecs\.config <<'ECSCONFIG'\n([\s\S]*?)\nECSCONFIG/
            .exec(ud)![1]
            .split("\n")
            .map((l) => l.split("=")),
        );
        assert.deepStrictEqual(config, ecsAgentConfig(`paved-${stack}`));
        assert.strictEqual(config.ECS_CLUSTER, p.outputs.clusterName);
        assert.strictEqual(config.ECS_AWSVPC_BLOCK_IMDS, "true");
        assert.strictEqual(config.ECS_ENABLE_TASK_IAM_ROLE, "true");
        assert.strictEqual(config.ECS_DISABLE_PRIVILEGED, "true");
        assert.strictEqual(config.ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE, "true");
        assert.match(ud, /systemctl enable --now amazon-ssm-agent/);
      });

      it("hosts: no public IP, no key pair, private subnets in every AZ of the stack", async () => {
        const p = await ec2Plan(stack);
        const lt = one(p, LT);
        assert.strictEqual(lt.inputs.keyName, undefined);
        assert.strictEqual(lt.inputs.networkInterfaces.length, 1);
        assert.strictEqual(lt.inputs.networkInterfaces[0].associatePublicIpAddress, "false");
        const hostSg = one(p, "aws:ec2/securityGroup:SecurityGroup", "capacity-hosts");
        assert.deepStrictEqual(lt.inputs.networkInterfaces[0].securityGroups, [hostSg.outputs!.id ?? hostSg.id]);
        const privateSubnets = ofType(p, "aws:ec2/subnet:Subnet").filter((s) => s.inputs.tags?.tier === "private");
        assert.strictEqual(privateSubnets.length, stack === "prod" ? 3 : 2);
        assert.deepStrictEqual([...one(p, ASG).inputs.vpcZoneIdentifiers].sort(), privateSubnets.map((s) => s.id).sort());
      });

      it("no SSH: no ingress rule on port 22 anywhere; the host group has no ingress at all", async () => {
        const p = await ec2Plan(stack);
        const hostSg = one(p, "aws:ec2/securityGroup:SecurityGroup", "capacity-hosts");
        for (const r of ofType(p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")) {
          assert.ok(!(r.inputs.fromPort <= 22 && 22 <= r.inputs.toPort) && r.inputs.ipProtocol !== "-1", `${r.name} does not open port 22`);
          assert.notStrictEqual(r.inputs.securityGroupId, hostSg.id, `${r.name} is not on the host group`);
        }
        assert.deepStrictEqual(hostSg.inputs.ingress ?? [], []);
        for (const sg of ofType(p, "aws:ec2/securityGroup:SecurityGroup")) {
          for (const r of sg.inputs.ingress ?? [])
            assert.ok(!(r.fromPort <= 22 && 22 <= r.toPort) && r.protocol !== "-1", `${sg.name} inline ingress does not open port 22`);
        }
        assert.strictEqual(ofType(p, "aws:ec2/securityGroupRule:SecurityGroupRule").length, 0);
        const egress = ofType(p, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter(
          (r) => r.inputs.securityGroupId === hostSg.id,
        );
        assert.deepStrictEqual(
          egress.map((r) => `${r.inputs.ipProtocol}/${r.inputs.fromPort}-${r.inputs.toPort}`),
          ["tcp/443-443", "tcp/443-443"],
        );
      });

      it("hosts: encrypted gp3 root volume with the stack's volume key (usable by the group's own service-linked role); detailed monitoring", async () => {
        const p = await ec2Plan(stack);
        const lt = one(p, LT);
        const key = one(p, "aws:kms/key:Key", "capacity-volumes");
        assert.deepStrictEqual(lt.inputs.blockDeviceMappings, [
          {
            deviceName: "/dev/xvda",
            ebs: { volumeSize: 30, volumeType: "gp3", encrypted: "true", kmsKeyId: key.outputs!.arn, deleteOnTermination: "true" },
          },
        ]);
        assert.deepStrictEqual(lt.inputs.monitoring, { enabled: true });
        assert.strictEqual(key.inputs.enableKeyRotation, true);
        const slr = one(p, "aws:iam/serviceLinkedRole:ServiceLinkedRole");
        assert.strictEqual(slr.inputs.awsServiceName, "autoscaling.amazonaws.com");
        assert.strictEqual(one(p, ASG).inputs.serviceLinkedRoleArn, slr.outputs!.arn);
        const grants = policyDoc(key).Statement.filter((s: any) => s.Principal?.AWS === slr.outputs!.arn);
        assert.deepStrictEqual(
          grants.map((s: any) => s.Sid),
          ["AutoScalingUsesKeyForVolumes", "AutoScalingAttachesVolumes"],
        );
        assert.deepStrictEqual(grants[1].Condition, { Bool: { "kms:GrantIsForAWSResource": true } });
        const exported = p.exportDoc.deployment.resources.find((r) => r.urn === key.urn)!;
        assert.strictEqual(exported.protect ?? false, stack === "prod", "prod protects the volume key");
      });

      it("instance role: exactly the ECS agent for this cluster and the SSM agent; no images, logs, secrets or data", async () => {
        const p = await ec2Plan(stack);
        const role = one(p, "aws:iam/role:Role", "capacity-hosts");
        assert.deepStrictEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal, { Service: "ec2.amazonaws.com" });
        assert.strictEqual(role.inputs.managedPolicyArns, undefined);
        assert.strictEqual(
          ofType(p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.inputs.role === role.id).length,
          0,
        );
        assert.strictEqual(one(p, "aws:iam/instanceProfile:InstanceProfile", "capacity-hosts").inputs.role, role.outputs!.name);
        const doc = policyDoc(one(p, "aws:iam/rolePolicy:RolePolicy", "capacity-hosts"));
        const clusterArn = one(p, "aws:ecs/cluster:Cluster").outputs!.arn;
        const bySid = Object.fromEntries(doc.Statement.map((s: any) => [s.Sid, s]));
        assert.deepStrictEqual(Object.keys(bySid), ["EcsAgentThisCluster", "EcsAgentPoll", "EcsAgentDiscover", "SsmAgent"]);
        assert.strictEqual(bySid.EcsAgentThisCluster.Resource, clusterArn);
        assert.deepStrictEqual(bySid.EcsAgentPoll.Condition, { ArnEquals: { "ecs:cluster": clusterArn } });
        const actions: string[] = doc.Statement.flatMap((s: any) => [s.Action].flat());
        for (const a of actions) assert.match(a, /^(ecs|ssm|ssmmessages|ec2messages):[A-Za-z]+$/, `${a}: no wildcards, no other services`);
        assert.ok(!actions.some((a) => /^(ecr|logs|s3|secretsmanager|kms|iam|ssm:GetParameter)/.test(a)));
        assert.ok(actions.includes("ssmmessages:OpenDataChannel") && actions.includes("ssm:UpdateInstanceInformation"), "Session Manager");
      });

      it("capacity provider wiring: group → provider → cluster default strategy → service (no launch type)", async () => {
        const p = await ec2Plan(stack);
        const asg = one(p, ASG);
        const cp = one(p, CP);
        const lt = one(p, LT);
        assert.strictEqual(cp.inputs.autoScalingGroupProvider.autoScalingGroupArn, asg.outputs!.arn);
        assert.deepStrictEqual(asg.inputs.launchTemplate, { id: lt.id, version: "1" });
        const ccp = one(p, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders");
        assert.strictEqual(ccp.inputs.clusterName, `paved-${stack}`);
        assert.deepStrictEqual(ccp.inputs.capacityProviders, [cp.outputs!.name]);
        const svc = one(p, SVC);
        assert.strictEqual(svc.inputs.launchType, undefined);
        assert.strictEqual(svc.inputs.platformVersion, undefined);
        assert.deepStrictEqual(svc.inputs.capacityProviderStrategies, [{ capacityProvider: cp.outputs!.name, weight: 1, base: 0 }]);
        assert.strictEqual(svc.inputs.orderedPlacementStrategies[0].field, "attribute:ecs.availability-zone");
        assert.ok(svc.dependencies!.includes(ccp.urn), "the service waits for the provider to join the cluster");
        // The group depends on the cluster, so a destroy deletes the hosts before the cluster.
        const cluster = one(p, "aws:ecs/cluster:Cluster");
        assert.ok(lt.dependencies!.includes(cluster.urn), "user data names the cluster resource");
      });

      it("the same task definitions, compatible with EC2 (and Fargate for one-offs); same service guardrails", async () => {
        const [p, f] = [await ec2Plan(stack), await plan(stack)];
        for (const family of ["-app", "-migrate"]) {
          const e = one(p, TD, family).inputs;
          const g = one(f, TD, family).inputs;
          assert.deepStrictEqual(e.requiresCompatibilities, ["EC2", "FARGATE"]);
          assert.deepStrictEqual(g.requiresCompatibilities, ["FARGATE"]);
          const strip = (x: any) => ({ ...x, requiresCompatibilities: undefined });
          assert.deepStrictEqual(strip(e), strip(g), `${family}: nothing else differs from Fargate`);
        }
        const s = one(p, SVC).inputs;
        const fs = one(f, SVC).inputs;
        for (const k of [
          "deploymentCircuitBreaker",
          "deploymentMinimumHealthyPercent",
          "deploymentMaximumPercent",
          "networkConfiguration",
          "loadBalancers",
          "healthCheckGracePeriodSeconds",
          "alarms",
        ]) {
          assert.deepStrictEqual(s[k], fs[k], k);
        }
        assert.strictEqual(s.networkConfiguration.assignPublicIp, false);
        assert.strictEqual(s.deploymentMaximumPercent, 200, "ec2-sizing's DEPLOYMENT_MAXIMUM_PERCENT");
        assert.deepStrictEqual(
          ofType(p, "aws:appautoscaling/policy:Policy").map((x) => x.inputs),
          ofType(f, "aws:appautoscaling/policy:Policy").map((x) => x.inputs),
        );
      });

      it("the plan's tree shows the host settings", async () => {
        const tree = renderTree((await ec2Plan(stack)).exportDoc.deployment.resources);
        assert.match(
          tree,
          new RegExp(
            `aws:ec2/launchTemplate:LaunchTemplate capacity-hosts .*type=${hostType(stack).replace(".", "\\.")} .*imds=v2-only hops=1 publicIp=off keyPair=none root=30GiB gp3 encrypted=on detailedMonitoring=on`,
          ),
        );
        assert.match(
          tree,
          new RegExp(
            `aws:ecs/capacityProvider:CapacityProvider capacity-provider .*scaling=ENABLED target=100% terminationProtection=${stack === "prod" ? "ENABLED" : "DISABLED"} draining=ENABLED`,
          ),
        );
      });

      it("operations: managed scaling and draining, rolling instance refresh, group size from the sizing", async () => {
        const p = await ec2Plan(stack);
        const g = one(p, CP).inputs.autoScalingGroupProvider;
        assert.strictEqual(g.managedScaling.status, "ENABLED");
        assert.strictEqual(g.managedScaling.targetCapacity, 100);
        assert.strictEqual(g.managedDraining, "ENABLED");
        const asg = one(p, ASG).inputs;
        assert.strictEqual(asg.instanceRefresh.strategy, "Rolling");
        assert.strictEqual(asg.instanceRefresh.preferences.minHealthyPercentage, 100);
        assert.strictEqual(asg.instanceRefresh.preferences.scaleInProtectedInstances, "Refresh");
        assert.ok(asg.tags.some((t: any) => t.key === "AmazonECSManaged" && t.value === "true"));
        assert.deepStrictEqual([asg.minSize, asg.maxSize], stack === "prod" ? [2, 12] : [1, 3]);
        assert.strictEqual(p.outputs.hostGroupName, `paved-${stack}-hosts`);
        assert.ok(asg.enabledMetrics.includes("GroupInServiceInstances"));
      });

      it(`termination protection: ${stack === "prod" ? "on (scale-in protected hosts, no force delete)" : "off, so pulumi destroy force-deletes the hosts instead of hanging"}`, async () => {
        const p = await ec2Plan(stack);
        const asg = one(p, ASG).inputs;
        const mtp = one(p, CP).inputs.autoScalingGroupProvider.managedTerminationProtection;
        if (stack === "prod") {
          assert.deepStrictEqual([mtp, asg.protectFromScaleIn, asg.forceDelete], ["ENABLED", true, false]);
        } else {
          assert.deepStrictEqual([mtp, asg.protectFromScaleIn, asg.forceDelete], ["DISABLED", false, true]);
        }
        // The trap: termination protection needs scale-in protection, which a plain group delete waits on forever.
        assert.strictEqual(mtp === "ENABLED", asg.protectFromScaleIn);
        assert.notStrictEqual(asg.protectFromScaleIn, asg.forceDelete);
      });

      it("alarms and dashboard cover host capacity and health", async () => {
        const p = await ec2Plan(stack);
        const topic = one(p, "aws:sns/topic:Topic").outputs!.arn;
        const alarms = ofType(p, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name!.startsWith("capacity-"));
        assert.deepStrictEqual(
          alarms.map((a) => a.inputs.name).sort(),
          ["hosts-missing", "hosts-status-check", "tasks-waiting"].map((n) => `paved-${stack}-${n}`),
        );
        for (const a of alarms) assert.deepStrictEqual(a.inputs.alarmActions, [topic]);
        const asgName = one(p, ASG).outputs!.name;
        assert.strictEqual(
          alarms.find((a) => a.inputs.metricName === "StatusCheckFailed")!.inputs.dimensions.AutoScalingGroupName,
          asgName,
        );
        const body = JSON.parse(one(p, "aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody);
        const titles = body.widgets.map((w: any) => w.properties.title);
        assert.ok(
          titles.includes("Hosts: desired / in service / max") &&
            titles.some((t: string) => /^Capacity/.test(t)) &&
            titles.some((t: string) => /^Host health/.test(t)),
          titles.join("; "),
        );
        assert.ok(JSON.stringify(body).includes(asgName));
      });

      it(`the policy pack reports 0 mandatory findings (policy/config/${stack}.json)`, async () => {
        const p = await ec2Plan(stack);
        const findings = await evaluateResources(p.resources, {
          config: loadPolicyConfig(path.join(REPO_ROOT, "policy", "config", `${stack}.json`)),
        });
        assert.deepStrictEqual(
          findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy} ${f.resourceName}: ${f.message}`),
          [],
        );
        if (stack === "prod")
          assert.deepStrictEqual(
            findings.map((f) => f.policy),
            [],
            "prod has no advisories either",
          );
      });

      it("fargate (the default) builds none of it", async () => {
        const f = await plan(stack);
        // (staging's NAT instance has an instance profile of its own; only the hosts' count here)
        for (const t of EC2_TYPES) assert.strictEqual(ofType(f, t).filter((r) => !r.urn.includes("paved:aws:NatInstance$")).length, 0, t);
        assert.strictEqual(one(f, SVC).inputs.launchType, "FARGATE");
        assert.ok(!("hostGroupName" in f.outputs));
      });
    });
  }

  it("the pack bites on a host that gives IMDSv1, a public IP or an unencrypted root volume back (negative control)", async () => {
    const p = await ec2Plan("prod");
    const rs = JSON.parse(JSON.stringify(p.resources));
    const lt = rs.find((r: any) => r.type === LT);
    // The EC2 policies are stack policies (they correlate templates, groups and subnets), so they judge outputs: change both.
    for (const props of [lt.inputs, lt.outputs]) {
      props.metadataOptions.httpTokens = "optional";
      props.networkInterfaces[0].associatePublicIpAddress = "true";
      props.blockDeviceMappings[0].ebs.encrypted = "false";
    }
    const findings = await evaluateResources(rs, { config: loadPolicyConfig(path.join(REPO_ROOT, "policy", "config", "prod.json")) });
    const got = new Set(findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => f.policy));
    for (const policy of ["paved-ec2-imdsv2", "paved-ec2-no-public-ip", "paved-ebs-encrypted"]) assert.ok(got.has(policy), policy);
  });

  it("the pack recognises the real template as an ECS container host: hop limit 2 alone is refused (negative control)", async () => {
    const p = await ec2Plan("staging");
    const rs = JSON.parse(JSON.stringify(p.resources));
    const lt = rs.find((r: any) => r.type === LT);
    for (const props of [lt.inputs, lt.outputs]) props.metadataOptions.httpPutResponseHopLimit = 2;
    const findings = await evaluateResources(rs, { config: loadPolicyConfig(path.join(REPO_ROOT, "policy", "config", "staging.json")) });
    const mandatory = findings.filter((f) => f.enforcementLevel === "mandatory");
    assert.deepStrictEqual(
      mandatory.map((f) => f.policy),
      ["paved-ec2-imdsv2"],
    );
    assert.match(mandatory[0].message, /runs ECS container hosts with metadataOptions\.httpPutResponseHopLimit 2/);
  });

  it("arm64 with ENI trunking: arm64 AMI parameter and instance type, the account setting turned on before hosts launch", async () => {
    const p = await ec2Plan("staging", {
      "paved:imagePlatform": "linux/arm64",
      "paved:ec2EniTrunking": "true",
      "paved:ec2InstanceType": "c7g.large",
    });
    const lt = one(p, LT);
    assert.strictEqual(lt.inputs.instanceType, "c7g.large");
    assert.strictEqual(one(p, TD, "-app").inputs.runtimePlatform.cpuArchitecture, "ARM64");
    const setting = one(p, "aws:ecs/accountSettingDefault:AccountSettingDefault");
    assert.deepStrictEqual([setting.inputs.name, setting.inputs.value], ["awsvpcTrunking", "enabled"]);
    assert.ok(lt.dependencies.includes(setting.urn));
    const exported = p.exportDoc.deployment.resources.find((r) => r.urn === setting.urn)!;
    assert.strictEqual(exported.retainOnDelete, true, "a destroy leaves the account setting on for the account's other stacks");
    // c7g.large with trunking: 10 branch ENIs, CPU-bound at 4 tasks of 512 → max 3 tasks x2 / 4 = 2 hosts.
    assert.deepStrictEqual([one(p, ASG).inputs.minSize, one(p, ASG).inputs.maxSize], [1, 2]);
    assert.notStrictEqual(
      lt.inputs.imageId,
      one(await ec2Plan("staging", { "paved:imagePlatform": "linux/amd64" }), LT).inputs.imageId,
      "a different AMI parameter",
    );
    assert.strictEqual(ECS_AMI_PARAMETER.arm64, "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id");
    assert.strictEqual(ofType(await ec2Plan("staging"), "aws:ecs/accountSettingDefault:AccountSettingDefault").length, 0, "off by default");
  });

  it("a sizing error fails the plan before any resource is built, naming the keys", async () => {
    await assert.rejects(
      runPlan("prod", { config: { "paved:compute": "ec2", "paved:ec2MaxInstances": "4" } }),
      /paved:ec2MaxInstances=4: paved:maxCapacity=12 tasks can double to 24/,
    );
  });
});

describe("infra/components/ec2: the component on its own", function () {
  this.timeout(60000);
  const build = (transform?: Ec2CapacityArgs["transform"]) =>
    runPlan("staging", {
      program: () => {
        const cluster = new aws.ecs.Cluster("cluster", {});
        const capacity = new Ec2Capacity("capacity", {
          name: "paved-staging",
          region: "us-east-1",
          cluster,
          sizing: ec2Sizing({
            instanceType: "",
            imagePlatform: "linux/arm64",
            taskCpu: 512,
            taskMemoryMib: 1024,
            minCapacity: 1,
            maxCapacity: 2,
            minInstances: 0,
            maxInstances: 0,
            eniTrunking: false,
            tier: "staging",
            minInstancesFloor: 1,
          }),
          vpcId: "vpc-1",
          subnetIds: ["subnet-1", "subnet-2"],
          s3PrefixListId: "pl-1",
          tags: {},
          transform,
        });
        capacity.alarms("arn:aws:sns:us-east-1:123456789012:alarms");
        return {};
      },
    });

  it("transform hooks reach the launch template, group, provider, roles, key, security group and alarms under mocks", async () => {
    const seen: string[] = [];
    const p = await build({
      launchTemplate: (args, _opts, name) => {
        seen.push(name);
        args.description = "hooked template";
      },
      autoScalingGroup: (args) => {
        args.healthCheckGracePeriod = 600;
      },
      capacityProvider: (args, opts) => [{ ...args, tags: { hooked: "yes" } }, opts],
      instanceRole: (args) => {
        args.description = "hooked role";
      },
      volumeKey: (args) => {
        args.deletionWindowInDays = 14;
      },
      securityGroup: (args) => {
        args.description = "hooked group";
      },
      alarm: (args, _opts, name) => {
        if (name === "capacity-hosts-missing") args.evaluationPeriods = 5;
      },
    });
    assert.deepStrictEqual(seen, ["capacity-hosts"]);
    assert.strictEqual(one(p, LT).inputs.description, "hooked template");
    assert.strictEqual(one(p, ASG).inputs.healthCheckGracePeriod, 600);
    assert.deepStrictEqual(one(p, CP).inputs.tags, { hooked: "yes" });
    assert.strictEqual(one(p, "aws:iam/role:Role").inputs.description, "hooked role");
    assert.strictEqual(one(p, "aws:kms/key:Key").inputs.deletionWindowInDays, 14);
    assert.strictEqual(one(p, "aws:ec2/securityGroup:SecurityGroup").inputs.description, "hooked group");
    assert.strictEqual(one(p, "aws:cloudwatch/metricAlarm:MetricAlarm", "-hosts-missing").inputs.evaluationPeriods, 5);
    assert.strictEqual(one(p, "aws:cloudwatch/metricAlarm:MetricAlarm", "-hosts-status-check").inputs.evaluationPeriods, 2);
  });

  it("no hook: the documented secure defaults (termination protection, 30 GiB encrypted root, protected key with a 30-day window, no trunking)", async () => {
    const p = await build();
    const lt = one(p, LT);
    assert.deepStrictEqual(
      [
        lt.inputs.blockDeviceMappings[0].ebs.volumeSize,
        lt.inputs.blockDeviceMappings[0].ebs.encrypted,
        lt.inputs.metadataOptions.httpTokens,
      ],
      [30, "true", "required"],
    );
    assert.strictEqual(one(p, ASG).inputs.protectFromScaleIn, true);
    assert.strictEqual(one(p, CP).inputs.autoScalingGroupProvider.managedTerminationProtection, "ENABLED");
    assert.strictEqual(one(p, "aws:kms/key:Key").inputs.deletionWindowInDays, 30);
    assert.strictEqual(
      p.exportDoc.deployment.resources.find((r) => r.type === "aws:kms/key:Key")!.protect,
      true,
      "the volume key is protected",
    );
    assert.strictEqual(ofType(p, "aws:ecs/accountSettingDefault:AccountSettingDefault").length, 0);
  });
});
