import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { newId } from "../ids";
import { ERRORS } from "../errors";
import { ATTACHMENT_LIMITS } from "../s3";
import { IDEMPOTENCY_KEY, requestFingerprint, type StoredResponse } from "../repositories/idempotency";
import type { TicketRepository } from "../repositories/tickets";
import * as s from "../schemas/tickets";

export { STATUSES, PRIORITIES } from "../schemas/tickets";

/** The tickets API: thin handlers over the repository (app.tickets) and storage (app.storage). */
const tickets: FastifyPluginAsync = async (app) => {
  // Every /api route needs a token, reads included; checked before any body is parsed or
  // validated, so an anonymous caller learns nothing about the schema. Appended to each route's
  // own onRequest list, i.e. after the rate limit's hook: anonymous floods are rate-limited too.
  app.addHook("onRoute", (route) => {
    const own = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [...own, app.authenticate] as typeof route.onRequest;
  });

  /**
   * A write that honours an `Idempotency-Key` header: with one, the write and the key commit
   * together and a retry replays the first answer (header `Idempotent-Replayed: true`).
   */
  async function idempotent(req: FastifyRequest, reply: FastifyReply, write: (repo: TicketRepository) => Promise<StoredResponse>) {
    const key = req.headers["idempotency-key"];
    let result: StoredResponse;
    if (key === undefined) {
      result = await write(app.tickets);
    } else {
      if (typeof key !== "string" || !IDEMPOTENCY_KEY.test(key)) throw ERRORS.badIdempotencyKey();
      const fingerprint = requestFingerprint([req.method, req.routeOptions.url, req.params, req.body]);
      const run = await app.idempotency.run(req.user.sub, key, fingerprint, (tx) => write(app.tickets.withClient(tx)));
      result = run.response;
      if (run.replayed) reply.header("idempotent-replayed", "true");
    }
    reply.code(result.statusCode).headers(result.headers);
    return result.body;
  }

  app.post<{ Body: s.CreateTicketBody }>("/", { schema: s.createTicket }, async (req, reply) =>
    idempotent(req, reply, async (repo) => {
      const t = await repo.create({
        title: req.body.title.trim(),
        description: req.body.description ?? "",
        priority: req.body.priority ?? "normal",
        createdBy: req.user.sub,
      });
      return { statusCode: 201, headers: { location: `/api/tickets/${t.id}` }, body: t };
    }),
  );

  app.get<{ Querystring: s.ListTicketsQuery }>("/", { schema: s.listTickets }, async (req) => app.tickets.list(req.query));

  app.get<{ Params: { id: string } }>("/:id", { schema: s.getTicket }, async (req) => {
    const t = await app.tickets.get(req.params.id);
    if (!t) throw ERRORS.ticketNotFound(req.params.id);
    return t;
  });

  app.patch<{ Params: { id: string }; Body: s.UpdateTicketBody }>("/:id", { schema: s.updateTicket }, async (req) => {
    const t = await app.tickets.update(req.params.id, { ...req.body, title: req.body.title?.trim() });
    if (!t) throw ERRORS.ticketNotFound(req.params.id);
    return t;
  });

  // --- attachments: the API hands out presigned URLs; file bytes never pass through the task.

  app.post<{ Params: { id: string }; Body: s.CreateAttachmentBody }>(
    "/:id/attachments",
    { schema: s.createAttachment },
    async (req, reply) =>
      idempotent(req, reply, async (repo) => {
        if (!(await repo.exists(req.params.id))) throw ERRORS.ticketNotFound(req.params.id);
        const id = newId();
        const key = `tickets/${req.params.id}/${id}/${req.body.fileName}`;
        const signed = await app.storage.presignPut(key, req.body.contentType, req.body.size);
        await repo.addAttachment({
          id,
          ticketId: req.params.id,
          fileName: req.body.fileName,
          contentType: req.body.contentType,
          size: req.body.size,
          objectKey: key,
          createdBy: req.user.sub,
        });
        return {
          statusCode: 201,
          headers: {},
          body: { id, key, method: "PUT", uploadUrl: signed.url, headers: signed.headers, expiresIn: ATTACHMENT_LIMITS.urlTtlSeconds },
        };
      }),
  );

  // One page at a time (limit <= 100): a URL is presigned for each listed attachment only.
  app.get<{ Params: { id: string }; Querystring: s.ListAttachmentsQuery }>(
    "/:id/attachments",
    { schema: s.listAttachments },
    async (req) => {
      if (!(await app.tickets.exists(req.params.id))) throw ERRORS.ticketNotFound(req.params.id);
      const page = await app.tickets.listAttachments(req.params.id, req.query);
      const items = await Promise.all(
        page.items.map(async ({ objectKey, ...a }) => ({ ...a, downloadUrl: await app.storage.presignGet(objectKey, a.fileName) })),
      );
      return { items, expiresIn: ATTACHMENT_LIMITS.urlTtlSeconds, nextCursor: page.nextCursor };
    },
  );
};

export default tickets;
