-- Up Migration
-- created_at keeps millisecond precision so keyset-pagination cursors round-trip through JavaScript Dates.
CREATE TABLE tickets (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 5000),
  status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
  priority    text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  created_by  text NOT NULL,
  created_at  timestamptz(3) NOT NULL DEFAULT now(),
  updated_at  timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX tickets_page_idx ON tickets (created_at DESC, id DESC);
CREATE INDEX tickets_status_page_idx ON tickets (status, created_at DESC, id DESC);

-- Down Migration
DROP TABLE tickets;
