import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { GatehouseError } from '../../errors.js';
import { factorFacts } from '../../auth/factors.js';
import { loadEntitlements } from '../../directory/loadEntitlements.js';
import type { EntitledRole, Entitlements } from '../../directory/entitlementsFor.js';
import { acsForAccounts, partitions, type Partition } from '../../aws/partitions.js';
import { checkRelayState } from '../../aws/checkRelayState.js';
import { checkCsrf, type WebSession } from '../session.js';
import { pageSession, pageUser } from '../guards.js';
import { sendAutoPost } from '../sendAutoPost.js';
import { choiceField, readInput, textField } from '../readInput.js';
import { renderView } from '../views.js';
import { factorsOf, roleKey } from './portal.js';
import { issueAwsResponse } from '../sso/issueAwsResponse.js';
import type { SigningKeyCache } from '../sso/signingKeyCache.js';

/** POST body and GET query alike: one role key, or "choose at AWS" in one partition, and an optional deep link. */
const consoleForm = z.object({
  role: textField(400).optional(),
  choose: choiceField(partitions as [Partition, ...Partition[]]).optional(),
  relay_state: textField(2048).optional(),
});

/** Picks the requested roles: one role by key, or every role allowed now in one partition ("choose at AWS"). */
function pickRoles(ent: Entitlements, form: { role?: string | undefined; choose?: Partition | undefined }): EntitledRole[] {
  if (form.role) {
    const r = ent.roles.find((x) => roleKey(x) === form.role);
    if (!r) throw new GatehouseError('role_not_allowed', 'You are not mapped to that role. Ask your administrator, or pick a role from the portal.');
    if (!r.allowedNow) {
      throw new GatehouseError('role_not_allowed', r.reason === 'factor_required'
        ? `This role needs your ${r.requireFactor ? factorFacts[r.requireFactor].label.noun : 'second factor'}: verify with it from the portal first.`
        : 'This role cannot be used from your current network address.');
    }
    return [r];
  }
  if (form.choose) {
    const rs = ent.roles.filter((r) => r.allowedNow && r.account.partition === form.choose);
    if (rs.length === 0) throw new GatehouseError('no_roles', 'You have no AWS role you may use right now.');
    return rs;
  }
  throw new GatehouseError('bad_request', 'Pick a role.');
}

/**
 * IdP-initiated sign-in to the AWS console: POST /aws/console (from the portal, CSRF-checked) and
 * GET /aws/console?role=… (a bookmarkable link that shows a confirmation button, never signs on GET).
 */
export async function registerAwsConsoleRoutes(app: FastifyInstance, ctx: AppContext, keys: SigningKeyCache): Promise<void> {
  const entitlementsOf = (req: FastifyRequest, s: WebSession) =>
    loadEntitlements(ctx.store, s.user, { now: ctx.now().getTime(), sourceIp: req.ip, factorsUsed: factorsOf(s) });

  app.get('/aws/console', async (req, reply) => {
    const session = await pageSession(ctx, req, reply);
    if (!session) return reply;
    const q = readInput(consoleForm, req.query, 'query');
    const relayState = q.relay_state ? checkRelayState(q.relay_state, ctx.config.saml.relayStateAllowlist) : '';
    const roles = pickRoles(await entitlementsOf(req, session), q);
    return reply.type('text/html; charset=utf-8').send(renderView('aws-confirm', {
      title: 'Open the AWS console', csrf: session.csrf,
      user: await pageUser(ctx, session),
      roles: roles.map((r) => ({ roleName: r.roleName, alias: r.account.alias, accountId: r.account.id })), role: q.role ?? '', choose: q.choose ?? '', relayState,
    }));
  });

  app.post('/aws/console', async (req, reply) => {
    const session = await pageSession(ctx, req, reply);
    if (!session) return reply;
    checkCsrf(req, session.csrf);
    const form = readInput(consoleForm, req.body);
    const relayState = form.relay_state ? checkRelayState(form.relay_state, ctx.config.saml.relayStateAllowlist) : undefined;
    const ent = await entitlementsOf(req, session);
    const roles = pickRoles(ent, form);
    const { partition, acsUrl } = acsForAccounts(roles.map((r) => r.account));
    const { samlResponse } = await issueAwsResponse(ctx, keys, { session, entitlements: ent, roles, partition, acsUrl, ip: req.ip, requestId: req.id });
    return sendAutoPost(reply, { action: acsUrl, samlResponse, relayState, spName: 'AWS' });
  });
}
