/**
 * Directory as code through the API: `POST /api/v1/admin/directory/plan` shows what applying a directory file
 * would change (the plan `gatehouse apply --plan` prints), `…/apply` makes the database match it (a sensitive
 * change: it can remove role mappings). Both take the file's text (YAML or JSON) in a JSON body
 * (src/admin/directory.ts, shared with the command line).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { directoryFileMaxChars, runDirectoryText } from '../../../admin/directory.js';
import { textField } from '../../readInput.js';
import { adminRoute } from '../../api/adminRoute.js';

const fileBody = z.strictObject({
  file: textField(directoryFileMaxChars, { allowControls: true }).min(1, { error: 'must not be empty' })
    .describe('The directory file\'s text, YAML or JSON (docs: examples/directory.yaml), at most 512 KiB.'),
  name: textField(200).min(1, { error: 'must not be empty' }).optional().describe('A file name for messages and the audit log (default directory.yaml).'),
});

const report = z.object({
  file: z.string(), mode: z.literal('apply'), dryRun: z.boolean(), applied: z.boolean().describe('False for a plan, or when nothing had to change.'),
  changes: z.array(z.string()).describe('One line per change, as `gatehouse apply --plan` prints them.'),
  counts: z.record(z.string(), z.record(z.string(), z.number())).describe('Changes per kind and operation.'),
  warnings: z.array(z.string()).describe('file:line: warning for each plaintext password in the file.'),
});

/** A JSON-escaped file may be twice its length (each newline is `\n`), plus room for the rest of the body. */
const bodyLimit = 2 * directoryFileMaxChars + 16 * 1024;

export async function registerDirectoryApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const description = 'Errors in the file are directory_invalid, one `file:line: reason` per line. Apply mode: what the file does not list is removed (mappings, memberships, groups, accounts) or disabled (users).';
  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/directory/plan', tag: 'Directory', access: 'read', status: 200, bodyLimit,
    summary: 'What applying a directory file would change (nothing is written)', description,
    body: fileBody, response: report,
  }, async ({ body, actor }) => runDirectoryText(ctx, body.file, { fileName: body.name ?? 'directory.yaml', mode: 'apply', dryRun: true }, actor));

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/directory/apply', tag: 'Directory', access: 'write', sensitive: true, status: 200, bodyLimit,
    summary: 'Make the directory match a directory file', description: `${description} All changes are made in one transaction, recorded as one directory.import audit event.`,
    body: fileBody, response: report,
  }, async ({ body, actor }) => runDirectoryText(ctx, body.file, { fileName: body.name ?? 'directory.yaml', mode: 'apply', dryRun: false }, actor));
}
