// The peer-derived corpus: cases written as @pulumi/aws v7 stack-export
// resources, each naming the peer rule and fixture shape it comes from
// (Checkov's Terraform fixtures, cdk-nag's rule tests, @pulumi/awsguard's
// policy tests). The cases are our own translations of those peers' documented
// rules and test shapes into v7 exports, not copies of their files.
import type { PolicyPackConfigFile, ResourceRecord } from "../../../policy/evaluator";

export const ACCOUNT = "123456789012";

export interface CorpusCase {
  /** Stable id, e.g. "s3-tls-04". */
  id: string;
  /** The peer rule and fixture/document the case comes from. */
  source: string;
  title: string;
  /** The policy whose verdict the case pins. */
  policy: string;
  expect: "violation" | "pass";
  resources: ResourceRecord[];
  /** Violations: the resource (by name) the finding must be reported on; default the first resource. */
  target?: string;
  /** Violations: a pattern the message must match. */
  message?: RegExp;
  config?: PolicyPackConfigFile;
}

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:corpus::peers::${type}::${name}`;
}

let ids = 0;

/** A stack-export resource: inputs, and outputs = inputs plus what the provider computes. */
export function r(
  type: string,
  name: string,
  inputs: Record<string, any>,
  computed: Record<string, any> = {},
  propertyDependencies: Record<string, string[]> = {},
): ResourceRecord {
  const id = computed.id ?? `${name}-${(++ids).toString(16).padStart(6, "0")}`;
  return {
    urn: urnOf(type, name),
    type,
    name,
    custom: true,
    id,
    inputs,
    outputs: { ...inputs, id, ...computed },
    dependencies: Object.values(propertyDependencies).flat(),
    propertyDependencies,
  };
}

export const T = {
  bucket: "aws:s3/bucket:Bucket",
  bucketV2: "aws:s3/bucketV2:BucketV2",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  sseV2: "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  bucketAcl: "aws:s3/bucketAcl:BucketAcl",
  bucketAclV2: "aws:s3/bucketAclV2:BucketAclV2",
  instance: "aws:ec2/instance:Instance",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  launchConfiguration: "aws:ec2/launchConfiguration:LaunchConfiguration",
  volume: "aws:ebs/volume:Volume",
  ebsDefault: "aws:ebs/encryptionByDefault:EncryptionByDefault",
  asg: "aws:autoscaling/group:Group",
  capacityProvider: "aws:ecs/capacityProvider:CapacityProvider",
  subnet: "aws:ec2/subnet:Subnet",
  routeTable: "aws:ec2/routeTable:RouteTable",
  route: "aws:ec2/route:Route",
  rta: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  igw: "aws:ec2/internetGateway:InternetGateway",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  sgRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  sgIngress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  lb: "aws:lb/loadBalancer:LoadBalancer",
  alb: "aws:alb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  albListener: "aws:alb/listener:Listener",
  rds: "aws:rds/instance:Instance",
  cluster: "aws:rds/cluster:Cluster",
  clusterInstance: "aws:rds/clusterInstance:ClusterInstance",
  paramGroup: "aws:rds/parameterGroup:ParameterGroup",
  clusterParamGroup: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  policy: "aws:iam/policy:Policy",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  userPolicy: "aws:iam/userPolicy:UserPolicy",
  groupPolicy: "aws:iam/groupPolicy:GroupPolicy",
  role: "aws:iam/role:Role",
  rpa: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  policyAttachment: "aws:iam/policyAttachment:PolicyAttachment",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  lambda: "aws:lambda/function:Function",
  provider: "pulumi:providers:aws",
  ssm: "aws:ssm/parameter:Parameter",
  ecr: "aws:ecr/repository:Repository",
  kms: "aws:kms/key:Key",
};

export const doc = (...Statement: any[]) => JSON.stringify({ Version: "2012-10-17", Statement });
export const arn = (bucket: string, partition = "aws") => `arn:${partition}:s3:::${bucket}`;

/** A v7 bucket as a stack export holds it: the name, id and ARN are outputs. */
export function bucket(name: string, extra: Record<string, any> = {}, type = T.bucket): ResourceRecord {
  return r(type, name, { bucketPrefix: `${name}-`, ...extra }, { id: name, bucket: name, arn: arn(name) });
}

export const tlsDeny = (b: string, over: Record<string, any> = {}) => ({
  Sid: "DenyInsecureTransport",
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [arn(b), `${arn(b)}/*`],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
  ...over,
});

export function bucketPolicy(name: string, b: string, ...statements: any[]): ResourceRecord {
  return r(T.bucketPolicy, name, { bucket: b, policy: doc(...statements) });
}

/** A bucket with a public access block, encryption and the given policy statements (none: no policy). */
export function fullBucket(b: string, statements: any[] | null = [tlsDeny(b)]): ResourceRecord[] {
  const out = [
    bucket(b),
    r(T.pab, `${b}-pab`, {
      bucket: b,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }),
    r(T.sse, `${b}-sse`, {
      bucket: b,
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/k` },
          bucketKeyEnabled: true,
        },
      ],
    }),
  ];
  if (statements !== null) {
    out.push(bucketPolicy(`${b}-policy`, b, ...statements));
  }
  return out;
}

export const allowPublicRead = (b: string, condition?: Record<string, any>, over: Record<string, any> = {}) => ({
  Sid: "PublicRead",
  Effect: "Allow",
  Principal: "*",
  Action: "s3:GetObject",
  Resource: `${arn(b)}/*`,
  ...(condition ? { Condition: condition } : {}),
  ...over,
});
