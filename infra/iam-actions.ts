/**
 * IAM action sets that both a role and the permissions boundary above it must list (the
 * boundary is the ceiling: an action a role grants but the boundary lacks is silently denied).
 * One list each, so the two cannot drift apart.
 */

/** Session Manager's data channels: `aws ecs execute-command` and SSM sessions to EC2 hosts. */
export const SSM_CHANNEL_ACTIONS = [
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
];

/** The SSM agent's command channel on an EC2 host (with `ssm:UpdateInstanceInformation`, its registration). */
export const EC2_MESSAGES_ACTIONS = [
  "ec2messages:AcknowledgeMessage",
  "ec2messages:DeleteMessage",
  "ec2messages:FailMessage",
  "ec2messages:GetEndpoint",
  "ec2messages:GetMessages",
  "ec2messages:SendReply",
];
