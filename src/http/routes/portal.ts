import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { loadEntitlements } from '../../directory/loadEntitlements.js';
import { roleKey, type EntitledRole } from '../../directory/entitlementsFor.js';
import { factorFacts, isSecondFactor, stepUpFactor, strongestRequiredFactor, type DeviceFactor, type SecondFactor } from '../../auth/factors.js';
import { listUsableDevices } from '../../auth/devices.js';
import { pageSession, pageUser } from '../guards.js';
import { renderView } from '../views.js';
import type { WebSession } from '../session.js';
import { addDeviceHref } from './account.js';

/** The factors a session has completed, as the entitlement rules see them. */
export function factorsOf(session: WebSession): SecondFactor[] {
  return session.factors.filter(isSecondFactor);
}

export { roleKey };

/**
 * The view model of the portal: accounts with their roles, and one "choose at AWS" button per partition. A role
 * that needs a factor the session lacks offers a step-up when the person has a device that meets it (`has`), else
 * "Add a security key" (the add-device form on /account, coming back here).
 */
function portalModel(roles: readonly EntitledRole[], has: readonly DeviceFactor[], returnTo = '/') {
  const accounts = new Map<string, { id: string; alias: string; partition: string; roles: unknown[] }>();
  const allowedByPartition = new Map<string, number>();
  for (const r of roles) {
    let a = accounts.get(r.account.id);
    if (!a) accounts.set(r.account.id, (a = { id: r.account.id, alias: r.account.alias, partition: r.account.partition, roles: [] }));
    const required = r.requireFactor ?? strongestRequiredFactor;
    const ask = stepUpFactor(has, required);
    a.roles.push({
      key: roleKey(r), roleName: r.roleName, sessionDuration: r.sessionDuration, requireFactor: r.requireFactor, allowedNow: r.allowedNow,
      requireFactorNoun: r.requireFactor ? factorFacts[r.requireFactor].label.noun : null,
      blockedReason: r.allowedNow ? null : (r.reason ?? null),
      stepUpUrl: `/login/step-up?factor=${required}&return_to=${encodeURIComponent(returnTo)}`,
      verifyNoun: factorFacts[ask ?? required].label.noun,
      add: ask ? null : { label: factorFacts[required].label.add, href: addDeviceHref(required, returnTo) },
    });
    if (r.allowedNow) allowedByPartition.set(r.account.partition, (allowedByPartition.get(r.account.partition) ?? 0) + 1);
  }
  const choosers = [...allowedByPartition].filter(([, n]) => n > 1).map(([partition, count]) => ({ partition, count }));
  return { accounts: [...accounts.values()], choosers };
}

/** GET / — the portal: AWS accounts and roles the person may use now, with step-up where a role needs it. */
export async function registerPortalRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/', async (req, reply) => {
    const session = await pageSession(ctx, req, reply);
    if (!session) return reply;
    const ent = await loadEntitlements(ctx.store, session.user, { now: ctx.now().getTime(), sourceIp: req.ip, factorsUsed: factorsOf(session) });
    const sps = await ctx.store.serviceProviders.list();
    return reply.type('text/html; charset=utf-8').send(renderView('portal', {
      title: 'Portal', csrf: session.csrf,
      user: await pageUser(ctx, session),
      ...portalModel(ent.roles, (await listUsableDevices(ctx, session.userId)).map((d) => d.kind)), serviceProviders: sps.filter((s) => s.enabled).map((s) => ({ id: s.id, name: s.name, entityId: s.entityId })),
    }));
  });
}
