/**
 * Admin API for the SAML signing keys (src/keys/signingKeyService.ts, shared with the console and `gatehouse keys`):
 * list; rotate (make the next key), activate, retire — each a sensitive change.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { activateKey, listKeys, retireKey, rotateKey, type SigningKeyInfo } from '../../../keys/signingKeyService.js';
import { textField } from '../../readInput.js';
import type { SigningKeyCache } from '../../sso/signingKeyCache.js';
import { adminRoute, pageOf, pageQuery, paginate } from '../../api/adminRoute.js';

const keyStates = ['next', 'active', 'retired'] as const;
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const keyViewSchema = z.object({
  id: z.string(), state: z.enum(keyStates).describe('next: published in the metadata, not signing yet; active: signs; retired: neither.'),
  createdAt: z.string(), activatedAt: z.string().nullable(), retiredAt: z.string().nullable(),
  notAfter: z.string().describe('Certificate expiry (AWS does not check it; rotation is by key).'),
  fingerprint256: z.string().describe('SHA-256 fingerprint of the certificate, as IAM shows it.'),
});

/** A key as the API shows it (times as ISO 8601). */
export function keyView(k: SigningKeyInfo): z.output<typeof keyViewSchema> {
  return { ...k, createdAt: iso(k.createdAt)!, activatedAt: iso(k.activatedAt), retiredAt: iso(k.retiredAt) };
}

export const keyParams = z.strictObject({ id: textField(64).describe('The key\'s id.') });

/**
 * `keys` is this process's signing-key cache: a change made here shows in its metadata and signatures at once;
 * other processes and nodes see it within the cache's lifetime.
 */
export async function registerKeysApi(app: FastifyInstance, ctx: AppContext, keys: SigningKeyCache): Promise<void> {
  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/keys', tag: 'Signing keys', access: 'read',
    summary: 'List the SAML signing keys (never the private keys)',
    query: z.strictObject({ ...pageQuery }), response: pageOf(keyViewSchema),
  }, async ({ query }) => paginate((await listKeys(ctx)).map(keyView), query));

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/keys/rotate', tag: 'Signing keys', access: 'write', sensitive: true,
    summary: 'Start a rotation: make the next key',
    description: 'The next key is published in /saml/metadata beside the active one but does not sign yet. Update every IAM SAML provider (and every other SP) with that metadata, then activate it. 409 conflict when a next key exists already.',
    response: keyViewSchema,
  }, async ({ actor }) => keyView(await keys.afterChange(rotateKey(ctx, actor))));

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/keys/:id/activate', tag: 'Signing keys', access: 'write', sensitive: true, status: 200,
    summary: 'Sign with this key from now on (the active key is retired)',
    description: 'Before activating, every IAM SAML provider must have the key\'s certificate, or sign-ins to AWS fail until it does. Every node signs with it within 30 seconds (the process that made the change at once). A retired key may be activated again to roll back.',
    params: keyParams, response: keyViewSchema,
  }, async ({ params, actor }) => keyView(await keys.afterChange(activateKey(ctx, params.id, actor))));

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/keys/:id/retire', tag: 'Signing keys', access: 'write', sensitive: true, status: 200,
    summary: 'Retire a next key (cancel a rotation)',
    description: 'The key leaves /saml/metadata. The active key cannot be retired (409 conflict): activate another one first.',
    params: keyParams, response: keyViewSchema,
  }, async ({ params, actor }) => keyView(await keys.afterChange(retireKey(ctx, params.id, actor))));
}
