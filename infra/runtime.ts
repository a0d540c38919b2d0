/**
 * The one answer to "is this a real Pulumi run?" — a `pulumi preview`/`up` driven by the engine,
 * as opposed to the program running under `pulumi.runtime.setMocks` (the offline plan and tests).
 *
 * Everything that must behave differently for real (refusing placeholder config, refusing an
 * update without the policy pack, ...) asks this predicate and nothing else, so the offline plan
 * runs exactly the code a real run does, up to these explicit gates.
 */
// Internal runtime state (stable across @pulumi/pulumi 3.x; the same store setMocks writes to).

const state = require("@pulumi/pulumi/runtime/state");

/** The subset of Pulumi's runtime options the predicate reads. */
export interface RuntimeOptions {
  /** The resource monitor's address: `"mock"` under setMocks, an engine address in a real run. */
  monitorAddr?: string;
}

/** Pulumi's current runtime options (what the language host or setMocks configured). */
export function currentRuntimeOptions(): RuntimeOptions {
  return state.getStore()?.settings?.options ?? {};
}

/**
 * True when the program runs under the Pulumi engine (real preview or update), false under
 * mocks. A program started with no monitor at all (plain `node infra/index.ts`) is not real either.
 */
export function isRealRun(opts: RuntimeOptions = currentRuntimeOptions()): boolean {
  const addr = opts.monitorAddr;
  return typeof addr === "string" && addr !== "" && addr !== "mock";
}
