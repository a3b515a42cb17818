import { randomUUID } from 'node:crypto';
import { withTransaction, type AppContext } from '../context.js';
import { recordAudit } from '../audit/recordAudit.js';
import { ensureActiveKey } from '../keys/signingKeyService.js';
import { hashToken, newToken } from '../auth/tokens.js';

interface Log { info: (msg: string) => void; warn: (msg: string) => void }

/**
 * First run: makes sure a signing key exists and, while the first admin has not finished setting up
 * (password + MFA device), creates that admin (on an empty directory) and prints a fresh one-time link.
 * There is no default password anywhere. Returns the link when one was printed.
 */
export async function firstRun(ctx: AppContext, print: (line: string) => void, log?: Log): Promise<string | undefined> {
  const created = await ensureActiveKey(ctx);
  if (created) log?.info('created the first SAML signing key (RSA 3072)');
  const { store, config } = ctx;
  const now = ctx.now().getTime();
  let adminId = await store.settings.get('first_admin_user_id');
  if (!adminId) {
    if ((await store.users.count()) > 0) return undefined;
    adminId = randomUUID();
    const id = adminId;
    await store.transaction(async (tx) => {
      await tx.users.create({ id, username: config.admin.firstUsername, displayName: 'Administrator' }, now);
      let group = await tx.groups.findByName(config.admin.group);
      group ??= await tx.groups.create({ id: randomUUID(), name: config.admin.group, description: 'Gatehouse administrators' }, now);
      await tx.groups.addMember(group.id, id);
      await tx.settings.set('first_admin_user_id', id);
    });
  }
  const admin = await store.users.findById(adminId);
  if (!admin) return undefined;
  const devices = await store.devices.listForUser(admin.id, { confirmedOnly: true });
  if (admin.passwordHash && devices.length > 0) return undefined;
  const token = newToken();
  await withTransaction(ctx, async (tx) => {
    await tx.store.enrollmentTokens.create({ tokenHash: hashToken(token), userId: admin.id, purpose: 'first-admin', createdAt: now, expiresAt: now + config.auth.enrollmentLinkTtlSeconds * 1000 });
    await recordAudit(tx, { at: now, type: 'setup.link_issued', outcome: 'info', userId: admin.id, username: admin.username });
  });
  const link = `${config.server.baseUrl}/setup?token=${token}`;
  print('');
  print('  First run: set the password and MFA device of the first admin ("' + admin.username + '") here (one-time link, valid ' + Math.round(config.auth.enrollmentLinkTtlSeconds / 3600) + ' h):');
  print('    ' + link);
  print('');
  return link;
}
