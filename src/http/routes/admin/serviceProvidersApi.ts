/**
 * Admin API for SAML service providers: register from metadata, list, look at one, enable or disable, remove
 * (src/admin/serviceProviders.ts, shared with the console and `gatehouse sp`).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { addServiceProvider, findServiceProvider, removeServiceProvider, setServiceProviderEnabled, spView } from '../../../admin/serviceProviders.js';
import { spMetadataMaxBytes } from '../../../saml/parseSpMetadata.js';
import { choiceField, textField } from '../../readInput.js';
import { adminRoute, pageOf, pageQuery, paginate } from '../../api/adminRoute.js';

const spKinds = ['generic', 'identity-center'] as const;

/** What a registration carries (the console's form and the API's body). */
export const registerSpBody = z.strictObject({
  metadata: textField(spMetadataMaxBytes, { allowControls: true }).min(1, { error: 'must not be empty' }).describe('The SP\'s SAML metadata XML (at most 256 KiB).'),
  name: textField(200).min(1, { error: 'must not be empty' }).optional().describe('Display name (default: the entity ID, or the name it has).'),
  kind: choiceField(spKinds).optional().describe('identity-center: IAM Identity Center (NameID emailAddress, AccessControl:* attributes).'),
});

export const spParams = z.strictObject({ id: textField(100).describe('The SP\'s id.') });

const acsView = z.object({ url: z.string(), index: z.number().nullable(), binding: z.string(), isDefault: z.boolean() });

const spViewSchema = z.object({
  id: z.string(), name: z.string(), entityId: z.string(), kind: z.enum(spKinds), acs: z.array(acsView),
  wantRequestsSigned: z.boolean(), signingCerts: z.array(z.string()).describe('Base64 DER certificates that may sign its requests.'),
  nameIdFormat: z.string().nullable(), createdAt: z.number(), enabled: z.boolean().describe('False: its sign-in requests are refused and the portal hides it.'),
});

export async function registerServiceProvidersApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/service-providers', tag: 'Service providers', access: 'write',
    summary: 'Register a service provider from its metadata (or replace the metadata of the one with the same entity ID)',
    description: 'Refused with validation_failed naming the fields, or what is wrong with the metadata.',
    body: registerSpBody, response: spViewSchema,
  }, async ({ body, actor }) => spView(await addServiceProvider(ctx, { metadataXml: body.metadata, name: body.name, kind: body.kind }, actor)));

  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/service-providers', tag: 'Service providers', access: 'read',
    summary: 'List service providers',
    query: z.strictObject({ ...pageQuery, kind: choiceField(spKinds).optional(), enabled: choiceField(['true', 'false']).optional().describe('Only enabled (true) or disabled (false) SPs.') }),
    response: pageOf(spViewSchema),
  }, async ({ query }) => paginate((await ctx.store.serviceProviders.list())
    .filter((s) => (!query.kind || s.kind === query.kind) && (query.enabled === undefined || String(s.enabled) === query.enabled)).map(spView), query));

  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/service-providers/:id', tag: 'Service providers', access: 'read',
    summary: 'One service provider, with its ACS URLs', params: spParams, response: spViewSchema,
  }, async ({ params }) => spView(await findServiceProvider(ctx, params.id)));

  adminRoute(app, ctx, {
    method: 'PATCH', url: '/api/v1/admin/service-providers/:id', tag: 'Service providers', access: 'write',
    summary: 'Enable or disable a service provider',
    description: 'A disabled SP keeps its registration; its AuthnRequests are refused with saml_sp_disabled and the portal hides it.',
    params: spParams, body: z.strictObject({ enabled: z.boolean({ error: 'must be true or false' }) }), response: spViewSchema,
  }, async ({ params, body, actor }) => spView(await setServiceProviderEnabled(ctx, params.id, body.enabled, actor)));

  adminRoute(app, ctx, {
    method: 'DELETE', url: '/api/v1/admin/service-providers/:id', tag: 'Service providers', access: 'write', status: 204,
    summary: 'Remove a service provider', params: spParams,
  }, async ({ params, actor }) => { await removeServiceProvider(ctx, params.id, actor); });
}
