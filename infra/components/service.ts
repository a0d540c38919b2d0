/**
 * ECS Fargate: cluster, roles, the app task definition, a one-off migration task
 * definition (`<name>-migrate`, same image/env/secrets, runs the contract's migrate command)
 * and the service with circuit-breaker rollback and autoscaling.
 *
 * The containers follow the app contract (infra/app.ts; `app/paved.app.json` by default): its
 * port, user, liveness and migrate commands, and its environment — `plain` values from the file,
 * `platform` values the program computes, `secret` variables as Secrets Manager references built
 * from resource outputs (RDS-managed secret JSON keys, the generated JWT secret); `local-only`
 * ones are never set. The value types are generated from the contract
 * (infra/contract.generated.ts), so a variable added to it without a value here is a type
 * error, not a crash-looping task.
 */
import * as pulumi from "@pulumi/pulumi";
import { SSM_CHANNEL_ACTIONS } from "../iam-actions";
import * as aws from "@pulumi/aws";
import { child, withDefaults, type Transform } from "./transform";
import { Naming } from "./naming";
import { alarmName, DEPLOYMENT_ALARMS } from "./observability";
import type { PlatformVar, SecretVar } from "../contract.generated";
import { AppContract, ContainerName } from "../app";
import { policyJson } from "../tags";
import { permissionsBoundary } from "../boundary";
import { ecsDeploymentTimeout } from "../timeouts";
import type { LoadBalancer } from "./loadbalancer";

/**
 * A platform value that differs per container (e.g. DB_USER: the app's own role in the app
 * container, the owner in the migrate container). Build it with `perContainer`.
 */
export class PerContainer {
  constructor(readonly values: Partial<Record<ContainerName, pulumi.Input<string>>>) {}
}
/** A platform value per container; a container the variable reaches must have one. */
export const perContainer = (values: Partial<Record<ContainerName, pulumi.Input<string>>>) => new PerContainer(values);

/** Values for every `platform` variable of the (default) contract. */
export type ContractEnvironment = Record<PlatformVar, pulumi.Input<string> | PerContainer>;
/** Secrets Manager `valueFrom` references for every `secret` variable of the (default) contract. */
export type ContractSecrets = Record<SecretVar, pulumi.Input<string>>;

type ContainerEnv = { environment: { name: string; value: string }[]; secrets: { name: string; valueFrom: string }[] };

/**
 * Builds one container's `environment` and `secrets` lists, exactly following the contract:
 * its variables for that container, in contract order. A platform or secret variable the
 * program gives no value (possible when paved:appContract names another app's contract than
 * the one the types were generated from) fails the plan, naming what paved provides.
 */
export function containerEnv(
  contract: AppContract,
  container: ContainerName,
  env: Partial<Record<string, pulumi.Input<string> | PerContainer>>,
  secrets: Partial<Record<string, pulumi.Input<string>>>,
): pulumi.Output<ContainerEnv> {
  const wanted = Object.keys(contract.env).filter(
    (n) => contract.env[n].containers.includes(container) && contract.env[n].source !== "local-only",
  );
  const problems: string[] = [];
  // This container's value of each platform variable.
  const environment: Partial<Record<string, pulumi.Input<string>>> = {};
  for (const [n, v] of Object.entries(env)) {
    if (v instanceof PerContainer) {
      if (v.values[container] !== undefined) environment[n] = v.values[container];
      else if (wanted.includes(n))
        problems.push(
          `${n} has per-container values but none for the ${container} container (it has: ${Object.keys(v.values).join(", ")})`,
        );
    } else if (v !== undefined) {
      environment[n] = v;
    }
  }
  for (const n of wanted) {
    const v = contract.env[n];
    if (v.source === "platform" && environment[n] === undefined && !(env[n] instanceof PerContainer)) {
      problems.push(
        `${n} is a platform variable paved does not provide (it provides: ${Object.keys(environment).join(", ")}); make it plain (with a value) or secret, or give it a value in infra/index.ts`,
      );
    }
    if (v.source === "secret" && secrets[n] === undefined) {
      problems.push(
        `${n} is a secret paved does not provide (it provides: ${Object.keys(secrets).join(", ")}); add its secret in infra/index.ts (see docs/your-app.md)`,
      );
    }
    if (v.source === "platform" && secrets[n] !== undefined)
      problems.push(`${n} is a secret in paved; declare it "source": "secret", never a plain value`);
  }
  if (problems.length) throw new Error(`App contract ${contract.file}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  const envNames = wanted.filter((n) => contract.env[n].source !== "secret");
  const secretNames = wanted.filter((n) => contract.env[n].source === "secret");
  return pulumi
    .all([
      pulumi.all(envNames.map((n) => pulumi.output(contract.env[n].source === "plain" ? contract.env[n].value! : environment[n]!))),
      pulumi.all(secretNames.map((n) => pulumi.output(secrets[n]!))),
    ])
    .apply(([envValues, secretValues]) => ({
      environment: envNames.map((name, i) => ({ name, value: String(envValues[i]) })),
      secrets: secretNames.map((name, i) => ({ name, valueFrom: secretValues[i] })),
    }));
}

export interface ServiceArgs {
  /**
   * Prefix of the physical names: cluster, service, task definition families, roles' descriptions.
   * @default `<project>-<stack>` (infra/components/naming.ts)
   */
  name?: string;
  /** Required: the awslogs driver writes to a regional log group. */
  region: string;
  /** Required: the image reference with digest (`repo@sha256:…`, AppImage's `repoDigest`), so a tag can never move under a running service. */
  image: pulumi.Input<string>;
  /** Required: the ECR repository the execution role may pull from, and no other (AppImage's `repositoryArn`). */
  repositoryArn: pulumi.Input<string>;
  /** Required: the KMS key of that repository (execution role: decrypt only). */
  imageKey: aws.kms.Key;
  /** Required: the app contract (port, user, liveness and migrate commands, environment): the one description of the app. */
  contract: AppContract;
  /**
   * Task CPU units (a Fargate size): half a vCPU serves a small app with headroom.
   * @default 512
   */
  cpu?: number;
  /**
   * Task memory (MiB), valid for `cpu` on Fargate.
   * @default 1024
   */
  memoryMib?: number;
  /**
   * CPU architecture; must match the image's platform (AppImage's `platform`).
   * @default "X86_64"
   */
  cpuArchitecture?: "X86_64" | "ARM64";
  /** Required: the contract's `platform` variable values (see ContractEnvironment); a missing one is a compile error. */
  environment: ContractEnvironment;
  /** Required: the contract's secret references (see ContractSecrets): Secrets Manager ARNs, never values. */
  secrets: ContractSecrets;
  /** Required: the Secrets Manager secret ARNs the execution role may read (exact ARNs, no suffix wildcards). */
  secretArns: pulumi.Input<string>[];
  /** Required: the KMS key of those secrets (execution role: decrypt only). */
  secretsKey: aws.kms.Key;
  /** Required: the service's log group (awslogs; Logs' `serviceLogGroupName`/`serviceLogGroupArn`, or a LogGroup), created with retention and KMS before any task writes. */
  logGroup: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
  /** Required: the attachments bucket's ARN, the only bucket the task role can use. */
  bucketArn: pulumi.Input<string>;
  /** Required: the KMS key of the attachments bucket (task role: this key only). */
  bucketKey: aws.kms.Key;
  /**
   * Required: `rds-db:connect` for exactly this database user on exactly this instance:
   * `arn:<partition>:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user>`.
   */
  dbConnectArn: pulumi.Input<string>;
  /** Required: private subnets for the tasks (no public IP). */
  subnetIds: pulumi.Input<string>[];
  /** Required: the tasks' security group (created empty by the network; this component adds the rules). */
  securityGroup: aws.ec2.SecurityGroup;
  /** Required: the database group, the only destination of egress 5432. */
  databaseSecurityGroup: aws.ec2.SecurityGroup;
  /** Required: the S3 gateway endpoint's prefix list (egress 443 to S3 without NAT). */
  s3PrefixListId: pulumi.Input<string>;
  /**
   * Required: the load balancer in front of the service: the tasks register into its target group once
   * its listeners exist, and request-count scaling reads its metrics.
   */
  loadBalancer: LoadBalancer;
  /**
   * Tasks at first deploy (autoscaling owns the count afterwards): two, so one task failing is not an outage.
   * @default 2
   */
  desiredCount?: number;
  /**
   * Fewest tasks autoscaling may run: two survive the loss of a task or an AZ.
   * @default 2
   */
  minCapacity?: number;
  /**
   * Most tasks autoscaling may run (a cost ceiling).
   * @default 4
   */
  maxCapacity?: number;
  /**
   * Target-tracking goal: average service CPU utilisation (%), with headroom for a burst while scaling out.
   * @default 60
   */
  cpuTargetPercent?: number;
  /**
   * Target-tracking goal: average service memory utilisation (%), scaling out before tasks are OOM-killed.
   * @default 70
   */
  memoryTargetPercent?: number;
  /**
   * Target-tracking goal: ALB requests per target per minute.
   * @default 1000
   */
  requestsPerTarget?: number;
  /**
   * Seconds the ALB health check is ignored after a task starts (Node starts in seconds).
   * @default 60
   */
  healthCheckGraceSeconds?: number;
  /**
   * Allow ECS Exec (interactive shells into tasks; also a writable root filesystem): off, a deliberate relaxation when on.
   * @default false
   */
  enableEcsExec?: boolean;
  /** ECS Container Insights on the cluster (per-task metrics to diagnose an incident; billed). @default true */
  containerInsights?: boolean;
  /**
   * Run the migrations in every app task before the app starts: a non-essential `migrate`
   * container the app container depends on with condition SUCCESS, so a release never reaches
   * users ahead of its schema.
   * @default true
   */
  migrateOnDeploy?: boolean;
  /**
   * Grace seconds added for the migrate step when migrateOnDeploy is on (a long migration must not fail the health check).
   * @default 300
   */
  migrateGraceSeconds?: number;
  /**
   * The database-init step's variables (when the contract has a `dbInit` command): the owner's
   * connection (`environment` and `secrets` as in the task definition) and `DB_APP_USER`. It runs
   * in every task after migrate and before the app, non-essential, and only it and migrate ever
   * see the owner's secret. @default undefined (no db-init container)
   */
  dbInit?: { environment: Record<string, pulumi.Input<string>>; secrets: Record<string, pulumi.Input<string>> };
  /**
   * EC2 mode (paved:compute=ec2): called with the cluster once it exists, returns the capacity
   * provider the service runs on (see Ec2Capacity). The task definitions then also declare EC2
   * compatibility. @default undefined (Fargate)
   */
  capacityProvider?: (cluster: aws.ecs.Cluster) => aws.ecs.CapacityProvider;
  /**
   * Names of the CloudWatch alarms ECS watches during a deployment; one in ALARM rolls the
   * deployment back (the 5xx-rate and unhealthy-host alarms: a release that passes /health but
   * fails requests).
   * @default the names Monitoring gives them: `<name>-alb-5xx-rate`, `<name>-unhealthy-hosts` (DEPLOYMENT_ALARMS)
   */
  deploymentAlarmNames?: string[];
  /**
   * Tags applied to every resource.
   * @default {}
   */
  tags?: Record<string, string>;
  /** Per-child escape hatch, applied before each child is built (infra/components/transform.ts). */
  transform?: {
    cluster?: Transform<aws.ecs.ClusterArgs>;
    executionRole?: Transform<aws.iam.RoleArgs>;
    taskRole?: Transform<aws.iam.RoleArgs>;
    taskDefinition?: Transform<aws.ecs.TaskDefinitionArgs>;
    service?: Transform<aws.ecs.ServiceArgs>;
    scalingTarget?: Transform<aws.appautoscaling.TargetArgs>;
    scalingPolicy?: Transform<aws.appautoscaling.PolicyArgs>;
  };
}

const assumeTasks = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

export class Service extends pulumi.ComponentResource {
  public readonly cluster: aws.ecs.Cluster;
  public readonly taskDefinition: aws.ecs.TaskDefinition;
  /** The one-off migration task; undefined when the contract has no migrate command. */
  public readonly migrateTaskDefinition?: aws.ecs.TaskDefinition;
  public readonly service: aws.ecs.Service;
  public readonly executionRole: aws.iam.Role;
  public readonly taskRole: aws.iam.Role;
  /** The ECS cluster's name. */
  public readonly clusterName: pulumi.Output<string>;
  /** The ECS service's name. */
  public readonly serviceName: pulumi.Output<string>;
  /** The app task definition's ARN (what this update deploys). */
  public readonly taskDefinitionArn: pulumi.Output<string>;
  /** The one-off migrate task definition's family (migrateOnDeploy off only). */
  public readonly migrateFamily?: pulumi.Output<string>;

  constructor(name: string, input: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("paved:aws:Service", name, {}, opts);
    const prefix = input.name ?? new Naming().prefix;
    const args = withDefaults(input, {
      name: prefix,
      cpu: 512,
      memoryMib: 1024,
      cpuArchitecture: "X86_64",
      desiredCount: 2,
      minCapacity: 2,
      maxCapacity: 4,
      cpuTargetPercent: 60,
      memoryTargetPercent: 70,
      requestsPerTarget: 1000,
      healthCheckGraceSeconds: 60,
      enableEcsExec: false,
      containerInsights: true,
      migrateOnDeploy: true,
      migrateGraceSeconds: 300,
      deploymentAlarmNames: DEPLOYMENT_ALARMS.map((n) => alarmName(prefix, n)),
      tags: {},
    });
    const t = args.transform ?? {};
    const p = { parent: this };
    const sgId = args.securityGroup.id;

    // Egress: PostgreSQL to the DB group, HTTPS to AWS APIs (Secrets Manager, ECR, logs via NAT) and S3 via the endpoint.
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-to-db`,
      {
        securityGroupId: sgId,
        referencedSecurityGroupId: args.databaseSecurityGroup.id,
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        description: "PostgreSQL",
        tags: args.tags,
      },
      p,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-to-s3`,
      {
        securityGroupId: sgId,
        prefixListId: args.s3PrefixListId,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "S3 through the gateway endpoint",
        tags: args.tags,
      },
      p,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-to-aws-apis`,
      {
        securityGroupId: sgId,
        cidrIpv4: "0.0.0.0/0",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "HTTPS to AWS APIs through NAT",
        tags: args.tags,
      },
      p,
    );

    this.cluster = child(
      t.cluster,
      aws.ecs.Cluster,
      `${name}-cluster`,
      {
        name: args.name,
        settings: [{ name: "containerInsights", value: args.containerInsights === false ? "disabled" : "enabled" }],
        tags: args.tags,
      },
      p,
    );
    const capacityProvider = args.capacityProvider?.(this.cluster);
    const capacityProviders =
      capacityProvider &&
      new aws.ecs.ClusterCapacityProviders(
        `${name}-capacity`,
        {
          clusterName: this.cluster.name,
          capacityProviders: [capacityProvider.name],
          defaultCapacityProviderStrategies: [{ capacityProvider: capacityProvider.name, weight: 1, base: 0 }],
        },
        p,
      );

    // Execution role: pull this image, write this log group, read these secrets with this key. Nothing else.
    this.executionRole = child(
      t.executionRole,
      aws.iam.Role,
      `${name}-execution`,
      {
        description: `${args.name}: ECS task execution (pull, logs, secrets)`,
        assumeRolePolicy: assumeTasks,
        permissionsBoundary: permissionsBoundary(),
        tags: args.tags,
      },
      p,
    );
    new aws.iam.RolePolicy(
      `${name}-execution`,
      {
        role: this.executionRole.id,
        policy: policyJson({
          Version: "2012-10-17",
          Statement: [
            // GetAuthorizationToken has no resource-level permissions.
            { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            {
              Sid: "EcrPull",
              Effect: "Allow",
              Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
              Resource: args.repositoryArn,
            },
            // The repository's layers are encrypted with the image key (a key used for nothing else).
            { Sid: "ImageKey", Effect: "Allow", Action: "kms:Decrypt", Resource: args.imageKey.arn },
            {
              Sid: "Logs",
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
              Resource: pulumi.interpolate`${args.logGroup.arn}:*`,
            },
            { Sid: "Secrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: args.secretArns },
            { Sid: "SecretsKey", Effect: "Allow", Action: "kms:Decrypt", Resource: args.secretsKey.arn },
          ],
        }),
      },
      p,
    );

    // Task role: the app's own AWS access — the attachments bucket and its key.
    this.taskRole = child(
      t.taskRole,
      aws.iam.Role,
      `${name}-task`,
      {
        description: `${args.name}: app runtime (attachments bucket)`,
        assumeRolePolicy: assumeTasks,
        permissionsBoundary: permissionsBoundary(),
        tags: args.tags,
      },
      p,
    );
    const taskStatements: any[] = [
      { Sid: "ListBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: args.bucketArn },
      {
        Sid: "Objects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: pulumi.interpolate`${args.bucketArn}/*`,
      },
      { Sid: "BucketKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: args.bucketKey.arn },
      // RDS IAM database authentication: a token for the app's own role on this instance only.
      { Sid: "DbConnect", Effect: "Allow", Action: "rds-db:connect", Resource: args.dbConnectArn },
    ];
    if (args.enableEcsExec) {
      // Deliberate relaxation (paved:enableEcsExec): Session Manager channels for `aws ecs execute-command`.
      taskStatements.push({
        Sid: "EcsExec",
        Effect: "Allow",
        Action: SSM_CHANNEL_ACTIONS,
        Resource: "*",
      });
    }
    new aws.iam.RolePolicy(
      `${name}-task`,
      { role: this.taskRole.id, policy: policyJson({ Version: "2012-10-17", Statement: taskStatements }) },
      p,
    );

    const contract = args.contract;
    const port = contract.port;
    // ECS Exec runs the SSM agent inside the container, and AWS does not support it with a
    // read-only root filesystem (the agent creates its directories and files there), so
    // `aws ecs execute-command` would fail on every task. Enabling paved:enableEcsExec therefore
    // also makes the app container's root filesystem writable — part of the same deliberate,
    // named relaxation (the policy pack reports it). The migration task is never exec'd into.
    const container = (
      containerName: string,
      streamPrefix: string,
      extra: Record<string, any>,
      readonlyRootFilesystem = true,
      env: pulumi.Output<ContainerEnv> = containerEnv(contract, containerName as ContainerName, args.environment, args.secrets),
    ): pulumi.Output<object> =>
      pulumi.all([args.image, args.logGroup.name, env]).apply(([image, logGroup, e]): object => ({
        name: containerName,
        image,
        essential: true,
        user: contract.user,
        readonlyRootFilesystem,
        privileged: false,
        mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
        linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
        environment: e.environment,
        secrets: e.secrets,
        logConfiguration: {
          logDriver: "awslogs",
          options: {
            "awslogs-group": logGroup,
            "awslogs-region": args.region,
            "awslogs-stream-prefix": streamPrefix,
            mode: "non-blocking",
            "max-buffer-size": "4m",
          },
        },
        ...extra,
      }));
    const definitions = (...cs: pulumi.Output<object>[]) => pulumi.all(cs).apply((list) => JSON.stringify(list));
    const taskDef = (n: string, family: string, containerDefinitions: pulumi.Output<string>) =>
      child(
        t.taskDefinition,
        aws.ecs.TaskDefinition,
        n,
        {
          family,
          cpu: String(args.cpu),
          memory: String(args.memoryMib),
          networkMode: "awsvpc",
          // EC2 mode keeps FARGATE too: a one-off (e.g. `<name>-migrate`) can still run without host capacity.
          requiresCompatibilities: capacityProvider ? ["EC2", "FARGATE"] : ["FARGATE"],
          runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: args.cpuArchitecture },
          executionRoleArn: this.executionRole.arn,
          taskRoleArn: this.taskRole.arn,
          // Writable scratch space; the root filesystem stays read-only.
          volumes: [{ name: "tmp" }],
          containerDefinitions,
          tags: args.tags,
        },
        p,
      );

    // The migration runner (when the contract has a migrate command): the same image digest,
    // read-only root and user as the app, its own variables from the contract, logs under `migrate/`.
    const migrateOnDeploy = args.migrateOnDeploy && contract.migrate !== undefined;
    const migrateContainer = (extra: Record<string, any> = {}) =>
      container("migrate", "migrate", { command: contract.migrate!.command, ...extra });
    // Database init (the app's own least-privileged role, idempotent): after migrate, so the
    // tables exist when it grants on them (later migrations are covered by default privileges).
    const dbInit = contract.dbInit && args.dbInit;
    if (contract.dbInit && !args.dbInit)
      throw new Error(
        `App contract ${contract.file}: "dbInit" needs the owner's connection (ServiceArgs.dbInit); paved's program passes it (infra/index.ts).`,
      );
    const dbInitEnv = dbInit
      ? pulumi.all([pulumi.all(dbInit.environment), pulumi.all(dbInit.secrets)]).apply(([e, sec]): ContainerEnv => ({
          environment: Object.entries(e).map(([name, value]) => ({ name, value: String(value) })),
          secrets: Object.entries(sec).map(([name, valueFrom]) => ({ name, valueFrom: String(valueFrom) })),
        }))
      : undefined;
    const dbInitContainer =
      dbInit &&
      container(
        "db-init",
        "db-init",
        {
          command: contract.dbInit!.command,
          // Non-essential: it exits when done. A failure stops the task before the app starts.
          essential: false,
          ...(migrateOnDeploy ? { dependsOn: [{ containerName: "migrate", condition: "SUCCESS" }] } : {}),
        },
        true,
        dbInitEnv,
      );
    const appDependsOn = [
      ...(migrateOnDeploy ? [{ containerName: "migrate", condition: "SUCCESS" }] : []),
      ...(dbInitContainer ? [{ containerName: "db-init", condition: "SUCCESS" }] : []),
    ];
    const appContainer = container(
      "app",
      "app",
      {
        portMappings: [{ containerPort: port, protocol: "tcp", name: "http" }],
        // Liveness only (no DB): a DB outage must not make ECS kill every task. Without a
        // liveness command in the contract, the ALB health check is the only liveness signal
        // (an unhealthy target is replaced by the service), so the image needs no extra tool.
        ...(contract.liveness
          ? {
              healthCheck: {
                command: ["CMD", ...contract.liveness.command.map((a) => a.split("{port}").join(String(port)))],
                interval: 15,
                timeout: 5,
                retries: 3,
                startPeriod: 20,
              },
            }
          : {}),
        stopTimeout: 30,
        // Migrate-on-deploy: the app starts only after `migrate` exited 0. A failed migration
        // leaves the dependency unresolvable, so the task stops before the app serves a request
        // against the wrong schema, and the circuit breaker rolls the deployment back. Tasks that
        // start together are safe: the runner holds a PostgreSQL advisory lock, so the second one
        // waits and then finds nothing pending.
        // The db-init step (when present) must have succeeded too: the app logs in as the role it creates.
        ...(appDependsOn.length ? { dependsOn: appDependsOn } : {}),
      },
      !args.enableEcsExec,
    );
    this.taskDefinition = taskDef(
      `${name}-app`,
      args.name,
      definitions(
        appContainer,
        // Non-essential: it is meant to exit; an essential container exiting would stop the task.
        // No startTimeout: a long migration (e.g. an index build) must not be cut off half-way.
        ...(migrateOnDeploy ? [migrateContainer({ essential: false })] : []),
        ...(dbInitContainer ? [dbInitContainer] : []),
      ),
    );
    // Kept for ad-hoc and manual runs (and the only path when migrateOnDeploy is false).
    if (contract.migrate) this.migrateTaskDefinition = taskDef(`${name}-migrate`, `${args.name}-migrate`, definitions(migrateContainer()));

    // The grace period counts from the task's start, which now includes the migrate step (up to
    // the runner's 5-minute wait for another task's lock, plus the migration itself), so the
    // ALB health checks of a task still migrating must not get it killed and replaced.
    const healthCheckGracePeriodSeconds = args.healthCheckGraceSeconds + (migrateOnDeploy ? args.migrateGraceSeconds : 0);
    // `pulumi up` waits for steady state; size that wait from the slowest failing rollout
    // (circuit-breaker waves + rollback; arithmetic in infra/timeouts.ts), not the 20-min default.
    const deployMinutes = ecsDeploymentTimeout({
      minCapacity: args.minCapacity,
      maxCapacity: args.maxCapacity,
      gracePeriodSeconds: healthCheckGracePeriodSeconds,
      maximumPercent: 200,
    }).minutes;

    this.service = child(
      t.service,
      aws.ecs.Service,
      `${name}-service`,
      {
        name: args.name,
        cluster: this.cluster.arn,
        taskDefinition: this.taskDefinition.arn,
        desiredCount: args.desiredCount,
        ...(capacityProvider
          ? {
              capacityProviderStrategies: [{ capacityProvider: capacityProvider.name, weight: 1, base: 0 }],
              // One task per AZ first (availability), then fill hosts (managed scaling removes empty ones).
              orderedPlacementStrategies: [
                { type: "spread", field: "attribute:ecs.availability-zone" },
                { type: "binpack", field: "memory" },
              ],
            }
          : { launchType: "FARGATE", platformVersion: "LATEST" }),
        networkConfiguration: { subnets: args.subnetIds, securityGroups: [sgId], assignPublicIp: false },
        loadBalancers: [{ targetGroupArn: args.loadBalancer.targetGroupArn, containerName: "app", containerPort: port }],
        healthCheckGracePeriodSeconds,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        alarms: { alarmNames: args.deploymentAlarmNames, enable: true, rollback: true },
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        waitForSteadyState: true,
        enableExecuteCommand: args.enableEcsExec,
        enableEcsManagedTags: true,
        propagateTags: "SERVICE",
        tags: args.tags,
      },
      {
        parent: this,
        dependsOn: capacityProviders ? [...args.loadBalancer.listeners, capacityProviders] : args.loadBalancer.listeners,
        ignoreChanges: ["desiredCount"],
        customTimeouts: { create: `${deployMinutes}m`, update: `${deployMinutes}m`, delete: "20m" },
      },
    );

    const target = child(
      t.scalingTarget,
      aws.appautoscaling.Target,
      `${name}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${this.cluster.name}/${this.service.name}`,
        minCapacity: args.minCapacity,
        maxCapacity: args.maxCapacity,
        tags: args.tags,
      },
      p,
    );
    const policy = (
      n: string,
      targetValue: number,
      predefined: aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
    ) =>
      child(
        t.scalingPolicy,
        aws.appautoscaling.Policy,
        `${name}-${n}`,
        {
          name: `${args.name}-${n}`,
          policyType: "TargetTrackingScaling",
          serviceNamespace: target.serviceNamespace,
          scalableDimension: target.scalableDimension,
          resourceId: target.resourceId,
          targetTrackingScalingPolicyConfiguration: {
            targetValue,
            predefinedMetricSpecification: predefined,
            scaleInCooldown: 300,
            scaleOutCooldown: 60,
          },
        },
        p,
      );
    policy("cpu", args.cpuTargetPercent, { predefinedMetricType: "ECSServiceAverageCPUUtilization" });
    policy("memory", args.memoryTargetPercent, { predefinedMetricType: "ECSServiceAverageMemoryUtilization" });
    policy("requests", args.requestsPerTarget, {
      predefinedMetricType: "ALBRequestCountPerTarget",
      resourceLabel: args.loadBalancer.requestCountLabel,
    });

    this.clusterName = this.cluster.name;
    this.serviceName = this.service.name;
    this.taskDefinitionArn = this.taskDefinition.arn;
    this.migrateFamily = this.migrateTaskDefinition?.family;
    this.registerOutputs({ clusterName: this.cluster.name, serviceName: this.service.name });
  }
}
