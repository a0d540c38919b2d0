import { newId } from "../ids";
import type { FastifyPluginAsync } from "fastify";
import { ATTACHMENT_LIMITS } from "../s3";

export const STATUSES = ["open", "in_progress", "resolved", "closed"] as const;
export const PRIORITIES = ["low", "normal", "high", "urgent"] as const;

const ticket = {
  type: "object",
  properties: {
    id: { type: "string" },
    title: { type: "string" },
    description: { type: "string" },
    status: { type: "string" },
    priority: { type: "string" },
    createdBy: { type: "string" },
    createdAt: { type: "string" },
    updatedAt: { type: "string" },
  },
};
const idParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", format: "uuid" } },
  additionalProperties: false,
};

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
const COLUMNS = "id, title, description, status, priority, created_by, created_at, updated_at";
const TICKET_BY_ID = `SELECT ${COLUMNS} FROM tickets WHERE id = $1`;
const toTicket = (r: TicketRow) => ({
  id: r.id,
  title: r.title,
  description: r.description,
  status: r.status,
  priority: r.priority,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

function badRequest(message: string): Error {
  return Object.assign(new Error(message), { statusCode: 400 });
}
function notFound(id: string): Error {
  return Object.assign(new Error(`Ticket ${id} not found.`), { statusCode: 404 });
}

// Keyset cursor over (created_at, id): stable under concurrent inserts, unlike OFFSET.
// created_at is stored with millisecond precision so it round-trips through JS Dates.
function encodeCursor(r: TicketRow): string {
  return Buffer.from(JSON.stringify([r.created_at.toISOString(), r.id])).toString("base64url");
}
function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(v) && v.length === 2 && !Number.isNaN(Date.parse(v[0])) && /^[0-9a-f-]{36}$/i.test(v[1])) return [v[0], v[1]];
  } catch {
    /* fall through */
  }
  throw badRequest("querystring/cursor is not a valid cursor: pass the nextCursor value from the previous page unchanged.");
}

const tickets: FastifyPluginAsync = async (app) => {
  app.post<{ Body: { title: string; description?: string; priority?: (typeof PRIORITIES)[number] } }>(
    "/",
    {
      preHandler: app.authenticate,
      schema: {
        body: {
          type: "object",
          required: ["title"],
          additionalProperties: false,
          properties: {
            title: { type: "string", minLength: 1, maxLength: 200, pattern: "\\S" },
            description: { type: "string", maxLength: 5000 },
            priority: { type: "string", enum: PRIORITIES },
          },
        },
        response: { 201: ticket },
      },
    },
    async (req, reply) => {
      const { rows } = await app.db.query<TicketRow>(
        `INSERT INTO tickets (id, title, description, priority, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [newId(), req.body.title.trim(), req.body.description ?? "", req.body.priority ?? "normal", req.user.sub],
      );
      reply.code(201).header("location", `/api/tickets/${rows[0].id}`);
      return toTicket(rows[0]);
    },
  );

  app.get<{ Querystring: { status?: string; limit: number; cursor?: string } }>(
    "/",
    {
      schema: {
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            status: { type: "string", enum: STATUSES },
            limit: { type: "integer", minimum: 1, maximum: 100, default: 20 },
            cursor: { type: "string", maxLength: 200 },
          },
        },
        response: {
          200: { type: "object", properties: { items: { type: "array", items: ticket }, nextCursor: { type: ["string", "null"] } } },
        },
      },
    },
    async (req) => {
      const { status, limit, cursor } = req.query;
      const where: string[] = [];
      const args: unknown[] = [];
      if (status) {
        args.push(status);
        where.push(`status = $${args.length}`);
      }
      if (cursor) {
        const [ts, id] = decodeCursor(cursor);
        args.push(ts, id);
        where.push(`(created_at, id) < ($${args.length - 1}::timestamptz, $${args.length}::uuid)`);
      }
      args.push(limit + 1); // one extra row tells us whether there is a next page
      const { rows } = await app.db.query<TicketRow>(
        `SELECT ${COLUMNS} FROM tickets ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY created_at DESC, id DESC LIMIT $${args.length}`,
        args,
      );
      const page = rows.slice(0, limit);
      return { items: page.map(toTicket), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
    },
  );

  app.get<{ Params: { id: string } }>("/:id", { schema: { params: idParams, response: { 200: ticket } } }, async (req) => {
    // Named: each pooled connection parses and plans this hot query once, then only binds and executes.
    const { rows } = await app.db.query<TicketRow>({ name: "ticket-by-id", text: TICKET_BY_ID, values: [req.params.id] });
    if (rows.length === 0) throw notFound(req.params.id);
    return toTicket(rows[0]);
  });

  app.patch<{ Params: { id: string }; Body: { status?: string; title?: string; description?: string; priority?: string } }>(
    "/:id",
    {
      preHandler: app.authenticate,
      schema: {
        params: idParams,
        body: {
          type: "object",
          additionalProperties: false,
          minProperties: 1,
          properties: {
            status: { type: "string", enum: STATUSES },
            title: { type: "string", minLength: 1, maxLength: 200, pattern: "\\S" },
            description: { type: "string", maxLength: 5000 },
            priority: { type: "string", enum: PRIORITIES },
          },
        },
        response: { 200: ticket },
      },
    },
    async (req) => {
      const b = req.body;
      const { rows } = await app.db.query<TicketRow>(
        `UPDATE tickets SET
           status = COALESCE($2, status), title = COALESCE($3, title),
           description = COALESCE($4, description), priority = COALESCE($5, priority),
           updated_at = now()
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [req.params.id, b.status ?? null, b.title?.trim() ?? null, b.description ?? null, b.priority ?? null],
      );
      if (rows.length === 0) throw notFound(req.params.id);
      return toTicket(rows[0]);
    },
  );

  // --- attachments: the API hands out presigned URLs; file bytes never pass through the task.

  app.post<{ Params: { id: string }; Body: { fileName: string; contentType: string; size: number } }>(
    "/:id/attachments",
    {
      preHandler: app.authenticate,
      schema: {
        params: idParams,
        body: {
          type: "object",
          required: ["fileName", "contentType", "size"],
          additionalProperties: false,
          properties: {
            fileName: { type: "string", minLength: 1, maxLength: 200, pattern: "^[A-Za-z0-9][A-Za-z0-9 ._()-]*$" },
            contentType: { type: "string", enum: ATTACHMENT_LIMITS.contentTypes },
            size: { type: "integer", minimum: 1, maximum: ATTACHMENT_LIMITS.maxBytes },
          },
        },
        response: {
          201: {
            type: "object",
            properties: {
              id: { type: "string" },
              key: { type: "string" },
              method: { type: "string" },
              uploadUrl: { type: "string" },
              headers: { type: "object", additionalProperties: { type: "string" } },
              expiresIn: { type: "integer" },
            },
          },
        },
      },
    },
    async (req, reply) => {
      const storage = app.storage;
      const exists = await app.db.query("SELECT 1 FROM tickets WHERE id = $1", [req.params.id]);
      if (exists.rowCount === 0) throw notFound(req.params.id);
      const id = newId();
      const key = `tickets/${req.params.id}/${id}/${req.body.fileName}`;
      const signed = await storage.presignPut(key, req.body.contentType, req.body.size);
      await app.db.query(
        "INSERT INTO attachments (id, ticket_id, file_name, content_type, size_bytes, object_key, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [id, req.params.id, req.body.fileName, req.body.contentType, req.body.size, key, req.user.sub],
      );
      reply.code(201);
      return { id, key, method: "PUT", uploadUrl: signed.url, headers: signed.headers, expiresIn: ATTACHMENT_LIMITS.urlTtlSeconds };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/:id/attachments",
    {
      schema: {
        params: idParams,
        response: {
          200: {
            type: "object",
            properties: {
              items: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    id: { type: "string" },
                    fileName: { type: "string" },
                    contentType: { type: "string" },
                    size: { type: "integer" },
                    createdAt: { type: "string" },
                    downloadUrl: { type: "string" },
                  },
                },
              },
              expiresIn: { type: "integer" },
            },
          },
        },
      },
    },
    async (req) => {
      const storage = app.storage;
      const exists = await app.db.query("SELECT 1 FROM tickets WHERE id = $1", [req.params.id]);
      if (exists.rowCount === 0) throw notFound(req.params.id);
      const { rows } = await app.db.query<{ id: string; file_name: string; content_type: string; size_bytes: number; object_key: string; created_at: Date }>(
        "SELECT id, file_name, content_type, size_bytes, object_key, created_at FROM attachments WHERE ticket_id = $1 ORDER BY created_at, id",
        [req.params.id],
      );
      const items = await Promise.all(
        rows.map(async (r) => ({
          id: r.id,
          fileName: r.file_name,
          contentType: r.content_type,
          size: r.size_bytes,
          createdAt: r.created_at.toISOString(),
          downloadUrl: await storage.presignGet(r.object_key, r.file_name),
        })),
      );
      return { items, expiresIn: ATTACHMENT_LIMITS.urlTtlSeconds };
    },
  );
};

export default tickets;
