import { passes, res, UNKNOWN, violates } from "./helpers";

const TD = "aws:ecs/taskDefinition:TaskDefinition";
const hardened = {
  name: "app",
  image: "app:1",
  user: "1000:1000",
  readonlyRootFilesystem: true,
  privileged: false,
  logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/paved/app" } },
};
const td = (container: Record<string, any>, extra: Record<string, any> = {}) =>
  res(TD, "task", { networkMode: "awsvpc", containerDefinitions: JSON.stringify([{ ...hardened, ...container }]), ...extra });

describe("policy: compute", () => {
  it("a hardened task definition passes every ECS policy", async () => {
    for (const p of [
      "paved-ecs-no-privileged",
      "paved-ecs-readonly-root-filesystem",
      "paved-ecs-non-root-user",
      "paved-ecs-log-configuration",
      "paved-ecs-no-host-namespaces",
    ]) {
      await passes(p, td({}));
    }
  });

  it("flags privileged, writable root fs, root or missing user, missing logs, host namespaces", async () => {
    await violates("paved-ecs-no-privileged", td({ privileged: true }), /'app' is privileged/);
    await violates("paved-ecs-readonly-root-filesystem", td({ readonlyRootFilesystem: false }));
    await violates("paved-ecs-readonly-root-filesystem", td({ readonlyRootFilesystem: undefined }));
    await violates("paved-ecs-non-root-user", td({ user: undefined }), /does not set user/);
    for (const user of ["root", "0", "0:0", "root:root"]) {
      await violates("paved-ecs-non-root-user", td({ user }), /runs as root/);
    }
    await passes("paved-ecs-non-root-user", td({ user: "node" }));
    await violates("paved-ecs-log-configuration", td({ logConfiguration: undefined }));
    for (const field of ["networkMode", "pidMode", "ipcMode"]) {
      await violates("paved-ecs-no-host-namespaces", td({}, { [field]: "host" }), new RegExp(field));
    }
    await passes("paved-ecs-non-root-user", res(TD, "task", { containerDefinitions: UNKNOWN }));
  });

  it("ECS services: no public IP, circuit breaker with rollback", async () => {
    const S = "aws:ecs/service:Service";
    const ok = {
      networkConfiguration: { assignPublicIp: false, subnets: ["s"] },
      deploymentCircuitBreaker: { enable: true, rollback: true },
    };
    await passes("paved-ecs-service-no-public-ip", res(S, "svc", ok));
    await passes("paved-ecs-service-circuit-breaker", res(S, "svc", ok));
    await violates("paved-ecs-service-no-public-ip", res(S, "svc", { ...ok, networkConfiguration: { assignPublicIp: true } }));
    await violates(
      "paved-ecs-service-circuit-breaker",
      res(S, "svc", { ...ok, deploymentCircuitBreaker: { enable: true, rollback: false } }),
    );
    await violates("paved-ecs-service-circuit-breaker", res(S, "svc", { networkConfiguration: ok.networkConfiguration }));
    await passes("paved-ecs-service-circuit-breaker", res(S, "svc", { deploymentController: { type: "CODE_DEPLOY" } }));
  });

  describe("EC2", () => {
    const IMDS = { httpTokens: "required", httpEndpoint: "enabled" };
    it("IMDSv2 on instances, launch templates and launch configurations", async () => {
      for (const t of [
        "aws:ec2/instance:Instance",
        "aws:ec2/launchTemplate:LaunchTemplate",
        "aws:ec2/launchConfiguration:LaunchConfiguration",
      ]) {
        await violates("paved-ec2-imdsv2", res(t, "vm", {}), /not set/);
        await violates("paved-ec2-imdsv2", res(t, "vm", { metadataOptions: { httpTokens: "optional" } }), /'optional'/);
        await passes("paved-ec2-imdsv2", res(t, "vm", { metadataOptions: IMDS }));
        await passes("paved-ec2-imdsv2", res(t, "vm", { metadataOptions: { httpEndpoint: "disabled" } }));
      }
    });

    it("no public IPs unless allowPublicIp", async () => {
      await violates("paved-ec2-no-public-ip", res("aws:ec2/instance:Instance", "vm", { associatePublicIpAddress: true }));
      await violates(
        "paved-ec2-no-public-ip",
        res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { networkInterfaces: [{ associatePublicIpAddress: "true" }] }),
        /networkInterfaces\[0\]/,
      );
      await violates(
        "paved-ec2-no-public-ip",
        res("aws:ec2/launchConfiguration:LaunchConfiguration", "lc", { associatePublicIpAddress: true }),
      );
      await passes("paved-ec2-no-public-ip", res("aws:ec2/instance:Instance", "vm", { associatePublicIpAddress: false }));
      await passes("paved-ec2-no-public-ip", res("aws:ec2/instance:Instance", "vm", { associatePublicIpAddress: true }), {
        "paved-ec2-no-public-ip": { allowPublicIp: true },
      });
    });

    it("EBS encryption on volumes, instance and launch template block devices", async () => {
      const P = "paved-ebs-encrypted";
      await violates(P, res("aws:ebs/volume:Volume", "v", { size: 10 }));
      await passes(P, res("aws:ebs/volume:Volume", "v", { size: 10, encrypted: true }));
      await violates(P, res("aws:ec2/instance:Instance", "vm", { rootBlockDevice: { volumeSize: 20 } }), /rootBlockDevice/);
      await violates(
        P,
        res("aws:ec2/instance:Instance", "vm", { rootBlockDevice: { encrypted: true }, ebsBlockDevices: [{ deviceName: "/dev/sdf" }] }),
        /sdf/,
      );
      await passes(P, res("aws:ec2/instance:Instance", "vm", { rootBlockDevice: { encrypted: true } }));
      await violates(
        P,
        res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 20 } }] }),
        /xvda/,
      );
      await passes(
        P,
        res("aws:ec2/launchTemplate:LaunchTemplate", "lt", {
          blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }],
        }),
      );
      await violates(P, res("aws:ec2/launchConfiguration:LaunchConfiguration", "lc", { rootBlockDevice: { encrypted: false } }));
    });
  });
});
