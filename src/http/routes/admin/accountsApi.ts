/**
 * Admin API for AWS accounts: list, get, add, change, delete (sensitive: the account's role mappings go with it),
 * and the IAM trust policy of a role mapped into it — the one the console shows and `gatehouse aws trust-policy`
 * prints (src/admin/accounts.ts).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { requiredFactors } from '../../../auth/factors.js';
import { isValidAccountId } from '../../../aws/arn.js';
import { partitions, type Partition } from '../../../aws/partitions.js';
import { accountSchema } from '../../../directory/directoryFile.js';
import { createAccount, deleteAccount, describeAccount, listAccounts, trustPolicyFor, updateAccount } from '../../../admin/accounts.js';
import { choiceField, textField } from '../../readInput.js';
import { adminRoute, pageOf, pageQuery, paginate } from '../../api/adminRoute.js';

const partitionField = choiceField(partitions as readonly Partition[]);
const accountParams = z.strictObject({ id: textField(64).describe('The account\'s 12-digit id or its alias.') });

const accountView = z.object({
  id: z.string(), alias: z.string(), partition: z.enum(partitions as readonly ['aws', 'aws-us-gov', 'aws-cn']),
  providerName: z.string().describe('The IAM SAML identity provider\'s name in that account.'), region: z.string().nullable().describe('Regional sign-in endpoint; null: global.'),
  roles: z.array(z.string()).describe('The roles groups map into this account.'), mappings: z.number().int(),
});

const alias = textField(63).pipe(accountSchema.shape.alias).describe('Short name used in mappings and the portal, e.g. prod.');
const provider = textField(128).pipe(accountSchema.shape.provider).describe('The IAM SAML identity provider\'s name in that account.');
const region = textField(32).pipe(accountSchema.shape.region.unwrap()).describe('Region of a regional sign-in endpoint (aws partition only).');

const createBody = z.strictObject({
  id: textField(12).refine(isValidAccountId, { error: 'must be exactly 12 digits' }).describe('The 12-digit AWS account id.'),
  alias, provider, partition: partitionField.optional().describe('aws (default), aws-us-gov or aws-cn.'), region: region.nullable().optional(),
});
const patchBody = z.strictObject({ alias: alias.optional(), provider: provider.optional(), partition: partitionField.optional(), region: region.nullable().optional() });

const trustPolicyView = z.object({
  account: z.string(), accountId: z.string(), role: z.string(),
  policy: z.record(z.string(), z.unknown()).describe('The trust policy document to paste into IAM (role → Trust relationships).'),
  acsUrls: z.array(z.string()).describe('The sign-in endpoints (SAML:aud) it accepts.'),
  authMethods: z.array(z.string()).nullable().describe('The AuthMethod values IAM accepts; null when the policy does not check the factor.'),
  mappedBy: z.array(z.object({ group: z.string(), requireFactor: z.enum(requiredFactors).nullable() })),
});

export async function registerAccountsApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tag = 'AWS accounts';

  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/accounts', tag, access: 'read', summary: 'List AWS accounts',
    query: z.strictObject({ ...pageQuery, partition: partitionField.optional().describe('Only accounts in this partition.') }),
    response: pageOf(accountView),
  }, async ({ query }) => paginate((await listAccounts(ctx)).filter((a) => !query.partition || a.partition === query.partition), query));

  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/accounts/:id', tag, access: 'read', summary: 'Get an AWS account', params: accountParams, response: accountView,
  }, async ({ params }) => describeAccount(ctx, params.id));

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/accounts', tag, access: 'write', summary: 'Add an AWS account', body: createBody, response: accountView,
    description: 'Refused with conflict when the id is known or the alias taken.',
  }, async ({ body, actor }) => createAccount(ctx, body, actor));

  adminRoute(app, ctx, {
    method: 'PATCH', url: '/api/v1/admin/accounts/:id', tag, access: 'write', summary: 'Change an AWS account',
    description: 'Fields left out stay as they are; region null means the global sign-in endpoint. A new provider name, partition or region changes the trust policies: paste them into IAM again.',
    params: accountParams, body: patchBody, response: accountView,
  }, async ({ params, body, actor }) => updateAccount(ctx, params.id, body, actor));

  adminRoute(app, ctx, {
    method: 'DELETE', url: '/api/v1/admin/accounts/:id', tag, access: 'write', sensitive: true, status: 204,
    summary: 'Delete an AWS account and every role mapping into it', params: accountParams,
  }, async ({ params, actor }) => { await deleteAccount(ctx, params.id, actor); });

  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/accounts/:id/trust-policy', tag, access: 'read', summary: 'The IAM trust policy of a role',
    description: 'The same document the console shows and `gatehouse aws trust-policy` prints. When every group that maps the role requires a factor, IAM checks it too (a condition on aws:RequestTag/AuthMethod for sts:TagSession).',
    params: accountParams, query: z.strictObject({ role: textField(600).min(1, { error: 'must not be empty' }).describe('The role name as mapped (team/Admin for a role with a path).') }),
    response: trustPolicyView,
  }, async ({ params, query }) => {
    const t = await trustPolicyFor(ctx, params.id, query.role);
    return { account: t.account.alias, accountId: t.account.id, role: t.role, policy: t.policy, acsUrls: t.acsUrls, authMethods: t.authMethods, mappedBy: t.mappedBy };
  });
}
