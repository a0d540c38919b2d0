// EC2: root and block-device encryption, IMDSv2 (inherited from launch templates, hop limit on container hosts), public IPs and the NAT-instance shape.
import { ACCOUNT, CorpusCase, r, T, urnOf } from "./build";

const EBS = "paved-ebs-encrypted";
const CKV8 = "Checkov CKV_AWS_8 (launch configuration / instance EBS encrypted)";
const CKV3 = "Checkov CKV_AWS_3 (EBS volume encrypted)";
const EC26 = "cdk-nag AwsSolutions-EC26 (EBS volume encryption) / EC2EBSVolumeEncrypted";
const GUARD_ENC = "awsguard encrypted-volumes";
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const IMDS = { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 };
const encryptedRoot = {
  deviceName: "/dev/xvda",
  ebs: { volumeType: "gp3", volumeSize: 30, encrypted: "true", kmsKeyId: KEY, deleteOnTermination: "true" },
};
const ECS_USER_DATA = Buffer.from("#!/bin/bash\necho ECS_CLUSTER=paved-staging >> /etc/ecs/ecs.config\n").toString("base64");

/** The hardened ECS container host: launch template (gp3 KMS root, IMDSv2 hop 1, no public IP, no key pair), ASG, capacity provider. */
function containerHost(prefix: string, lt: Record<string, any> = {}): any[] {
  const template = r(T.launchTemplate, `${prefix}-lt`, {
    imageId: "ami-0ecs",
    instanceType: "t3.small",
    userData: ECS_USER_DATA,
    iamInstanceProfile: { arn: `arn:aws:iam::${ACCOUNT}:instance-profile/ecs` },
    metadataOptions: IMDS,
    blockDeviceMappings: [encryptedRoot],
    networkInterfaces: [{ associatePublicIpAddress: "false", securityGroups: ["sg-host"] }],
    ...lt,
  });
  const asg = r(
    T.asg,
    `${prefix}-asg`,
    { minSize: 1, maxSize: 2, vpcZoneIdentifiers: ["subnet-private"], launchTemplate: { id: template.id, version: "$Latest" } },
    { arn: `arn:aws:autoscaling:eu-west-1:${ACCOUNT}:autoScalingGroup:1:autoScalingGroupName/${prefix}-asg` },
    { launchTemplate: [template.urn] },
  );
  const cp = r(
    T.capacityProvider,
    `${prefix}-cp`,
    { autoScalingGroupProvider: { autoScalingGroupArn: asg.outputs!.arn, managedTerminationProtection: "DISABLED" } },
    {},
    { autoScalingGroupProvider: [asg.urn] },
  );
  return [template, asg, cp];
}

export const ebsCases: CorpusCase[] = [
  {
    id: "ec2-ebs-01",
    source: `${CKV8}: failing fixture (aws_instance without root_block_device)`,
    title: "instance leaves the root volume to the AMI",
    policy: EBS,
    expect: "violation",
    resources: [r(T.instance, "e01", { ami: "ami-1", instanceType: "t3.micro", metadataOptions: IMDS })],
    message: /left to the AMI/,
  },
  {
    id: "ec2-ebs-02",
    source: `${CKV8}: failing fixture (root_block_device.encrypted = false)`,
    title: "instance root volume encrypted false",
    policy: EBS,
    expect: "violation",
    resources: [r(T.instance, "e02", { ami: "ami-1", rootBlockDevice: { encrypted: false, volumeSize: 20 } })],
    message: /rootBlockDevice is not encrypted/,
  },
  {
    id: "ec2-ebs-03",
    source: `${CKV8}: failing fixture (unencrypted ebs_block_device)`,
    title: "instance data volume not encrypted",
    policy: EBS,
    expect: "violation",
    resources: [
      r(T.instance, "e03", {
        ami: "ami-1",
        rootBlockDevice: { encrypted: true },
        ebsBlockDevices: [{ deviceName: "/dev/sdf", volumeSize: 100 }],
      }),
    ],
    message: /\/dev\/sdf/,
  },
  {
    id: "ec2-ebs-04",
    source: `${EC26}: Noncompliance (launch template without block device mappings)`,
    title: "launch template leaves the root volume to the AMI",
    policy: EBS,
    expect: "violation",
    resources: [r(T.launchTemplate, "e04", { imageId: "ami-1", metadataOptions: IMDS })],
    message: /left to the AMI/,
  },
  {
    id: "ec2-ebs-05",
    source: `${EC26}: Noncompliance (launch template mapping encrypted false)`,
    title: "launch template mapping not encrypted",
    policy: EBS,
    expect: "violation",
    resources: [
      r(T.launchTemplate, "e05", { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 30, encrypted: "false" } }] }),
    ],
    message: /\/dev\/xvda/,
  },
  {
    id: "ec2-ebs-06",
    source: `${CKV8}: failing fixture (aws_launch_configuration without root_block_device)`,
    title: "launch configuration leaves root to the AMI",
    policy: EBS,
    expect: "violation",
    resources: [r(T.launchConfiguration, "e06", { imageId: "ami-1", instanceType: "t3.micro" })],
  },
  {
    id: "ec2-ebs-07",
    source: `${CKV8}: failing fixture (launch configuration root encrypted false)`,
    title: "launch configuration root not encrypted",
    policy: EBS,
    expect: "violation",
    resources: [r(T.launchConfiguration, "e07", { imageId: "ami-1", rootBlockDevice: { encrypted: false } })],
  },
  {
    id: "ec2-ebs-08",
    source: `${CKV3}: failing fixture (aws_ebs_volume without encrypted)`,
    title: "EBS volume not encrypted",
    policy: EBS,
    expect: "violation",
    resources: [r(T.volume, "e08", { availabilityZone: "eu-west-1a", size: 40 })],
    message: /EBS volume 'e08' is not encrypted/,
  },
  {
    id: "ec2-ebs-09",
    source: `${GUARD_ENC}: encryption by default switched off`,
    title: "EncryptionByDefault enabled false does not help",
    policy: EBS,
    expect: "violation",
    resources: [r(T.volume, "e09", { availabilityZone: "eu-west-1a", size: 40 }), r(T.ebsDefault, "e09-default", { enabled: false })],
  },
  {
    id: "ec2-ebs-10",
    source: `${CKV8}: failing fixture shape (instance from a template outside the stack)`,
    title: "instance from an external launch template without its own root device",
    policy: EBS,
    expect: "violation",
    resources: [r(T.instance, "e10", { launchTemplate: { id: "lt-0external", version: "$Latest" } })],
    message: /not in this stack/,
  },
  {
    id: "ec2-ebs-11",
    source: `${EC26}: Noncompliance (second mapping unencrypted)`,
    title: "encrypted root but an unencrypted data mapping",
    policy: EBS,
    expect: "violation",
    resources: [r(T.launchTemplate, "e11", { blockDeviceMappings: [encryptedRoot, { deviceName: "/dev/sdf", ebs: { volumeSize: 100 } }] })],
    message: /\/dev\/sdf/,
  },
  {
    id: "ec2-ebs-12",
    source: `${CKV8}: passing fixture (root_block_device.encrypted = true)`,
    title: "instance root encrypted",
    policy: EBS,
    expect: "pass",
    resources: [r(T.instance, "e12", { ami: "ami-1", rootBlockDevice: { encrypted: true, kmsKeyId: KEY } })],
  },
  {
    id: "ec2-ebs-13",
    source: `${EC26}: Compliance (launch template gp3 root with KMS)`,
    title: "hardened container-host launch template",
    policy: EBS,
    expect: "pass",
    resources: containerHost("e13"),
  },
  {
    id: "ec2-ebs-14",
    source: `${CKV8}: passing fixture (launch configuration root encrypted)`,
    title: "launch configuration root encrypted",
    policy: EBS,
    expect: "pass",
    resources: [
      r(T.launchConfiguration, "e14", {
        imageId: "ami-1",
        rootBlockDevice: { encrypted: true },
        ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true }],
      }),
    ],
  },
  {
    id: "ec2-ebs-15",
    source: `${CKV3}: passing fixture (encrypted volume)`,
    title: "EBS volume encrypted with KMS",
    policy: EBS,
    expect: "pass",
    resources: [r(T.volume, "e15", { availabilityZone: "eu-west-1a", size: 40, encrypted: true, kmsKeyId: KEY })],
  },
  {
    id: "ec2-ebs-16",
    source: `${GUARD_ENC}: account enforces EBS encryption by default`,
    title: "EncryptionByDefault in the stack covers an instance root",
    policy: EBS,
    expect: "pass",
    resources: [r(T.instance, "e16", { ami: "ami-1" }), r(T.ebsDefault, "e16-default", { enabled: true })],
  },
  {
    id: "ec2-ebs-17",
    source: `${GUARD_ENC}: EncryptionByDefault with enabled omitted (defaults to true)`,
    title: "EncryptionByDefault default covers a bare volume",
    policy: EBS,
    expect: "pass",
    resources: [r(T.volume, "e17", { availabilityZone: "eu-west-1a", size: 8 }), r(T.ebsDefault, "e17-default", {})],
  },
  {
    id: "ec2-ebs-18",
    source: `${CKV8}: passing fixture shape (instance from an encrypted template in the stack)`,
    title: "instance inherits the template's encrypted root",
    policy: EBS,
    expect: "pass",
    resources: (() => {
      const lt = r(T.launchTemplate, "e18-lt", { blockDeviceMappings: [encryptedRoot], metadataOptions: IMDS });
      return [lt, r(T.instance, "e18", { launchTemplate: { id: lt.id, version: "$Latest" } }, {}, { launchTemplate: [lt.urn] })];
    })(),
  },
  {
    id: "ec2-ebs-19",
    source: `${EC26}: Compliance (instance-store mapping needs no EBS encryption)`,
    title: "template with only an ephemeral mapping plus encrypted root",
    policy: EBS,
    expect: "pass",
    resources: [
      r(T.launchTemplate, "e19", { blockDeviceMappings: [encryptedRoot, { deviceName: "/dev/sdb", virtualName: "ephemeral0" }] }),
    ],
  },
];

const IMDS_P = "paved-ec2-imdsv2";
const CKV79 = "Checkov CKV_AWS_79 (IMDSv1 disabled)";
const CKV341 = "Checkov CKV_AWS_341 (launch template metadata hop limit 1)";
const NAG_IMDS = "cdk-nag NIST.800.53.R5-EC2IMDSv2Enabled";

export const imdsCases: CorpusCase[] = [
  {
    id: "ec2-imds-01",
    source: `${CKV79}: failing fixture (aws_instance without metadata_options)`,
    title: "instance without metadataOptions",
    policy: IMDS_P,
    expect: "violation",
    resources: [r(T.instance, "i01", { ami: "ami-1", rootBlockDevice: { encrypted: true } })],
    message: /does not set metadataOptions.httpTokens/,
  },
  {
    id: "ec2-imds-02",
    source: `${CKV79}: failing fixture (http_tokens = optional)`,
    title: "instance httpTokens optional",
    policy: IMDS_P,
    expect: "violation",
    resources: [r(T.instance, "i02", { metadataOptions: { httpTokens: "optional", httpEndpoint: "enabled" } })],
    message: /'optional'/,
  },
  {
    id: "ec2-imds-03",
    source: `${CKV79}: failing fixture (aws_launch_template http_tokens optional)`,
    title: "launch template httpTokens optional",
    policy: IMDS_P,
    expect: "violation",
    resources: [r(T.launchTemplate, "i03", { metadataOptions: { httpTokens: "optional" } })],
  },
  {
    id: "ec2-imds-04",
    source: `${CKV79}: failing fixture (aws_launch_configuration without metadata_options)`,
    title: "launch configuration without metadataOptions",
    policy: IMDS_P,
    expect: "violation",
    resources: [r(T.launchConfiguration, "i04", { imageId: "ami-1" })],
  },
  {
    id: "ec2-imds-05",
    source: `${NAG_IMDS}: Noncompliance (instance from a template that allows IMDSv1)`,
    title: "template that allows IMDSv1 is reported with the instance it launches",
    policy: IMDS_P,
    expect: "violation",
    resources: (() => {
      const lt = r(T.launchTemplate, "i05-lt", { metadataOptions: { httpTokens: "optional" } });
      return [lt, r(T.instance, "i05", { launchTemplate: { id: lt.id } }, {}, { launchTemplate: [lt.urn] })];
    })(),
    target: "i05-lt",
    message: /used by instance 'i05'/,
  },
  {
    id: "ec2-imds-06",
    source: `${CKV341}: failing fixture (http_put_response_hop_limit = 2) on an ECS host`,
    title: "container host with hop limit 2",
    policy: IMDS_P,
    expect: "violation",
    resources: containerHost("i06", { metadataOptions: { ...IMDS, httpPutResponseHopLimit: 2 } }),
    target: "i06-lt",
    message: /HopLimit 2/,
  },
  {
    id: "ec2-imds-07",
    source: `${CKV341}: failing fixture (hop limit unset) on a template behind an ECS capacity provider`,
    title: "capacity-provider template without a hop limit",
    policy: IMDS_P,
    expect: "violation",
    resources: containerHost("i07", { userData: undefined, metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" } }),
    target: "i07-lt",
    message: /does not set metadataOptions.httpPutResponseHopLimit/,
  },
  {
    id: "ec2-imds-08",
    source: `${CKV79}: failing fixture shape (instance from a template outside the stack)`,
    title: "external template, no own metadataOptions",
    policy: IMDS_P,
    expect: "violation",
    resources: [r(T.instance, "i08", { launchTemplate: { name: "shared-template" } })],
    message: /not in this stack/,
  },
  {
    id: "ec2-imds-09",
    source: `${CKV341}: failing fixture on an instance whose user data joins an ECS cluster`,
    title: "ECS instance with hop limit 3",
    policy: IMDS_P,
    expect: "violation",
    resources: [
      r(T.instance, "i09", {
        userData: "#!/bin/bash\necho ECS_CLUSTER=c >> /etc/ecs/ecs.config",
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 3 },
      }),
    ],
  },
  {
    id: "ec2-imds-10",
    source: `${CKV79}: passing fixture (http_tokens = required)`,
    title: "instance requires IMDSv2",
    policy: IMDS_P,
    expect: "pass",
    resources: [r(T.instance, "i10", { metadataOptions: { httpTokens: "required" } })],
  },
  {
    id: "ec2-imds-11",
    source: `${CKV79}: passing fixture (http_endpoint = disabled)`,
    title: "metadata endpoint disabled",
    policy: IMDS_P,
    expect: "pass",
    resources: [r(T.launchTemplate, "i11", { metadataOptions: { httpEndpoint: "disabled" } })],
  },
  {
    id: "ec2-imds-12",
    source: `${NAG_IMDS}: Compliance (instance launched from a template requiring IMDSv2)`,
    title: "instance inherits IMDSv2 from its template",
    policy: IMDS_P,
    expect: "pass",
    resources: (() => {
      const lt = r(T.launchTemplate, "i12-lt", { metadataOptions: IMDS });
      return [lt, r(T.instance, "i12", { launchTemplate: { id: lt.id, version: "$Latest" } }, {}, { launchTemplate: [lt.urn] })];
    })(),
  },
  {
    id: "ec2-imds-13",
    source: `${CKV341}: passing fixture (hop limit 1) on the hardened ECS host`,
    title: "hardened container host",
    policy: IMDS_P,
    expect: "pass",
    resources: containerHost("i13"),
  },
  {
    id: "ec2-imds-14",
    source: `${CKV341}: hop limit 2 outside container hosts (Checkov flags it; IMDSv2 with hop 2 is fine for a plain host)`,
    title: "plain web host with hop limit 2",
    policy: IMDS_P,
    expect: "pass",
    resources: [r(T.launchTemplate, "i14", { metadataOptions: { ...IMDS, httpPutResponseHopLimit: 2 } })],
  },
  {
    id: "ec2-imds-15",
    source: `${CKV79}: passing fixture (launch configuration http_tokens required)`,
    title: "launch configuration requires IMDSv2",
    policy: IMDS_P,
    expect: "pass",
    resources: [r(T.launchConfiguration, "i15", { metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" } })],
  },
  {
    id: "ec2-imds-16",
    source: `${NAG_IMDS}: Compliance (template referenced by name)`,
    title: "instance inherits from a template referenced by name",
    policy: IMDS_P,
    expect: "pass",
    resources: [
      r(T.launchTemplate, "i16-lt", { name: "web-template", metadataOptions: IMDS }),
      r(T.instance, "i16", { launchTemplate: { name: "web-template" } }),
    ],
  },
];

const PIP = "paved-ec2-no-public-ip";
const CKV88 = "Checkov CKV_AWS_88 (EC2 instance has no public IP)";
const NAG_PIP = "cdk-nag NIST.800.53.R5-EC2InstanceNoPublicIp";
const GUARD_PIP = "awsguard ec2-instance-no-public-ip";

/** A VPC with a public subnet (routed to an internet gateway) and a private one, plus the NAT instance's group. */
function natNetwork(prefix: string, opts: { inlineRoutes?: boolean; sgIngress?: any[]; separateRule?: any } = {}): any[] {
  const igw = r(T.igw, `${prefix}-igw`, { vpcId: "vpc-1" }, { id: `igw-${prefix}` });
  const pub = r(T.subnet, `${prefix}-public`, { vpcId: "vpc-1", cidrBlock: "10.0.0.0/24" }, { id: `subnet-${prefix}-pub` });
  const rt = opts.inlineRoutes
    ? r(T.routeTable, `${prefix}-rt`, { vpcId: "vpc-1", routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] }, { id: `rtb-${prefix}` })
    : r(T.routeTable, `${prefix}-rt`, { vpcId: "vpc-1" }, { id: `rtb-${prefix}` });
  const out = [
    igw,
    pub,
    rt,
    r(T.rta, `${prefix}-rta`, { subnetId: pub.id, routeTableId: rt.id }, {}, { subnetId: [pub.urn], routeTableId: [rt.urn] }),
  ];
  if (!opts.inlineRoutes) {
    out.push(
      r(
        T.route,
        `${prefix}-default`,
        { routeTableId: rt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id },
        {},
        { routeTableId: [rt.urn], gatewayId: [igw.urn] },
      ),
    );
  }
  const sg = r(
    T.sg,
    `${prefix}-sg`,
    {
      vpcId: "vpc-1",
      ingress: opts.sgIngress ?? [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/16"] }],
      egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
    },
    { id: `sg-${prefix}` },
  );
  out.push(sg);
  if (opts.separateRule) {
    out.push(r(T.sgIngress, `${prefix}-rule`, { securityGroupId: sg.id, ...opts.separateRule }, {}, { securityGroupId: [sg.urn] }));
  }
  return out;
}

function natInstance(prefix: string, over: Record<string, any> = {}, net: any[] = natNetwork(prefix)): any[] {
  const subnet = net.find((x) => x.type === T.subnet);
  const sg = net.find((x) => x.type === T.sg);
  return [
    r(
      T.instance,
      prefix,
      {
        ami: "ami-nat",
        instanceType: "t4g.nano",
        subnetId: subnet.id,
        vpcSecurityGroupIds: [sg.id],
        associatePublicIpAddress: true,
        sourceDestCheck: false,
        metadataOptions: IMDS,
        rootBlockDevice: { encrypted: true, volumeType: "gp3" },
        ...over,
      },
      {},
      { subnetId: [subnet.urn], vpcSecurityGroupIds: [sg.urn] },
    ),
    ...net,
  ];
}

export const publicIpCases: CorpusCase[] = [
  {
    id: "ec2-pip-01",
    source: `${CKV88}: failing fixture (associate_public_ip_address = true)`,
    title: "instance with a public IP",
    policy: PIP,
    expect: "violation",
    resources: [r(T.instance, "n01", { associatePublicIpAddress: true, metadataOptions: IMDS })],
    message: /not a NAT instance/,
  },
  {
    id: "ec2-pip-02",
    source: `${CKV88}: failing fixture (launch template network interface public)`,
    title: "launch template interface with a public IP",
    policy: PIP,
    expect: "violation",
    resources: [r(T.launchTemplate, "n02", { networkInterfaces: [{ associatePublicIpAddress: "true" }] })],
    message: /networkInterfaces\[0\]/,
  },
  {
    id: "ec2-pip-03",
    source: `${GUARD_PIP}: launch configuration`,
    title: "launch configuration with a public IP",
    policy: PIP,
    expect: "violation",
    resources: [r(T.launchConfiguration, "n03", { associatePublicIpAddress: true })],
  },
  {
    id: "ec2-pip-04",
    source: `${NAG_PIP}: NAT-like instance whose group allows SSH from anywhere`,
    title: "NAT shape but SSH open to the internet",
    policy: PIP,
    expect: "violation",
    resources: natInstance(
      "n04",
      {},
      natNetwork("n04", {
        sgIngress: [
          { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/16"] },
          { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] },
        ],
      }),
    ),
    target: "n04",
    message: /allows ingress from the internet/,
  },
  {
    id: "ec2-pip-05",
    source: `${NAG_PIP}: NAT-like instance in a private subnet`,
    title: "sourceDestCheck false in a subnet without an internet route",
    policy: PIP,
    expect: "violation",
    resources: (() => {
      const net = natNetwork("n05").filter((x) => x.type !== T.route && x.type !== T.igw);
      return natInstance("n05", {}, net);
    })(),
    target: "n05",
    message: /no route to an internet gateway/,
  },
  {
    id: "ec2-pip-06",
    source: `${NAG_PIP}: NAT-like instance allowing IMDSv1`,
    title: "NAT shape without IMDSv2",
    policy: PIP,
    expect: "violation",
    resources: natInstance("n06", { metadataOptions: { httpTokens: "optional" } }),
    target: "n06",
    message: /does not require IMDSv2/,
  },
  {
    id: "ec2-pip-07",
    source: `${NAG_PIP}: NAT-like instance with a key pair`,
    title: "NAT shape with an SSH key pair",
    policy: PIP,
    expect: "violation",
    resources: natInstance("n07", { keyName: "ops" }),
    target: "n07",
    message: /key pair 'ops'/,
  },
  {
    id: "ec2-pip-08",
    source: `${NAG_PIP}: NAT-like instance whose group has an SSH rule from the VPC`,
    title: "NAT shape with an SSH rule",
    policy: PIP,
    expect: "violation",
    resources: natInstance(
      "n08",
      {},
      natNetwork("n08", { separateRule: { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "10.0.0.0/16" } }),
    ),
    target: "n08",
    message: /allows SSH/,
  },
  {
    id: "ec2-pip-09",
    source: `${GUARD_PIP}: public instance whose group is not in the stack`,
    title: "NAT shape with an unknown security group",
    policy: PIP,
    expect: "violation",
    resources: natInstance("n09", { vpcSecurityGroupIds: ["sg-elsewhere"] }).map((x) =>
      x.name === "n09" ? { ...x, propertyDependencies: { subnetId: x.propertyDependencies.subnetId } } : x,
    ),
    target: "n09",
    message: /not all of its security groups/,
  },
  {
    id: "ec2-pip-10",
    source: `${CKV88}: passing fixture (associate_public_ip_address = false)`,
    title: "no public IP",
    policy: PIP,
    expect: "pass",
    resources: [r(T.instance, "n10", { associatePublicIpAddress: false })],
  },
  {
    id: "ec2-pip-11",
    source: `${CKV88}: passing fixture (attribute omitted)`,
    title: "public IP not requested",
    policy: PIP,
    expect: "pass",
    resources: [r(T.instance, "n11", { ami: "ami-1" })],
  },
  {
    id: "ec2-pip-12",
    source: "AWS VPC documentation: NAT instances (source/destination check off, public subnet)",
    title: "hardened NAT instance",
    policy: PIP,
    expect: "pass",
    resources: natInstance("n12"),
  },
  {
    id: "ec2-pip-13",
    source: "AWS VPC documentation: NAT instances, route table with inline routes",
    title: "NAT instance, default route inline in the route table",
    policy: PIP,
    expect: "pass",
    resources: natInstance("n13", {}, natNetwork("n13", { inlineRoutes: true })),
  },
  {
    id: "ec2-pip-14",
    source: "AWS VPC documentation: NAT instance security group rules as separate resources",
    title: "NAT instance with HTTPS from the VPC as a separate rule",
    policy: PIP,
    expect: "pass",
    resources: natInstance(
      "n14",
      {},
      natNetwork("n14", { sgIngress: [], separateRule: { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "10.0.0.0/16" } }),
    ),
  },
  {
    id: "ec2-pip-15",
    source: `${CKV88}: suppressed by policy config (allowPublicIp)`,
    title: "public instance allowed by a named relaxation",
    policy: PIP,
    expect: "pass",
    resources: [r(T.instance, "n15", { associatePublicIpAddress: true })],
    config: { [PIP]: { allowPublicIp: true } },
  },
  {
    id: "ec2-pip-16",
    source: `${CKV88}: passing fixture (hardened ECS host template)`,
    title: "container host template without a public IP",
    policy: PIP,
    expect: "pass",
    resources: containerHost("n16"),
  },
];

export { urnOf };
