import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { FastifySchemaCompiler, FastifySchemaValidationError } from "fastify";

/**
 * Request validation (Fastify's validator compiler and error formatter).
 *
 * - Bodies are validated strictly: no type coercion (`title: 12345` or `size: true` is a 400, not
 *   "12345" or 1). Query strings, params and headers arrive as text and may be coerced.
 * - `format: "uuid"` is the canonical 8-4-4-4-12 hex form PostgreSQL reads as a uuid; ajv-formats'
 *   own also accepts `urn:uuid:…`, which PostgreSQL refuses (that was a 500).
 * - Strings with NUL (U+0000) are refused in every part, naming the field: PostgreSQL text cannot
 *   store them (that was a 500 too). NUL is the only character valid UTF-8 text PostgreSQL refuses;
 *   lone surrogates from JSON are encoded as U+FFFD on the way.
 * - An unknown field is named in the message.
 */
export const CANONICAL_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function makeAjv(coerceTypes: false | "array"): Ajv {
  // removeAdditional: false — reject unknown fields instead of silently dropping them.
  const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addFormat("uuid", CANONICAL_UUID);
  return ajv;
}

const NUL_MESSAGE = "must not contain NUL (\\u0000) characters (PostgreSQL text cannot store them)";

/** JSON pointer of the first string holding U+0000 in `data`, or undefined. Bounded by the body limit. */
export function findNul(data: unknown, path = "", depth = 0): string | undefined {
  if (typeof data === "string") return data.includes("\u0000") ? path : undefined;
  if (typeof data !== "object" || data === null || depth > 32) return undefined;
  for (const key of Object.keys(data)) {
    if (key.includes("\u0000")) return `${path}/${key.replaceAll("\u0000", "\\u0000")}`;
    const found = findNul((data as Record<string, unknown>)[key], `${path}/${key}`, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = makeAjv(false);
  const lenient = makeAjv("array");
  return ({ schema, httpPart }) => {
    const validate: ValidateFunction = (httpPart === "body" ? strict : lenient).compile(schema as object);
    const wrapped = (data: unknown) => {
      const nulAt = findNul(data);
      if (nulAt !== undefined) {
        (wrapped as { errors?: ErrorObject[] }).errors = [
          { instancePath: nulAt, schemaPath: "#/nul", keyword: "nul", params: {}, message: NUL_MESSAGE },
        ];
        return false;
      }
      const ok = validate(data);
      (wrapped as { errors?: ErrorObject[] | null }).errors = validate.errors;
      return ok;
    };
    return wrapped;
  };
}

/** "body/title must …": Fastify's wording, plus the name of an unknown field. */
export function schemaErrorFormatter(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const text = errors
    .map((e) => {
      const extra =
        e.keyword === "additionalProperties"
          ? `: '${String((e.params as { additionalProperty?: string }).additionalProperty)}' is not a known field`
          : "";
      return `${dataVar}${e.instancePath} ${e.message}${extra}`;
    })
    .join(", ");
  return new Error(text);
}
