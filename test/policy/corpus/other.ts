// IAM, network ingress, load balancers, RDS, log groups, ECS, secrets, ECR and KMS.
import { ACCOUNT, CorpusCase, doc, r, T } from "./build";

const ADMIN = "paved-iam-no-wildcard-admin";
const CKV62 = 'Checkov CKV_AWS_62 / CKV_AWS_1 (no full "*-*" admin policy)';
const NAG_ADMIN = "cdk-nag NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess";
const allow = (Action: any, Resource: any, extra: Record<string, any> = {}) => ({ Effect: "Allow", Action, Resource, ...extra });

export const iamCases: CorpusCase[] = [
  {
    id: "iam-admin-01",
    source: `${CKV62}: failing fixture (Action * Resource *)`,
    title: "Action * on Resource *",
    policy: ADMIN,
    expect: "violation",
    resources: [r(T.policy, "ia01", { policy: doc(allow("*", "*")) })],
    message: /Action "\*" on Resource "\*"/,
  },
  {
    id: "iam-admin-02",
    source: `${NAG_ADMIN}: Noncompliance (Action *:*)`,
    title: "Action *:* on Resource *",
    policy: ADMIN,
    expect: "violation",
    resources: [r(T.rolePolicy, "ia02", { role: "r", policy: doc(allow(["*:*"], ["*"])) })],
  },
  {
    id: "iam-admin-03",
    source: "IAM documentation: Resource patterns that match every ARN",
    title: "Resource arn:*",
    policy: ADMIN,
    expect: "violation",
    resources: [r(T.userPolicy, "ia03", { user: "u", policy: doc(allow("*", "arn:*")) })],
    message: /Resource "arn:\*"/,
  },
  {
    id: "iam-admin-04",
    source: "IAM documentation: Resource patterns that match every ARN",
    title: "Resource arn:aws:*:*:*:*",
    policy: ADMIN,
    expect: "violation",
    resources: [r(T.groupPolicy, "ia04", { group: "g", policy: doc(allow("*", "arn:aws:*:*:*:*")) })],
  },
  {
    id: "iam-admin-05",
    source: "IAM documentation: Resource patterns that match every ARN",
    title: "Resource arn*",
    policy: ADMIN,
    expect: "violation",
    resources: [r(T.policy, "ia05", { policy: doc(allow("*", "arn*")) })],
  },
  {
    id: "iam-admin-06",
    source: `${CKV62}: failing fixture (* among specific resources)`,
    title: "Resource list containing *",
    policy: ADMIN,
    expect: "violation",
    resources: [r(T.policy, "ia06", { policy: doc(allow("*", ["arn:aws:s3:::b", "*"])) })],
  },
  {
    id: "iam-admin-07",
    source: `${NAG_ADMIN}: Noncompliance (role inline policy)`,
    title: "admin in a role's inlinePolicies",
    policy: ADMIN,
    expect: "violation",
    resources: [
      r(T.role, "ia07", {
        assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }),
        inlinePolicies: [{ name: "everything", policy: doc(allow("*", "*")) }],
      }),
    ],
    message: /inline policy 'everything'/,
  },
  {
    id: "iam-admin-08",
    source: `${CKV62}: failing fixture (admin with an MFA condition is still admin)`,
    title: "admin behind a condition",
    policy: ADMIN,
    expect: "violation",
    resources: [r(T.policy, "ia08", { policy: doc(allow("*", "*", { Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } })) })],
  },
  {
    id: "iam-admin-09",
    source: "IAM documentation: Resource patterns that match every ARN",
    title: "Resource arn:*:*:*:*:*",
    policy: ADMIN,
    expect: "violation",
    resources: [r(T.policy, "ia09", { policy: doc(allow("*", "arn:*:*:*:*:*")) })],
  },
  {
    id: "iam-admin-10",
    source: "IAM documentation: Resource patterns that match every ARN",
    title: "Action *:* on Resource arn:aws:*",
    policy: ADMIN,
    expect: "violation",
    resources: [r(T.policy, "ia10", { policy: doc(allow("*:*", "arn:aws:*")) })],
  },
  {
    id: "iam-admin-11",
    source: `${CKV62}: passing fixture (service wildcard is not full admin)`,
    title: "s3:* on *",
    policy: ADMIN,
    expect: "pass",
    resources: [r(T.policy, "ia11", { policy: doc(allow("s3:*", "*")) })],
  },
  {
    id: "iam-admin-12",
    source: `${CKV62}: passing fixture (* on one bucket)`,
    title: "Action * on one bucket's objects",
    policy: ADMIN,
    expect: "pass",
    resources: [r(T.policy, "ia12", { policy: doc(allow("*", "arn:aws:s3:::b/*")) })],
  },
  {
    id: "iam-admin-13",
    source: `${NAG_ADMIN}: Compliance (Deny * on *)`,
    title: "Deny * on *",
    policy: ADMIN,
    expect: "pass",
    resources: [
      r(T.policy, "ia13", {
        policy: doc({ Effect: "Deny", Action: "*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      }),
    ],
  },
  {
    id: "iam-admin-14",
    source: "IAM documentation: a pattern scoped to one account's IAM resources",
    title: "Action * on arn:aws:iam::<account>:*",
    policy: ADMIN,
    expect: "pass",
    resources: [r(T.policy, "ia14", { policy: doc(allow("*", `arn:aws:iam::${ACCOUNT}:role/app-*`)) })],
  },
  {
    id: "iam-admin-15",
    source: `${CKV62}: passing fixture (iam:* is not *)`,
    title: "iam:* on *",
    policy: ADMIN,
    expect: "pass",
    resources: [r(T.rolePolicy, "ia15", { role: "r", policy: doc(allow("iam:*", "*")) })],
  },
  {
    id: "iam-admin-16",
    source: "Pulumi preview: policy document not known yet",
    title: "unknown document",
    policy: ADMIN,
    expect: "pass",
    resources: [r(T.policy, "ia16", { policy: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" })],
  },
  {
    id: "iam-admin-17",
    source: `${CKV62}: passing fixture (read-only wildcard)`,
    title: "Describe* / Get* on *",
    policy: ADMIN,
    expect: "pass",
    resources: [r(T.policy, "ia17", { policy: doc(allow(["ec2:Describe*", "s3:Get*"], "*")) })],
  },
];

const ATTACH = "paved-iam-no-admin-attachment";
const CKV274 = "Checkov CKV_AWS_274 (no AdministratorAccess attachment)";
export const attachmentCases: CorpusCase[] = [
  {
    id: "iam-attach-01",
    source: `${CKV274}: failing fixture (aws_iam_role_policy_attachment)`,
    title: "AdministratorAccess attached to a role",
    policy: ATTACH,
    expect: "violation",
    resources: [r(T.rpa, "at01", { role: "app", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" })],
    message: /AdministratorAccess/,
  },
  {
    id: "iam-attach-02",
    source: `${CKV274}: failing fixture (managed_policy_arns on aws_iam_role)`,
    title: "AdministratorAccess in managedPolicyArns (GovCloud)",
    policy: ATTACH,
    expect: "violation",
    resources: [r(T.role, "at02", { assumeRolePolicy: "{}", managedPolicyArns: ["arn:aws-us-gov:iam::aws:policy/AdministratorAccess"] })],
  },
  {
    id: "iam-attach-03",
    source: `${CKV274}: failing fixture (aws_iam_policy_attachment)`,
    title: "PolicyAttachment of AdministratorAccess",
    policy: ATTACH,
    expect: "violation",
    resources: [r(T.policyAttachment, "at03", { policyArn: "arn:aws:iam::aws:policy/AdministratorAccess", roles: ["app"] })],
  },
  {
    id: "iam-attach-04",
    source: `${CKV274}: passing fixture (ReadOnlyAccess)`,
    title: "ReadOnlyAccess",
    policy: ATTACH,
    expect: "pass",
    resources: [r(T.rpa, "at04", { role: "app", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" })],
  },
  {
    id: "iam-attach-05",
    source: `${CKV274}: customer-managed policy that happens to be named AdministratorAccess`,
    title: "own policy named AdministratorAccess",
    policy: ATTACH,
    expect: "pass",
    resources: [r(T.rpa, "at05", { role: "app", policyArn: `arn:aws:iam::${ACCOUNT}:policy/AdministratorAccess` })],
  },
];

const SENS = "paved-sg-no-public-sensitive-ports";
const WEB = "paved-sg-public-ingress-web-only";
const LBONLY = "paved-sg-public-web-on-lb-only";
const CKV24 = "Checkov CKV_AWS_24 (no 0.0.0.0/0 to port 22)";
const CKV25 = "Checkov CKV_AWS_25 (no 0.0.0.0/0 to port 3389)";
const CKV277 = "Checkov CKV_AWS_277 (no 0.0.0.0/0 to all ports)";
const EC23 = "cdk-nag AwsSolutions-EC23 (no 0.0.0.0/0 or ::/0 inbound)";
const sgWith = (name: string, ...ingress: any[]) => r(T.sg, name, { vpcId: "vpc-1", ingress }, { id: `sg-${name}` });
const rule = (protocol: string, fromPort: number, toPort: number, cidrBlocks: string[] = ["0.0.0.0/0"]) => ({
  protocol,
  fromPort,
  toPort,
  cidrBlocks,
});

export const networkCases: CorpusCase[] = [
  {
    id: "sg-01",
    source: `${CKV24}: failing fixture (inline ingress)`,
    title: "SSH from 0.0.0.0/0",
    policy: SENS,
    expect: "violation",
    resources: [sgWith("sg01", rule("tcp", 22, 22))],
    message: /port\(s\) 22/,
  },
  {
    id: "sg-02",
    source: `${CKV25}: failing fixture (IPv6)`,
    title: "RDP from ::/0",
    policy: SENS,
    expect: "violation",
    resources: [r(T.sg, "sg02", { ingress: [{ protocol: "tcp", fromPort: 3389, toPort: 3389, ipv6CidrBlocks: ["::/0"] }] })],
    message: /3389/,
  },
  {
    id: "sg-03",
    source: `${CKV277}: failing fixture (protocol -1)`,
    title: "all traffic from the internet",
    policy: SENS,
    expect: "violation",
    resources: [sgWith("sg03", rule("-1", 0, 0))],
    message: /every port/,
  },
  {
    id: "sg-04",
    source: `${CKV277}: failing fixture (0-65535)`,
    title: "every TCP port",
    policy: SENS,
    expect: "violation",
    resources: [sgWith("sg04", rule("tcp", 0, 65535))],
  },
  {
    id: "sg-05",
    source: `${CKV24}: failing fixture (aws_security_group_rule)`,
    title: "SecurityGroupRule SSH",
    policy: SENS,
    expect: "violation",
    resources: [
      r(T.sgRule, "sg05", {
        type: "ingress",
        securityGroupId: "sg-1",
        protocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrBlocks: ["0.0.0.0/0"],
      }),
    ],
    message: /rule 'sg05'/,
  },
  {
    id: "sg-06",
    source: "Checkov CKV_AWS_24 family on aws_vpc_security_group_ingress_rule (PostgreSQL)",
    title: "SecurityGroupIngressRule 5432",
    policy: SENS,
    expect: "violation",
    resources: [
      r(T.sgIngress, "sg06", { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "0.0.0.0/0" }),
    ],
  },
  {
    id: "sg-07",
    source: `${CKV24}: failing fixture (range containing 22)`,
    title: "ports 20-30",
    policy: SENS,
    expect: "violation",
    resources: [sgWith("sg07", rule("tcp", 20, 30))],
  },
  {
    id: "sg-08",
    source: `${EC23}: Noncompliance (app port open)`,
    title: "port 8080 from the internet",
    policy: WEB,
    expect: "violation",
    resources: [sgWith("sg08", rule("tcp", 8080, 8080))],
    message: /8080/,
  },
  {
    id: "sg-09",
    source: "Checkov CKV_AWS_260 (no 0.0.0.0/0 to port 80) on a group no load balancer uses",
    title: "port 80 open on an instance's group",
    policy: LBONLY,
    expect: "violation",
    resources: [sgWith("sg09", rule("tcp", 80, 80))],
    message: /not attached to an internet-facing application load balancer/,
  },
  {
    id: "sg-10",
    source: `${CKV24}: passing fixture (private CIDR)`,
    title: "SSH from 10.0.0.0/8",
    policy: SENS,
    expect: "pass",
    resources: [sgWith("sg10", rule("tcp", 22, 22, ["10.0.0.0/8"]))],
  },
  {
    id: "sg-11",
    source: `${EC23}: Compliance (egress only)`,
    title: "egress rule to 0.0.0.0/0",
    policy: SENS,
    expect: "pass",
    resources: [
      r(T.sgRule, "sg11", { type: "egress", securityGroupId: "sg-1", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }),
    ],
  },
  {
    id: "sg-12",
    source: `${CKV277}: ICMP is not a port range`,
    title: "ICMP echo from the internet",
    policy: SENS,
    expect: "pass",
    resources: [sgWith("sg12", rule("icmp", 8, 0))],
  },
  {
    id: "sg-13",
    source: `${EC23}: Compliance (443 on the internet-facing ALB's group)`,
    title: "HTTPS on the ALB's own group",
    policy: LBONLY,
    expect: "pass",
    resources: [
      sgWith("sg13", rule("tcp", 443, 443), { protocol: "tcp", fromPort: 443, toPort: 443, ipv6CidrBlocks: ["::/0"] }),
      r(T.lb, "sg13-alb", { loadBalancerType: "application", internal: false, securityGroups: ["sg-sg13"] }),
    ],
  },
  {
    id: "sg-14",
    source: `${CKV24}: passing fixture (source security group)`,
    title: "SSH from another security group",
    policy: SENS,
    expect: "pass",
    resources: [
      r(T.sgIngress, "sg14", {
        securityGroupId: "sg-1",
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        referencedSecurityGroupId: "sg-bastion",
      }),
    ],
  },
  {
    id: "sg-15",
    source: `${EC23}: Compliance (app port only from the ALB)`,
    title: "app port from the ALB's group",
    policy: WEB,
    expect: "pass",
    resources: [
      r(T.sgIngress, "sg15", {
        securityGroupId: "sg-app",
        ipProtocol: "tcp",
        fromPort: 4000,
        toPort: 4000,
        referencedSecurityGroupId: "sg-alb",
      }),
    ],
  },
];

const HTTPS = "paved-alb-https-only";
const TLSP = "paved-alb-tls-policy";
const HSTS = "paved-alb-hsts";
const CKV2 = "Checkov CKV_AWS_2 (ALB listener uses HTTPS)";
const CKV103 = "Checkov CKV_AWS_103 (LB listener uses TLS 1.2)";
const NAG_REDIRECT = "cdk-nag NIST.800.53.R5-ALBHttpToHttpsRedirection";
const redirect = { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } };
const HSTS_VALUE = "max-age=31536000; includeSubDomains";
const httpsListener = (name: string, extra: Record<string, any> = {}) =>
  r(T.listener, name, {
    loadBalancerArn: "arn:lb",
    protocol: "HTTPS",
    port: 443,
    certificateArn: "arn:cert",
    sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    routingHttpResponseStrictTransportSecurityHeaderValue: HSTS_VALUE,
    defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }],
    ...extra,
  });

export const listenerCases: CorpusCase[] = [
  {
    id: "lb-01",
    source: `${CKV2}: failing fixture (HTTP forward)`,
    title: "HTTP listener forwarding",
    policy: HTTPS,
    expect: "violation",
    resources: [r(T.listener, "l01", { protocol: "HTTP", port: 80, defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }] })],
    message: /Listener 'l01' \(port 80\) serves plain HTTP \(default action forward\)/,
  },
  {
    id: "lb-02",
    source: `${NAG_REDIRECT}: Noncompliance (redirect to HTTP)`,
    title: "redirect that keeps HTTP",
    policy: HTTPS,
    expect: "violation",
    resources: [
      r(T.albListener, "l02", {
        protocol: "HTTP",
        port: 80,
        defaultActions: [{ type: "redirect", redirect: { protocol: "HTTP", port: "8080", statusCode: "HTTP_302" } }],
      }),
    ],
  },
  {
    id: "lb-03",
    source: `${CKV2}: failing fixture (fixed-response on HTTP)`,
    title: "HTTP fixed response",
    policy: HTTPS,
    expect: "violation",
    resources: [
      r(T.listener, "l03", {
        protocol: "HTTP",
        port: 8080,
        defaultActions: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "200" } }],
      }),
    ],
    message: /port 8080/,
  },
  {
    id: "lb-04",
    source: `${CKV2}: failing fixture (protocol omitted on an ALB listener defaults to HTTP)`,
    title: "no protocol but a port",
    policy: HTTPS,
    expect: "violation",
    resources: [r(T.listener, "l04", { port: 80, defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }] })],
  },
  {
    id: "lb-05",
    source: `${CKV103}: failing fixture (no ssl_policy)`,
    title: "HTTPS without sslPolicy",
    policy: TLSP,
    expect: "violation",
    resources: [httpsListener("l05", { sslPolicy: undefined })],
    message: /ELBSecurityPolicy-2016-08/,
  },
  {
    id: "lb-06",
    source: `${CKV103}: failing fixture (ELBSecurityPolicy-2016-08)`,
    title: "old TLS policy",
    policy: TLSP,
    expect: "violation",
    resources: [httpsListener("l06", { sslPolicy: "ELBSecurityPolicy-2016-08" })],
  },
  {
    id: "lb-07",
    source: `${CKV103}: failing fixture (NLB TLS listener with TLS 1.1)`,
    title: "TLS listener with TLS-1-1 policy",
    policy: TLSP,
    expect: "violation",
    resources: [
      r(T.listener, "l07", {
        protocol: "TLS",
        port: 443,
        sslPolicy: "ELBSecurityPolicy-TLS-1-1-2017-01",
        defaultActions: [{ type: "forward" }],
      }),
    ],
  },
  {
    id: "lb-08",
    source: "OWASP HSTS cheat sheet / ALB routing.http.response.strict_transport_security",
    title: "HTTPS without HSTS",
    policy: HSTS,
    expect: "violation",
    resources: [httpsListener("l08", { routingHttpResponseStrictTransportSecurityHeaderValue: undefined })],
  },
  {
    id: "lb-09",
    source: "OWASP HSTS cheat sheet: max-age of one year",
    title: "HSTS max-age one day",
    policy: HSTS,
    expect: "violation",
    resources: [httpsListener("l09", { routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=86400; includeSubDomains" })],
    message: /86400/,
  },
  {
    id: "lb-10",
    source: `${CKV2}: passing fixture (HTTP redirect to HTTPS)`,
    title: "HTTP redirect to HTTPS",
    policy: HTTPS,
    expect: "pass",
    resources: [r(T.listener, "l10", { protocol: "HTTP", port: 80, defaultActions: [redirect] })],
  },
  {
    id: "lb-11",
    source: `${CKV2}: passing fixture (Gateway Load Balancer listener has no protocol or port)`,
    title: "GWLB listener",
    policy: HTTPS,
    expect: "pass",
    resources: [
      r(T.listener, "l11", { loadBalancerArn: "arn:gwlb", defaultActions: [{ type: "forward", targetGroupArn: "arn:tg-geneve" }] }),
    ],
  },
  {
    id: "lb-12",
    source: `${CKV2}: passing fixture (NLB TCP listener)`,
    title: "TCP listener",
    policy: HTTPS,
    expect: "pass",
    resources: [r(T.listener, "l12", { protocol: "TCP", port: 5432, defaultActions: [{ type: "forward" }] })],
  },
  {
    id: "lb-13",
    source: `${CKV103}: passing fixture (TLS13 policy)`,
    title: "HTTPS with TLS 1.3 policy",
    policy: TLSP,
    expect: "pass",
    resources: [httpsListener("l13")],
  },
  {
    id: "lb-14",
    source: `${CKV103}: passing fixture (TLS listener with FS-1-2 policy)`,
    title: "TLS listener with ELBSecurityPolicy-FS-1-2-Res-2020-10",
    policy: TLSP,
    expect: "pass",
    resources: [
      r(T.listener, "l14", {
        protocol: "TLS",
        port: 443,
        sslPolicy: "ELBSecurityPolicy-FS-1-2-Res-2020-10",
        defaultActions: [{ type: "forward" }],
      }),
    ],
  },
  {
    id: "lb-15",
    source: `${NAG_REDIRECT}: Compliance (lower-case https in the redirect)`,
    title: "redirect protocol given in lower case",
    policy: HTTPS,
    expect: "pass",
    resources: [
      r(T.albListener, "l15", {
        protocol: "HTTP",
        port: 80,
        defaultActions: [{ type: "redirect", redirect: { protocol: "https", port: "443", statusCode: "HTTP_301" } }],
      }),
    ],
  },
  {
    id: "lb-16",
    source: "OWASP HSTS cheat sheet: preload form",
    title: "HSTS two years with preload",
    policy: HSTS,
    expect: "pass",
    resources: [
      httpsListener("l16", { routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=63072000; includeSubDomains; preload" }),
    ],
  },
  {
    id: "lb-17",
    source: `${CKV2}: passing fixture (GWLB listener)`,
    title: "GWLB listener is not judged for TLS either",
    policy: TLSP,
    expect: "pass",
    resources: [r(T.listener, "l17", { loadBalancerArn: "arn:gwlb", defaultActions: [{ type: "forward" }] })],
  },
  {
    id: "lb-18",
    source: "Checkov CKV_AWS_131 (ALB drops invalid headers): failing fixture",
    title: "ALB without drop_invalid_header_fields",
    policy: "paved-alb-drop-invalid-headers",
    expect: "violation",
    resources: [r(T.lb, "l18", { loadBalancerType: "application", dropInvalidHeaderFields: false })],
  },
  {
    id: "lb-19",
    source: "Checkov CKV_AWS_131: passing fixture (network load balancer)",
    title: "NLB has no HTTP headers",
    policy: "paved-alb-drop-invalid-headers",
    expect: "pass",
    resources: [r(T.lb, "l19", { loadBalancerType: "network" })],
  },
  {
    id: "lb-20",
    source: "Checkov CKV_AWS_91 (ELBv2 access logging): failing fixture",
    title: "no access logs",
    policy: "paved-alb-access-logs",
    expect: "violation",
    resources: [r(T.alb, "l20", { loadBalancerType: "application" })],
  },
  {
    id: "lb-21",
    source: "Checkov CKV_AWS_91: passing fixture",
    title: "access logs enabled",
    policy: "paved-alb-access-logs",
    expect: "pass",
    resources: [r(T.alb, "l21", { loadBalancerType: "application", accessLogs: { bucket: "logs", enabled: true, prefix: "alb" } })],
  },
  {
    id: "lb-22",
    source: "Checkov CKV_AWS_150 (LB deletion protection): failing fixture",
    title: "deletion protection off",
    policy: "paved-alb-deletion-protection",
    expect: "violation",
    resources: [r(T.lb, "l22", { enableDeletionProtection: false })],
  },
];

const CKV16 = "Checkov CKV_AWS_16 (RDS encrypted)";
const CKV17 = "Checkov CKV_AWS_17 (RDS not public)";
const RDS2 = "cdk-nag AwsSolutions-RDS2 (storage encryption)";
const db = (name: string, extra: Record<string, any> = {}) =>
  r(T.rds, name, {
    engine: "postgres",
    engineVersion: "16.4",
    instanceClass: "db.t4g.micro",
    storageEncrypted: true,
    kmsKeyId: "arn:kms",
    backupRetentionPeriod: 30,
    dbSubnetGroupName: "db",
    multiAz: true,
    deletionProtection: true,
    finalSnapshotIdentifier: `${name}-final`,
    manageMasterUserPassword: true,
    ...extra,
  });

export const rdsCases: CorpusCase[] = [
  {
    id: "rds-01",
    source: `${CKV16}: failing fixture (storage_encrypted omitted)`,
    title: "storage not encrypted",
    policy: "paved-rds-storage-encrypted",
    expect: "violation",
    resources: [db("d01", { storageEncrypted: undefined })],
    message: /Database 'd01' does not encrypt/,
  },
  {
    id: "rds-02",
    source: `${CKV17}: failing fixture (publicly_accessible = true)`,
    title: "public database",
    policy: "paved-rds-not-public",
    expect: "violation",
    resources: [db("d02", { publiclyAccessible: true })],
  },
  {
    id: "rds-03",
    source: "Checkov CKV_AWS_133 (RDS backup policy): failing fixture (retention 0)",
    title: "backups off",
    policy: "paved-rds-backup-retention",
    expect: "violation",
    resources: [db("d03", { backupRetentionPeriod: 0 })],
    message: /backupRetentionPeriod 0 days/,
  },
  {
    id: "rds-04",
    source: "Checkov CKV_AWS_157 (RDS Multi-AZ): failing fixture",
    title: "single-AZ",
    policy: "paved-rds-multi-az",
    expect: "violation",
    resources: [db("d04", { multiAz: false })],
  },
  {
    id: "rds-05",
    source: "Checkov CKV_AWS_293 (RDS deletion protection): failing fixture",
    title: "deletion protection off",
    policy: "paved-rds-deletion-protection",
    expect: "violation",
    resources: [db("d05", { deletionProtection: false })],
  },
  {
    id: "rds-06",
    source: "Checkov CKV2_AWS_69 (RDS encryption in transit): failing fixture (no rds.force_ssl)",
    title: "postgres parameter group without force_ssl",
    policy: "paved-rds-postgres-force-ssl",
    expect: "violation",
    resources: [r(T.paramGroup, "d06", { family: "postgres14", parameters: [{ name: "log_min_duration_statement", value: "500" }] })],
    message: /'d06' \(postgres14\)/,
  },
  {
    id: "rds-07",
    source: "Checkov CKV2_AWS_69: failing fixture (rds.force_ssl = 0)",
    title: "force_ssl 0",
    policy: "paved-rds-postgres-force-ssl",
    expect: "violation",
    resources: [r(T.clusterParamGroup, "d07", { family: "aurora-postgresql15", parameters: [{ name: "rds.force_ssl", value: "0" }] })],
  },
  {
    id: "rds-08",
    source: "AWS RDS documentation: rds.force_ssl defaults to 0 before PostgreSQL 15",
    title: "PostgreSQL 14 on the default group",
    policy: "paved-rds-postgres-force-ssl",
    expect: "violation",
    resources: [db("d08", { engineVersion: "14.12" })],
  },
  {
    id: "rds-09",
    source: `${CKV17}: failing fixture (aws_rds_cluster_instance publicly_accessible)`,
    title: "public Aurora instance",
    policy: "paved-rds-not-public",
    expect: "violation",
    resources: [r(T.clusterInstance, "d09", { clusterIdentifier: "c", instanceClass: "db.r6g.large", publiclyAccessible: true })],
  },
  {
    id: "rds-10",
    source: `${RDS2}: Noncompliance (Aurora cluster)`,
    title: "Aurora cluster not encrypted",
    policy: "paved-rds-storage-encrypted",
    expect: "violation",
    resources: [r(T.cluster, "d10", { engine: "aurora-postgresql", storageEncrypted: false })],
  },
  {
    id: "rds-11",
    source: `${CKV16}: passing fixture`,
    title: "hardened PostgreSQL 16",
    policy: "paved-rds-storage-encrypted",
    expect: "pass",
    resources: [db("d11")],
  },
  {
    id: "rds-12",
    source: `${RDS2}: Compliance (read replica inherits encryption)`,
    title: "read replica",
    policy: "paved-rds-storage-encrypted",
    expect: "pass",
    resources: [db("d12", { storageEncrypted: undefined, replicateSourceDb: "arn:aws:rds:eu-west-1:1:db:primary" })],
  },
  {
    id: "rds-13",
    source: `${RDS2}: Compliance (Aurora Serverless v1 is always encrypted)`,
    title: "Aurora Serverless v1",
    policy: "paved-rds-storage-encrypted",
    expect: "pass",
    resources: [r(T.cluster, "d13", { engine: "aurora-postgresql", engineMode: "serverless" })],
  },
  {
    id: "rds-14",
    source: "AWS RDS documentation: rds.force_ssl defaults to 1 from PostgreSQL 15",
    title: "PostgreSQL 16 on the default group",
    policy: "paved-rds-postgres-force-ssl",
    expect: "pass",
    resources: [db("d14")],
  },
  {
    id: "rds-15",
    source: "Checkov CKV2_AWS_69: passing fixture (force_ssl 1)",
    title: "aurora-postgresql15 with force_ssl 1",
    policy: "paved-rds-postgres-force-ssl",
    expect: "pass",
    resources: [
      r(T.clusterParamGroup, "d15", {
        family: "aurora-postgresql15",
        parameters: [{ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" }],
      }),
    ],
  },
  {
    id: "rds-16",
    source: "Checkov CKV2_AWS_69: MySQL parameter groups are out of scope",
    title: "mysql8.0 group without force_ssl",
    policy: "paved-rds-postgres-force-ssl",
    expect: "pass",
    resources: [r(T.paramGroup, "d16", { family: "mysql8.0", parameters: [] })],
  },
  {
    id: "rds-17",
    source: `${CKV17}: passing fixture (publicly_accessible = false)`,
    title: "private database",
    policy: "paved-rds-not-public",
    expect: "pass",
    resources: [db("d17", { publiclyAccessible: false })],
  },
];

const LG_RET = "paved-log-group-retention";
const LG_KMS = "paved-log-group-kms";
export const logCases: CorpusCase[] = [
  {
    id: "logs-01",
    source: "Checkov CKV_AWS_158 (log group KMS): failing fixture",
    title: "log group without kmsKeyId",
    policy: LG_KMS,
    expect: "violation",
    resources: [r(T.logGroup, "lg01", { retentionInDays: 365 })],
  },
  {
    id: "logs-02",
    source: "Checkov CKV_AWS_66 (log group retention specified): failing fixture",
    title: "retention not set",
    policy: LG_RET,
    expect: "violation",
    resources: [r(T.logGroup, "lg02", { kmsKeyId: "arn:kms" })],
    message: /does not set retentionInDays/,
  },
  {
    id: "logs-03",
    source: "Terraform aws_cloudwatch_log_group documentation: 0 means never expire",
    title: "retention 0 (never expire)",
    policy: LG_RET,
    expect: "violation",
    resources: [r(T.logGroup, "lg03", { retentionInDays: 0, kmsKeyId: "arn:kms" })],
    message: /sets retentionInDays to 0/,
  },
  {
    id: "logs-04",
    source: "cdk-nag NIST.800.53.R5-CloudWatchLogGroupRetentionPeriod: Noncompliance (one week)",
    title: "retention 7 days",
    policy: LG_RET,
    expect: "violation",
    resources: [r(T.logGroup, "lg04", { retentionInDays: 7, kmsKeyId: "arn:kms" })],
  },
  {
    id: "logs-05",
    source: "Checkov CKV_AWS_338 (retention at least a year): passing fixture",
    title: "365 days with KMS",
    policy: LG_RET,
    expect: "pass",
    resources: [r(T.logGroup, "lg05", { retentionInDays: 365, kmsKeyId: "arn:kms" })],
  },
  {
    id: "logs-06",
    source: "Checkov CKV_AWS_158: passing fixture",
    title: "KMS key set",
    policy: LG_KMS,
    expect: "pass",
    resources: [r(T.logGroup, "lg06", { retentionInDays: 3653, kmsKeyId: "arn:kms" })],
  },
];

const container = (extra: Record<string, any> = {}) => ({
  name: "app",
  image: "repo@sha256:abc",
  user: "1000:1000",
  readonlyRootFilesystem: true,
  privileged: false,
  logConfiguration: {
    logDriver: "awslogs",
    options: { "awslogs-group": "/ecs/app", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "app" },
  },
  ...extra,
});
const td = (name: string, c: Record<string, any> = {}, extra: Record<string, any> = {}) =>
  r(T.taskDefinition, name, { family: name, networkMode: "awsvpc", containerDefinitions: JSON.stringify([container(c)]), ...extra });

export const ecsCases: CorpusCase[] = [
  {
    id: "ecs-01",
    source: "Checkov CKV_AWS_334 (ECS containers not privileged): failing fixture",
    title: "privileged container",
    policy: "paved-ecs-no-privileged",
    expect: "violation",
    resources: [td("c01", { privileged: true })],
    message: /container 'app' is privileged/,
  },
  {
    id: "ecs-02",
    source: "Checkov CKV_AWS_336 (read-only root filesystem): failing fixture",
    title: "writable root filesystem",
    policy: "paved-ecs-readonly-root-filesystem",
    expect: "violation",
    resources: [td("c02", { readonlyRootFilesystem: false })],
  },
  {
    id: "ecs-03",
    source: "cdk-nag NIST.800.53.R5-ECSTaskDefinitionUserForHostMode: Noncompliance (root user)",
    title: "user root",
    policy: "paved-ecs-non-root-user",
    expect: "violation",
    resources: [td("c03", { user: "0:0" })],
    message: /runs as root/,
  },
  {
    id: "ecs-04",
    source: "Checkov CKV_AWS_335 (no host PID namespace): failing fixture",
    title: "pidMode host",
    policy: "paved-ecs-no-host-namespaces",
    expect: "violation",
    resources: [td("c04", {}, { pidMode: "host" })],
  },
  {
    id: "ecs-05",
    source: "cdk-nag AwsSolutions-ECS7 (container logging): Noncompliance",
    title: "no logConfiguration",
    policy: "paved-ecs-log-configuration",
    expect: "violation",
    resources: [td("c05", { logConfiguration: undefined })],
  },
  {
    id: "ecs-06",
    source: "Checkov CKV_AWS_333 (ECS service no public IP): failing fixture",
    title: "service assigns public IPs",
    policy: "paved-ecs-service-no-public-ip",
    expect: "violation",
    resources: [
      r(T.service, "c06", {
        networkConfiguration: { assignPublicIp: true, subnets: ["s"] },
        deploymentCircuitBreaker: { enable: true, rollback: true },
      }),
    ],
  },
  {
    id: "ecs-07",
    source: "cdk-nag AwsSolutions-ECS2 (environment variables) / Checkov secrets scan: AWS key in environment",
    title: "AWS secret key in environment",
    policy: "paved-no-secrets-in-ecs-environment",
    expect: "violation",
    resources: [td("c07", { environment: [{ name: "AWS_SECRET_ACCESS_KEY", value: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" }] })],
    message: /AWS_SECRET_ACCESS_KEY=<redacted, 40 chars>/,
  },
  {
    id: "ecs-08",
    source: "cdk-nag AwsSolutions-ECS2: password literal in environment",
    title: "DB_PASSWORD literal",
    policy: "paved-no-secrets-in-ecs-environment",
    expect: "violation",
    resources: [td("c08", { environment: [{ name: "DB_PASSWORD", value: "hunter2hunter2" }] })],
  },
  {
    id: "ecs-09",
    source: "cdk-nag AwsSolutions-ECS2: Compliance (non-secret settings)",
    title: "PASSWORD_MIN_LENGTH and JWT_ISSUER are not secrets",
    policy: "paved-no-secrets-in-ecs-environment",
    expect: "pass",
    resources: [
      td("c09", {
        environment: [
          { name: "PASSWORD_MIN_LENGTH", value: "12" },
          { name: "JWT_ISSUER", value: "https://auth.example.com" },
        ],
      }),
    ],
  },
  {
    id: "ecs-10",
    source: "AWS ECS documentation: secrets from Secrets Manager (valueFrom)",
    title: "secret via valueFrom",
    policy: "paved-no-secrets-in-ecs-environment",
    expect: "pass",
    resources: [
      td("c10", { secrets: [{ name: "DB_PASSWORD", valueFrom: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:db-AbCdEf` }] }),
    ],
  },
  {
    id: "ecs-11",
    source: "Checkov CKV_AWS_334..336: passing fixture (hardened container)",
    title: "hardened container, named non-root user",
    policy: "paved-ecs-non-root-user",
    expect: "pass",
    resources: [td("c11", { user: "node" })],
  },
  {
    id: "ecs-12",
    source: "AWS ECS documentation: CODE_DEPLOY controller manages rollbacks",
    title: "blue/green service without circuit breaker",
    policy: "paved-ecs-service-circuit-breaker",
    expect: "pass",
    resources: [r(T.service, "c12", { deploymentController: { type: "CODE_DEPLOY" }, networkConfiguration: { assignPublicIp: false } })],
  },
];

export const secretCases: CorpusCase[] = [
  {
    id: "sec-01",
    source: "Checkov CKV_AWS_41 (no hard-coded AWS keys in the provider): failing fixture",
    title: "provider with static keys",
    policy: "paved-no-static-provider-credentials",
    expect: "violation",
    resources: [
      r(T.provider, "aws-static", {
        region: "eu-west-1",
        accessKey: "AKIAIOSFODNN7EXAMPLE",
        secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      }),
    ],
  },
  {
    id: "sec-02",
    source: "Checkov CKV_AWS_45 (no secrets in Lambda environment): failing fixture",
    title: "AWS key id in Lambda environment",
    policy: "paved-no-secrets-in-lambda-environment",
    expect: "violation",
    resources: [r(T.lambda, "fn02", { runtime: "nodejs20.x", environment: { variables: { UPSTREAM_KEY_ID: "AKIAIOSFODNN7EXAMPLE" } } })],
    message: /AWS access key id/,
  },
  {
    id: "sec-03",
    source: "Checkov CKV_AWS_46 (no secrets in EC2 user data): failing fixture",
    title: "AWS keys exported in user data",
    policy: "paved-no-secrets-in-user-data",
    expect: "violation",
    resources: [
      r(T.instance, "ud03", {
        userData:
          "#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nexport AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
      }),
    ],
    message: /contains an AWS access key id/,
  },
  {
    id: "sec-04",
    source: "Checkov CKV_AWS_46: failing fixture (base64 user data on a launch template)",
    title: "base64 user data with a password",
    policy: "paved-no-secrets-in-user-data",
    expect: "violation",
    resources: [
      r(T.launchTemplate, "ud04", { userData: Buffer.from("#!/bin/bash\nDB_PASSWORD=correct-horse-battery\n").toString("base64") }),
    ],
  },
  {
    id: "sec-05",
    source: "Checkov secrets scan on aws_ssm_parameter (type String)",
    title: "String parameter holding a password",
    policy: "paved-ssm-secure-string",
    expect: "violation",
    resources: [r(T.ssm, "ssm05", { name: "/app/db_password", type: "String", value: "hunter2hunter2" })],
  },
  {
    id: "sec-06",
    source: "Checkov CKV_AWS_41: passing fixture (profile)",
    title: "provider with a profile",
    policy: "paved-no-static-provider-credentials",
    expect: "pass",
    resources: [r(T.provider, "aws-profile", { region: "eu-west-1", profile: "deploy" })],
  },
  {
    id: "sec-07",
    source: "Checkov CKV_AWS_45: passing fixture (secret ARN reference)",
    title: "Lambda environment with a secret ARN",
    policy: "paved-no-secrets-in-lambda-environment",
    expect: "pass",
    resources: [
      r(T.lambda, "fn07", {
        environment: { variables: { JWT_SECRET_ARN: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:jwt-AbCdEf` } },
      }),
    ],
  },
  {
    id: "sec-08",
    source: "Checkov CKV_AWS_46: passing fixture (secret fetched at boot)",
    title: "user data fetching from Secrets Manager",
    policy: "paved-no-secrets-in-user-data",
    expect: "pass",
    resources: [
      r(T.instance, "ud08", {
        userData: "#!/bin/bash\nDB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id db --query SecretString --output text)\n",
      }),
    ],
  },
  {
    id: "sec-09",
    source: "AWS SSM documentation: SecureString parameters",
    title: "SecureString parameter",
    policy: "paved-ssm-secure-string",
    expect: "pass",
    resources: [r(T.ssm, "ssm09", { name: "/app/db_password", type: "SecureString", value: "hunter2hunter2" })],
  },
  {
    id: "sec-10",
    source: "AWS RDS documentation: master user password managed in Secrets Manager (manageMasterUserPassword)",
    title: "literal master password",
    policy: "paved-rds-managed-master-password",
    expect: "violation",
    resources: [db("pw10", { manageMasterUserPassword: undefined, password: "hunter2hunter2" })],
  },
];

export const registryCases: CorpusCase[] = [
  {
    id: "ecr-01",
    source: "Checkov CKV_AWS_163 (ECR scan on push): failing fixture",
    title: "no scan on push",
    policy: "paved-ecr-scan-on-push",
    expect: "violation",
    resources: [r(T.ecr, "repo01", { imageTagMutability: "IMMUTABLE" })],
  },
  {
    id: "ecr-02",
    source: "Checkov CKV_AWS_51 (ECR immutable tags): failing fixture",
    title: "mutable tags",
    policy: "paved-ecr-immutable-tags",
    expect: "violation",
    resources: [r(T.ecr, "repo02", { imageTagMutability: "MUTABLE", imageScanningConfiguration: { scanOnPush: true } })],
  },
  {
    id: "ecr-03",
    source: "Checkov CKV_AWS_51: passing fixture",
    title: "immutable tags with exclusions",
    policy: "paved-ecr-immutable-tags",
    expect: "pass",
    resources: [r(T.ecr, "repo03", { imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageScanningConfiguration: { scanOnPush: true } })],
  },
  {
    id: "kms-01",
    source: "Checkov CKV_AWS_7 (KMS rotation) / cdk-nag AwsSolutions-KMS5: failing fixture",
    title: "rotation off",
    policy: "paved-kms-key-rotation",
    expect: "violation",
    resources: [r(T.kms, "k01", { enableKeyRotation: false })],
    message: /enableKeyRotation is false/,
  },
  {
    id: "kms-02",
    source: "Checkov CKV_AWS_7: passing fixture (asymmetric keys cannot rotate)",
    title: "RSA signing key",
    policy: "paved-kms-key-rotation",
    expect: "pass",
    resources: [r(T.kms, "k02", { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" })],
  },
  {
    id: "kms-03",
    source: "Checkov CKV_AWS_7: passing fixture",
    title: "rotation on",
    policy: "paved-kms-key-rotation",
    expect: "pass",
    resources: [r(T.kms, "k03", { enableKeyRotation: true })],
  },
];
