/**
 * Every audit event type, with what each carries: its outcomes, whether it names a person (`username`, and
 * `userId` when known) and an MFA device (`factor`, `deviceId`, `deviceName`), and the fields of its `detail`.
 * docs/audit.md lists the same, and test/unit/audit/auditDocs.test.ts checks that both agree. Adding an event
 * type is one entry here and one row there; `recordAudit` then accepts it, with its fields checked.
 *
 * The person of an event is the one it is about (who signed in, whose device, which user was created). Who
 * made an admin change is `detail.by`: an admin's username, or `cli:<os user>` for the command line.
 */
import { z } from 'zod';
import type { Factor } from '../auth/factors.js';

export const auditOutcomes = ['success', 'failure', 'info'] as const;
export type AuditOutcome = (typeof auditOutcomes)[number];

/** What one event type carries. */
export interface AuditEventSpec {
  outcomes: readonly AuditOutcome[];
  /** `username` (required) and `userId` name the person concerned. */
  person: boolean;
  /** `factor`, `deviceId` and `deviceName` name the factor and device used. */
  device: boolean;
  detail: z.ZodObject;
}

const by = z.string();
const none = z.object({});
const purpose = z.string();
/** The IdP's entity ID and base URL, as recorded at its first start. */
const idpIdentity = z.object({ entityId: z.string(), baseUrl: z.string() });
/** Failures of a sign-in step: back-off and lock details, when that was the reason. */
const stepFailure = { retryAfterSeconds: z.number().optional(), lockedKey: z.enum(['user', 'ip']).optional() };
const keyId = z.string();
/** The command line's events: how it signed in, the computer's name, a short reference to the token or code (a hash prefix). */
const cliVia = z.enum(['terminal', 'browser', 'device']);
const clientName = z.string();
const ref = z.string();
/**
 * An admin change: who (`by`), through which surface (`via`: console, api-session, api-token:<id>, cli), the
 * factor and MFA device of the admin's sign-in (`byFactor`, `byDeviceId`, `byDevice`: its name; browser sessions
 * only) and the changed thing as it was and as it is (`before` absent for a creation, `after` absent for a removal).
 * The event's own `factor` / `device*` columns stay the person's, as in every other event.
 */
const adminDevice = { byFactor: z.string().optional(), byDeviceId: z.string().optional(), byDevice: z.string().optional() };
const change = { by, via: z.string().optional(), ...adminDevice, before: z.unknown().optional(), after: z.unknown().optional() };
/** A change that older code, or a caller without an admin (tests, start-up), records without `by`. */
const systemChange = { ...change, by: by.optional() };

export const auditEvents = {
  'login.password': { outcomes: ['success', 'failure'], person: true, device: true, detail: z.object({ purpose, ...stepFailure }) },
  'login.mfa': { outcomes: ['success', 'failure'], person: true, device: true, detail: z.object({ purpose, ...stepFailure, step: z.number().optional() }) },
  'login.recovery': { outcomes: ['success', 'failure'], person: true, device: true, detail: z.object({ purpose, ...stepFailure, remaining: z.number().optional() }) },
  'login.enrollment_required': { outcomes: ['failure'], person: true, device: false, detail: none },
  'enroll.totp': { outcomes: ['success', 'failure'], person: true, device: true, detail: z.object({ purpose }) },
  'enroll.webauthn': { outcomes: ['success', 'failure'], person: true, device: true, detail: z.object({ purpose }) },
  'device.removed': { outcomes: ['success'], person: true, device: true, detail: z.object({ ...change, by: by.optional() }) },
  'device.renamed': { outcomes: ['success'], person: true, device: true, detail: z.object({ ...change, by: by.optional(), before: z.string(), after: z.string() }) },
  'recovery.issued': { outcomes: ['success'], person: true, device: false, detail: z.object({ count: z.number() }) },
  'recovery.regenerated': { outcomes: ['success'], person: true, device: false, detail: z.object({ count: z.number() }) },
  'user.time_zone_changed': { outcomes: ['success'], person: true, device: false, detail: z.object({ by, before: z.string().nullable(), after: z.string().nullable() }) },
  'lockout.locked': { outcomes: ['info'], person: true, device: false, detail: z.object({ key: z.string(), failures: z.number(), lockedUntil: z.number() }) },
  'lockout.cleared': { outcomes: ['success'], person: true, device: false, detail: z.object({ ...change, by: by.nullable() }) },
  logout: { outcomes: ['success'], person: true, device: false, detail: none },
  'setup.link_issued': { outcomes: ['info'], person: true, device: false, detail: none },
  'setup.password': { outcomes: ['success'], person: true, device: true, detail: none },
  'enrollment.link_issued': { outcomes: ['info'], person: true, device: false, detail: z.object({ ...change }) },
  'saml.assertion': {
    outcomes: ['success', 'failure'], person: true, device: true,
    detail: z.object({
      sp: z.string(), acs: z.string(), assertionId: z.string().optional(), inResponseTo: z.string().optional(),
      roles: z.array(z.string()).optional(), tags: z.record(z.string(), z.string()).optional(), sessionDuration: z.number().nullable().optional(),
      attributes: z.array(z.string()).optional(), violations: z.unknown().optional(), message: z.string().optional(),
      client: z.literal('cli').optional(),
    }),
  },
  'sp.registered': { outcomes: ['success'], person: false, device: false, detail: z.object({ entityId: z.string(), kind: z.string(), acs: z.array(z.string()), ...systemChange }) },
  'sp.updated': { outcomes: ['success'], person: false, device: false, detail: z.object({ entityId: z.string(), kind: z.string(), acs: z.array(z.string()), ...systemChange }) },
  'sp.enabled': { outcomes: ['success'], person: false, device: false, detail: z.object({ entityId: z.string(), ...change }) },
  'sp.disabled': { outcomes: ['success'], person: false, device: false, detail: z.object({ entityId: z.string(), ...change }) },
  'sp.removed': { outcomes: ['success'], person: false, device: false, detail: z.object({ entityId: z.string(), ...change }) },
  'identity.recorded': { outcomes: ['success'], person: false, device: false, detail: z.object({ entityId: z.string(), baseUrl: z.string(), by: by.optional() }) },
  'identity.changed': { outcomes: ['success'], person: false, device: false, detail: z.object({ by, before: idpIdentity, after: idpIdentity }) },
  'directory.import': {
    outcomes: ['success'], person: false, device: false,
    detail: z.object({ file: z.string(), mode: z.string(), changes: z.number(), counts: z.record(z.string(), z.record(z.string(), z.number())), by: by.optional(), via: z.string().optional(), ...adminDevice }),
  },
  'user.created': { outcomes: ['success'], person: true, device: false, detail: z.object({ ...change, groups: z.array(z.string()).optional() }) },
  'user.updated': { outcomes: ['success'], person: true, device: false, detail: z.object(change) },
  'user.password_set': {
    outcomes: ['success'], person: true, device: false,
    detail: z.object({ ...change, generated: z.boolean().optional(), temporary: z.boolean().optional(), sessions: z.number().optional(), cliSessions: z.number().optional() }),
  },
  'user.password_changed': { outcomes: ['success'], person: true, device: true, detail: z.object({ temporary: z.boolean(), sessions: z.number(), cliSessions: z.number() }) },
  'user.disabled': { outcomes: ['success'], person: true, device: false, detail: z.object({ ...change, cliSessions: z.number().optional() }) },
  'user.enabled': { outcomes: ['success'], person: true, device: false, detail: z.object(change) },
  'user.mfa_reset': { outcomes: ['success'], person: true, device: false, detail: z.object({ ...change, devices: z.number(), recoveryCodes: z.number(), cliSessions: z.number() }) },
  'group.created': { outcomes: ['success'], person: false, device: false, detail: z.object({ ...change, group: z.string() }) },
  'group.updated': { outcomes: ['success'], person: false, device: false, detail: z.object({ ...change, group: z.string() }) },
  'group.deleted': { outcomes: ['success'], person: false, device: false, detail: z.object({ ...change, group: z.string(), members: z.number(), roles: z.number() }) },
  'group.tags_changed': { outcomes: ['success'], person: false, device: false, detail: z.object({ ...change, group: z.string(), key: z.string(), value: z.string().nullable() }) },
  'group.member_added': { outcomes: ['success'], person: true, device: false, detail: z.object({ ...change, group: z.string() }) },
  'group.member_removed': { outcomes: ['success'], person: true, device: false, detail: z.object({ ...change, group: z.string() }) },
  'account.created': { outcomes: ['success'], person: false, device: false, detail: z.object({ ...change, account: z.string(), alias: z.string() }) },
  'account.updated': { outcomes: ['success'], person: false, device: false, detail: z.object({ ...change, account: z.string(), alias: z.string() }) },
  'account.deleted': { outcomes: ['success'], person: false, device: false, detail: z.object({ ...change, account: z.string(), alias: z.string(), mappings: z.number() }) },
  'role.mapped': {
    outcomes: ['success'], person: false, device: false,
    detail: z.object({ ...change, group: z.string(), account: z.string(), role: z.string(), sessionDuration: z.number().nullable(), requireFactor: z.string().nullable(), sourceIps: z.array(z.string()) }),
  },
  'role.unmapped': { outcomes: ['success'], person: false, device: false, detail: z.object({ ...change, group: z.string(), account: z.string(), role: z.string() }) },
  'cli.authorize': { outcomes: ['success', 'failure'], person: true, device: true, detail: z.object({ clientName, redirectPort: z.number(), ref: ref.optional() }) },
  'cli.device_start': { outcomes: ['info'], person: false, device: false, detail: z.object({ clientName, ref }) },
  'cli.device_decision': {
    outcomes: ['success', 'failure'], person: true, device: true,
    detail: z.object({ decision: z.enum(['approve', 'deny']).optional(), clientName: clientName.optional(), ref: ref.optional(), retryAfterSeconds: z.number().optional() }),
  },
  'cli.token': { outcomes: ['success', 'failure'], person: true, device: true, detail: z.object({ via: cliVia, clientName, ref: ref.optional(), expiresAt: z.number().optional(), revokedRef: ref.optional() }) },
  'cli.grant_refused': { outcomes: ['failure'], person: false, device: false, detail: z.object({ via: cliVia, ref: ref.optional(), clientName: clientName.optional() }) },
  'cli.session_refused': { outcomes: ['failure'], person: true, device: true, detail: z.object({ via: cliVia, clientName, ref }) },
  'cli.logout': { outcomes: ['success'], person: true, device: false, detail: z.object({ via: cliVia, clientName, ref }) },
  'keys.created': { outcomes: ['success'], person: false, device: false, detail: z.object({ keyId, state: z.string() }) },
  'keys.rotated': { outcomes: ['success'], person: false, device: false, detail: z.object({ keyId, state: z.string(), ...systemChange }) },
  'keys.activated': { outcomes: ['success'], person: false, device: false, detail: z.object({ keyId, previous: z.string().nullable(), ...systemChange }) },
  'keys.retired': { outcomes: ['success'], person: false, device: false, detail: z.object({ keyId, ...systemChange }) },
  'admin.token_created': { outcomes: ['success'], person: false, device: false, detail: z.object(change) },
  'admin.token_revoked': { outcomes: ['success'], person: false, device: false, detail: z.object(change) },
  'admin.token_refused': { outcomes: ['failure'], person: true, device: false, detail: z.object({ tokenId: z.string(), reason: z.string() }) },
} as const satisfies Record<string, AuditEventSpec>;

/** An audit event type, e.g. `login.mfa`. */
export type AuditEventType = keyof typeof auditEvents;

/** Every event type, in the order of `auditEvents`. */
export const auditEventTypes = Object.keys(auditEvents) as AuditEventType[];

type SpecOf<T extends AuditEventType> = (typeof auditEvents)[T];
/** The `detail` an event of type `T` carries. */
export type AuditDetail<T extends AuditEventType> = z.input<SpecOf<T>['detail']>;

type PersonFields<T extends AuditEventType> = SpecOf<T>['person'] extends true
  ? { username: string; userId?: string | null }
  : { username?: never; userId?: never };
type DeviceFields<T extends AuditEventType> = SpecOf<T>['device'] extends true
  ? { factor?: Factor | null; deviceId?: string | null; deviceName?: string | null }
  : { factor?: never; deviceId?: never; deviceName?: never };
type DetailField<T extends AuditEventType> = Record<never, never> extends AuditDetail<T> ? { detail?: AuditDetail<T> } : { detail: AuditDetail<T> };

/** One event of type `T`, as `recordAudit` takes it. */
export type AuditEventOf<T extends AuditEventType> = {
  type: T;
  outcome: SpecOf<T>['outcomes'][number];
  /** Why it failed: an error code or a short stable word. */
  reason?: string | null;
  /** When it happened (ms); default: the context's clock. */
  at?: number;
  /** Client address; default: the request's (`req.ip`, which honours `server.trustProxy`). */
  ip?: string | null;
  /** Default: the request's id. */
  requestId?: string | null;
} & PersonFields<T> & DeviceFields<T> & DetailField<T>;

/** Any audit event: a union discriminated by `type`. */
export type AuditEventInput = { [T in AuditEventType]: AuditEventOf<T> }[AuditEventType];
