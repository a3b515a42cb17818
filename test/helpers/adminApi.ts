/**
 * Reading admin API answers in tests: the error code, the refused fields, a signed-in admin's changes (with the
 * CSRF header), and the latest audit event of a type.
 *
 *   const api = adminApi(() => t, () => admin);
 *   assert.deepEqual(api.fields(await api.post('/api/v1/admin/groups').send({}).expect(400)), ['name']);
 */
import assert from 'node:assert/strict';
import type { TestApp } from './app.js';
import type { SignedInAdmin } from './admin.js';

/** An audit event's detail as admin changes write it. */
export type ChangeDetail = { by: string; via?: string; before?: unknown; after?: unknown; [k: string]: unknown };

type Answer = { body: { error?: { code?: string; detail?: unknown } } };

/** The error code of an answer. */
export const errorCode = (res: Answer): string | undefined => res.body.error?.code;

/** The refused fields of a `validation_failed` answer, sorted. */
export const refusedFields = (res: Answer): string[] => ((res.body.error?.detail ?? []) as { field: string }[]).map((f) => f.field).sort();

/** Helpers bound to an app and a signed-in admin (given lazily: both are made in `before`). */
export function adminApi(app: () => Pick<TestApp, 'ctx'>, who: () => SignedInAdmin) {
  const agent = () => who().agent;
  const csrf = () => who().csrf;
  return {
    code: errorCode,
    fields: refusedFields,
    post: (url: string) => agent().post(url).set('x-csrf-token', csrf()),
    patch: (url: string) => agent().patch(url).set('x-csrf-token', csrf()),
    put: (url: string) => agent().put(url).set('x-csrf-token', csrf()),
    del: (url: string) => agent().delete(url).set('x-csrf-token', csrf()),
    /** The latest audit event of `type` (fails when there is none). */
    lastEvent: async (type: string) => {
      const e = (await app().ctx.store.audit.list({ type, limit: 1 }))[0];
      assert.ok(e, `an event ${type}`);
      return { ...e, detail: e.detail as ChangeDetail };
    },
  };
}
