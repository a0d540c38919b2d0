import fp from "fastify-plugin";
import type { Storage } from "../s3";
import "../types";

/** Object storage for attachments: decorates `app.storage`. */
export default fp<{ storage: Storage }>(
  async (app, opts) => {
    app.decorate("storage", opts.storage);
  },
  { name: "storage" },
);
