/**
 * Admin API for groups: list, get, create, change, delete; members; session tags; role mappings (sensitive).
 * Each route calls the change functions of src/admin/groups.ts and roleMappings.ts, which the console and the
 * CLI call too. Field rules come from the directory file's schemas (a bad field is a 400 naming it).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { GatehouseError } from '../../../errors.js';
import { requiredFactors } from '../../../auth/factors.js';
import { partitions } from '../../../aws/partitions.js';
import { groupSchema, roleSchema } from '../../../directory/directoryFile.js';
import { createGroup, deleteGroup, describeGroup, describeGroups, setGroupTag, setMembershipByName, updateGroup, type GroupView } from '../../../admin/groups.js';
import { addMapping, describeMappings, removeMapping, requireMapping, updateMapping, type MappingView } from '../../../admin/roleMappings.js';
import { requireAccount, requireGroup } from '../../../admin/find.js';
import { textField } from '../../readInput.js';
import { adminRoute, pageOf, pageQuery, paginate } from '../../api/adminRoute.js';

const groupName = textField(128).describe('The group\'s name.');
const groupParams = z.strictObject({ name: groupName });
const mappingParams = z.strictObject({ name: groupName, id: textField(64).describe('The mapping\'s id.') });

export const mappingView = z.object({
  id: z.string(), group: z.string(), accountId: z.string(), account: z.string().describe('The account\'s alias.'), partition: z.enum(partitions as readonly ['aws', 'aws-us-gov', 'aws-cn']),
  role: z.string(), sessionDuration: z.number().int().nullable(), requireFactor: z.enum(requiredFactors).nullable(), sourceIps: z.array(z.string()),
});
const groupView = z.object({
  id: z.string(), name: z.string(), description: z.string().nullable(), tags: z.record(z.string(), z.string()), members: z.array(z.string()),
  mappings: z.array(mappingView), createdAt: z.string(),
});

/** A mapping as the API shows it (without the group's internal id). */
export const apiMapping = ({ groupId: _g, ...m }: MappingView) => m;
const apiGroup = (g: GroupView) => ({ ...g, mappings: g.mappings.map(apiMapping) });

const description = textField(1000).nullable().describe('What the group is for (null: none).');
const createBody = z.strictObject({
  name: textField(128).pipe(groupSchema.shape.name).describe('1–128 letters, digits or ._@+=,- starting with a letter or digit.'),
  description: description.optional(),
  tags: groupSchema.shape.tags.optional().describe('Session tags members receive (PrincipalTag:<Key>).'),
});

const mappingConditions = {
  sessionDuration: roleSchema.shape.session_duration.unwrap().nullable().optional().describe('Seconds, 900–43200; null: AWS\'s default (1 h).'),
  requireFactor: roleSchema.shape.require.unwrap().nullable().optional().describe('The factor the sign-in must have used; null: any second factor.'),
  sourceIps: z.array(textField(64).pipe(roleSchema.shape.source_ips.unwrap().element)).max(100).optional().describe('Client ranges (CIDR) the role may be used from; empty: any.'),
};
const createMappingBody = z.strictObject({
  account: textField(64).describe('The account\'s 12-digit id or alias.'),
  role: textField(600).pipe(roleSchema.shape.role).describe('IAM role name, optionally after a path (team/Admin).'),
  ...mappingConditions,
});
const patchMappingBody = z.strictObject(mappingConditions);

export async function registerGroupsApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tag = 'Groups';

  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/groups', tag, access: 'read', summary: 'List groups with members, tags and role mappings',
    query: z.strictObject({
      ...pageQuery,
      q: textField(128).optional().describe('Only groups whose name contains this (any case).'),
      member: textField(128).optional().describe('Only groups this person (username) is in.'),
      account: textField(64).optional().describe('Only groups that map a role into this account (id or alias).'),
    }),
    response: pageOf(groupView),
  }, async ({ query }) => {
    const account = query.account ? await requireAccount(ctx, query.account) : undefined;
    const all = (await describeGroups(ctx)).filter((g) => (!query.q || g.name.toLowerCase().includes(query.q.toLowerCase()))
      && (!query.member || g.members.includes(query.member)) && (!account || g.mappings.some((m) => m.accountId === account.id)));
    return paginate(all.map(apiGroup), query);
  });

  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/groups/:name', tag, access: 'read', summary: 'Get a group', params: groupParams, response: groupView,
  }, async ({ params }) => apiGroup(await describeGroup(ctx, params.name)));

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/groups', tag, access: 'write', summary: 'Create a group', body: createBody, response: groupView,
    description: 'Refused with conflict when the name is taken.',
  }, async ({ body, actor }) => apiGroup(await createGroup(ctx, body, actor)));

  adminRoute(app, ctx, {
    method: 'PATCH', url: '/api/v1/admin/groups/:name', tag, access: 'write', summary: 'Change a group\'s description',
    params: groupParams, body: z.strictObject({ description }), response: groupView,
  }, async ({ params, body, actor }) => apiGroup(await updateGroup(ctx, params.name, body, actor)));

  adminRoute(app, ctx, {
    method: 'DELETE', url: '/api/v1/admin/groups/:name', tag, access: 'write', sensitive: true, status: 204,
    summary: 'Delete a group with its memberships and role mappings', params: groupParams,
  }, async ({ params, actor }) => { await deleteGroup(ctx, params.name, actor); });

  // ---- members -------------------------------------------------------------------------------------------

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/groups/:name/members', tag, access: 'write', status: 200, summary: 'Add a person to a group',
    params: groupParams, body: z.strictObject({ username: textField(128).describe('The person\'s username.') }), response: groupView,
  }, async ({ params, body, actor }) => {
    await setMembershipByName(ctx, params.name, body.username, true, actor);
    return apiGroup(await describeGroup(ctx, params.name));
  });

  adminRoute(app, ctx, {
    method: 'DELETE', url: '/api/v1/admin/groups/:name/members/:username', tag, access: 'write', status: 204, summary: 'Remove a person from a group',
    params: z.strictObject({ name: groupName, username: textField(128) }),
  }, async ({ params, actor }) => {
    if (!(await setMembershipByName(ctx, params.name, params.username, false, actor))) throw new GatehouseError('not_found', `${params.username} is not in ${params.name}.`);
  });

  // ---- tags ----------------------------------------------------------------------------------------------

  const tagParams = z.strictObject({ name: groupName, key: textField(128).describe('The tag key (URL-encoded).') });
  adminRoute(app, ctx, {
    method: 'PUT', url: '/api/v1/admin/groups/:name/tags/:key', tag, access: 'write', summary: 'Set a session tag of a group',
    description: 'A key that differs from an existing one only in case replaces it (AWS tag keys are case-insensitive). AuthMethod is reserved.',
    params: tagParams, body: z.strictObject({ value: textField(256).describe('0–256 letters, digits, spaces or _.:/=+-@.') }), response: groupView,
  }, async ({ params, body, actor }) => {
    await setGroupTag(ctx, params.name, params.key, body.value, actor);
    return apiGroup(await describeGroup(ctx, params.name));
  });

  adminRoute(app, ctx, {
    method: 'DELETE', url: '/api/v1/admin/groups/:name/tags/:key', tag, access: 'write', status: 204, summary: 'Remove a session tag of a group', params: tagParams,
  }, async ({ params, actor }) => {
    const g = await requireGroup(ctx, params.name);
    if (!Object.hasOwn(g.tags, params.key)) throw new GatehouseError('not_found', `Group ${g.name} has no tag ${params.key}.`);
    await setGroupTag(ctx, g.name, params.key, null, actor);
  });

  // ---- role mappings (sensitive) -------------------------------------------------------------------------

  const sensitiveNote = 'A mapping change is sensitive. When the required factor changes, paste the role\'s trust policy (GET /api/v1/admin/accounts/{id}/trust-policy) into IAM again.';
  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/groups/:name/mappings', tag, access: 'read', summary: 'List a group\'s role mappings',
    params: groupParams, query: z.strictObject({ ...pageQuery }), response: pageOf(mappingView),
  }, async ({ params, query }) => {
    const g = await requireGroup(ctx, params.name);
    return paginate((await describeMappings(ctx, (m) => m.groupId === g.id)).map(apiMapping), query);
  });

  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/groups/:name/mappings/:id', tag, access: 'read', summary: 'Get one role mapping', params: mappingParams, response: mappingView,
  }, async ({ params }) => apiMapping(await requireMapping(ctx, params.name, params.id)));

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/groups/:name/mappings', tag, access: 'write', sensitive: true, summary: 'Map an AWS role to a group',
    description: `Refused with conflict when the group already maps that role. ${sensitiveNote}`, params: groupParams, body: createMappingBody, response: mappingView,
  }, async ({ params, body, actor }) => apiMapping((await addMapping(ctx, params.name, body, actor)).mapping));

  adminRoute(app, ctx, {
    method: 'PATCH', url: '/api/v1/admin/groups/:name/mappings/:id', tag, access: 'write', sensitive: true, summary: 'Change a role mapping\'s conditions',
    description: `Fields left out stay as they are; null clears one. ${sensitiveNote}`, params: mappingParams, body: patchMappingBody, response: mappingView,
  }, async ({ params, body, actor }) => apiMapping(await updateMapping(ctx, params.name, params.id, body, actor)));

  adminRoute(app, ctx, {
    method: 'DELETE', url: '/api/v1/admin/groups/:name/mappings/:id', tag, access: 'write', sensitive: true, status: 204, summary: 'Remove a role mapping',
    description: sensitiveNote, params: mappingParams,
  }, async ({ params, actor }) => { await removeMapping(ctx, params.name, params.id, actor); });
}

