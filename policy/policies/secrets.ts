// Hardcoded secrets. Policies see `pulumi.secret(...)` values in plaintext, so
// a literal is a literal whether or not it was marked secret: detection is by
// name and value shape, and messages say what and where, never the value.
import { Config, resourcePolicy, stackPolicy } from "../lib/core";
import { classifyPair, isSecretName, mask, scanScript } from "../lib/secrets";
import { asArray, isKnownString, isUnknown, joinWords, parseJsonInput, userDataTexts, withArticle } from "../lib/values";

const allowNamesSchema = {
  allowNames: {
    type: "array" as const,
    items: { type: "string" as const },
    default: [] as string[],
    description: "Variable names that are known not to hold secrets despite their name (deliberate relaxation; comment why).",
  },
};

function allowSet(config: Config): Set<string> {
  return new Set<string>(config.allowNames ?? []);
}

export const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";

export const noSecretsInEcsEnvironment = resourcePolicy({
  name: "paved-no-secrets-in-ecs-environment",
  description:
    "ECS container definitions must not carry secrets in `environment` (or command/entryPoint); secrets come from `secrets` valueFrom.",
  rationale:
    "Users' failure write-ups: JWT secrets, DB passwords and API keys in env files end up in task definitions readable by anyone with ecs:Describe*.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Store the value in Secrets Manager (or an SSM SecureString) and reference it from the container's `secrets` list " +
    "({ name, valueFrom: <secret ARN>[:json-key::] }); grant the task execution role secretsmanager:GetSecretValue on it. Rotate the exposed value.",
  types: [TASK_DEFINITION],
  config: allowNamesSchema,
  validate(r, config, report) {
    const parsed = parseJsonInput(r.props.containerDefinitions);
    if (!parsed.known || !Array.isArray(parsed.value)) {
      return;
    }
    const allow = allowSet(config);
    for (const c of parsed.value) {
      if (!c || typeof c !== "object") {
        continue;
      }
      const cname = typeof c.name === "string" ? c.name : "?";
      for (const env of asArray(c.environment)) {
        if (!env || typeof env !== "object" || !isKnownString(env.name) || isUnknown(env.value)) {
          continue;
        }
        const kinds = classifyPair(env.name, env.value, allow);
        if (kinds.length > 0) {
          report(
            `Task definition '${r.name}': container '${cname}' environment ${env.name}=${mask(env.value)}: ${joinWords(kinds)}. Move it to \`secrets\` (valueFrom).`,
          );
        }
      }
      for (const field of ["command", "entryPoint"]) {
        const text = asArray(c[field]).filter(isKnownString).join(" ");
        for (const hit of scanScript(text, allow)) {
          report(
            `Task definition '${r.name}': container '${cname}' ${field} contains ${withArticle(hit.kind)}${hit.where !== "value" ? ` (${hit.where})` : ""}.`,
          );
        }
      }
    }
  },
});

export const noSecretsInLambdaEnvironment = resourcePolicy({
  name: "paved-no-secrets-in-lambda-environment",
  description: "Lambda environment variables must not hold secrets (they are readable by anyone with lambda:GetFunctionConfiguration).",
  rationale: "Lambda env vars are visible in the console and API.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Put the value in Secrets Manager, pass its ARN in the environment (e.g. JWT_SECRET_ARN) and read it at start-up " +
    "(or use the Parameters and Secrets Lambda extension). Rotate the exposed value.",
  types: ["aws:lambda/function:Function"],
  config: allowNamesSchema,
  validate(r, config, report) {
    const vars = r.props.environment?.variables;
    if (!vars || typeof vars !== "object" || isUnknown(vars)) {
      return;
    }
    const allow = allowSet(config);
    for (const [name, value] of Object.entries(vars)) {
      if (isUnknown(value)) {
        continue;
      }
      const kinds = classifyPair(name, value, allow);
      if (kinds.length > 0) {
        report(`Lambda function '${r.name}': environment ${name}=${mask(value)}: ${joinWords(kinds)}.`);
      }
    }
  },
});

export const USER_DATA_TYPES = [
  "aws:ec2/instance:Instance",
  "aws:ec2/launchTemplate:LaunchTemplate",
  "aws:ec2/launchConfiguration:LaunchConfiguration",
];

export const noSecretsInUserData = resourcePolicy({
  name: "paved-no-secrets-in-user-data",
  description:
    "EC2 user data (plain, base64 or gzip+base64) must not contain credentials; it is readable from the instance metadata and the console.",
  rationale: "User data is readable from instance metadata and the console.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Give the instance an IAM role instead of keys, and fetch other secrets at boot from Secrets Manager/SSM " +
    "(aws secretsmanager get-secret-value ...). Rotate the exposed value.",
  types: USER_DATA_TYPES,
  config: allowNamesSchema,
  validate(r, config, report) {
    const allow = allowSet(config);
    for (const field of ["userData", "userDataBase64"]) {
      const seen = new Set<string>();
      for (const text of userDataTexts(r.props[field])) {
        for (const hit of scanScript(text, allow)) {
          const key = `${hit.kind}|${hit.where}`;
          if (!seen.has(key)) {
            seen.add(key);
            report(
              `${r.type.split(":").pop()} '${r.name}': ${field} contains ${withArticle(hit.kind)}${hit.where !== "value" ? ` (${hit.where})` : ""}.`,
            );
          }
        }
      }
    }
  },
});

export const noStaticProviderCredentials = resourcePolicy({
  name: "paved-no-static-provider-credentials",
  description: "The AWS provider must not be configured with a static accessKey/secretKey (they end up in state and in config files).",
  rationale: "Users' failure write-ups: AWS keys committed in config; static keys leak into state and never rotate.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove aws:accessKey/aws:secretKey (and provider accessKey/secretKey). Use an AWS profile, SSO, " +
    "environment credentials or OIDC (Pulumi ESC / CI role assumption) with assumeRoles. Deactivate the exposed key.",
  types: ["pulumi:providers:aws"],
  validate(r, _config, report) {
    for (const field of ["accessKey", "secretKey", "token"]) {
      const v = r.props[field];
      if (v !== undefined && v !== null && v !== "" && !isUnknown(v)) {
        report(`Provider '${r.name}' sets ${field}=${mask(v)}; static credentials end up in state and config files.`);
      }
    }
  },
});

export const rdsManagedPassword = resourcePolicy({
  name: "paved-rds-managed-master-password",
  description: "RDS instances and Aurora clusters use the RDS-managed master password (Secrets Manager), never a password in the program.",
  rationale: "A program-supplied password lives in config and state; the managed one stays in Secrets Manager and rotates.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove password/masterPassword and set manageMasterUserPassword: true; the app reads username/password from the " +
    "masterUserSecrets[0].secretArn JSON keys via ECS `secrets` valueFrom.",
  types: ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"],
  validate(r, _config, report) {
    // Presence is what matters: even a generated value lives in program state
    // and config, while the managed password never leaves Secrets Manager.
    for (const field of ["password", "passwordWo", "masterPassword", "masterPasswordWo"]) {
      const v = r.props[field];
      if (v !== undefined && v !== null && v !== "") {
        report(`Database '${r.name}': ${field} is set${isUnknown(v) ? "" : ` (${mask(v)})`}; use manageMasterUserPassword: true instead.`);
      }
    }
    const managed = r.props.manageMasterUserPassword;
    const hasPw = ["password", "passwordWo", "masterPassword", "masterPasswordWo"].some(
      (f) => r.props[f] !== undefined && r.props[f] !== null && r.props[f] !== "",
    );
    const isReplica =
      r.props.replicateSourceDb !== undefined ||
      r.props.snapshotIdentifier !== undefined ||
      r.props.replicationSourceIdentifier !== undefined;
    if (!hasPw && !isReplica && !isUnknown(managed) && managed !== true && r.props.globalClusterIdentifier === undefined) {
      report(`Database '${r.name}' does not use the RDS-managed master password (manageMasterUserPassword is not true).`);
    }
  },
});

export const ssmSecureString = resourcePolicy({
  name: "paved-ssm-secure-string",
  description: "SSM parameters holding secret-like names or values must be SecureString, not String/StringList.",
  rationale: "String parameters are plaintext to anyone with ssm:GetParameter.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Set type: "SecureString" (optionally keyId: <KMS key>) or move the value to Secrets Manager; rotate the exposed value.',
  types: ["aws:ssm/parameter:Parameter"],
  config: allowNamesSchema,
  validate(r, config, report) {
    const type = r.props.type;
    if (isUnknown(type) || type === "SecureString") {
      return;
    }
    const name = isKnownString(r.props.name) ? r.props.name : r.name;
    const leaf =
      name
        .split("/")
        .filter((s) => s.length > 0)
        .pop() ?? name;
    const value = r.props.value ?? r.props.insecureValue;
    if (isUnknown(value)) {
      return;
    }
    const allow = allowSet(config);
    const kinds = classifyPair(leaf, value, allow);
    if (kinds.length === 0 && isSecretName(leaf, allow) && (value === undefined || value === "")) {
      return;
    }
    if (kinds.length > 0) {
      report(`${type ?? "String"} parameter '${name}'=${mask(value)} holds ${joinWords(kinds.map(withArticle))}; make it a SecureString.`);
    }
  },
});

/** An RDS-managed master secret: Secrets Manager names it `rds!db-<id>` / `rds!cluster-<id>`. */
const RDS_MANAGED_SECRET = /:secretsmanager:[^:]*:\d{12}:secret:rds!/;

const ECS_SERVICE = "aws:ecs/service:Service";

export const noRotatingMasterSecretInLongRunningContainer = stackPolicy({
  name: "paved-ecs-no-master-secret-in-service-container",
  description:
    "An RDS-managed master secret (rotated every 7 days) reaches only run-to-completion containers (essential: false) of an ECS service's task definition, never its long-running containers. " +
    "Task definitions no service runs (one-off tasks such as a manual migration) are not checked.",
  rationale:
    "ECS resolves `secrets` only when a container starts, and RDS rotates the managed master secret every 7 days: after the first rotation every new connection of a long-running container fails (28P01), /health turns 503 on every task at once and tasks churn. The app also never needs owner rights.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Give the app its own database role and log in with RDS IAM authentication (a token per new connection; paved: DB_AUTH=iam, paved:dbAppUsername). " +
    "Pass the master secret only to non-essential steps that run before the app and exit (migrations, the db-init step that creates the app role), with the app `dependsOn` them (condition SUCCESS).",
  types: [ECS_SERVICE, TASK_DEFINITION],
  validate(resources, _config, report) {
    const taskDefs = resources.filter((r) => r.type === TASK_DEFINITION);
    const used = new Set<string>();
    for (const svc of resources.filter((r) => r.type === ECS_SERVICE)) {
      // The task definition a service runs: by dependency (known at preview), else by ARN.
      for (const urn of svc.propertyDependencies?.taskDefinition ?? []) used.add(urn);
      const ref = svc.props.taskDefinition;
      for (const td of taskDefs) if (isKnownString(ref) && (td.props.arn === ref || td.props.family === ref)) used.add(td.urn);
    }
    for (const td of taskDefs.filter((t) => used.has(t.urn))) {
      const parsed = parseJsonInput(td.props.containerDefinitions);
      if (!parsed.known || !Array.isArray(parsed.value)) {
        continue;
      }
      for (const c of parsed.value) {
        if (!c || typeof c !== "object" || c.essential === false) {
          continue;
        }
        const cname = typeof c.name === "string" ? c.name : "?";
        for (const sec of asArray(c.secrets)) {
          if (sec && typeof sec === "object" && isKnownString(sec.valueFrom) && RDS_MANAGED_SECRET.test(sec.valueFrom)) {
            report(
              `Task definition '${td.name}' (run by an ECS service): long-running container '${cname}' gets ${isKnownString(sec.name) ? sec.name : "a variable"} from the RDS-managed master secret, which rotates every 7 days; ECS reads it only at container start, so the app breaks after the first rotation.`,
              td.urn,
            );
          }
        }
      }
    }
  },
});

export const secretsPolicies = [
  noRotatingMasterSecretInLongRunningContainer,
  noSecretsInEcsEnvironment,
  noSecretsInLambdaEnvironment,
  noSecretsInUserData,
  noStaticProviderCredentials,
  rdsManagedPassword,
  ssmSecureString,
];
