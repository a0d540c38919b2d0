/**
 * The escape hatch of every component: a per-child `transform` hook, applied in-process to the
 * child's args and resource options just before the component constructs it (SST's model).
 * Unlike Pulumi's `transforms` resource option it needs no engine support, so it runs the same
 * under `pulumi up` and under the offline plan's mocks.
 *
 * A hook edits `args`/`opts` in place, or returns replacements:
 *
 *     new Database("database", { ..., transform: {
 *         instance: (args) => { args.backupWindow = "01:00-02:00"; },
 *     } });
 */
import * as pulumi from "@pulumi/pulumi";

/** A hook for one child: edit in place, or return `[args, opts]` to replace them. `name` is the child's logical name. */
export type Transform<Args, Opts = pulumi.CustomResourceOptions> = (args: Args, opts: Opts, name: string) => void | [Args, Opts];

/** Runs a hook (if any) over a child's args and options; returns what to construct the child with. */
export function transform<Args, Opts = pulumi.CustomResourceOptions>(
  hook: Transform<Args, Opts> | undefined,
  name: string,
  args: Args,
  opts: Opts,
): [Args, Opts] {
  if (!hook) return [args, opts];
  const out = hook(args, opts, name);
  return out ? [out[0], out[1]] : [args, opts];
}

/** Adds former identities to a child's options (for a hook that records a move). */
export function withAliases<Opts extends pulumi.ResourceOptions>(opts: Opts, aliases: pulumi.Input<string | pulumi.Alias>[]): Opts {
  opts.aliases = [...(opts.aliases ?? []), ...aliases];
  return opts;
}

/**
 * Builds a child through its hook: `child(t.alb, aws.lb.LoadBalancer, name, args, opts)` is
 * `new aws.lb.LoadBalancer(name, args, opts)` after the hook (if any) had its say.
 */
export function child<R, Args, Opts>(
  hook: Transform<Args, Opts> | undefined,
  ctor: new (name: string, args: Args, opts?: Opts) => R,
  name: string,
  args: Args,
  opts: Opts,
): R {
  const [a, o] = transform(hook, name, args, { ...opts });
  return new ctor(name, a, o);
}

/**
 * A component's args with its documented defaults filled in where the caller left a field
 * undefined: `withDefaults(args, { tags: {}, multiAz: true })`. The result's defaulted fields are
 * no longer optional, so the component body reads `args.multiAz` as the value it builds with.
 */
export function withDefaults<A extends object, K extends keyof A>(
  args: A,
  defaults: { [P in K]-?: Exclude<A[P], undefined> },
): A & { [P in K]-?: Exclude<A[P], undefined> } {
  const out: Record<string, unknown> = { ...(args as Record<string, unknown>) };
  for (const [k, v] of Object.entries(defaults)) if (out[k] === undefined) out[k] = v;
  return out as A & { [P in K]-?: Exclude<A[P], undefined> };
}
