/**
 * Admin API for a person's effective access (the roles and tags they would receive, and why) and the preview of
 * the AWS attributes an assertion would carry (linted, never signed, never audited as an assertion):
 * src/admin/access.ts, computed by the functions sign-in uses.
 */
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { requiredFactors, secondFactors } from '../../../auth/factors.js';
import { effectiveAccess, previewAssertion } from '../../../admin/access.js';
import { choiceField, textField } from '../../readInput.js';
import { adminRoute } from '../../api/adminRoute.js';
import { userParams } from './peopleApi.js';

/** The sign-in to judge, as query or body fields. */
export const askFields = {
  factor: choiceField(secondFactors).optional().describe('The second factor of the sign-in; default: every kind of device the person has (access) or the strongest (preview).'),
  sourceIp: textField(45).refine((v) => isIP(v) !== 0, { error: 'must be an IPv4 or IPv6 address' }).optional().describe('The client address of the sign-in; default: unknown (roles limited to address ranges are then blocked).'),
};

const deny = z.enum(['factor_required', 'source_ip', 'disabled']);
const accessView = z.object({
  username: z.string(), displayName: z.string().nullable(), status: z.string(), groups: z.array(z.string()), deviceKinds: z.array(z.string()),
  judged: z.object({ factors: z.array(z.string()), factorsFrom: z.enum(['asked', 'devices']), sourceIp: z.string().nullable() }),
  blocked: z.enum(['disabled']).nullable(),
  roles: z.array(z.object({
    key: z.string(), accountId: z.string(), account: z.string(), partition: z.string(), role: z.string(), allowedNow: z.boolean(), reason: deny.nullable(),
    sessionDuration: z.number().nullable(), requireFactor: z.enum(requiredFactors).nullable(), groups: z.array(z.string()).describe('The groups that give this role.'),
    mappings: z.array(z.object({
      group: z.string(), sessionDuration: z.number().nullable(), requireFactor: z.enum(requiredFactors).nullable(), sourceIps: z.array(z.string()), chosen: z.boolean(),
      blockedBy: z.array(z.object({ rule: deny, why: z.string(), unblock: z.string().describe('What would unblock it.') })),
    })),
  })),
  tags: z.array(z.object({ key: z.string(), value: z.string(), group: z.string().nullable().describe('The group that sets it; null: the person\'s attribute.') })),
  transitiveTagKeys: z.array(z.string()),
  tagConflicts: z.array(z.object({ key: z.string(), chosen: z.object({ group: z.string(), value: z.string() }), ignored: z.array(z.object({ group: z.string(), value: z.string() })) })),
});

const previewView = z.object({
  username: z.string(), factor: z.string(), authMethod: z.string(), sourceIp: z.string().nullable(),
  refusal: z.string().nullable().describe('Why Gatehouse would refuse to issue, or null.'),
  partition: z.string().nullable(), audience: z.string().nullable(), acsUrl: z.string().nullable(),
  roles: z.array(z.string()), left: z.array(z.object({ key: z.string(), why: z.string() })),
  attributes: z.array(z.object({ name: z.string(), values: z.array(z.string()) })).describe('The attributes that would be signed (nothing is).'),
  violations: z.array(z.object({ rule: z.string(), message: z.string() })).describe('What the AWS lint refuses (empty: AWS would accept it).'),
  wouldSign: z.boolean(),
});

export async function registerAccessApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/users/:username/access', tag: 'People', access: 'read',
    summary: 'The roles and tags a person would receive now, and why',
    description: 'Each role with the groups that give it; each mapping with the rules that block it (required factor, source IP, disabled) and what would unblock it. Computed by the function sign-in uses.',
    params: userParams, query: z.strictObject(askFields), response: accessView,
  }, async ({ params, query }) => effectiveAccess(ctx, params.username, query));

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/users/:username/assertion-preview', tag: 'People', access: 'read', status: 200,
    summary: 'Preview the AWS attributes a sign-in would receive, with the AWS lint',
    description: 'Nothing is signed and nothing is audited as an assertion. `account` (id or alias) limits the roles to one account; without it, the roles of the first partition (aws, aws-us-gov, aws-cn) with an allowed role are sent, as the portal\'s "choose at AWS" does.',
    params: userParams,
    body: z.strictObject({ ...askFields, account: textField(64).optional().describe('Only roles in this account (id or alias).') }),
    response: previewView,
  }, async ({ params, body }) => previewAssertion(ctx, params.username, body));
}
