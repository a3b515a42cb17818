/**
 * /admin/audit: the audit log filtered by person, device, account, role, event type and time (in the admin's time
 * zone), newest first, 50 a page; every row opens /admin/audit/:seq (all fields, the detail, the event's place in
 * the hash chain); the filtered view exports as CSV or JSON Lines. Same filter and export as the API (auditApi.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { GatehouseError } from '../../../errors.js';
import { auditEventTypes } from '../../../audit/auditEvents.js';
import { searchAuditEvents } from '../../../audit/searchAuditEvents.js';
import { auditExportFormats, exportedAuditEvent } from '../../../audit/exportAuditEvents.js';
import { checkAuditLink } from '../../../audit/checkAuditLink.js';
import { auditDetail } from '../../../store/repositories/audit.js';
import { adminPageActor, type AdminActor } from '../../adminAuth.js';
import { sendAdminFormError, sendAdminPage } from '../../adminPage.js';
import { formatTime } from '../../formatTime.js';
import { choiceField, readInput } from '../../readInput.js';
import { adminTimeZone, auditFilterFields, auditFilterOf, auditSeqParams, exportHeaders, exportStream } from './auditApi.js';

const pageSize = 50;
const filterNames = Object.keys(auditFilterFields) as (keyof typeof auditFilterFields)[];
const pageQuerySchema = z.strictObject({ ...auditFilterFields, before: auditSeqParams.shape.seq.optional() });
const exportQuerySchema = z.strictObject({ ...auditFilterFields, format: choiceField(auditExportFormats) });

/** The query without its blank fields (a GET form sends every field, filled in or not). */
function withoutBlanks(query: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries((query ?? {}) as Record<string, unknown>).filter(([, v]) => !(typeof v === 'string' && v.trim() === '')));
}

/**
 * The Device column: the person's factor and device (sign-ins, enrollments), and for an admin change the factor
 * and device the admin signed in with.
 */
function deviceText(row: { factor: string | null; device_name: string | null }, detail: Record<string, unknown>): string {
  const named = (name: unknown, factor: unknown): string => (typeof name === 'string' ? `${name}${typeof factor === 'string' ? ` (${factor})` : ''}` : typeof factor === 'string' ? factor : '');
  const own = named(row.device_name, row.factor);
  const admin = named(detail.byDevice, detail.byFactor);
  return [own, admin && typeof detail.by === 'string' ? `${detail.by}: ${admin}` : admin].filter(Boolean).join('; ');
}

/** A short line about what an event's detail says, for the list (the event's page shows it all). */
function summary(detail: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof detail.by === 'string') parts.push(`by ${detail.by}`);
  if (typeof detail.via === 'string') parts.push(`via ${detail.via}`);
  if (Array.isArray(detail.roles)) parts.push(detail.roles.map((r) => String(r).split(',')[0]).join(' '));
  for (const k of ['group', 'account', 'role', 'entityId', 'keyId', 'purpose', 'sp'] as const) if (typeof detail[k] === 'string') parts.push(`${k} ${detail[k] as string}`);
  const text = parts.join('; ');
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

async function sendLog(ctx: AppContext, reply: FastifyReply, actor: AdminActor, rawQuery: unknown): Promise<FastifyReply> {
  const zone = await adminTimeZone(ctx, actor);
  const raw = withoutBlanks(rawQuery);
  const form = Object.fromEntries(filterNames.map((k) => [k, typeof raw[k] === 'string' ? raw[k] : '']));
  const base = {
    title: 'Audit log', form, zone, typeOptions: [{ value: '', label: 'Any type' }, ...auditEventTypes.map((t) => ({ value: t, label: t }))],
    events: [] as unknown[], olderHref: null as string | null, newestHref: null as string | null, exportCsv: '', exportJsonl: '',
  };
  try {
    const q = readInput(pageQuerySchema, raw, 'query');
    const filter = auditFilterOf(q, zone);
    const page = await searchAuditEvents(ctx.store, filter, { limit: pageSize, before: q.before });
    const filters = new URLSearchParams(filterNames.flatMap((k) => (q[k] ? [[k, q[k]] as [string, string]] : [])));
    const href = (extra: Record<string, string>) => `?${new URLSearchParams([...filters, ...Object.entries(extra)]).toString()}`;
    return await sendAdminPage(ctx, reply, actor, 'admin/audit', 'audit', {
      ...base,
      events: page.items.map((r) => {
        const detail = auditDetail(r);
        return {
          seq: r.seq, href: `/admin/audit/${r.seq}`, at: formatTime(r.at, zone, { seconds: true }), type: r.type, outcome: r.outcome, who: r.username ?? '',
          device: deviceText(r, detail), ip: r.ip ?? '', reason: r.reason ?? '', summary: summary(detail),
        };
      }),
      olderHref: page.nextBefore === null ? null : `/admin/audit${href({ before: String(page.nextBefore) })}`,
      newestHref: q.before === undefined ? null : `/admin/audit${href({})}`,
      exportCsv: `/admin/audit/export${href({ format: 'csv' })}`, exportJsonl: `/admin/audit/export${href({ format: 'jsonl' })}`,
      filtered: filters.size > 0,
    });
  } catch (e) {
    return sendAdminFormError(ctx, reply, actor, 'admin/audit', 'audit', base, e);
  }
}

export async function registerAuditPages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/admin/audit', async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    return sendLog(ctx, reply, actor, req.query);
  });

  app.get('/admin/audit/export', async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    const q = readInput(exportQuerySchema, withoutBlanks(req.query), 'query');
    const filter = auditFilterOf(q, await adminTimeZone(ctx, actor));
    return reply.headers(exportHeaders(q.format, ctx.now())).send(exportStream(ctx, q.format, filter));
  });

  app.get('/admin/audit/:seq', async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    const { seq } = readInput(auditSeqParams, req.params, 'path');
    const link = await checkAuditLink(ctx.store, seq);
    if (!link) throw new GatehouseError('not_found', `No audit event with seq ${seq}.`);
    const zone = await adminTimeZone(ctx, actor);
    const e = exportedAuditEvent(link.row);
    const labels = { type: 'Event type', outcome: 'Outcome', username: 'Person', userId: 'Person id', deviceName: 'Device', deviceId: 'Device id', factor: 'Factor', ip: 'From (address)', reason: 'Reason', requestId: 'Request id', id: 'Row id' } as const;
    const fields = (Object.keys(labels) as (keyof typeof labels)[]).map((k) => ({ name: labels[k], mono: k === 'type' || k.endsWith('Id') || k === 'ip', value: e[k] === null ? '' : String(e[k]) }));
    return sendAdminPage(ctx, reply, actor, 'admin/audit-event', 'audit', {
      title: `Audit event ${seq}`, seq, at: formatTime(link.row.at, zone, { seconds: true }), fields,
      detail: JSON.stringify(e.detail, null, 2), prevHash: link.row.prev_hash, hash: link.row.hash,
      contentMatches: link.contentMatches, linksToPrevious: link.linksToPrevious, headSeq: link.headSeq,
      previousHref: seq > 1 ? `/admin/audit/${seq - 1}` : null, nextHref: link.headSeq !== null && seq < link.headSeq ? `/admin/audit/${seq + 1}` : null,
    });
  });
}
