/**
 * Admin API for the audit log: the filtered list (newest first, a page at a time with a `before` cursor), one event
 * with its place in the hash chain, and the export of the filtered view as CSV or JSON Lines. The filter
 * (src/audit/searchAuditEvents.ts) and the export (src/audit/exportAuditEvents.ts, also `gatehouse audit export`)
 * are shared with the console page.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { GatehouseError } from '../../../errors.js';
import { auditEventTypes } from '../../../audit/auditEvents.js';
import { searchAuditEvents, type AuditFilter } from '../../../audit/searchAuditEvents.js';
import { auditExportFormats, exportAuditEvents, exportedAuditEvent, type AuditExportFormat } from '../../../audit/exportAuditEvents.js';
import { checkAuditLink } from '../../../audit/checkAuditLink.js';
import { parseZonedTime } from '../../../time/zonedTime.js';
import type { AdminActor } from '../../adminAuth.js';
import { readerTimeZone } from '../../formatTime.js';
import { choiceField, textField } from '../../readInput.js';
import { adminRoute, pageQuery } from '../../api/adminRoute.js';

const timeHint = 'a date and time in your time zone (2026-01-31T08:00), a date (2026-01-31, midnight), or a time with Z or an offset (2026-01-31T08:00:00Z)';

/** The filter fields of the log, its exports and the console page (query string). */
export const auditFilterFields = {
  person: textField(128).optional().describe('Username of the person the event is about.'),
  device: textField(200).optional().describe('MFA device: its id, or the name its owner gave it; matches the person\'s device and, for admin changes, the device the admin signed in with.'),
  account: textField(64).optional().describe('AWS account id or alias.'),
  role: textField(200).optional().describe('IAM role name, with or without its path.'),
  type: choiceField(auditEventTypes).optional().describe('Event type (docs/audit.md).'),
  from: textField(40).optional().describe(`At or after: ${timeHint}.`),
  to: textField(40).optional().describe(`Before: ${timeHint}.`),
};

type FilterInput = { [K in keyof typeof auditFilterFields]?: string | undefined };

/** The zone an admin's times are read and shown in: their own, else `ui.timeZone` (tokens act as their creator). */
export async function adminTimeZone(ctx: AppContext, actor: AdminActor): Promise<string> {
  const user = actor.session?.user ?? (await ctx.store.users.findById(actor.userId));
  return readerTimeZone(user, ctx.config.ui.timeZone);
}

/** The query's filter, times read in `zone`; blank fields are no filter. Throws validation_failed naming `from` / `to`. */
export function auditFilterOf(q: FilterInput, zone: string): AuditFilter {
  const text = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const time = (field: 'from' | 'to'): number | undefined => {
    const v = text(q[field]);
    if (v === undefined) return undefined;
    const ms = parseZonedTime(v, zone);
    if (ms === undefined) {
      const message = `must be ${timeHint}`;
      throw new GatehouseError('validation_failed', `${field}: ${message}`, { publicDetail: [{ field, message }] });
    }
    return ms;
  };
  return { person: text(q.person), device: text(q.device), account: text(q.account), role: text(q.role), type: text(q.type), from: time('from'), to: time('to') };
}

/** The export's file name and content type. */
export function exportHeaders(format: AuditExportFormat, now: Date): Record<string, string> {
  const day = now.toISOString().slice(0, 10);
  return format === 'csv'
    ? { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="gatehouse-audit-${day}.csv"` }
    : { 'content-type': 'application/x-ndjson; charset=utf-8', 'content-disposition': `attachment; filename="gatehouse-audit-${day}.jsonl"` };
}

/** The export of the filtered log as a stream to send. */
export function exportStream(ctx: AppContext, format: AuditExportFormat, filter: AuditFilter): Readable {
  return Readable.from(exportAuditEvents(ctx.store, { format, filter }));
}

const eventSchema = z.object({
  seq: z.number(), id: z.number(), at: z.string().describe('ISO 8601, UTC.'), type: z.string(), outcome: z.string(),
  userId: z.string().nullable(), username: z.string().nullable(), ip: z.string().nullable(), factor: z.string().nullable(),
  deviceId: z.string().nullable(), deviceName: z.string().nullable(), reason: z.string().nullable(), requestId: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()), prevHash: z.string(), hash: z.string(),
});

export const auditSeqParams = z.strictObject({ seq: z.coerce.number({ error: 'must be a whole number' }).int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).describe('The event\'s place in the chain.') });

export async function registerAuditApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/audit', tag: 'Audit log', access: 'read',
    summary: 'Audit events matching a filter, newest first',
    description: 'A page at a time: pass nextBefore as before for the next page (null: no more). A filter on account or role reads a bounded number of events per page, so a page may hold fewer than limit events and still have a nextBefore.',
    query: z.strictObject({
      ...auditFilterFields, limit: pageQuery.limit,
      before: z.coerce.number({ error: 'must be a whole number' }).int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).optional().describe('Only events with a smaller seq (the previous page\'s nextBefore).'),
    }),
    response: z.object({ items: z.array(eventSchema), limit: z.number(), nextBefore: z.number().nullable() }),
  }, async ({ query, actor }) => {
    const page = await searchAuditEvents(ctx.store, auditFilterOf(query, await adminTimeZone(ctx, actor)), { limit: query.limit, before: query.before });
    return { items: page.items.map(exportedAuditEvent), limit: query.limit, nextBefore: page.nextBefore };
  });

  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/audit/export', tag: 'Audit log', access: 'read',
    summary: 'Export the filtered audit log as CSV or JSON Lines (oldest first)',
    description: 'The same fields as `gatehouse audit export` (docs/audit.md). CSV is RFC 4180 and safe to open in a spreadsheet (a leading =, +, -, @, tab, CR or \' gets a \' in front).',
    query: z.strictObject({ ...auditFilterFields, format: choiceField(auditExportFormats).default('jsonl').describe('jsonl (default) or csv.') }),
    response: z.string().describe('The events, one per line.'),
  }, async ({ query, actor, reply }) => {
    const filter = auditFilterOf(query, await adminTimeZone(ctx, actor));
    reply.headers(exportHeaders(query.format, ctx.now()));
    return exportStream(ctx, query.format, filter);
  });

  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/audit/:seq', tag: 'Audit log', access: 'read',
    summary: 'One audit event, with its place in the hash chain',
    params: auditSeqParams,
    response: z.object({
      event: eventSchema,
      chain: z.object({
        contentMatches: z.boolean().describe('The stored hash is the hash of this event\'s content: unchanged since it was written.'),
        linksToPrevious: z.boolean().describe('prevHash is the hash of the event before it.'),
        headSeq: z.number().nullable().describe('The newest event\'s seq.'),
      }),
    }),
  }, async ({ params }) => {
    const link = await checkAuditLink(ctx.store, params.seq);
    if (!link) throw new GatehouseError('not_found', `No audit event with seq ${params.seq}.`);
    return { event: exportedAuditEvent(link.row), chain: { contentMatches: link.contentMatches, linksToPrevious: link.linksToPrevious, headSeq: link.headSeq } };
  });
}
