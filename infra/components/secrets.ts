/**
 * Secrets the program generates for the app. The value is created by
 * @pulumi/random (kept as a Pulumi secret, encrypted in state), stored in Secrets
 * Manager under our secrets key, and reaches the container only through ECS
 * `secrets` valueFrom — never through `environment`, never in an env file.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { child, type Transform } from "./transform";
import * as random from "@pulumi/random";

export interface AppSecretsArgs {
  /** Resource name prefix, e.g. `paved-staging`. */
  name: string;
  /** KMS key encrypting the secrets. */
  kmsKey: aws.kms.Key;
  /** Days a deleted secret stays recoverable (7-30). */
  recoveryWindowDays: number;
  /** Tags applied to every secret. */
  tags: Record<string, string>;
  /** Per-child escape hatch, applied before each child is built (infra/components/transform.ts). */
  transform?: {
    jwtSecret?: Transform<aws.secretsmanager.SecretArgs>;
  };
}

export class AppSecrets extends pulumi.ComponentResource {
  /** The JWT signing secret (a plain string secret; ARN goes to JWT_SECRET). */
  public readonly jwtSecret: aws.secretsmanager.Secret;

  constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("paved:aws:AppSecrets", name, {}, opts);
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
    new aws.secretsmanager.SecretVersion(`${name}-jwt`, { secretId: this.jwtSecret.id, secretString: value.result }, p);
    this.registerOutputs({ jwtSecretArn: this.jwtSecret.arn });
  }
}
