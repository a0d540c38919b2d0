import * as assert from "assert";
import { runPlan } from "../../../infra/offline/plan";
import { plan, ofType, one } from "../helpers";

describe("infra/components/certificate", () => {
  it("domain + hostedZoneId: ACM certificate validated by a Route 53 record; the listener waits for validation", async () => {
    const p = await plan("staging");
    const cert = one(p, "aws:acm/certificate:Certificate");
    assert.strictEqual(cert.inputs.domainName, "staging.example.com");
    assert.strictEqual(cert.inputs.validationMethod, "DNS");
    const dvo = cert.outputs!.domainValidationOptions[0];
    const rec = one(p, "aws:route53/record:Record", "-validation");
    assert.strictEqual(rec.inputs.name, dvo.resourceRecordName);
    assert.deepStrictEqual(rec.inputs.records, [dvo.resourceRecordValue]);
    assert.strictEqual(rec.inputs.zoneId, "Z0123456789EXAMPLESTG");
    const validation = one(p, "aws:acm/certificateValidation:CertificateValidation");
    const https = ofType(p, "aws:lb/listener:Listener").find((l) => l.inputs.port === 443)!;
    assert.strictEqual(https.inputs.certificateArn, cert.outputs!.arn);
    assert.ok(
      https.dependencies!.some((d) => d === validation.urn || d.endsWith("::certificate")),
      "listener depends on the validated certificate",
    );
  });

  it("certificateArn: uses the given certificate, creates no ACM or DNS resources", async () => {
    const arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
    const p = await runPlan("staging", {
      config: { "paved:domain": undefined, "paved:hostedZoneId": undefined, "paved:certificateArn": arn },
    });
    assert.strictEqual(ofType(p, "aws:acm/certificate:Certificate").length, 0);
    assert.strictEqual(ofType(p, "aws:route53/record:Record").length, 0);
    assert.strictEqual(ofType(p, "aws:lb/listener:Listener").find((l) => l.inputs.port === 443)!.inputs.certificateArn, arn);
    assert.match(p.outputs.appUrl, /^https:\/\/paved-staging-alb-\d+\.us-east-1\.elb\.amazonaws\.com$/);
  });
});
