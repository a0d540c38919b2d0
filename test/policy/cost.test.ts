import assert from "node:assert/strict";
import { res, findingsOf, passes, violates } from "./helpers";

const POLICY = "paved-monthly-estimate";

// A NAT gateway ($32.85 + 10 GB x $0.045 = $33.30) and its public IP ($3.65) in us-east-1.
const natStack = () => [
  res("aws:ec2/subnet:Subnet", "public-0", { availabilityZone: "us-east-1a", cidrBlock: "10.0.0.0/20" }),
  res("aws:ec2/eip:Eip", "nat-0", { domain: "vpc" }),
  res("aws:ec2/natGateway:NatGateway", "nat-0", { connectivityType: "public", subnetId: "subnet-1" }),
];

describe("policy: paved-monthly-estimate (budgets)", () => {
  it("flags a stack whose estimate exceeds maxUsd, naming the total, the budget and the top lines", async () => {
    const fs = await violates(
      POLICY,
      natStack(),
      /Estimated \$36\.95\/month exceeds maxUsd \$30\.00 .*top lines: nat-0 \$33\.30, nat-0 \$3\.65/,
      { [POLICY]: { maxUsd: 30 } },
    );
    assert.equal(fs[0].enforcementLevel, "advisory");
  });

  it("passes a stack within its budget", async () => {
    await passes(POLICY, natStack(), { [POLICY]: { maxUsd: 37 } });
  });

  it("usage overrides from the policy config change the estimate (natGb 100 pushes it over)", async () => {
    await passes(POLICY, natStack(), { [POLICY]: { maxUsd: 37 } });
    await violates(POLICY, natStack(), /Estimated \$41\.00\/month/, { [POLICY]: { maxUsd: 37, usage: { natGb: 100 } } });
  });

  it("checks nothing without maxUsd (no budget configured)", async () => {
    await passes(POLICY, natStack());
  });

  it("a stack may make the budget blocking", async () => {
    const fs = await findingsOf(POLICY, natStack(), { [POLICY]: { enforcementLevel: "mandatory", maxUsd: 10 } });
    assert.equal(fs.length, 1);
    assert.equal(fs[0].enforcementLevel, "mandatory");
  });

  it("says when resources have no price, instead of passing a budget it cannot check", async () => {
    await violates(
      POLICY,
      [...natStack(), res("aws:ec2/instance:Instance", "box", { instanceType: "x9.huge" })],
      /leaves out 1 resource\(s\) with no price \(box: aws:ec2\/instance:Instance\)/,
      { [POLICY]: { maxUsd: 1000 } },
    );
  });

  it("a region without a price table is estimated with us-east-1 prices and says so", async () => {
    const stack = natStack();
    stack[0].inputs.availabilityZone = "eu-west-1a";
    await violates(POLICY, stack, /no price table for eu-west-1: this estimate uses us-east-1 prices/, { [POLICY]: { maxUsd: 1 } });
  });
});
