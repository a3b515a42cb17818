/**
 * `--verbose`: the HTTP exchange on stderr without secrets. Values of secret-bearing fields are replaced
 * by `[hidden]` (or `[hidden, N characters]` for SAML responses) before anything is written.
 */

/** Fields whose values never reach the log (request and response bodies, form fields, query parameters). */
const secretFields: ReadonlySet<string> = new Set([
  'password', 'code', 'code_verifier', 'device_code', 'flowToken', 'accessToken', 'token', 'state',
  'samlResponse', 'SAMLAssertion', 'SecretAccessKey', 'SessionToken', 'secretAccessKey', 'sessionToken',
]);

/** A copy of `value` with every secret field hidden (deeply). */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, secretFields.has(k) ? hidden(v) : redact(v)]));
  }
  return value;
}

function hidden(v: unknown): string {
  return typeof v === 'string' && v.length > 200 ? `[hidden, ${v.length} characters]` : '[hidden]';
}

/** A URL with secret query parameters hidden. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    for (const k of [...u.searchParams.keys()]) if (secretFields.has(k)) u.searchParams.set(k, '[hidden]');
    return u.toString().replace(/%5Bhidden%5D/g, '[hidden]');
  } catch {
    return url;
  }
}

/** Writes `--verbose` lines; does nothing unless enabled. */
export type VerboseLog = (line: string) => void;

/** A log that writes `  line` to stderr when `enabled`, else nothing. */
export function verboseLog(enabled: boolean): VerboseLog {
  return enabled ? (line) => { process.stderr.write(`  ${line}\n`); } : () => undefined;
}
