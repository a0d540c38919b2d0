/**
 * EC2 capacity for `paved:compute=ec2`: the service's unchanged task definition runs on an ECS
 * capacity provider backed by an Auto Scaling group of hardened ECS-optimized Amazon Linux 2023
 * hosts (docs/ec2.md).
 *
 * Hosts: AMI from AWS's public SSM parameter (re-read on every update, so a new AMI becomes a new
 * launch template version and a rolling instance refresh), IMDSv2 only with hop limit 1, tasks cut
 * off from the host's credentials (ECS_AWSVPC_BLOCK_IMDS) and given their own task roles, no public
 * IP, private subnets in every AZ of the stack, no key pair and no inbound rule at all: operators use
 * SSM Session Manager. Root volume: encrypted gp3 with a key of this stack. Detailed monitoring.
 *
 * Operations: managed scaling and managed instance draining on the capacity provider; managed
 * termination protection unless paved:ec2TerminationProtection=false (throw-away stacks, so
 * `pulumi destroy` force-deletes the hosts instead of hanging on scale-in protected instances).
 */
import * as pulumi from "@pulumi/pulumi";
import { EC2_MESSAGES_ACTIONS, SSM_CHANNEL_ACTIONS } from "../iam-actions";
import * as aws from "@pulumi/aws";
import { accountInfo, policyJson } from "../tags";
import { Architecture, Ec2Sizing, ECS_RESERVED_MEMORY_MIB } from "../ec2-sizing";
import { permissionsBoundary } from "../boundary";
import { child, withDefaults, type Transform } from "./transform";
import { Naming } from "./naming";

/** AWS's public SSM parameters naming the current ECS-optimized Amazon Linux 2023 AMI. */
export const ECS_AMI_PARAMETER: Record<Architecture, string> = {
  x86_64: "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
  arm64: "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
};

/**
 * /etc/ecs/ecs.config of every host. Each line is a hardening choice:
 *  - ECS_AWSVPC_BLOCK_IMDS: awsvpc tasks cannot reach the instance metadata service, so the
 *    host's role credentials are out of a compromised app's reach;
 *  - ECS_ENABLE_TASK_IAM_ROLE: tasks get their own task role credentials (never the host's);
 *  - ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST=false: no host-network task may use task roles;
 *  - ECS_DISABLE_PRIVILEGED: the agent refuses privileged containers on the host;
 *  - ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE: awslogs writes with the task execution role, so the
 *    host role needs no CloudWatch Logs permissions;
 *  - ECS_RESERVED_MEMORY: memory kept back for Docker, the ECS and SSM agents (ec2-sizing.ts).
 */
export function ecsAgentConfig(clusterName: string): Record<string, string> {
  return {
    ECS_CLUSTER: clusterName,
    ECS_AWSVPC_BLOCK_IMDS: "true",
    ECS_ENABLE_TASK_IAM_ROLE: "true",
    ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST: "false",
    ECS_DISABLE_PRIVILEGED: "true",
    ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE: "true",
    ECS_RESERVED_MEMORY: String(ECS_RESERVED_MEMORY_MIB),
  };
}

/** The host's boot script: the agent config, then the SSM agent (installed if the AMI lacks it). */
export function hostUserData(clusterName: string): string {
  const config = Object.entries(ecsAgentConfig(clusterName))
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
  return [
    "#!/bin/bash",
    "# paved: ECS agent configuration, written before the agent starts.",
    "set -euo pipefail",
    "cat > /etc/ecs/ecs.config <<'ECSCONFIG'",
    config,
    "ECSCONFIG",
    "# SSM Session Manager is the only way onto the host (no key pair, no port 22).",
    "rpm -q amazon-ssm-agent >/dev/null 2>&1 || dnf install -y amazon-ssm-agent",
    "systemctl enable --now amazon-ssm-agent",
    "",
  ].join("\n");
}

export interface Ec2CapacityArgs {
  /**
   * Prefix of the physical names (`<name>-hosts` group and template, `<name>-ec2` provider, alarms).
   * @default `<project>-<stack>` (infra/components/naming.ts)
   */
  name?: string;
  /** Required: the hosts' dashboard widgets are regional. */
  region: string;
  /** Required: the service's cluster: hosts join it, and it is deleted only after them. */
  cluster: aws.ecs.Cluster;
  /** Required: instance type and group size, checked by ec2Sizing (infra/ec2-sizing.ts) against the tasks they must hold. */
  sizing: Ec2Sizing;
  /** Required: the VPC of the hosts' security group. */
  vpcId: pulumi.Input<string>;
  /** Required: private subnets, one per AZ of the stack; hosts never get a public IP. */
  subnetIds: pulumi.Input<string>[];
  /** Required: the S3 gateway endpoint's prefix list (ECR image layers without NAT). */
  s3PrefixListId: pulumi.Input<string>;
  /** Encrypted gp3 root volume size (GiB): the ECS-optimized AL2023 AMI needs at least 30. @default 30 */
  rootVolumeGb?: number;
  /** ECS managed termination protection: hosts running tasks are never scaled in. @default true */
  terminationProtection?: boolean;
  /** Turn on the account setting awsvpcTrunking (account-wide, kept on after a destroy, so opt-in). @default false */
  eniTrunking?: boolean;
  /** Days before a scheduled deletion of the volume key completes: a month to cancel a mistake. @default 30 */
  keyDeletionWindowDays?: number;
  /** Pulumi-protect the volume key: the hosts' volumes stay readable whatever a destroy does. @default true */
  protect?: boolean;
  /**
   * Tags applied to every resource (and propagated to hosts and volumes).
   * @default {}
   */
  tags?: Record<string, string>;
  /** Per-child escape hatch, applied before each child is built (infra/components/transform.ts). */
  transform?: {
    autoScalingRole?: Transform<aws.iam.ServiceLinkedRoleArgs>;
    volumeKey?: Transform<aws.kms.KeyArgs>;
    securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
    instanceRole?: Transform<aws.iam.RoleArgs>;
    instanceRolePolicy?: Transform<aws.iam.RolePolicyArgs>;
    instanceProfile?: Transform<aws.iam.InstanceProfileArgs>;
    launchTemplate?: Transform<aws.ec2.LaunchTemplateArgs>;
    autoScalingGroup?: Transform<aws.autoscaling.GroupArgs>;
    capacityProvider?: Transform<aws.ecs.CapacityProviderArgs>;
    /** Each host alarm (`<component>-<alarm>`, built by `alarms()`). */
    alarm?: Transform<aws.cloudwatch.MetricAlarmArgs>;
  };
}

export class Ec2Capacity extends pulumi.ComponentResource {
  public readonly capacityProvider: aws.ecs.CapacityProvider;
  public readonly autoScalingGroup: aws.autoscaling.Group;
  /** The hosts' Auto Scaling group (Session Manager targets, instance refreshes). */
  public readonly autoScalingGroupName: pulumi.Output<string>;
  public readonly launchTemplate: aws.ec2.LaunchTemplate;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  public readonly instanceRole: aws.iam.Role;
  public readonly volumeKey: aws.kms.Key;
  public readonly amiId: pulumi.Output<string>;
  private readonly args: Ec2CapacityArgs & { name: string; tags: Record<string, string> };
  private readonly baseName: string;

  constructor(name: string, input: Ec2CapacityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("paved:aws:Ec2Capacity", name, {}, opts);
    const args = withDefaults(input, { name: input.name ?? new Naming().prefix, protect: true, tags: {} });
    this.args = args;
    this.baseName = name;
    const p = { parent: this };
    const t = args.transform ?? {};
    const terminationProtection = args.terminationProtection ?? true;
    const { accountId, partition } = accountInfo(this);

    // The Auto Scaling group launches (and an instance refresh replaces) hosts as its own
    // service-linked role; a customer-managed volume key must name that role, or every launch
    // fails with "Client.InternalError". A role of our own (custom suffix) exists before the key
    // policy names it, whatever else the account holds.
    const asgRole = child(
      t.autoScalingRole,
      aws.iam.ServiceLinkedRole,
      `${name}-autoscaling`,
      {
        awsServiceName: "autoscaling.amazonaws.com",
        customSuffix: args.name,
        description: `${args.name}: Auto Scaling group of the ECS hosts (uses the volume key)`,
        tags: args.tags,
      },
      p,
    );

    this.volumeKey = child(
      t.volumeKey,
      aws.kms.Key,
      `${name}-volumes`,
      {
        description: `${args.name}: EBS root volumes of the ECS hosts`,
        enableKeyRotation: true,
        deletionWindowInDays: args.keyDeletionWindowDays ?? 30,
        policy: policyJson({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AccountAdministersKeyThroughIam",
              Effect: "Allow",
              Principal: { AWS: pulumi.interpolate`arn:${partition}:iam::${accountId}:root` },
              Action: "kms:*",
              Resource: "*",
            },
            {
              Sid: "AutoScalingUsesKeyForVolumes",
              Effect: "Allow",
              Principal: { AWS: asgRole.arn },
              Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
              Resource: "*",
            },
            {
              Sid: "AutoScalingAttachesVolumes",
              Effect: "Allow",
              Principal: { AWS: asgRole.arn },
              Action: "kms:CreateGrant",
              Resource: "*",
              Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
            },
          ],
        }),
        tags: { ...args.tags, purpose: "volumes" },
      },
      { parent: this, protect: args.protect } as pulumi.CustomResourceOptions,
    );
    new aws.kms.Alias(`${name}-volumes`, { name: `alias/${args.name}/volumes`, targetKeyId: this.volumeKey.keyId }, p);

    // No ingress at all (no SSH, no agent ports): Session Manager and the ECS agent connect out.
    // The tasks have their own ENIs in the service group; this group is the host's primary ENI,
    // which pulls images, reads secrets and ships logs for the agent.
    this.securityGroup = child(
      t.securityGroup,
      aws.ec2.SecurityGroup,
      `${name}-hosts`,
      {
        vpcId: args.vpcId,
        description: `${args.name} ECS hosts: no ingress; HTTPS out for the ECS and SSM agents`,
        revokeRulesOnDelete: true,
        tags: { ...args.tags, Name: `${args.name}-hosts` },
      },
      p,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-hosts-to-aws-apis`,
      {
        securityGroupId: this.securityGroup.id,
        cidrIpv4: "0.0.0.0/0",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "HTTPS to ECS, SSM, ECR, Secrets Manager and CloudWatch Logs through NAT",
        tags: args.tags,
      },
      p,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-hosts-to-s3`,
      {
        securityGroupId: this.securityGroup.id,
        prefixListId: args.s3PrefixListId,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "S3 (image layers, OS packages) through the gateway endpoint",
        tags: args.tags,
      },
      p,
    );

    // Host role: exactly what the ECS agent (register, poll, report state for this cluster) and
    // the SSM agent (Session Manager, Run Command) need. Images, secrets and logs use the task
    // execution role; the app uses its task role.
    this.instanceRole = child(
      t.instanceRole,
      aws.iam.Role,
      `${name}-hosts`,
      {
        description: `${args.name}: ECS hosts (ECS agent for this cluster, SSM Session Manager)`,
        permissionsBoundary: permissionsBoundary(),
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags: args.tags,
      },
      p,
    );
    child(
      t.instanceRolePolicy,
      aws.iam.RolePolicy,
      `${name}-hosts`,
      {
        role: this.instanceRole.id,
        policy: policyJson({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "EcsAgentThisCluster",
              Effect: "Allow",
              Action: [
                "ecs:RegisterContainerInstance",
                "ecs:DeregisterContainerInstance",
                "ecs:SubmitContainerStateChange",
                "ecs:SubmitTaskStateChange",
                "ecs:SubmitAttachmentStateChanges",
              ],
              Resource: args.cluster.arn,
            },
            // Poll and telemetry are authorised against the container instance: pinned to the cluster by condition.
            {
              Sid: "EcsAgentPoll",
              Effect: "Allow",
              Action: ["ecs:Poll", "ecs:StartTelemetrySession"],
              Resource: "*",
              Condition: { ArnEquals: { "ecs:cluster": args.cluster.arn } },
            },
            // DiscoverPollEndpoint has no resource-level permissions.
            { Sid: "EcsAgentDiscover", Effect: "Allow", Action: "ecs:DiscoverPollEndpoint", Resource: "*" },
            // Session Manager and Run Command: the SSM agent's channels have no resource-level permissions.
            {
              Sid: "SsmAgent",
              Effect: "Allow",
              Action: ["ssm:UpdateInstanceInformation", ...SSM_CHANNEL_ACTIONS, ...EC2_MESSAGES_ACTIONS],
              Resource: "*",
            },
          ],
        }),
      },
      p,
    );
    const profile = child(
      t.instanceProfile,
      aws.iam.InstanceProfile,
      `${name}-hosts`,
      { role: this.instanceRole.name, tags: args.tags },
      p,
    );

    // Re-read on every update: a new AMI release becomes a new launch template version.
    const arch = args.sizing.instanceType.architecture;
    this.amiId = aws.ssm.getParameterOutput({ name: ECS_AMI_PARAMETER[arch] }, p).insecureValue;

    // Trunking is an account default per region: it must be on before the hosts register, and it
    // stays on after a destroy (other stacks of the account may rely on it).
    const trunking = args.eniTrunking
      ? [
          new aws.ecs.AccountSettingDefault(
            `${name}-eni-trunking`,
            { name: "awsvpcTrunking", value: "enabled" },
            { parent: this, retainOnDelete: true },
          ),
        ]
      : [];

    const tagSpec = (resourceType: string) => ({ resourceType, tags: { ...args.tags, Name: `${args.name}-host` } });
    this.launchTemplate = child(
      t.launchTemplate,
      aws.ec2.LaunchTemplate,
      `${name}-hosts`,
      {
        name: `${args.name}-hosts`,
        description: `${args.name}: ECS-optimized Amazon Linux 2023 hosts (${args.sizing.instanceType.name})`,
        imageId: this.amiId,
        instanceType: args.sizing.instanceType.name,
        iamInstanceProfile: { arn: profile.arn },
        // No keyName: nobody logs in with SSH.
        networkInterfaces: [
          { deviceIndex: 0, associatePublicIpAddress: "false", deleteOnTermination: "true", securityGroups: [this.securityGroup.id] },
        ],
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: {
              volumeSize: args.rootVolumeGb ?? 30,
              volumeType: "gp3",
              encrypted: "true",
              kmsKeyId: this.volumeKey.arn,
              deleteOnTermination: "true",
            },
          },
        ],
        monitoring: { enabled: true },
        userData: args.cluster.name.apply((n) => Buffer.from(hostUserData(n)).toString("base64")),
        updateDefaultVersion: true,
        tagSpecifications: [tagSpec("instance"), tagSpec("volume"), tagSpec("network-interface")],
        tags: args.tags,
      },
      { parent: this, dependsOn: trunking } as pulumi.CustomResourceOptions,
    );

    const asgTags = [
      // ECS adds this tag when it manages the group's scaling; declaring it avoids a diff.
      { key: "AmazonECSManaged", value: "true", propagateAtLaunch: true },
      ...Object.entries(args.tags).map(([key, value]) => ({ key, value, propagateAtLaunch: false })),
    ];
    this.autoScalingGroup = child(
      t.autoScalingGroup,
      aws.autoscaling.Group,
      `${name}-hosts`,
      {
        name: `${args.name}-hosts`,
        vpcZoneIdentifiers: args.subnetIds,
        minSize: args.sizing.minInstances,
        maxSize: args.sizing.maxInstances,
        desiredCapacity: args.sizing.minInstances,
        launchTemplate: { id: this.launchTemplate.id, version: this.launchTemplate.latestVersion.apply(String) },
        serviceLinkedRoleArn: asgRole.arn,
        healthCheckType: "EC2",
        healthCheckGracePeriod: 300,
        defaultInstanceWarmup: 300,
        // Required by managed termination protection: ECS lifts it only from hosts without tasks.
        protectFromScaleIn: terminationProtection,
        // Without termination protection nothing on a host is worth waiting for: `pulumi destroy`
        // deletes the group with its hosts instead of waiting for them to scale in.
        forceDelete: !terminationProtection,
        // A new launch template version (new AMI, instance type, user data) replaces every host,
        // new ones first; managed draining moves the tasks off each old host before it stops.
        instanceRefresh: {
          strategy: "Rolling",
          preferences: {
            minHealthyPercentage: 100,
            maxHealthyPercentage: 200,
            instanceWarmup: "300",
            skipMatching: true,
            scaleInProtectedInstances: "Refresh",
            standbyInstances: "Terminate",
          },
        },
        enabledMetrics: [
          "GroupMinSize",
          "GroupMaxSize",
          "GroupDesiredCapacity",
          "GroupInServiceInstances",
          "GroupPendingInstances",
          "GroupTerminatingInstances",
          "GroupTotalInstances",
        ],
        metricsGranularity: "1Minute",
        tags: asgTags,
      },
      { parent: this, ignoreChanges: ["desiredCapacity"] } as pulumi.CustomResourceOptions,
    );

    this.capacityProvider = child(
      t.capacityProvider,
      aws.ecs.CapacityProvider,
      `${name}-provider`,
      {
        name: `${args.name}-ec2`,
        autoScalingGroupProvider: {
          autoScalingGroupArn: this.autoScalingGroup.arn,
          managedTerminationProtection: terminationProtection ? "ENABLED" : "DISABLED",
          managedDraining: "ENABLED",
          managedScaling: {
            status: "ENABLED",
            targetCapacity: 100,
            minimumScalingStepSize: 1,
            maximumScalingStepSize: 10,
            instanceWarmupPeriod: 300,
          },
        },
        tags: args.tags,
      },
      p,
    );

    this.autoScalingGroupName = this.autoScalingGroup.name;
    this.registerOutputs({ capacityProviderName: this.capacityProvider.name, autoScalingGroupName: this.autoScalingGroup.name });
  }

  /** CloudWatch dashboard widgets for the hosts (placed below the service's widgets). */
  dashboardWidgets(top = 24): pulumi.Output<object[]> {
    const a = this.args;
    return pulumi.all([this.autoScalingGroup.name, a.cluster.name, this.capacityProvider.name]).apply(([asg, cluster, cp]) => {
      const widget = (title: string, metrics: any[], x: number, y: number, stat: string) => ({
        type: "metric",
        x,
        y,
        width: 12,
        height: 6,
        properties: { title, region: a.region, metrics, view: "timeSeries", stat, period: 60 },
      });
      return [
        widget(
          "Hosts: desired / in service / max",
          [
            ["AWS/AutoScaling", "GroupDesiredCapacity", "AutoScalingGroupName", asg],
            [".", "GroupInServiceInstances", ".", "."],
            [".", "GroupMaxSize", ".", "."],
          ],
          0,
          top,
          "Maximum",
        ),
        widget(
          "Capacity: provider reservation, cluster CPU / memory reserved (%)",
          [
            ["AWS/ECS/ManagedScaling", "CapacityProviderReservation", "ClusterName", cluster, "CapacityProviderName", cp],
            ["AWS/ECS", "CPUReservation", "ClusterName", cluster],
            [".", "MemoryReservation", ".", "."],
          ],
          12,
          top,
          "Average",
        ),
        widget(
          "Host health: status checks failed, CPU (%)",
          [
            ["AWS/EC2", "StatusCheckFailed", "AutoScalingGroupName", asg, { stat: "Maximum" }],
            [".", "CPUUtilization", ".", "."],
          ],
          0,
          top + 6,
          "Average",
        ),
      ];
    });
  }

  /** Alarms for the hosts on the stack's alarm topic: failed status checks, missing hosts, no room for tasks. */
  alarms(topicArn: pulumi.Input<string>): aws.cloudwatch.MetricAlarm[] {
    const a = this.args;
    const p = { parent: this };
    const actions = { alarmActions: [topicArn], okActions: [topicArn] };
    const asg = { AutoScalingGroupName: this.autoScalingGroup.name };
    const alarm = (n: string, spec: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions" | "tags" | "name">) =>
      child(
        a.transform?.alarm,
        aws.cloudwatch.MetricAlarm,
        `${this.baseName}-${n}`,
        { name: `${a.name}-${n}`, treatMissingData: "notBreaching", ...spec, ...actions, tags: a.tags } as aws.cloudwatch.MetricAlarmArgs,
        p,
      );
    return [
      alarm("hosts-status-check", {
        namespace: "AWS/EC2",
        metricName: "StatusCheckFailed",
        dimensions: asg,
        statistic: "Maximum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        period: 60,
        evaluationPeriods: 2,
        alarmDescription: "A host failed its EC2 status checks (the Auto Scaling group replaces it; managed draining moves its tasks)",
      }),
      alarm("hosts-missing", {
        alarmDescription: "Fewer hosts in service than desired for 10 minutes (launches failing: capacity, AMI, volume key, subnet IPs)",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        evaluationPeriods: 10,
        metricQueries: [
          { id: "missing", expression: "desired - inservice", label: "hosts missing", returnData: true },
          {
            id: "desired",
            metric: { namespace: "AWS/AutoScaling", metricName: "GroupDesiredCapacity", dimensions: asg, period: 60, stat: "Maximum" },
          },
          {
            id: "inservice",
            metric: { namespace: "AWS/AutoScaling", metricName: "GroupInServiceInstances", dimensions: asg, period: 60, stat: "Minimum" },
          },
        ],
      }),
      alarm("tasks-waiting", {
        namespace: "AWS/ECS/ManagedScaling",
        metricName: "CapacityProviderReservation",
        dimensions: { ClusterName: a.cluster.name, CapacityProviderName: this.capacityProvider.name },
        statistic: "Minimum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 100,
        period: 60,
        evaluationPeriods: 15,
        alarmDescription: "Tasks have waited 15 minutes for host capacity (the group is at paved:ec2MaxInstances or cannot launch)",
      }),
    ];
  }
}
