-- Up Migration
-- Rows are written when an upload URL is issued; the object itself lives in S3 under object_key.
CREATE TABLE attachments (
  id           uuid PRIMARY KEY,
  ticket_id    uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  file_name    text NOT NULL,
  content_type text NOT NULL,
  size_bytes   integer NOT NULL CHECK (size_bytes > 0),
  object_key   text NOT NULL UNIQUE,
  created_by   text NOT NULL,
  created_at   timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX attachments_ticket_idx ON attachments (ticket_id, created_at);

-- Down Migration
DROP TABLE attachments;
