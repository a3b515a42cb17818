/**
 * Console pages for AWS accounts: /admin/accounts (list, add) and /admin/accounts/:id (edit, delete with a
 * confirmation page, and what to do in IAM: the IdP metadata and each mapped role's trust policy, each with a
 * Copy button (public/copy.js) and a download). The policies are src/admin/accounts.ts `trustPolicyFor`'s, the
 * ones `gatehouse aws trust-policy` prints.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { isGatehouseError } from '../../../errors.js';
import { factorFacts, type RequiredFactor } from '../../../auth/factors.js';
import { partitions } from '../../../aws/partitions.js';
import { createAccount, deleteAccount, describeAccount, listAccounts, trustPoliciesOf, trustPolicyFor, updateAccount, type RoleTrustPolicy } from '../../../admin/accounts.js';
import { requireAccount } from '../../../admin/find.js';
import { idpMetadataFor } from '../../../keys/idpMetadata.js';
import { loadSigningKeys } from '../../../keys/signingKeyService.js';
import { adminPageActor } from '../../adminAuth.js';
import { sendAdminPage } from '../../adminPage.js';
import { readInput, textField } from '../../readInput.js';
import { consoleFieldErrors, consoleFormError, doneNotice, optional, seg } from './consoleForms.js';

const idParams = z.object({ id: textField(64) });
const accountForm = z.object({ alias: textField(63), provider: textField(128), partition: textField(20).optional(), region: textField(32).optional() });
const addForm = accountForm.extend({ id: textField(32) });
const notices = {
  created: 'The account is added. Set up IAM below, then map roles to groups.',
  updated: 'The account is saved. If the provider name, partition or region changed, paste the trust policies into IAM again.',
  deleted: 'The account is deleted, with its role mappings.',
} as const;

const accountHref = (id: string): string => `/admin/accounts/${seg(id)}`;
const partitionOptions = partitions.map((p) => ({ value: p, label: { aws: 'aws (commercial)', 'aws-us-gov': 'aws-us-gov (GovCloud)', 'aws-cn': 'aws-cn (China)' }[p] }));
/** A file name from an alias and a role (letters, digits, dot, dash, underscore only). */
const fileName = (...parts: string[]): string => parts.join('-').replace(/[^A-Za-z0-9._-]+/g, '_');

async function listModel(ctx: AppContext, done?: unknown) {
  return {
    title: 'AWS accounts', notice: doneNotice(notices, done), partitionOptions,
    accounts: (await listAccounts(ctx)).map((a) => ({ ...a, href: accountHref(a.id), endpoint: a.region ?? 'global' })),
  };
}

const factorCheck = (t: RoleTrustPolicy): string => {
  if (t.mappedBy.length === 0) return 'No group maps this role yet: the policy does not check the factor.';
  if (t.authMethods) return `IAM checks the factor too: it accepts only sign-ins whose AuthMethod is ${t.authMethods.join(' or ')}.`;
  const open = t.mappedBy.filter((m) => m.requireFactor === null).map((m) => m.group);
  return `IAM does not check the factor: ${open.join(', ')} map${open.length === 1 ? 's' : ''} this role without a required factor.`;
};

const requires = (r: RequiredFactor | null): string => (r ? factorFacts[r].label.name : 'any second factor');

/** What views/admin/account.eta shows: the account, its edit form, and the IAM set-up. */
async function accountModel(ctx: AppContext, ref: string, extra: { form?: Record<string, string>; done?: unknown } = {}) {
  const a = await describeAccount(ctx, ref);
  let metadata: string | null = null;
  try {
    metadata = idpMetadataFor(ctx.config, ctx.now(), (await loadSigningKeys(ctx)).published);
  } catch (e) {
    if (!isGatehouseError(e, 'signing_key_missing')) throw e;
  }
  const policies = await trustPoliciesOf(ctx, a.id);
  return {
    title: `AWS account ${a.alias}`, notice: doneNotice(notices, extra.done), partitionOptions,
    account: { ...a, href: accountHref(a.id), endpoint: a.region ? `${a.region} (regional)` : 'global' },
    form: extra.form ?? { alias: a.alias, provider: a.providerName, partition: a.partition, region: a.region ?? '' },
    metadata, metadataHref: `${accountHref(a.id)}/metadata.xml`, metadataFile: fileName('gatehouse', a.alias, 'metadata.xml'),
    roles: policies.map((t, i) => ({
      role: t.role, id: `policy-${i}`, json: JSON.stringify(t.policy, null, 2), factorCheck: factorCheck(t), checksFactor: t.authMethods !== null,
      mappedBy: t.mappedBy.map((m) => `${m.group} (${requires(m.requireFactor)})`).join(', '),
      href: `${accountHref(a.id)}/trust-policy.json?${new URLSearchParams({ role: t.role }).toString()}`, file: `${fileName('trust-policy', a.alias, t.role)}.json`,
      roleName: t.role.split('/').pop() ?? t.role,
    })),
  };
}

export async function registerAccountsPages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/admin/accounts', async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    return sendAdminPage(ctx, reply, actor, 'admin/accounts', 'accounts', { ...(await listModel(ctx, (req.query as { done?: unknown }).done)), form: { partition: 'aws' } });
  });

  app.post('/admin/accounts', async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'write', returnTo: '/admin/accounts' });
    if (!actor) return reply;
    try {
      const f = readInput(addForm, req.body);
      const a = await createAccount(ctx, { id: f.id.trim(), alias: f.alias.trim(), provider: f.provider.trim(), partition: f.partition, region: optional(f.region) }, actor);
      return reply.redirect(`${accountHref(a.id)}?done=created`, 303);
    } catch (e) {
      const fe = consoleFormError(e);
      if (!fe) throw e;
      const typed = Object.fromEntries(['id', 'alias', 'provider', 'partition', 'region'].map((k) => [k, String((req.body as Record<string, unknown> | undefined)?.[k] ?? '')]));
      return sendAdminPage(ctx, reply, actor, 'admin/accounts', 'accounts', { ...(await listModel(ctx)), form: typed, error: fe.message, fieldErrors: consoleFieldErrors(fe) }, fe.status);
    }
  });

  app.get('/admin/accounts/:id', async (req, reply) => {
    const { id } = readInput(idParams, req.params, 'path');
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    return sendAdminPage(ctx, reply, actor, 'admin/account', 'accounts', await accountModel(ctx, id, { done: (req.query as { done?: unknown }).done }));
  });

  app.post('/admin/accounts/:id', async (req, reply) => {
    const { id } = readInput(idParams, req.params, 'path');
    const actor = await adminPageActor(ctx, req, reply, { access: 'write', returnTo: accountHref(id) });
    if (!actor) return reply;
    try {
      const f = readInput(accountForm, req.body);
      const a = await updateAccount(ctx, id, { alias: f.alias.trim(), provider: f.provider.trim(), ...(f.partition ? { partition: f.partition } : {}), region: optional(f.region) ?? null }, actor);
      return reply.redirect(`${accountHref(a.id)}?done=updated`, 303);
    } catch (e) {
      const fe = consoleFormError(e);
      if (!fe) throw e;
      const typed = Object.fromEntries(['alias', 'provider', 'partition', 'region'].map((k) => [k, String((req.body as Record<string, unknown> | undefined)?.[k] ?? '')]));
      return sendAdminPage(ctx, reply, actor, 'admin/account', 'accounts', { ...(await accountModel(ctx, id, { form: typed })), error: fe.message, fieldErrors: consoleFieldErrors(fe) }, fe.status);
    }
  });

  // Downloads of what the page shows, for `aws iam … file://…`.
  app.get('/admin/accounts/:id/metadata.xml', async (req, reply) => {
    const { id } = readInput(idParams, req.params, 'path');
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    const a = await requireAccount(ctx, id);
    const xml = idpMetadataFor(ctx.config, ctx.now(), (await loadSigningKeys(ctx)).published);
    return reply.header('content-disposition', `attachment; filename="${fileName('gatehouse', a.alias, 'metadata.xml')}"`).type('application/samlmetadata+xml; charset=utf-8').send(xml);
  });

  app.get('/admin/accounts/:id/trust-policy.json', async (req, reply) => {
    const { id } = readInput(idParams, req.params, 'path');
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    const { role } = readInput(z.object({ role: textField(600).min(1, { error: 'must not be empty' }) }), req.query, 'query');
    const t = await trustPolicyFor(ctx, id, role);
    return reply.header('content-disposition', `attachment; filename="${fileName('trust-policy', t.account.alias, t.role)}.json"`).type('application/json; charset=utf-8').send(JSON.stringify(t.policy, null, 2) + '\n');
  });

  // Deleting an account removes its role mappings: a sensitive change, after a confirmation page.
  app.get('/admin/accounts/:id/delete', async (req, reply) => {
    const { id } = readInput(idParams, req.params, 'path');
    const actor = await adminPageActor(ctx, req, reply, { access: 'write', sensitive: true });
    if (!actor) return reply;
    const a = await describeAccount(ctx, id);
    return sendAdminPage(ctx, reply, actor, 'admin/account-delete', 'accounts', { title: `Delete AWS account ${a.alias}?`, account: { ...a, href: accountHref(a.id) } });
  });

  app.post('/admin/accounts/:id/delete', async (req, reply) => {
    const { id } = readInput(idParams, req.params, 'path');
    const actor = await adminPageActor(ctx, req, reply, { access: 'write', sensitive: true, returnTo: `${accountHref(id)}/delete` });
    if (!actor) return reply;
    await deleteAccount(ctx, id, actor);
    return reply.redirect('/admin/accounts?done=deleted', 303);
  });
}
