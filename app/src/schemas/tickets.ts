import { ATTACHMENT_LIMITS } from "../s3";

/** JSON schemas of the tickets API: request validation and response serialisation. */

export const STATUSES = ["open", "in_progress", "resolved", "closed"] as const;
export const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export type Status = (typeof STATUSES)[number];
export type Priority = (typeof PRIORITIES)[number];

export const ticket = {
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
} as const;

export const idParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", format: "uuid" } },
  additionalProperties: false,
} as const;

const title = { type: "string", minLength: 1, maxLength: 200, pattern: "\\S" } as const;
const description = { type: "string", maxLength: 5000 } as const;

export const createTicket = {
  body: {
    type: "object",
    required: ["title"],
    additionalProperties: false,
    properties: { title, description, priority: { type: "string", enum: PRIORITIES } },
  },
  response: { 201: ticket },
};
export interface CreateTicketBody {
  title: string;
  description?: string;
  priority?: Priority;
}

export const listTickets = {
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
};
export interface ListTicketsQuery {
  status?: Status;
  limit: number;
  cursor?: string;
}

export const getTicket = { params: idParams, response: { 200: ticket } };

export const updateTicket = {
  params: idParams,
  body: {
    type: "object",
    additionalProperties: false,
    minProperties: 1,
    properties: { status: { type: "string", enum: STATUSES }, title, description, priority: { type: "string", enum: PRIORITIES } },
  },
  response: { 200: ticket },
};
export interface UpdateTicketBody {
  status?: Status;
  title?: string;
  description?: string;
  priority?: Priority;
}

export const createAttachment = {
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
        nextCursor: { type: ["string", "null"] },
      },
    },
  },
};
export interface ListAttachmentsQuery {
  limit: number;
  cursor?: string;
}
export interface CreateAttachmentBody {
  fileName: string;
  contentType: string;
  size: number;
}

export const listAttachments = {
  params: idParams,
  querystring: {
    type: "object",
    additionalProperties: false,
    properties: {
      limit: { type: "integer", minimum: 1, maximum: 100, default: 20 },
      cursor: { type: "string", maxLength: 200 },
    },
  },
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
        nextCursor: { type: ["string", "null"] },
      },
    },
  },
};
export interface ListAttachmentsQuery {
  limit: number;
  cursor?: string;
}
