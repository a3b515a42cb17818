/**
 * The directory file (DESIGN.md "The directory file"): its zod schema and a parser that reports every
 * problem as `file:line: reason` and refuses the whole file when there is any.
 *
 * Two passes over one YAML document: the schema (types, formats, IAM and AWS character rules, unknown
 * keys) and the cross-references (unknown group or account, duplicates, transitive tags, one spelling per
 * tag key, at most 50 tags per person). Both passes always run, so one attempt shows all errors.
 *
 * The AWS rules come from aws/tags.ts, aws/roleName.ts, aws/arn.ts and the lint's session duration range,
 * so that a file this parser accepts never yields an assertion the AWS lint refuses
 * (test/unit/directory/directoryMatchesLint.test.ts).
 */
import { isIP } from 'node:net';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { normaliseTotpSecret } from '../auth/totp.js';
import { GatehouseError } from '../errors.js';
import { requiredFactors } from '../auth/factors.js';
import { isTimeZone, timeZoneRule } from '../time/timeZone.js';
import { isValidAccountId, isValidSamlProviderName } from '../aws/arn.js';
import { maxSessionDurationSeconds, minSessionDurationSeconds } from '../aws/lintAwsAssertion.js';
import { isValidRegion, partitions } from '../aws/partitions.js';
import { normaliseRoleName, roleReferenceProblem } from '../aws/roleName.js';
import { configurableTagKeyProblem, foldTagKey, isValidTagValue, maxSessionTags, tagValueRule } from '../aws/tags.js';

const usernamePattern = /^[\p{L}\p{N}][\p{L}\p{N}._@+=,-]{0,127}$/u;
const groupNamePattern = /^[A-Za-z0-9][A-Za-z0-9._@+=,-]{0,127}$/;
const aliasPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const argon2idPattern = /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/** True for `addr/prefix` (IPv4 or IPv6, prefix in range) or a bare address. */
function isValidCidr(cidr: string): boolean {
  const [addr, prefix, extra] = cidr.split('/');
  if (addr === undefined || extra !== undefined) return false;
  const v = isIP(addr);
  if (v === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (v === 4 ? 32 : 128);
}

/** A zod refinement from a rule function that says why a value is refused (undefined = fine). */
const rule = (problem: (v: string) => string | undefined) => (v: string, ctx: z.core.$RefinementCtx<string>): void => {
  const message = problem(v);
  if (message !== undefined) ctx.addIssue({ code: 'custom', message, input: v });
};

const tagKey = z.string().superRefine(rule(configurableTagKeyProblem));
const tagValue = z.string().refine(isValidTagValue, `must be ${tagValueRule}`);

const accountId = z.union([z.string(), z.number()], { error: 'must be a quoted string of 12 digits' })
  .transform((v) => (typeof v === 'number' ? String(v) : v))
  .refine(isValidAccountId, 'must be exactly 12 digits (quote it: "012345678901")');

export const accountSchema = z.strictObject({
  id: accountId,
  alias: z.string()
    .refine((a) => aliasPattern.test(a), 'must be 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit')
    .refine((a) => !isValidAccountId(a), 'must not be 12 digits (it would be read as an account id)'),
  provider: z.string().refine(isValidSamlProviderName, 'must be an IAM SAML provider name: 1–128 letters, digits, "_", "." or "-"'),
  partition: z.enum(partitions as readonly ['aws', 'aws-us-gov', 'aws-cn']).default('aws'),
  region: z.string().refine(isValidRegion, 'must be an AWS region such as eu-west-1').optional(),
}).refine((a) => a.region === undefined || a.partition === 'aws', { path: ['region'], message: 'only the aws partition has regional sign-in endpoints' });

export const roleSchema = z.strictObject({
  account: z.union([z.string(), z.number()]).transform((v) => String(v)),
  role: z.string().superRefine(rule(roleReferenceProblem)),
  session_duration: z.int('must be a whole number of seconds')
    .min(minSessionDurationSeconds, `must be at least ${minSessionDurationSeconds} seconds`)
    .max(maxSessionDurationSeconds, `must be at most ${maxSessionDurationSeconds} seconds`).optional(),
  require: z.enum(requiredFactors, `must be ${requiredFactors.join(' or ')}`).optional(),
  source_ips: z.array(z.string().refine(isValidCidr, 'must be an IPv4 or IPv6 CIDR range such as 10.0.0.0/8 or 2001:db8::/32')).default([]),
});

export const groupSchema = z.strictObject({
  name: z.string().refine((n) => groupNamePattern.test(n), 'must be 1–128 letters, digits or ._@+=,- starting with a letter or digit'),
  description: z.string().optional(),
  tags: z.record(tagKey, tagValue).default({}),
  roles: z.array(roleSchema).default([]),
});

const totpSchema = z.strictObject({
  secret: z.string().refine((s) => normaliseTotpSecret(s) !== undefined, 'must be base32 (A–Z, 2–7) of 16 to 256 characters')
    .transform((s) => normaliseTotpSecret(s) ?? s),
  name: z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
});

export const userSchema = z.strictObject({
  username: z.string().refine((u) => usernamePattern.test(u), 'must be 1–128 letters, digits or ._@+=,- starting with a letter or digit'),
  email: z.email('must be an email address').optional(),
  display_name: z.string().min(1).max(256).optional(),
  /** The person's time zone for pages; absent: keep what the database has (the person may choose it on /account). */
  time_zone: z.string().refine(isTimeZone, timeZoneRule).optional(),
  password: z.string().min(1, 'must not be empty').optional(),
  password_hash: z.string().refine((h) => argon2idPattern.test(h), 'must be an argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash)').optional(),
  /** The person must choose a new password right after the second factor of their first sign-in (see planImport). */
  password_temporary: z.boolean('must be true or false').optional(),
  attributes: z.record(tagKey, z.string()).default({}),
  groups: z.array(z.string()).default([]),
  status: z.enum(['active', 'disabled'], 'must be active or disabled').default('active'),
  totp: totpSchema.optional(),
});

/**
 * The whole file. `session_tags` and `transitive_tags` stay undefined when absent, so that `import`
 * can tell "not given" (keep what the database has) from "empty".
 */
const directoryFileSchema = z.strictObject({
  session_tags: z.array(tagKey).optional(),
  transitive_tags: z.array(tagKey).optional(),
  accounts: z.array(accountSchema).default([]),
  groups: z.array(groupSchema).default([]),
  users: z.array(userSchema).default([]),
});

export type DirectoryFile = z.output<typeof directoryFileSchema>;
export type DirectoryFileInput = z.input<typeof directoryFileSchema>;
/** One person of a directory file. */
export type DirectoryUser = DirectoryFile['users'][number];

/**
 * Checks one entry (a group, an account, a role mapping) against its directory-file schema, so the admin
 * console, the admin API and the CLI accept exactly what the file accepts. Throws GatehouseError('validation_failed')
 * naming each field (`session_duration: must be at least 900 seconds`), with the fields as public detail.
 */
export function checkEntry<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const fields = r.error.issues.map((i) => ({ field: i.path.map(String).join('.') || 'value', message: i.message }));
  throw new GatehouseError('validation_failed', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { publicDetail: fields });
}

/** One problem in a directory file. */
export interface DirectoryFileError {
  file: string;
  line: number;
  message: string;
}

/** A parsed, valid directory file plus a way to point at its lines (for errors found later, e.g. by planImport). */
export interface ParsedDirectory {
  fileName: string;
  data: DirectoryFile;
  /** 1-based line of the value at `path` (e.g. `['users', 0, 'email']`), or of its nearest existing parent. */
  lineOf(path: readonly PropertyKey[]): number;
}

/** The GatehouseError for a list of problems: message is one `file:line: reason` per line. */
export function directoryInvalid(errors: readonly DirectoryFileError[]): GatehouseError {
  const sorted = [...errors].sort((a, b) => a.line - b.line);
  return new GatehouseError('directory_invalid', sorted.map((e) => `${e.file}:${e.line}: ${e.message}`).join('\n'), { detail: { errors: sorted } });
}

type Path = readonly PropertyKey[];

function locator(doc: Document, lc: LineCounter): (path: Path, onKey?: boolean) => number {
  const lineAt = (offset: number): number => lc.linePos(offset).line;
  return (path, onKey = false) => {
    let node: unknown = doc.contents;
    let line = 1;
    if (isMap(node) || isSeq(node) || isScalar(node)) line = lineAt(node.range?.[0] ?? 0);
    for (let i = 0; i < path.length; i += 1) {
      const seg = path[i];
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
        if (!pair) return line;
        const keyNode = pair.key;
        if (isScalar(keyNode) && keyNode.range) line = lineAt(keyNode.range[0]);
        if (onKey && i === path.length - 1) return line;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg];
      } else {
        return line;
      }
      if ((isMap(node) || isSeq(node) || isScalar(node)) && node.range) line = lineAt(node.range[0]);
      else if (node === null || node === undefined) return line;
    }
    return line;
  };
}

const fieldName = (path: Path): string => {
  for (let i = path.length - 1; i >= 0; i -= 1) if (typeof path[i] === 'string') return String(path[i]);
  return 'file';
};
const singular: Record<string, string> = { users: 'user', groups: 'group', accounts: 'account', roles: 'role' };
const objectName = (path: Path): string => { const f = fieldName(path); return singular[f] ?? f; };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** Cross-reference checks on the raw value: duplicates, unknown references, tag rules across the file. */
function crossCheck(raw: Record<string, unknown>, report: (path: Path, message: string) => void): void {
  const sessionTags = asArray(raw.session_tags).map(asString);
  // How each tag key is spelled where it first appears: AWS tag keys are case-insensitive, and Gatehouse
  // sends them as spelled, so two spellings of one key could reach one person as a collision.
  const spelling = new Map<string, { key: string; where: string }>();
  const checkSpelling = (key: string, path: Path, where: string): void => {
    const prev = spelling.get(foldTagKey(key));
    if (prev === undefined) spelling.set(foldTagKey(key), { key, where });
    else if (prev.key !== key) report(path, `tag "${key}" is spelled "${prev.key}" in ${prev.where} (AWS tag keys are case-insensitive: one person could receive both)`);
  };
  const seenTags = new Map<string, number>();
  sessionTags.forEach((t, i) => {
    if (t === undefined) return;
    if (seenTags.has(foldTagKey(t))) report(['session_tags', i], `session tag "${t}" is listed twice (AWS tag keys are case-insensitive)`);
    else checkSpelling(t, ['session_tags', i], 'session_tags');
    seenTags.set(foldTagKey(t), i);
  });
  if (sessionTags.length + 1 > maxSessionTags) {
    report(['session_tags'], `${sessionTags.length} session tags plus AuthMethod is more than the ${maxSessionTags} tags AWS takes`);
  }
  const transitive = new Set<string>();
  asArray(raw.transitive_tags).forEach((t, i) => {
    if (typeof t !== 'string') return;
    if (!sessionTags.includes(t)) report(['transitive_tags', i], `transitive tag "${t}" is not in session_tags`);
    if (transitive.has(t)) report(['transitive_tags', i], `transitive tag "${t}" is listed twice`);
    transitive.add(t);
  });

  const accountKeys = new Map<string, string>(); // alias or id → account id
  const aliases = new Map<string, string>();
  const ids = new Set<string>();
  asArray(raw.accounts).forEach((a, i) => {
    if (!isRecord(a)) return;
    const id = asString(a.id);
    const alias = asString(a.alias);
    if (id !== undefined) {
      if (ids.has(id)) report(['accounts', i, 'id'], `account ${id} is listed twice`);
      ids.add(id);
      accountKeys.set(id, id);
    }
    if (alias !== undefined) {
      const prev = aliases.get(alias.toLowerCase());
      if (prev !== undefined) report(['accounts', i, 'alias'], `account alias "${alias}" is used twice (also "${prev}")`);
      aliases.set(alias.toLowerCase(), alias);
      if (id !== undefined) accountKeys.set(alias, id);
    }
  });

  const groupNames = new Map<string, string>(); // lower → as written
  const groupTagKeys = new Map<string, string[]>(); // group name → its tag keys
  asArray(raw.groups).forEach((g, i) => {
    if (!isRecord(g)) return;
    const name = asString(g.name);
    if (name !== undefined) {
      const prev = groupNames.get(name.toLowerCase());
      if (prev !== undefined) report(['groups', i, 'name'], `group "${name}" is listed twice${prev !== name ? ` (as "${prev}"; group names are case-insensitive here)` : ''}`);
      else groupNames.set(name.toLowerCase(), name);
    }
    if (isRecord(g.tags)) {
      const seen = new Set<string>();
      const keys = Object.keys(g.tags);
      for (const k of keys) {
        if (seen.has(foldTagKey(k))) report(['groups', i, 'tags', k], `tag "${k}" is given twice (AWS tag keys are case-insensitive)`);
        else checkSpelling(k, ['groups', i, 'tags', k], `group "${name ?? '?'}"`);
        seen.add(foldTagKey(k));
      }
      if (keys.length + 1 > maxSessionTags) {
        report(['groups', i, 'tags'], `${keys.length} tags plus AuthMethod is more than the ${maxSessionTags} tags AWS takes`);
      }
      if (name !== undefined) groupTagKeys.set(name, keys);
    }
    const roleKeys = new Set<string>();
    asArray(g.roles).forEach((r, j) => {
      if (!isRecord(r)) return;
      const ref = asString(r.account);
      if (ref === undefined) return;
      const acct = accountKeys.get(ref);
      if (acct === undefined) {
        report(['groups', i, 'roles', j, 'account'], `unknown account "${ref}": it must be the alias or id of an account under accounts`);
        return;
      }
      const role = asString(r.role);
      if (role === undefined) return;
      const key = `${acct}/${normaliseRoleName(role)}`;
      if (roleKeys.has(key)) report(['groups', i, 'roles', j], `role ${ref}/${normaliseRoleName(role)} is mapped twice in group "${name ?? '?'}"`);
      roleKeys.add(key);
    });
  });

  const usernames = new Map<string, string>();
  const emails = new Map<string, string>();
  asArray(raw.users).forEach((u, i) => {
    if (!isRecord(u)) return;
    const name = asString(u.username);
    if (name !== undefined) {
      const prev = usernames.get(name.toLowerCase());
      if (prev !== undefined) report(['users', i, 'username'], `duplicate user "${name}" (usernames are case-insensitive; also "${prev}")`);
      else usernames.set(name.toLowerCase(), name);
    }
    const email = asString(u.email);
    if (email !== undefined) {
      const prev = emails.get(email.toLowerCase());
      if (prev !== undefined) report(['users', i, 'email'], `email ${email} is also the email of user "${prev}"`);
      else emails.set(email.toLowerCase(), name ?? '?');
    }
    if (u.password !== undefined && u.password_hash !== undefined) report(['users', i, 'password_hash'], 'give either password or password_hash, not both');
    if (u.password_temporary === true && u.password === undefined && u.password_hash === undefined) {
      report(['users', i, 'password_temporary'], 'password_temporary needs the password it is about: give password or password_hash too');
    }
    const seen = new Set<string>();
    asArray(u.groups).forEach((g, j) => {
      if (typeof g !== 'string') return;
      if (seen.has(g)) report(['users', i, 'groups', j], `group "${g}" is listed twice`);
      seen.add(g);
      if (groupNames.get(g.toLowerCase()) === g) return;
      const near = groupNames.get(g.toLowerCase());
      report(['users', i, 'groups', j], `unknown group "${g}"${near ? ` (did you mean "${near}"?)` : ': it must be a group under groups'}`);
    });
    const sent = new Set<string>();
    if (isRecord(u.attributes)) {
      for (const [k, v] of Object.entries(u.attributes)) {
        if (!sessionTags.includes(k)) continue;
        sent.add(foldTagKey(k));
        if (typeof v === 'string' && !isValidTagValue(v)) {
          report(['users', i, 'attributes', k], `attribute ${k} is a session tag, so its value must be ${tagValueRule}`);
        }
      }
    }
    for (const g of asArray(u.groups)) {
      if (typeof g === 'string') for (const k of groupTagKeys.get(g) ?? []) sent.add(foldTagKey(k));
    }
    if (sent.size + 1 > maxSessionTags) {
      report(['users', i], `user "${name ?? '?'}" would receive ${sent.size} session tags plus AuthMethod, more than the ${maxSessionTags} tags AWS takes`);
    }
  });
}

function valueAt(raw: unknown, path: Path): unknown {
  let v = raw;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === 'number') v = v[seg];
    else if (isRecord(v) && typeof seg === 'string') v = v[seg];
    else return undefined;
  }
  return v;
}

const typeName = (v: unknown): string => (v === null ? 'nothing' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `a ${typeof v}`);
const expectedName: Record<string, string> = { array: 'a list', object: 'a mapping', record: 'a mapping', string: 'a string', number: 'a number', int: 'a whole number' };

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const parent = issue.path.length >= 2 ? issue.path[issue.path.length - 2] : undefined;
  if (parent === 'tags' || parent === 'attributes') {
    const key = String(issue.path[issue.path.length - 1]);
    if (issue.code === 'invalid_key') return `${parent} key "${key}": ${issue.issues[0]?.message ?? issue.message}`;
    return `${parent}.${key}: ${issue.message}`;
  }
  const last = issue.path[issue.path.length - 1];
  const field = typeof last === 'number' ? `${fieldName(issue.path)} item ${last + 1}` : fieldName(issue.path);
  if (issue.code === 'invalid_type') {
    const value = valueAt(raw, issue.path);
    if (value === undefined) return `${field}: is required`;
    return `${field}: expected ${expectedName[issue.expected] ?? issue.expected}, not ${typeName(value)}`;
  }
  return `${field}: ${issue.message}`;
}

/**
 * Parses and validates a directory file. Returns the typed content; throws `directory_invalid` listing
 * every problem as `fileName:line: reason` (detail.errors holds them as objects). Nothing is half-accepted.
 */
export function parseDirectoryFile(text: string, fileName: string): ParsedDirectory {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
  const errors: DirectoryFileError[] = [];
  for (const e of doc.errors) {
    errors.push({ file: fileName, line: e.linePos?.[0].line ?? 1, message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') });
  }
  if (errors.length > 0) throw directoryInvalid(errors);

  const lineOf = locator(doc, lc);
  const report = (path: Path, message: string, onKey = false): void => { errors.push({ file: fileName, line: lineOf(path, onKey), message }); };
  let raw: unknown;
  try {
    raw = doc.toJS() ?? {};
  } catch (cause) {
    // The YAML library throws rather than reports an alias used before its anchor, or aliases that expand past its cap.
    throw directoryInvalid([{ file: fileName, line: 1, message: cause instanceof Error ? cause.message : String(cause) }]);
  }
  if (!isRecord(raw)) throw directoryInvalid([{ file: fileName, line: 1, message: 'the file must be a mapping with accounts, groups and users' }]);

  const parsed = directoryFileSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) report([...issue.path, k], `unknown field "${k}"${issue.path.length > 0 ? ` in ${objectName(issue.path)}` : ''}`, true);
      } else {
        report(issue.path, describeIssue(issue, raw));
      }
    }
  }
  crossCheck(raw, report);
  if (errors.length > 0 || !parsed.success) throw directoryInvalid(errors);
  return { fileName, data: parsed.data, lineOf: (path) => lineOf(path) };
}
