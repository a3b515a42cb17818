import type { Config } from '../config/loadConfig.js';
import { buildIdpMetadata } from '../saml/buildIdpMetadata.js';
import type { SigningKey } from '../saml/signingKey.js';

/**
 * This IdP's metadata for its published keys (active and next), valid for config.saml.metadataValidDays
 * from `now`. Served at /saml/metadata and written by `gatehouse aws metadata`.
 */
export function idpMetadataFor(config: Config, now: Date, published: readonly SigningKey[]): string {
  const validUntil = new Date(now.getTime() + config.saml.metadataValidDays * 86_400_000);
  return buildIdpMetadata({ entityId: config.saml.entityId, baseUrl: config.server.baseUrl, validUntil, certificates: published.map((k) => k.certificateB64) });
}
