// Budgets: the stack's monthly estimate (the same pricing core as `npm run cost`) against the
// stack's own ceiling, `maxUsd` in policy/config/<stack>.json. Advisory by default: a budget is a
// conversation, not a security boundary; a stack can make it blocking with "mandatory".
import { stackPolicy } from "../lib/core";
import { estimate, topResources, usd, type Estimate } from "../lib/pricing";

export const monthlyEstimate = stackPolicy({
  name: "paved-monthly-estimate",
  description:
    "The stack's estimated monthly AWS bill (on-demand list prices from the dated price table, default usage assumptions) stays within maxUsd from the stack's policy config.",
  rationale:
    "Users' write-ups: small teams found their bill after the fact and kept cost tables by hand. A budget in the plan makes a cost jump visible in the pull request that causes it.",
  severity: "low",
  enforcementLevel: "advisory",
  remediationSteps:
    "Run `npm run cost -- <stack>` for the lines behind the estimate; use the stack's cost levers (natMode=instance, a smaller dbInstanceClass, linux/arm64 tasks, kmsKeys=perDataClass, containerInsights=false for non-prod) or raise maxUsd deliberately.",
  config: {
    maxUsd: { type: "number", minimum: 0, description: "Monthly budget in USD for this stack; unset = no budget check." },
    region: {
      type: "string",
      description:
        "Region whose prices to use (default: the region of the stack's subnets; a region without a price table is estimated with us-east-1 prices).",
    },
    usage: {
      type: "object",
      additionalProperties: { type: "number", minimum: 0 },
      description: 'Usage assumptions overriding the price table\'s defaults, e.g. { "natGb": 50 }.',
    },
  },
  validate(resources, config, report) {
    if (typeof config.maxUsd !== "number") {
      return;
    }
    let e: Estimate;
    try {
      e = estimate(resources, { region: config.region, usage: config.usage ?? {} });
    } catch (err: any) {
      report(`Cannot estimate the stack's monthly cost: ${err?.message ?? err}.`);
      return;
    }
    if (e.unpriced.length > 0) {
      report(
        `The estimate (${usd(e.totalUsd)}/month) leaves out ${e.unpriced.length} resource(s) with no price (${e.unpriced.map((u) => `${u.name}: ${u.type}`).join(", ")}), so it cannot be checked against maxUsd ${usd(config.maxUsd)}.`,
      );
    }
    if (e.totalUsd > config.maxUsd) {
      const top = topResources(e, 3)
        .map((t) => `${t.resource} ${usd(t.monthlyUsd)}`)
        .join(", ");
      report(
        `Estimated ${usd(e.totalUsd)}/month exceeds maxUsd ${usd(config.maxUsd)} (${e.priceRegion} prices as of ${e.asOf}${e.regionNote ? "; " + e.regionNote : ""}); top lines: ${top}.`,
      );
    }
  },
});

export const costStackPolicies = [monthlyEstimate];
