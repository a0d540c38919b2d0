/**
 * The HTTPS certificate. Two sources, one of them mandatory (checked in config):
 *  - `domain` + `hostedZoneId`: an ACM certificate validated by a Route 53 DNS
 *    record, renewed by ACM for as long as the record exists;
 *  - `certificateArn`: an existing ACM certificate in the stack's region.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { child, withDefaults, type Transform } from "./transform";

export interface CertificateArgs {
  /**
   * Host name the certificate covers (with hostedZoneId); one of the two sources is required, or
   * the component refuses (the HTTPS listener cannot exist without a certificate).
   * @default "" (use certificateArn)
   */
  domain?: string;
  /**
   * Route 53 zone that holds the DNS validation record (with domain).
   * @default "" (use certificateArn)
   */
  hostedZoneId?: string;
  /**
   * An existing ACM certificate's ARN; wins over domain + hostedZoneId.
   * @default "" (ACM issues one for domain, DNS-validated in hostedZoneId)
   */
  certificateArn?: string;
  /**
   * Tags applied to the certificate.
   * @default {}
   */
  tags?: Record<string, string>;
  /** Per-child escape hatch, applied before each child is built (infra/components/transform.ts). */
  transform?: {
    certificate?: Transform<aws.acm.CertificateArgs>;
    validationRecord?: Transform<aws.route53.RecordArgs>;
  };
}

export class Certificate extends pulumi.ComponentResource {
  /** ARN of a certificate that is issued (validation completed) before the listener uses it. */
  public readonly certificateArn: pulumi.Output<string>;

  constructor(name: string, input: CertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("paved:aws:Certificate", name, {}, opts);
    const args = withDefaults(input, { domain: "", hostedZoneId: "", certificateArn: "", tags: {} });
    const t = args.transform ?? {};
    if (args.certificateArn) {
      this.certificateArn = pulumi.output(args.certificateArn);
    } else if (args.domain && args.hostedZoneId) {
      const p = { parent: this };
      const cert = child(
        t.certificate,
        aws.acm.Certificate,
        `${name}-cert`,
        {
          domainName: args.domain,
          validationMethod: "DNS",
          keyAlgorithm: "RSA_2048",
          options: { certificateTransparencyLoggingPreference: "ENABLED" },
          tags: args.tags,
        },
        { parent: this },
      );
      const dvo = cert.domainValidationOptions.apply((o) => o[0]);
      const record = child(
        t.validationRecord,
        aws.route53.Record,
        `${name}-validation`,
        {
          zoneId: args.hostedZoneId,
          name: dvo.resourceRecordName,
          type: dvo.resourceRecordType,
          records: [dvo.resourceRecordValue],
          ttl: 300,
          allowOverwrite: true,
        },
        p,
      );
      const validation = new aws.acm.CertificateValidation(
        `${name}-validation`,
        {
          certificateArn: cert.arn,
          validationRecordFqdns: [record.fqdn],
        },
        p,
      );
      this.certificateArn = validation.certificateArn;
    } else {
      throw new Error("Certificate: set paved:domain + paved:hostedZoneId or paved:certificateArn.");
    }
    this.registerOutputs({ certificateArn: this.certificateArn });
  }
}
