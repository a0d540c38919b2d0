import type { Pool, PoolClient } from "pg";
import { newId } from "../ids";
import { decodeCursor, encodeCursor } from "./cursor";
import type { Priority, Status } from "../schemas/tickets";

/** All SQL of the tickets API. Handlers call these methods and never see SQL or rows. */

interface TicketRow {
  id: string;
  title: string;
  description: string;
  status: string;
  priority: string;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}
interface AttachmentRow {
  id: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  object_key: string;
  created_at: Date;
}

export interface Ticket {
  id: string;
  title: string;
  description: string;
  status: string;
  priority: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}
export interface Attachment {
  id: string;
  fileName: string;
  contentType: string;
  size: number;
  createdAt: string;
  objectKey: string;
}

const COLUMNS = "id, title, description, status, priority, created_by, created_at, updated_at";
const TICKET_BY_ID = `SELECT ${COLUMNS} FROM tickets WHERE id = $1`;
const toTicket = (r: TicketRow): Ticket => ({
  id: r.id,
  title: r.title,
  description: r.description,
  status: r.status,
  priority: r.priority,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** The most attachments one page lists (each costs a presigned URL). */
export const ATTACHMENT_PAGE_MAX = 100;

export class TicketRepository {
  constructor(private readonly db: Pool | PoolClient) {}

  /** The same repository on one connection (a transaction). */
  withClient(tx: PoolClient): TicketRepository {
    return new TicketRepository(tx);
  }

  async create(t: { title: string; description: string; priority: Priority; createdBy: string }): Promise<Ticket> {
    const { rows } = await this.db.query<TicketRow>(
      `INSERT INTO tickets (id, title, description, priority, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [newId(), t.title, t.description, t.priority, t.createdBy],
    );
    return toTicket(rows[0]);
  }

  async list(q: { status?: Status; limit: number; cursor?: string }): Promise<{ items: Ticket[]; nextCursor: string | null }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.status) {
      args.push(q.status);
      where.push(`status = $${args.length}`);
    }
    if (q.cursor) {
      const [ts, id] = decodeCursor(q.cursor);
      args.push(ts, id);
      where.push(`(created_at, id) < ($${args.length - 1}::timestamptz, $${args.length}::uuid)`);
    }
    args.push(q.limit + 1); // one extra row tells us whether there is a next page
    const { rows } = await this.db.query<TicketRow>(
      `SELECT ${COLUMNS} FROM tickets ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY created_at DESC, id DESC LIMIT $${args.length}`,
      args,
    );
    const page = rows.slice(0, q.limit).map(toTicket);
    const last = page[page.length - 1];
    return { items: page, nextCursor: rows.length > q.limit ? encodeCursor(last.createdAt, last.id) : null };
  }

  async get(id: string): Promise<Ticket | undefined> {
    // Named: each pooled connection parses and plans this hot query once, then only binds and executes.
    const { rows } = await this.db.query<TicketRow>({ name: "ticket-by-id", text: TICKET_BY_ID, values: [id] });
    return rows[0] && toTicket(rows[0]);
  }

  async exists(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query("SELECT 1 FROM tickets WHERE id = $1", [id]);
    return (rowCount ?? 0) > 0;
  }

  async update(id: string, b: { status?: string; title?: string; description?: string; priority?: string }): Promise<Ticket | undefined> {
    const { rows } = await this.db.query<TicketRow>(
      `UPDATE tickets SET
         status = COALESCE($2, status), title = COALESCE($3, title),
         description = COALESCE($4, description), priority = COALESCE($5, priority),
         updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, b.status ?? null, b.title ?? null, b.description ?? null, b.priority ?? null],
    );
    return rows[0] && toTicket(rows[0]);
  }

  async addAttachment(a: {
    id: string;
    ticketId: string;
    fileName: string;
    contentType: string;
    size: number;
    objectKey: string;
    createdBy: string;
  }): Promise<void> {
    await this.db.query(
      "INSERT INTO attachments (id, ticket_id, file_name, content_type, size_bytes, object_key, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      [a.id, a.ticketId, a.fileName, a.contentType, a.size, a.objectKey, a.createdBy],
    );
  }

  /** One page of a ticket's attachments, oldest first; at most ATTACHMENT_PAGE_MAX. */
  async listAttachments(
    ticketId: string,
    q: { limit: number; cursor?: string },
  ): Promise<{ items: Attachment[]; nextCursor: string | null }> {
    const limit = Math.min(q.limit, ATTACHMENT_PAGE_MAX);
    const args: unknown[] = [ticketId];
    let after = "";
    if (q.cursor) {
      const [ts, id] = decodeCursor(q.cursor);
      args.push(ts, id);
      after = "AND (created_at, id) > ($2::timestamptz, $3::uuid)";
    }
    args.push(limit + 1);
    const { rows } = await this.db.query<AttachmentRow>(
      `SELECT id, file_name, content_type, size_bytes, object_key, created_at FROM attachments WHERE ticket_id = $1 ${after} ORDER BY created_at, id LIMIT $${args.length}`,
      args,
    );
    const items = rows.slice(0, limit).map((r) => ({
      id: r.id,
      fileName: r.file_name,
      contentType: r.content_type,
      size: r.size_bytes,
      createdAt: r.created_at.toISOString(),
      objectKey: r.object_key,
    }));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit ? encodeCursor(last.createdAt, last.id) : null };
  }
}
