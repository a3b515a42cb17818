/**
 * The response bodies of Gatehouse's CLI API, as /work/CLI-API.md (docs/cli-api.md) defines them. The
 * client validates every answer against these before using it, so a server of another version fails
 * with a clear message instead of an `undefined` somewhere later.
 */
import { z } from 'zod';

import { cliFactors } from './factors.js';

export { cliFactors, type CliFactor } from './factors.js';

const partition = z.enum(['aws', 'aws-us-gov', 'aws-cn']);

export const tokenGrantSchema = z.object({
  accessToken: z.string().min(1),
  tokenType: z.literal('Bearer'),
  expiresAt: z.string(),
  username: z.string(),
  factor: z.enum(cliFactors),
});
/** A CLI session: the bearer token, whose it is, until when, and with which factor it was made. */
export type TokenGrant = z.infer<typeof tokenGrantSchema>;

export const flowStartSchema = z.object({ flowToken: z.string().min(1), state: z.string(), expiresAt: z.string() });
export const passwordStepSchema = z.object({ flowToken: z.string().min(1), state: z.enum(['mfa', 'enroll-mfa']), factors: z.array(z.string()).default([]) });
/** A finished terminal sign-in; after a recovery code, how many unused codes the person has left. */
export const factorStepSchema = z.object({ state: z.literal('done'), token: tokenGrantSchema, recoveryCodesLeft: z.number().int().nonnegative().optional() });

export const deviceStartSchema = z.object({
  device_code: z.string().min(1),
  user_code: z.string().min(1),
  verification_uri: z.string().url(),
  verification_uri_complete: z.string().url().optional(),
  expires_in: z.number().int().positive(),
  interval: z.number().int().positive().default(5),
});
export type DeviceStart = z.infer<typeof deviceStartSchema>;

/** RFC 8628 / 6749 error body of the token endpoint. */
export const tokenErrorSchema = z.object({ error: z.string(), error_description: z.string().optional(), interval: z.number().int().positive().optional() });

export const meSchema = z.object({ username: z.string(), displayName: z.string().nullable().optional(), factor: z.enum(cliFactors), expiresAt: z.string() });
export type Me = z.infer<typeof meSchema>;

export const cliRoleSchema = z.object({
  key: z.string(),
  accountId: z.string(),
  alias: z.string().nullable().optional(),
  partition,
  roleName: z.string(),
  /** null when the mapping cannot make an ARN (the server's AWS lint names the fault when it is used). */
  roleArn: z.string().nullable(),
  principalArn: z.string().nullable(),
  description: z.string().nullable().optional(),
  sessionDuration: z.number().int().nullable().optional(),
  requireFactor: z.string().nullable().optional(),
  allowedNow: z.boolean(),
  reason: z.string().nullable().optional(),
});
/** One AWS role the person is mapped to, and whether the current CLI session may use it now. */
export type CliRole = z.infer<typeof cliRoleSchema>;
export const rolesSchema = z.object({ roles: z.array(cliRoleSchema) });

export const assertionSchema = z.object({
  samlResponse: z.string().min(1),
  partition,
  acsUrl: z.string(),
  roles: z.array(z.object({ key: z.string(), roleArn: z.string().nullable(), principalArn: z.string().nullable(), sessionDuration: z.number().int().nullable().optional() })),
});
/** One signed SAML Response for one or several roles of one partition. */
export type CliAssertion = z.infer<typeof assertionSchema>;

export const apiErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string().optional(), requestId: z.string().optional(), detail: z.unknown().optional() }),
});
