/**
 * Secrets the program generates for the app. The value is created by
 * @pulumi/random (kept as a Pulumi secret, encrypted in state), stored in Secrets
 * Manager under our secrets key, and reaches the container only through ECS
 * `secrets` valueFrom — never through `environment`, never in an env file.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { child, withDefaults, type Transform } from "./transform";
import { Naming } from "./naming";
import * as random from "@pulumi/random";

export interface AppSecretsArgs {
  /**
   * Prefix of the secrets' names (`<name>/jwt-secret-…`) and descriptions.
   * @default `<project>-<stack>` (infra/components/naming.ts)
   */
  name?: string;
  /** Required: the secrets are encrypted with a customer key the execution role alone may decrypt (Keys' `secrets`). */
  kmsKey: aws.kms.Key;
  /**
   * Days a deleted secret stays recoverable (7-30): a secret deleted by mistake can be restored for a month.
   * @default 30
   */
  recoveryWindowDays?: number;
  /**
   * Tags applied to every secret.
   * @default {}
   */
  tags?: Record<string, string>;
  /** Per-child escape hatch, applied before each child is built (infra/components/transform.ts). */
  transform?: {
    jwtSecret?: Transform<aws.secretsmanager.SecretArgs>;
  };
}

export class AppSecrets extends pulumi.ComponentResource {
  /** The JWT signing secret (a plain string secret; ARN goes to JWT_SECRET). */
  public readonly jwtSecret: aws.secretsmanager.Secret;
  /** The JWT signing secret's ARN (JWT_SECRET's `valueFrom`; the ARN only, never the value). */
  public readonly jwtSecretArn: pulumi.Output<string>;

  constructor(name: string, input: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("paved:aws:AppSecrets", name, {}, opts);
    const args = withDefaults(input, { name: input.name ?? new Naming().prefix, recoveryWindowDays: 30, tags: {} });
    const t = args.transform ?? {};
    const p = { parent: this };
    // 64 alphanumerics ≈ 380 bits; the app requires at least 32 characters.
    const value = new random.RandomPassword(`${name}-jwt`, { length: 64, special: false }, p);
    this.jwtSecret = child(
      t.jwtSecret,
      aws.secretsmanager.Secret,
      `${name}-jwt`,
      {
        namePrefix: `${args.name}/jwt-secret-`,
        description: `${args.name}: HS256 signing secret for API bearer tokens (JWT_SECRET)`,
        kmsKeyId: args.kmsKey.arn,
        recoveryWindowInDays: args.recoveryWindowDays,
        tags: args.tags,
      },
      p,
    );
    this.jwtSecretArn = this.jwtSecret.arn;
    new aws.secretsmanager.SecretVersion(`${name}-jwt`, { secretId: this.jwtSecret.id, secretString: value.result }, p);
    this.registerOutputs({ jwtSecretArn: this.jwtSecret.arn });
  }
}
