/**
 * /admin: a read-only overview for administrators — people (with lock state), groups and their AWS roles,
 * accounts, service providers, signing keys and the latest audit events. Changes go through the directory
 * file, the CLI or the admin API.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { listKeys } from '../../../keys/signingKeyService.js';
import { lockedPeople } from '../../../auth/lockout.js';
import { adminPageActor } from '../../adminAuth.js';
import { sendAdminPage } from '../../adminPage.js';
import { formatTime, readerTimeZone } from '../../formatTime.js';


export async function registerAdminOverviewPage(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/admin', async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    const session = actor.session!;
    const now = ctx.now().getTime();
    const zone = readerTimeZone(session.user, ctx.config.ui.timeZone);
    const [users, groups, accounts, mappings, memberships, sps, keys, locked, events] = await Promise.all([
      ctx.store.users.list(), ctx.store.groups.list(), ctx.store.accounts.list(), ctx.store.accounts.listMappings(), ctx.store.groups.memberships(),
      ctx.store.serviceProviders.list(), listKeys(ctx), lockedPeople(ctx, now), ctx.store.audit.list({ limit: 50 }),
    ]);
    const accountAlias = new Map(accounts.map((a) => [a.id, a.alias]));
    const memberCount = (groupId: string) => memberships.filter((m) => m.groupId === groupId).length;
    return sendAdminPage(ctx, reply, actor, 'admin', 'overview', {
      title: 'Administration',
      users: users.map((u) => ({ username: u.username, accessHref: `/admin/access/${encodeURIComponent(u.username)}`, email: u.email ?? '', status: u.status, locked: locked.lockedUntil(u.username) !== undefined, created: formatTime(u.createdAt, zone) })),
      groups: groups.map((g) => ({
        name: g.name, href: `/admin/groups/${encodeURIComponent(g.name)}`, members: memberCount(g.id), tags: Object.entries(g.tags).map(([k, v]) => `${k}=${v}`).join(', '),
        roles: mappings.filter((m) => m.groupId === g.id).map((m) => `${accountAlias.get(m.accountId) ?? m.accountId}/${m.roleName}${m.requireFactor ? ` (needs ${m.requireFactor})` : ''}`),
      })),
      accounts: accounts.map((a) => ({ id: a.id, href: `/admin/accounts/${a.id}`, alias: a.alias, partition: a.partition, provider: a.providerName, region: a.region ?? 'global' })),
      sps: sps.map((s) => ({ name: s.name, entityId: s.entityId, kind: s.kind })),
      keys: keys.map((k) => ({ id: k.id, state: k.state, fingerprint: k.fingerprint256, notAfter: formatTime(Date.parse(k.notAfter), zone) })),
      events: events.map((e) => ({ at: formatTime(e.at, zone, { seconds: true }), type: e.type, outcome: e.outcome, who: e.username ?? '', ip: e.ip ?? '', device: e.deviceName ? `${e.deviceName} (${e.factor ?? ''})` : (e.factor ?? ''), reason: e.reason ?? '' })),
    });
  });
}
