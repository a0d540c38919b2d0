import type { FastifyPluginAsync } from "fastify";
import { newId } from "../ids";
import { ERRORS } from "../errors";
import { ATTACHMENT_LIMITS } from "../s3";
import * as s from "../schemas/tickets";

export { STATUSES, PRIORITIES } from "../schemas/tickets";

/** The tickets API: thin handlers over the repository (app.tickets) and storage (app.storage). */
const tickets: FastifyPluginAsync = async (app) => {
  app.post<{ Body: s.CreateTicketBody }>("/", { preHandler: app.authenticate, schema: s.createTicket }, async (req, reply) => {
    const t = await app.tickets.create({
      title: req.body.title.trim(),
      description: req.body.description ?? "",
      priority: req.body.priority ?? "normal",
      createdBy: req.user.sub,
    });
    reply.code(201).header("location", `/api/tickets/${t.id}`);
    return t;
  });

  app.get<{ Querystring: s.ListTicketsQuery }>("/", { schema: s.listTickets }, async (req) => app.tickets.list(req.query));

  app.get<{ Params: { id: string } }>("/:id", { schema: s.getTicket }, async (req) => {
    const t = await app.tickets.get(req.params.id);
    if (!t) throw ERRORS.ticketNotFound(req.params.id);
    return t;
  });

  app.patch<{ Params: { id: string }; Body: s.UpdateTicketBody }>("/:id", { preHandler: app.authenticate, schema: s.updateTicket }, async (req) => {
    const t = await app.tickets.update(req.params.id, { ...req.body, title: req.body.title?.trim() });
    if (!t) throw ERRORS.ticketNotFound(req.params.id);
    return t;
  });

  // --- attachments: the API hands out presigned URLs; file bytes never pass through the task.

  app.post<{ Params: { id: string }; Body: s.CreateAttachmentBody }>(
    "/:id/attachments",
    { preHandler: app.authenticate, schema: s.createAttachment },
    async (req, reply) => {
      if (!(await app.tickets.exists(req.params.id))) throw ERRORS.ticketNotFound(req.params.id);
      const id = newId();
      const key = `tickets/${req.params.id}/${id}/${req.body.fileName}`;
      const signed = await app.storage.presignPut(key, req.body.contentType, req.body.size);
      await app.tickets.addAttachment({ id, ticketId: req.params.id, fileName: req.body.fileName, contentType: req.body.contentType, size: req.body.size, objectKey: key, createdBy: req.user.sub });
      reply.code(201);
      return { id, key, method: "PUT", uploadUrl: signed.url, headers: signed.headers, expiresIn: ATTACHMENT_LIMITS.urlTtlSeconds };
    },
  );

  app.get<{ Params: { id: string } }>("/:id/attachments", { schema: s.listAttachments }, async (req) => {
    if (!(await app.tickets.exists(req.params.id))) throw ERRORS.ticketNotFound(req.params.id);
    const rows = await app.tickets.listAttachments(req.params.id);
    const items = await Promise.all(
      rows.map(async ({ objectKey, ...a }) => ({ ...a, downloadUrl: await app.storage.presignGet(objectKey, a.fileName) })),
    );
    return { items, expiresIn: ATTACHMENT_LIMITS.urlTtlSeconds };
  });
};

export default tickets;
