// Every corpus case, by area.
import type { CorpusCase } from "./build";
import { ebsCases, imdsCases, publicIpCases } from "./ec2";
import { attachmentCases, ecsCases, iamCases, listenerCases, logCases, networkCases, rdsCases, registryCases, secretCases } from "./other";
import { s3AclCases, s3EncryptionCases, s3PabCases, s3PublicPrincipalCases, s3TlsCases } from "./s3";

export const corpus: CorpusCase[] = [
  ...s3TlsCases,
  ...s3PublicPrincipalCases,
  ...s3PabCases,
  ...s3EncryptionCases,
  ...s3AclCases,
  ...ebsCases,
  ...imdsCases,
  ...publicIpCases,
  ...iamCases,
  ...attachmentCases,
  ...networkCases,
  ...listenerCases,
  ...rdsCases,
  ...logCases,
  ...ecsCases,
  ...secretCases,
  ...registryCases,
];

/** A case as the file `pulumi stack export` writes. */
export function exportOf(c: CorpusCase): any {
  return { version: 3, deployment: { manifest: { time: "2026-01-01T00:00:00Z", magic: "corpus", version: "v3" }, resources: c.resources } };
}
