-- Up Migration
-- Idempotency-Key records: a write and its key commit in one transaction, so a retry with the
-- same key replays the first answer instead of writing twice. Keys are scoped per user (the
-- token subject) and expire (expires_at; expired keys are taken over or purged).
CREATE TABLE idempotency_keys (
  user_sub    text NOT NULL,
  key         text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
  fingerprint text NOT NULL,
  status_code integer,
  response    jsonb,
  headers     jsonb,
  created_at  timestamptz(3) NOT NULL DEFAULT now(),
  expires_at  timestamptz(3) NOT NULL,
  PRIMARY KEY (user_sub, key)
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);

-- Down Migration
DROP TABLE idempotency_keys;
