/**
 * Carries out an import plan (planImport.ts) in one database transaction: a failure anywhere changes
 * nothing. Plaintext passwords are hashed (argon2id) before the transaction starts, so hashing never holds
 * the database; TOTP seeds are sealed with the secrets box (aad = device id) into a confirmed TOTP device (and a
 * person without recovery codes is asked to save some after their next sign-in). A changed password of an existing
 * person goes through `storePasswordHash` (their sessions end; `user.password_set`).
 * An audit event `directory.import` records the file, the mode and the counts.
 */
import { factorName } from '../auth/factors.js';
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import { GatehouseError, isGatehouseError } from '../errors.js';
import { recordAudit, type AuditRequest } from '../audit/recordAudit.js';
import { hashPassword, verifyPassword, type PasswordHashParams } from '../auth/password.js';
import { storePasswordHash } from '../auth/setPassword.js';
import type { Store } from '../store/store.js';
import type { ParsedDirectory } from './directoryFile.js';
import { writeDirectorySettings } from './directorySettings.js';
import { loadDirectorySnapshot } from './loadDirectorySnapshot.js';
import { planImport } from './planImport.js';
import { checkFilePasswords } from './checkFilePasswords.js';
import { summarizePlan, type Change, type ImportMode, type ImportPlan } from './importPlan.js';
import { changedByDevice, type ChangedBy } from '../admin/changeActor.js';

/** The admin's factor and device fields of a change event. */
type AdminDevice = Pick<ChangedBy, 'byFactor' | 'byDeviceId' | 'byDevice'>;

type ApplyContext = Pick<AppContext, 'store' | 'secrets' | 'now'>;

/** Returns the plan with every plaintext password replaced by its argon2id hash (nothing else changes). */
async function hashPlanPasswords(plan: ImportPlan, params: PasswordHashParams): Promise<ImportPlan> {
  const changes = await Promise.all(plan.changes.map(async (c): Promise<Change> => {
    if (c.kind !== 'user' || !c.password || !('plain' in c.password)) return c;
    return { ...c, password: { hash: await hashPassword(c.password.plain, params), temporary: c.password.temporary } };
  }));
  return { ...plan, changes };
}

async function applyChanges(tx: Store, ctx: ApplyContext, plan: ImportPlan, actor: string): Promise<void> {
  const now = ctx.now().getTime();
  const users = new Map((await tx.users.list()).map((u) => [u.username.toLowerCase(), u.id]));
  const groups = new Map((await tx.groups.list()).map((g) => [g.name, g.id]));
  const mappings = await tx.accounts.listMappings();
  const userId = (username: string): string => {
    const id = users.get(username.toLowerCase());
    if (id === undefined) throw new GatehouseError('internal', `import plan names unknown user ${username}`);
    return id;
  };
  const groupId = (name: string): string => {
    const id = groups.get(name);
    if (id === undefined) throw new GatehouseError('internal', `import plan names unknown group ${name}`);
    return id;
  };
  const mappingId = (group: string, accountId: string, roleName: string): string | undefined => {
    const gid = groups.get(group);
    return mappings.find((m) => m.groupId === gid && m.accountId === accountId && m.roleName === roleName)?.id;
  };

  for (const c of plan.changes) {
    switch (c.kind) {
      case 'settings': {
        const s: { sessionTags?: string[]; transitiveTags?: string[] } = {};
        if (c.sessionTags) s.sessionTags = c.sessionTags;
        if (c.transitiveTags) s.transitiveTags = c.transitiveTags;
        await writeDirectorySettings(tx, s);
        break;
      }
      case 'account':
        if (c.op === '-') await tx.accounts.delete(c.account.id);
        else await tx.accounts.upsert(c.account);
        break;
      case 'group':
        if (c.op === '-') {
          await tx.groups.delete(groupId(c.name));
          groups.delete(c.name);
        } else if (c.op === '+') {
          const id = randomUUID();
          await tx.groups.create({ id, name: c.name, description: c.description, tags: c.tags }, now);
          groups.set(c.name, id);
        } else {
          await tx.groups.update(groupId(c.name), { description: c.description, tags: c.tags });
        }
        break;
      case 'user': {
        if (c.password && 'plain' in c.password) throw new GatehouseError('internal', 'import plan holds a plaintext password: call hashPlanPasswords first');
        const password = c.password;
        const v = c.values;
        if (c.op === '+') {
          const id = randomUUID();
          await tx.users.create({
            id, username: c.username, email: v.email, displayName: v.displayName, status: v.status, attributes: v.attributes,
            passwordHash: password?.hash ?? null, passwordTemporary: password?.temporary ?? false, timeZone: v.timeZone ?? null,
          }, now);
          users.set(c.username.toLowerCase(), id);
        } else {
          const id = userId(c.username);
          await tx.users.update(id, { email: v.email, displayName: v.displayName, status: v.status, attributes: v.attributes, ...(v.timeZone !== undefined ? { timeZone: v.timeZone } : {}) }, now);
          if (password) await storePasswordHash({ ...ctx, store: tx }, { id, username: c.username }, password.hash, { temporary: password.temporary, by: actor });
          if (v.status === 'disabled') await tx.cliTokens.revokeForUser(id, now);
        }
        break;
      }
      case 'user-disable':
        await tx.users.update(userId(c.username), { status: 'disabled' }, now);
        await tx.cliTokens.revokeForUser(userId(c.username), now);
        break;
      case 'member':
        if (c.op === '+') await tx.groups.addMember(groupId(c.group), userId(c.username));
        else await tx.groups.removeMember(groupId(c.group), userId(c.username));
        break;
      case 'role': {
        const existing = mappingId(c.group, c.accountId, c.roleName);
        if (c.op === '-') {
          if (existing) await tx.accounts.removeMapping(existing);
        } else if (c.op === '~' && existing) {
          await tx.accounts.updateMapping(existing, c.values);
        } else {
          await tx.accounts.addMapping({ id: randomUUID(), groupId: groupId(c.group), accountId: c.accountId, roleName: c.roleName, ...c.values });
        }
        break;
      }
      case 'totp': {
        const uid = userId(c.username);
        for (const d of await tx.devices.listForUser(uid)) if (d.kind === factorName.totp && d.name === c.name) await tx.devices.delete(d.id);
        const id = randomUUID();
        await tx.devices.create({
          id, userId: uid, kind: factorName.totp, name: c.name, secretEnc: ctx.secrets.seal(c.secret, id), lastStep: null,
          credentialId: null, publicKey: null, counter: null, transports: [], confirmed: true, createdAt: now,
        });
        // A seed carried over from another IdP comes without recovery codes: ask for them once, after the next sign-in.
        if ((await tx.devices.remainingRecoveryCodes(uid)) === 0) await tx.users.update(uid, { recoveryCodesPrompt: true }, now);
        break;
      }
    }
  }
}

/**
 * Applies `plan` (passwords already hashed) in one transaction and records the `directory.import` audit
 * event in it. Throws `conflict` (nothing changed) when the database refuses a change.
 */
export async function applyPlan(ctx: ApplyContext, plan: ImportPlan, meta: { actor?: string; via?: string; device?: AdminDevice; req?: AuditRequest } = {}): Promise<void> {
  try {
    await ctx.store.transaction(async (tx) => {
      await applyChanges(tx, ctx, plan, meta.actor ?? 'import');
      const s = summarizePlan(plan);
      await recordAudit({ ...ctx, store: tx }, {
        type: 'directory.import', outcome: 'success',
        detail: { file: plan.fileName, mode: plan.mode, changes: s.total, counts: s.byKind, ...(meta.actor !== undefined ? { by: meta.actor } : {}), ...(meta.via !== undefined ? { via: meta.via } : {}), ...changedByDevice(meta.device ?? {}) },
      }, { req: meta.req });
    });
  } catch (e) {
    if (isGatehouseError(e)) throw e;
    throw new GatehouseError('conflict', `the database refused the import, nothing was changed: ${(e as Error).message}`, { cause: e });
  }
}

export interface ImportOptions {
  mode: ImportMode;
  /** Plan only: nothing is hashed or written. */
  dryRun?: boolean;
  /** Who ran it (for the audit event), e.g. the OS user of the CLI. */
  actor?: string;
  /** Through which surface (`cli`, `api-session`, `api-token:<id>`), and the HTTP request, for the audit event. */
  via?: string;
  /** The factor and device the admin signed in with (browser sessions), for the audit event. */
  device?: AdminDevice;
  req?: AuditRequest;
  /** Looks at the plan before anything is written (a dry run too) and throws to refuse it. */
  checkPlan?: (plan: ImportPlan) => void;
}

export interface ImportResult {
  plan: ImportPlan;
  /** `file:line: warning: …` for each plaintext password in the file (show them to the operator, e.g. on stderr). */
  warnings: string[];
  /** False for a dry run or when there was nothing to change. */
  applied: boolean;
}

/**
 * Checks the file's plaintext passwords against the password policy (`checkFilePasswords`: refused ones throw
 * `directory_invalid` with `file:line`), plans `parsed` against the database and, unless `dryRun`, applies it. Used by `gatehouse import` and
 * `gatehouse apply`. A plan with no change writes nothing (not even an audit event).
 */
export async function importDirectory(ctx: AppContext, parsed: ParsedDirectory, opts: ImportOptions): Promise<ImportResult> {
  const warnings = checkFilePasswords(parsed, ctx.config.auth.passwordMinLength).map((w) => `${w.file}:${w.line}: ${w.message}`);
  const totpUsernames = new Set(parsed.data.users.filter((u) => u.totp).map((u) => u.username.toLowerCase()));
  const snapshot = await loadDirectorySnapshot(ctx.store, { secrets: ctx.secrets, totpUsernames });
  const plan = await planImport(parsed, snapshot, { mode: opts.mode, passwordMatches: verifyPassword });
  opts.checkPlan?.(plan);
  if (opts.dryRun || plan.changes.length === 0) return { plan, applied: false, warnings };
  const hashed = await hashPlanPasswords(plan, ctx.config.auth.argon2);
  await applyPlan(ctx, hashed, { ...(opts.actor !== undefined ? { actor: opts.actor } : {}), ...(opts.via !== undefined ? { via: opts.via } : {}), ...(opts.device ? { device: opts.device } : {}), ...(opts.req ? { req: opts.req } : {}) });
  return { plan, applied: true, warnings };
}
