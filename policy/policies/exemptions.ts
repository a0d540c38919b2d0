// Reporting on exemptions granted in the stack's policy config file.
import { stackPolicy } from "../lib/core";
import {
  appliedExemptions,
  configuredExemptions,
  DEFAULT_MAX_EXEMPTION_DAYS,
  expiryInstant,
  expiryProblem,
  isExpired,
  now,
} from "../lib/exemptions";

export const exemptionsNotExpired = stackPolicy({
  name: "paved-exemptions-not-expired",
  description:
    "Every exemption in the stack's policy config is well-formed, not past its expiry date, and no longer than the stack's maxExemptionDays.",
  rationale: "Exemptions are temporary by design; expiry forces a new review.",
  severity: "high",
  enforcementLevel: "mandatory",
  exemptible: false,
  remediationSteps:
    "Fix the resource so the exemption is no longer needed and delete the exemption, or, after a new review, " +
    'renew it with `npm run policy -- exempt <policy> <resource> --reason "..." --expires YYYY-MM-DD --stack <stack>`.',
  config: {
    maxExemptionDays: {
      type: "integer",
      minimum: 1,
      maximum: 3650,
      default: DEFAULT_MAX_EXEMPTION_DAYS,
      description: "Longest an exemption may run (days from today); `npm run policy -- exempt` refuses a later expiry.",
    },
  },
  validate(_resources, config, report) {
    // An expiry further out than the stack's limit is refused here too, so a hand-edited entry
    // cannot bypass the limit `npm run policy -- exempt` applies.
    const maxDays = typeof config.maxExemptionDays === "number" ? config.maxExemptionDays : DEFAULT_MAX_EXEMPTION_DAYS;
    for (const { policy, exemption } of configuredExemptions()) {
      if (Number.isNaN(expiryInstant(exemption.expires))) {
        report(`exemption of '${exemption.resource}' from ${policy} has an invalid expiry '${exemption.expires}' (use YYYY-MM-DD).`);
      } else if (isExpired(exemption)) {
        report(`exemption of '${exemption.resource}' from ${policy} expired on ${exemption.expires} (reason was: ${exemption.reason}).`);
      } else {
        const problem = expiryProblem(exemption.expires, maxDays, now());
        if (problem) {
          report(`exemption of '${exemption.resource}' from ${policy}: expiry ${problem}.`);
        }
      }
    }
  },
});

export const exemptionsReport = stackPolicy(
  {
    name: "paved-exemptions-report",
    description: "Lists every finding suppressed by a current exemption, so exemptions stay visible on every preview and update.",
    rationale: "Every exemption stays visible on every preview and update.",
    severity: "low",
    enforcementLevel: "advisory",
    exemptible: false,
    remediationSteps: "Nothing to do until the exemption expires; then fix the resource or renew the exemption after review.",
    validate(_resources, _config, report) {
      for (const a of appliedExemptions()) {
        report(`[exempted from ${a.policy} until ${a.exemption.expires}: ${a.exemption.reason}] ${a.message}`, a.urn);
      }
    },
  },
  { pavedExemptionReport: true },
);

// The exemption policies must run after every other policy, so they are last in the pack.
export const exemptionPolicies = [exemptionsNotExpired, exemptionsReport];
