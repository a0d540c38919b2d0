import { S3Client, PutObjectCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

/** What uploads may be: content types a support desk needs, and a size cap. */
export const ATTACHMENT_LIMITS = {
  maxBytes: 10 * 1024 * 1024,
  contentTypes: [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/zip",
  ] as const,
  urlTtlSeconds: 300,
};

export interface Storage {
  bucket: string;
  presignPut(key: string, contentType: string, size: number): Promise<{ url: string; headers: Record<string, string> }>;
  presignGet(key: string, fileName: string): Promise<string>;
}

/**
 * S3 through the SDK's default credential chain: on ECS that is the task role,
 * locally the usual env/profile. No static keys are read from our config.
 * S3_ENDPOINT (local S3-compatible servers) implies path-style addressing.
 */
export function createStorage(opts: { bucket: string; region: string; endpoint?: string }): Storage {
  const client = new S3Client({
    region: opts.region,
    endpoint: opts.endpoint,
    forcePathStyle: Boolean(opts.endpoint),
    // The default (WHEN_SUPPORTED) would sign a checksum of an empty body into a
    // presigned PUT, so every real upload would fail its checksum.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return {
    bucket: opts.bucket,
    async presignPut(key, contentType, size) {
      const cmd = new PutObjectCommand({ Bucket: opts.bucket, Key: key, ContentType: contentType, ContentLength: size });
      // Signing Content-Type and Content-Length makes S3 reject an upload of another type or size.
      const url = await getSignedUrl(client, cmd, {
        expiresIn: ATTACHMENT_LIMITS.urlTtlSeconds,
        signableHeaders: new Set(["content-type", "content-length"]),
      });
      return { url, headers: { "Content-Type": contentType, "Content-Length": String(size) } };
    },
    async presignGet(key, fileName) {
      const cmd = new GetObjectCommand({
        Bucket: opts.bucket,
        Key: key,
        ResponseContentDisposition: `attachment; filename="${fileName.replace(/["\\]/g, "_")}"`,
      });
      return getSignedUrl(client, cmd, { expiresIn: ATTACHMENT_LIMITS.urlTtlSeconds });
    },
  };
}
