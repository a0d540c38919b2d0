/**
 * Realistic, deterministic mock outputs for the offline plan.
 *
 * Every id/ARN/DNS name has the shape AWS returns (including Secrets Manager's
 * random 6-character ARN suffix and RDS' `rds!db-…` managed secret), so the
 * program's own apply/interpolate paths — secret references, IAM resources,
 * metric dimensions — run exactly as they would against AWS. Values are derived
 * from a hash of (stack, type, name): the same program gives the same plan.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { ELB_ACCOUNT_REGIONS } from "../components/storage";

export const MOCK_ACCOUNT_ID = "123456789012";

/** us-east-1 … ALB canonical hosted zones (alias records). */
const ALB_ZONE: Record<string, string> = {
  "us-east-1": "Z35SXDOTRQ7X7K",
  "us-east-2": "Z3AADJGX6KTTL2",
  "us-west-2": "Z1H1FL5HABSF5",
  "eu-west-1": "Z32O12XQLNTSW2",
  "eu-central-1": "Z215JYRZR1TBD5",
};
/** Regional ELB log-delivery accounts (a few; others get the us-east-1 one). */
const ELB_ACCOUNT: Record<string, string> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-2": "797873946194",
  "eu-west-1": "156460612806",
  "eu-central-1": "054676820928",
};

/** What the mocked ECR registry holds: repository name → image tag → digest (`sha256:…`). */
export type MockRegistry = Record<string, Record<string, string>>;

export class PlanMocks implements pulumi.runtime.Mocks {
  /**
   * `registry` is the ECR state the image look-up sees. The default is an empty registry: the
   * first preview of a new stack, where the repository does not exist yet.
   */
  constructor(
    private readonly region: string,
    private readonly stack: string,
    private readonly account = MOCK_ACCOUNT_ID,
    private readonly registry: MockRegistry = {},
  ) {}

  /** Deterministic hex of `len` characters for a (type, name, salt). */
  hex(type: string, name: string, len: number, salt = ""): string {
    let out = "";
    for (let i = 0; out.length < len; i++)
      out += crypto.createHash("sha256").update(`${this.stack}|${type}|${name}|${salt}|${i}`).digest("hex");
    return out.slice(0, len);
  }
  private alnum(type: string, name: string, len: number, salt = ""): string {
    const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const h = this.hex(type, name, len * 2, salt);
    let s = "";
    for (let i = 0; i < len; i++) s += chars[parseInt(h.slice(i * 2, i * 2 + 2), 16) % chars.length];
    return s;
  }
  private uuid(type: string, name: string, salt = ""): string {
    const h = this.hex(type, name, 32, salt);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
  private arn(service: string, resource: string, region: string = this.region): string {
    return `arn:aws:${service}:${region}:${this.account}:${resource}`;
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    const r = this.region;
    switch (args.token) {
      case "aws:index/getAvailabilityZones:getAvailabilityZones":
        return {
          id: r,
          names: ["a", "b", "c", "d", "e", "f"].map((s) => `${r}${s}`),
          zoneIds: [1, 2, 3, 4, 5, 6].map(
            (i) =>
              `${r
                .split("-")
                .map((p) => p[0])
                .join("")
                .replace(/\d$/, "")}${r.slice(-1)}-az${i}`,
          ),
          groupNames: [r],
          state: "available",
        };
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return {
          id: this.account,
          accountId: this.account,
          arn: `arn:aws:iam::${this.account}:role/paved-deployer`,
          userId: "AROAEXAMPLEDEPLOYER:ci",
        };
      case "aws:index/getPartition:getPartition":
        return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
      case "aws:index/getRegion:getRegion":
        return { id: r, name: r, region: r, endpoint: `ec2.${r}.amazonaws.com`, description: r };
      case "aws:elb/getServiceAccount:getServiceAccount": {
        // Like the real data source: regions launched after August 2022 have no ELB account.
        if (!ELB_ACCOUNT_REGIONS.has(r)) throw new Error(`aws.elb.getServiceAccount: no Elastic Load Balancing account for region ${r}`);
        const acct = ELB_ACCOUNT[r] ?? ELB_ACCOUNT["us-east-1"];
        return { id: acct, arn: `arn:aws:iam::${acct}:root` };
      }
      case "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
        const password = `mock-ecr-token-${this.hex("ecr", "token", 16)}`;
        return {
          id: r,
          registryId: args.inputs.registryId ?? this.account,
          userName: "AWS",
          password,
          authorizationToken: Buffer.from(`AWS:${password}`).toString("base64"),
          proxyEndpoint: `https://${this.account}.dkr.ecr.${r}.amazonaws.com`,
          expiresAt: "2030-01-01T00:00:00Z",
        };
      }
      case "aws:ssm/getParameter:getParameter": {
        // AWS's public parameters (e.g. the ECS-optimized AMI id) are plain String parameters.
        const value = /\/image_id$|^\/aws\/service\/ami-amazon-linux-latest\//.test(args.inputs.name)
          ? `ami-${this.hex("ssm", args.inputs.name, 17)}`
          : `mock-${this.hex("ssm", args.inputs.name, 12)}`;
        return {
          id: args.inputs.name,
          name: args.inputs.name,
          arn: `arn:aws:ssm:${r}::parameter${args.inputs.name}`,
          type: "String",
          value,
          insecureValue: value,
          version: 1,
          withDecryption: true,
        };
      }
      case "aws:ecr/getRepositories:getRepositories":
        return { id: r, region: r, names: Object.keys(this.registry).sort() };
      case "aws:ecr/getImages:getImages": {
        const repo = this.registry[args.inputs.repositoryName];
        // Like ECR: ListImages on a repository that does not exist fails.
        if (!repo)
          throw new Error(
            `RepositoryNotFoundException: The repository with name '${args.inputs.repositoryName}' does not exist in the registry with id '${this.account}'`,
          );
        return {
          id: args.inputs.repositoryName,
          region: r,
          registryId: this.account,
          repositoryName: args.inputs.repositoryName,
          imageIds: Object.entries(repo).map(([imageTag, imageDigest]) => ({ imageTag, imageDigest })),
        };
      }
      default:
        throw new Error(`offline plan: no mock for the provider function ${args.token}; add one to infra/offline/mocks.ts`);
    }
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
    const { type, name } = args;
    const i = args.inputs ?? {};
    const h = (len: number, salt = "") => this.hex(type, name, len, salt);
    const autoName = i.name ?? `${name}-${h(7, "name")}`;
    const s: Record<string, any> = { ...i };
    let id = `${name}-${h(8)}`;
    switch (type) {
      case "aws:kms/key:Key": {
        id = this.uuid(type, name);
        Object.assign(s, {
          keyId: id,
          arn: this.arn("kms", `key/${id}`),
          keyUsage: "ENCRYPT_DECRYPT",
          customerMasterKeySpec: "SYMMETRIC_DEFAULT",
          isEnabled: true,
        });
        break;
      }
      case "aws:kms/alias:Alias":
        id = i.name;
        Object.assign(s, { arn: this.arn("kms", i.name), targetKeyArn: this.arn("kms", `key/${i.targetKeyId}`) });
        break;
      case "aws:ec2/vpc:Vpc":
        id = `vpc-${h(17)}`;
        Object.assign(s, {
          arn: this.arn("ec2", `vpc/${id}`),
          defaultSecurityGroupId: `sg-${h(17, "dsg")}`,
          mainRouteTableId: `rtb-${h(17, "main")}`,
          ownerId: this.account,
        });
        break;
      case "aws:ec2/subnet:Subnet":
        id = `subnet-${h(17)}`;
        Object.assign(s, { arn: this.arn("ec2", `subnet/${id}`), availabilityZoneId: `use1-az${(parseInt(h(2), 16) % 6) + 1}` });
        break;
      case "aws:ec2/internetGateway:InternetGateway":
        id = `igw-${h(17)}`;
        s.arn = this.arn("ec2", `internet-gateway/${id}`);
        break;
      case "aws:ec2/routeTable:RouteTable":
        id = `rtb-${h(17)}`;
        s.arn = this.arn("ec2", `route-table/${id}`);
        break;
      case "aws:ec2/route:Route":
        id = `r-${i.routeTableId}${crypto
          .createHash("md5")
          .update(i.destinationCidrBlock ?? "")
          .digest()
          .readUInt32BE(0)}`;
        break;
      case "aws:ec2/routeTableAssociation:RouteTableAssociation":
        id = `rtbassoc-${h(17)}`;
        break;
      case "aws:ec2/eip:Eip":
        id = `eipalloc-${h(17)}`;
        Object.assign(s, {
          allocationId: id,
          publicIp: `203.0.113.${(parseInt(h(2, "ip"), 16) % 250) + 1}`,
          arn: this.arn("ec2", `elastic-ip/${id}`),
        });
        break;
      case "aws:ec2/natGateway:NatGateway":
        id = `nat-${h(17)}`;
        Object.assign(s, { privateIp: `10.0.0.${(parseInt(h(2, "ip"), 16) % 250) + 4}`, networkInterfaceId: `eni-${h(17, "eni")}` });
        break;
      case "aws:ec2/instance:Instance":
        id = `i-${h(17)}`;
        Object.assign(s, {
          arn: this.arn("ec2", `instance/${id}`),
          primaryNetworkInterfaceId: `eni-${h(17, "eni")}`,
          privateIp: `10.0.0.${(parseInt(h(2, "ip"), 16) % 250) + 4}`,
          publicIp: i.associatePublicIpAddress ? `203.0.113.${(parseInt(h(2, "pub"), 16) % 250) + 1}` : "",
          instanceState: "running",
        });
        break;
      case "aws:ec2/securityGroup:SecurityGroup":
      case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
        id = `sg-${h(17)}`;
        Object.assign(s, { arn: this.arn("ec2", `security-group/${id}`), name: i.name ?? autoName, ownerId: this.account });
        break;
      case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
        id = `sgr-${h(17)}`;
        Object.assign(s, { securityGroupRuleId: id, arn: this.arn("ec2", `security-group-rule/${id}`) });
        break;
      case "aws:ec2/vpcEndpoint:VpcEndpoint":
        id = `vpce-${h(17)}`;
        Object.assign(s, { arn: this.arn("ec2", `vpc-endpoint/${id}`), prefixListId: `pl-${h(8, "pl")}`, state: "available" });
        break;
      case "aws:ec2/flowLog:FlowLog":
        id = `fl-${h(17)}`;
        s.arn = this.arn("ec2", `vpc-flow-log/${id}`);
        break;
      case "aws:iam/role:Role":
        id = autoName;
        Object.assign(s, {
          name: autoName,
          arn: `arn:aws:iam::${this.account}:role/${autoName}`,
          uniqueId: `AROA${this.alnum(type, name, 17).toUpperCase()}`,
        });
        break;
      case "aws:iam/serviceLinkedRole:ServiceLinkedRole": {
        const service = String(i.awsServiceName);
        const roleName = `AWSServiceRoleFor${service
          .split(".")[0]
          .replace(/^./, (c) => c.toUpperCase())
          .replace("Autoscaling", "AutoScaling")}${i.customSuffix ? `_${i.customSuffix}` : ""}`;
        const path = `/aws-service-role/${service}/`;
        id = `arn:aws:iam::${this.account}:role${path}${roleName}`;
        Object.assign(s, { arn: id, name: roleName, path, uniqueId: `AROA${this.alnum(type, name, 17).toUpperCase()}` });
        break;
      }
      case "aws:iam/instanceProfile:InstanceProfile":
        id = autoName;
        Object.assign(s, {
          name: autoName,
          arn: `arn:aws:iam::${this.account}:instance-profile/${autoName}`,
          uniqueId: `AIPA${this.alnum(type, name, 17).toUpperCase()}`,
        });
        break;
      case "aws:ec2/launchTemplate:LaunchTemplate":
        id = `lt-${h(17)}`;
        Object.assign(s, { arn: this.arn("ec2", `launch-template/${id}`), latestVersion: 1, defaultVersion: 1, name: i.name ?? autoName });
        break;
      case "aws:autoscaling/group:Group":
        id = i.name ?? autoName;
        Object.assign(s, {
          name: id,
          arn: this.arn("autoscaling", `autoScalingGroup:${this.uuid(type, name)}:autoScalingGroupName/${id}`),
        });
        break;
      case "aws:ecs/capacityProvider:CapacityProvider":
        id = this.arn("ecs", `capacity-provider/${i.name ?? autoName}`);
        Object.assign(s, { arn: id, name: i.name ?? autoName });
        break;
      case "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders":
        id = i.clusterName;
        break;
      case "aws:iam/policy:Policy": {
        const policyName = i.name ?? `${i.namePrefix ?? `${name}-`}${h(26, "suffix").toUpperCase()}`;
        id = `arn:aws:iam::${this.account}:policy${i.path ?? "/"}${policyName}`;
        Object.assign(s, { name: policyName, arn: id, policyId: `ANPA${this.alnum(type, name, 17).toUpperCase()}` });
        break;
      }
      case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        id = `arn:aws:iam::${this.account}:oidc-provider/${String(i.url).replace(/^https:\/\//, "")}`;
        s.arn = id;
        break;
      case "aws:iam/rolePolicy:RolePolicy":
        id = `${i.role}:${autoName}`;
        s.name = autoName;
        break;
      case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
        id = `${i.role}-${h(20)}`;
        break;
      case "aws:cloudwatch/logGroup:LogGroup":
        id = i.name;
        s.arn = this.arn("logs", `log-group:${i.name}`);
        break;
      case "aws:s3/bucket:Bucket": {
        const bucket =
          i.bucket ??
          `${i.bucketPrefix ?? `${name}-`}${BigInt("0x" + h(20))
            .toString()
            .slice(0, 26)
            .padStart(26, "0")}`;
        id = bucket;
        Object.assign(s, {
          bucket,
          arn: `arn:aws:s3:::${bucket}`,
          bucketDomainName: `${bucket}.s3.amazonaws.com`,
          bucketRegionalDomainName: `${bucket}.s3.${this.region}.amazonaws.com`,
          region: this.region,
          hostedZoneId: "Z3AQBSTGFYJSTF",
        });
        break;
      }
      case "aws:ecr/repository:Repository":
        id = i.name;
        Object.assign(s, {
          arn: this.arn("ecr", `repository/${i.name}`),
          registryId: this.account,
          repositoryUrl: `${this.account}.dkr.ecr.${this.region}.amazonaws.com/${i.name}`,
        });
        break;
      case "aws:ecr/lifecyclePolicy:LifecyclePolicy":
        id = i.repository;
        s.registryId = this.account;
        break;
      case "docker:index/image:Image": {
        const repo = String(i.imageName).replace(/:[^:/]+$/, "");
        const digest = `sha256:${this.hex(type, String(i.imageName), 64, "digest")}`;
        id = digest;
        Object.assign(s, {
          repoDigest: `${repo}@${digest}`,
          baseImageName: i.imageName,
          dockerfile: i.build?.dockerfile,
          context: i.build?.context,
          platform: i.build?.platform,
        });
        break;
      }
      case "aws:rds/subnetGroup:SubnetGroup":
      case "aws:rds/parameterGroup:ParameterGroup":
        id = autoName;
        Object.assign(s, { name: autoName, arn: this.arn("rds", `${type.includes("subnet") ? "subgrp" : "pg"}:${autoName}`) });
        break;
      case "aws:rds/instance:Instance": {
        const identifier = i.identifier ?? autoName;
        const resourceId = `db-${this.alnum(type, name, 26).toUpperCase()}`;
        const address = `${identifier}.c${h(11, "host")}.${this.region}.rds.amazonaws.com`;
        id = resourceId;
        Object.assign(s, {
          identifier,
          resourceId,
          address,
          endpoint: `${address}:${i.port ?? 5432}`,
          port: i.port ?? 5432,
          arn: this.arn("rds", `db:${identifier}`),
          hostedZoneId: "Z2R2ITUGPM61AM",
          status: "available",
          engineVersionActual: `${i.engineVersion}.4`,
          masterUserSecrets: i.manageMasterUserPassword
            ? [
                {
                  kmsKeyId: i.masterUserSecretKmsKeyId,
                  secretArn: this.arn(
                    "secretsmanager",
                    `secret:rds!db-${this.uuid(type, name, "secret")}-${this.alnum(type, name, 6, "sfx")}`,
                  ),
                  secretStatus: "active",
                },
              ]
            : [],
          password: undefined,
        });
        break;
      }
      case "aws:secretsmanager/secret:Secret": {
        const secretName =
          i.name ??
          `${i.namePrefix ?? `${name}-`}${BigInt("0x" + h(20))
            .toString()
            .slice(0, 26)}`;
        id = this.arn("secretsmanager", `secret:${secretName}-${this.alnum(type, name, 6, "sfx")}`);
        Object.assign(s, { name: secretName, arn: id });
        break;
      }
      case "aws:secretsmanager/secretVersion:SecretVersion": {
        const versionId = this.uuid(type, name);
        id = `${i.secretId}|${versionId}`;
        Object.assign(s, { versionId, arn: i.secretId, versionStages: ["AWSCURRENT"] });
        break;
      }
      case "random:index/randomId:RandomId": {
        const hex = this.hex(type, name, (i.byteLength ?? 8) * 2, "id");
        id = Buffer.from(hex, "hex").toString("base64url");
        Object.assign(s, { hex, b64Url: id, b64Std: Buffer.from(hex, "hex").toString("base64"), dec: BigInt("0x" + hex).toString() });
        break;
      }
      case "random:index/randomPassword:RandomPassword":
        id = "none";
        Object.assign(s, {
          result: this.alnum(type, name, i.length ?? 32, "pw"),
          bcryptHash: `$2a$10$${this.alnum(type, name, 53, "bcrypt")}`,
        });
        break;
      case "aws:acm/certificate:Certificate": {
        id = this.arn("acm", `certificate/${this.uuid(type, name)}`);
        Object.assign(s, {
          arn: id,
          status: "PENDING_VALIDATION",
          domainValidationOptions: [
            {
              domainName: i.domainName,
              resourceRecordName: `_${h(32, "rn")}.${i.domainName}.`,
              resourceRecordType: "CNAME",
              resourceRecordValue: `_${h(32, "rv")}.xlfgrmvvlj.acm-validations.aws.`,
            },
          ],
        });
        break;
      }
      case "aws:acm/certificateValidation:CertificateValidation":
        id = "2030-01-01 00:00:00 +0000 UTC";
        break;
      case "aws:route53/record:Record":
        id = `${i.zoneId}_${String(i.name).replace(/\.$/, "")}_${i.type}`;
        s.fqdn = String(i.name).replace(/\.$/, "");
        break;
      case "aws:lb/loadBalancer:LoadBalancer": {
        const lbName = i.name ?? autoName;
        const suffix = `app/${lbName}/${h(16)}`;
        id = this.arn("elasticloadbalancing", `loadbalancer/${suffix}`);
        Object.assign(s, {
          name: lbName,
          arn: id,
          arnSuffix: suffix,
          dnsName: `${lbName}-${parseInt(h(8, "dns"), 16)}.${this.region}.elb.amazonaws.com`,
          zoneId: ALB_ZONE[this.region] ?? ALB_ZONE["us-east-1"],
          vpcId: `vpc-${h(17, "vpc")}`,
        });
        break;
      }
      case "aws:lb/targetGroup:TargetGroup": {
        const tgName = i.name ?? autoName;
        const suffix = `targetgroup/${tgName}/${h(16)}`;
        id = this.arn("elasticloadbalancing", suffix);
        Object.assign(s, { name: tgName, arn: id, arnSuffix: suffix });
        break;
      }
      case "aws:lb/listener:Listener":
        id = `${String(i.loadBalancerArn).replace(":loadbalancer/", ":listener/")}/${h(16)}`;
        s.arn = id;
        break;
      case "aws:ecs/cluster:Cluster":
        id = this.arn("ecs", `cluster/${i.name ?? autoName}`);
        Object.assign(s, { arn: id, name: i.name ?? autoName });
        break;
      case "aws:ecs/taskDefinition:TaskDefinition":
        id = i.family;
        Object.assign(s, {
          arn: this.arn("ecs", `task-definition/${i.family}:1`),
          arnWithoutRevision: this.arn("ecs", `task-definition/${i.family}`),
          revision: 1,
        });
        break;
      case "aws:ecs/service:Service": {
        const cluster = String(i.cluster ?? "default")
          .split("/")
          .pop();
        id = this.arn("ecs", `service/${cluster}/${i.name ?? autoName}`);
        Object.assign(s, { name: i.name ?? autoName, arn: id });
        break;
      }
      case "aws:appautoscaling/target:Target":
        id = i.resourceId;
        s.arn = this.arn("application-autoscaling", `scalable-target/${h(34)}`);
        break;
      case "aws:appautoscaling/policy:Policy":
        id = i.name ?? autoName;
        s.arn = this.arn("autoscaling", `scalingPolicy:${this.uuid(type, name)}:resource/ecs/${i.resourceId}:policyName/${id}`);
        break;
      case "aws:sns/topic:Topic":
        id = this.arn("sns", i.name ?? autoName);
        Object.assign(s, { arn: id, name: i.name ?? autoName, owner: this.account });
        break;
      case "aws:sns/topicSubscription:TopicSubscription":
        id = `${i.topic}:${this.uuid(type, name)}`;
        s.arn = id;
        break;
      case "aws:cloudwatch/metricAlarm:MetricAlarm":
        id = i.name ?? autoName;
        s.arn = this.arn("cloudwatch", `alarm:${id}`);
        break;
      case "aws:cloudwatch/dashboard:Dashboard":
        id = i.dashboardName;
        s.dashboardArn = `arn:aws:cloudwatch::${this.account}:dashboard/${i.dashboardName}`;
        break;
      default:
        if (args.custom && i.name === undefined && type.startsWith("aws:")) s.name = autoName;
        break;
    }
    if (type.startsWith("aws:") && args.custom && s.tags) s.tagsAll = { ...s.tags };
    for (const k of Object.keys(s)) if (s[k] === undefined) delete s[k];
    return { id, state: s };
  }
}
