import { passes, res, UNKNOWN, violates } from "./helpers";

const TOKENS = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];
const LBS = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];
const HSTS = "max-age=31536000; includeSubDomains";
const https = (extra: Record<string, any> = {}) => ({
  protocol: "HTTPS",
  port: 443,
  sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
  routingHttpResponseStrictTransportSecurityHeaderValue: HSTS,
  defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }],
  ...extra,
});
const redirect = { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } };

describe("policy: transport", () => {
  for (const type of TOKENS) {
    describe(type, () => {
      it("HTTP listeners must redirect to HTTPS", async () => {
        await violates(
          "paved-alb-https-only",
          res(type, "http", { protocol: "HTTP", port: 80, defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }] }),
          /instead of redirecting/,
        );
        await violates("paved-alb-https-only", res(type, "http", { port: 80, defaultActions: [{ type: "forward" }] }));
        await passes("paved-alb-https-only", res(type, "http", { protocol: "HTTP", port: 80, defaultActions: [redirect] }));
        await passes("paved-alb-https-only", res(type, "https", https()));
      });

      it("TLS policy must be on the TLS 1.2+ allowlist (configurable)", async () => {
        await violates("paved-alb-tls-policy", res(type, "l", https({ sslPolicy: undefined })), /ELBSecurityPolicy-2016-08/);
        await violates(
          "paved-alb-tls-policy",
          res(type, "l", https({ sslPolicy: "ELBSecurityPolicy-TLS-1-1-2017-01" })),
          /not on the TLS 1.2\+ allowlist/,
        );
        await passes("paved-alb-tls-policy", res(type, "l", https()));
        await violates("paved-alb-tls-policy", res(type, "l", https()), /not on the/, {
          "paved-alb-tls-policy": { allowedSslPolicies: ["ELBSecurityPolicy-TLS13-1-3-2021-06"] },
        });
      });

      it("HSTS is injected with max-age >= minimum and includeSubDomains", async () => {
        const P = "paved-alb-hsts";
        await violates(P, res(type, "l", https({ routingHttpResponseStrictTransportSecurityHeaderValue: undefined })), /does not set/);
        await violates(
          P,
          res(type, "l", https({ routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=300; includeSubDomains" })),
          /300 is below/,
        );
        await violates(
          P,
          res(type, "l", https({ routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=31536000" })),
          /includeSubDomains/,
        );
        await violates(
          P,
          res(type, "l", https({ routingHttpResponseStrictTransportSecurityHeaderValue: "includeSubDomains" })),
          /no valid max-age/,
        );
        await passes(
          P,
          res(type, "l", https({ routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=63072000; includeSubDomains; preload" })),
        );
        await passes(P, res(type, "l", https()));
        // threshold from config
        await violates(P, res(type, "l", https()), /below the required minimum of 63072000/, { [P]: { minMaxAgeSeconds: 63072000 } });
        await passes(P, res(type, "l", https({ routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=600" })), {
          [P]: { minMaxAgeSeconds: 300, requireIncludeSubDomains: false },
        });
        // unknown during preview: not judged
        await passes(P, res(type, "l", https({ routingHttpResponseStrictTransportSecurityHeaderValue: UNKNOWN })));
      });
    });
  }

  for (const type of LBS) {
    it(`${type}: drops invalid headers, deletion protection and access logs`, async () => {
      const good = {
        loadBalancerType: "application",
        dropInvalidHeaderFields: true,
        enableDeletionProtection: true,
        accessLogs: { bucket: "logs", enabled: true },
      };
      await violates("paved-alb-drop-invalid-headers", res(type, "lb", { ...good, dropInvalidHeaderFields: false }));
      await violates("paved-alb-deletion-protection", res(type, "lb", { ...good, enableDeletionProtection: undefined }));
      await violates("paved-alb-access-logs", res(type, "lb", { ...good, accessLogs: undefined }));
      await violates("paved-alb-access-logs", res(type, "lb", { ...good, accessLogs: { bucket: "logs", enabled: false } }));
      for (const p of ["paved-alb-drop-invalid-headers", "paved-alb-deletion-protection", "paved-alb-access-logs"]) {
        await passes(p, res(type, "lb", good));
      }
      // Network load balancers have no HTTP header handling.
      await passes("paved-alb-drop-invalid-headers", res(type, "nlb", { loadBalancerType: "network" }));
    });
  }

  it("staging relaxes ALB deletion protection and access logs to advisory; prod keeps them mandatory", async () => {
    const { loadPolicyConfig } = await import("../../policy/evaluator");
    const lb = res(LBS[0], "lb", { dropInvalidHeaderFields: true });
    const staging = await violates("paved-alb-access-logs", lb, undefined, loadPolicyConfig("policy/config/staging.json"));
    const prod = await violates("paved-alb-access-logs", lb, undefined, loadPolicyConfig("policy/config/prod.json"));
    if (staging[0].enforcementLevel !== "advisory" || prod[0].enforcementLevel !== "mandatory") {
      throw new Error(`levels: staging ${staging[0].enforcementLevel}, prod ${prod[0].enforcementLevel}`);
    }
  });
});
