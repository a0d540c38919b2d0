/**
 * The shared option parser for the program's tooling (plan, cost, diagram, summary, verify,
 * preview/up). One implementation, kept with the policy pack so the pack stays standalone.
 */
export * from "../../policy/cli/options";
