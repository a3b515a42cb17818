/**
 * Sign-ins, assertions and lockouts are counted from the audit events as they are written: every one of them
 * is audited already, so the metrics need no hook in the routes and cannot disagree with the audit log.
 */
import { parseRoleArn } from '../aws/arn.js';
import type { AuditEvent } from '../store/repositories/audit.js';

/** The counters `observeAudit` moves (metrics.ts's `Metrics` has them). */
export interface AuditCounters {
  signIns: { inc(labels: { factor: string; result: string }): void };
  samlAssertions: { inc(labels: { sp: string; account: string; result: string }): void };
  lockouts: { inc(labels: { key: string }): void };
}

/** The accounts an AWS assertion names (its Role values are `role-arn,provider-arn`); ['none'] for other SPs. */
export function assertionAccounts(detail: Record<string, unknown> | undefined): string[] {
  const roles = Array.isArray(detail?.roles) ? detail.roles : [];
  const accounts = new Set<string>();
  for (const r of roles) {
    const account = typeof r === 'string' ? parseRoleArn(r.split(',')[0] ?? '')?.accountId : undefined;
    if (account) accounts.add(account);
  }
  return accounts.size > 0 ? [...accounts] : ['none'];
}

/** The result of a sign-in step: success, failure, or the refusal of an attempt while locked or in back-off. */
function signInResult(e: AuditEvent): string {
  if (e.outcome === 'success') return 'success';
  return e.reason === 'locked' || e.reason === 'backoff' ? e.reason : 'failure';
}

/** Counts one audit event into `metrics` when it is a sign-in step, an assertion or a lock. */
export function observeAudit(metrics: AuditCounters, e: AuditEvent): void {
  if (e.type.startsWith('login.') && e.factor) {
    metrics.signIns.inc({ factor: e.factor, result: signInResult(e) });
  } else if (e.type === 'saml.assertion') {
    const sp = typeof e.detail?.sp === 'string' ? e.detail.sp : 'unknown';
    for (const account of assertionAccounts(e.detail)) metrics.samlAssertions.inc({ sp, account, result: e.outcome });
  } else if (e.type === 'lockout.locked') {
    metrics.lockouts.inc({ key: e.reason === 'ip' ? 'ip' : 'user' });
  }
}
