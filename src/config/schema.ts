import { z } from 'zod';
import { requiredFactors } from '../auth/factors.js';
import { isTimeZone, timeZoneRule } from '../time/timeZone.js';

/**
 * The configuration schema: every option has a default and a description. docs/configuration.md is
 * generated from this file (`npm run docs:config`); test/unit/config/configDocs.test.ts checks that it is current.
 * Objects are strict: a misspelled key stops start-up instead of being ignored.
 * Environment overrides: each leaf has a GATEHOUSE_* name, listed in `envNames` below.
 */
const duration = (def: number, desc: string) => z.number().int().positive().default(def).describe(desc);

/**
 * What is wrong with a base URL, or undefined: it must be an absolute http(s) URL (`localhost:8080` parses as a URL
 * whose scheme is `localhost:`), without a user name, password, query or fragment.
 */
export function baseUrlProblem(v: string): string | undefined {
  const fix = 'write it in full, e.g. https://idp.example.com (http://localhost:8080 for development)';
  let url: URL | undefined;
  try {
    url = new URL(v);
  } catch {
    url = undefined;
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return `"${v}" has no scheme; ${fix}`;
  if (!url) return `"${v}" is not a valid URL; ${fix}`;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${v}" must start with https:// (or http:// for development)`;
  if (url.username || url.password) return `"${v}" must not hold a user name or password`;
  if (url.search || url.hash) return `"${v}" must not have a query or fragment`;
  return undefined;
}

export const configSchema = z.strictObject({
  server: z.strictObject({
    host: z.string().default('127.0.0.1').describe('Address to listen on.'),
    port: z.number().int().min(0).max(65535).default(8080).describe('TCP port to listen on.'),
    baseUrl: z.string().superRefine((v, ctx) => { const p = baseUrlProblem(v); if (p) ctx.addIssue({ code: 'custom', message: p }); }).meta({ format: 'uri' }).optional().describe('Public base URL (scheme, host, port) of this IdP as browsers and SPs reach it. Defaults to http://<host>:<port>, with loopback and wildcard hosts written as localhost (WebAuthn refuses IP addresses). Must be https in production. Recorded with the entity ID at the first start: a later start with another value stops until it is set back or changed on purpose (gatehouse identity set).'),
    trustProxy: z.boolean().default(false).describe('Trust X-Forwarded-* headers from a reverse proxy (set when behind a load balancer).'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
    workers: z.union([z.literal('auto'), z.number().int().min(1).max(256)]).default('auto').describe('Worker processes serving the port (node:cluster): a number, or auto for one per two CPUs the process may run on, at least one, under a primary (os.availableParallelism; a worker keeps about two CPUs busy, as its signatures and password hashes run on its thread pool; in a container with a CPU quota, set the number). 1 runs in one process, without a primary. A worker that dies is replaced; SIGTERM drains them all.'),
  }).prefault({}).describe('HTTP listener'),
  management: z.strictObject({
    host: z.string().default('127.0.0.1').describe('Address of the management listener (/metrics, /healthz, /readyz). Loopback by default: open it only to your monitoring network, never to the internet.'),
    port: z.number().int().min(0).max(65535).default(9464).describe('TCP port of the management listener (9464 is the port used for an application\'s own Prometheus metrics by OpenTelemetry; 9090 is Prometheus itself). With several workers the primary serves it and adds up the metrics of every worker.'),
  }).prefault({}).describe('Management listener: metrics and health checks, apart from the public port'),
  database: z.strictObject({
    url: z.string().regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'must be sqlite:<path> or postgres://user@host:port/database').default('sqlite:./data/gatehouse.db').describe('sqlite:<path> for the embedded database (WAL mode), or postgres://user@host:port/db for several nodes.'),
    poolSize: z.number().int().min(1).max(200).default(10).describe('PostgreSQL: connections one process keeps open at most. Nodes × worker processes × poolSize must stay below the server\'s max_connections (100 by default).'),
    queryTimeoutMs: z.number().int().min(100).max(600_000).default(5000).describe('PostgreSQL: longest a statement may run (statement_timeout, also applied to a transaction left idle) and the longest wait for its answer. Past it the request fails with 503 database_unavailable instead of hanging. Migrations run without it.'),
    connectTimeoutMs: z.number().int().min(100).max(600_000).default(5000).describe('PostgreSQL: longest wait for a connection, whether opening a new one or waiting for a free one when all poolSize are busy; past it the request fails with 503 database_unavailable.'),
  }).prefault({}).describe('Storage'),
  secrets: z.strictObject({
    key: z.string().refine((v) => Buffer.from(v, 'base64').length === 32, 'must be base64 of exactly 32 random bytes (openssl rand -base64 32)').optional().describe('Base64 of 32 random bytes: encrypts TOTP seeds and signing keys at rest (AES-256-GCM). If unset, a key file is generated beside the SQLite file (development only; refused with PostgreSQL).'),
    keyFile: z.string().optional().describe('Path of the development key file. Defaults to <sqlite dir>/secret.key.'),
  }).prefault({}).describe('Secrets at rest'),
  saml: z.strictObject({
    entityId: z.string().optional().describe('IdP entityID. Defaults to <baseUrl>/saml/metadata. Recorded at the first start, like server.baseUrl.'),
    assertionLifetimeSeconds: z.number().int().min(60).max(300).default(300).describe('Lifetime of an assertion (Conditions NotOnOrAfter). AWS refuses assertions older than 5 minutes.'),
    clockSkewSeconds: z.number().int().min(0).max(600).default(180).describe('Accepted clock skew for inbound AuthnRequest IssueInstant.'),
    maxRequestBytes: z.number().int().min(1024).max(262144).default(16384).describe('Largest AuthnRequest accepted, in bytes after inflating (HTTP-Redirect) or base64-decoding (HTTP-POST). Real requests are under 10 KB, signed ones included; a larger one is refused with 413 before it is parsed, and inflating stops at this size.'),
    requestLimits: z.strictObject({
      maxDepth: z.number().int().min(4).max(64).default(16).describe('Deepest element nesting in an AuthnRequest (the root is depth 1; a signed request with KeyInfo needs 6).'),
      maxElements: z.number().int().min(16).max(4096).default(256).describe('Elements in an AuthnRequest; comments, processing instructions and CDATA sections count too.'),
      maxAttributesPerElement: z.number().int().min(8).max(256).default(32).describe('Attributes on one element of an AuthnRequest, namespace declarations included.'),
      maxAttributes: z.number().int().min(16).max(16384).default(512).describe('Attributes in a whole AuthnRequest, namespace declarations included.'),
      maxNamespaceDeclarations: z.number().int().min(4).max(1024).default(64).describe('xmlns declarations in a whole AuthnRequest.'),
    }).prefault({}).describe('Caps on the structure of an inbound AuthnRequest, checked by a linear scan before the XML parser runs; past any of them the request is refused with 413. Each parsed element costs time that grows with its depth, so these bound the event-loop time of one request.'),
    metadataValidDays: z.number().int().positive().default(30).describe('validUntil of the published metadata, in days from now.'),
    relayStateAllowlist: z.array(z.string()).default(['https://console.aws.amazon.com/', 'https://*.console.aws.amazon.com/', 'https://console.amazonaws-us-gov.com/', 'https://console.amazonaws.cn/']).describe('URL prefixes allowed as RelayState deep links for IdP-initiated AWS sign-in (* matches one DNS label).'),
  }).prefault({}).describe('SAML'),
  auth: z.strictObject({
    argon2: z.strictObject({
      memoryCost: z.number().int().min(8192).default(19456).describe('argon2id memory in KiB (OWASP: 19456).'),
      timeCost: z.number().int().min(1).default(2).describe('argon2id iterations (OWASP: 2).'),
      parallelism: z.number().int().min(1).default(1).describe('argon2id lanes.'),
    }).prefault({}),
    passwordMinLength: z.number().int().min(8).default(12).describe('Minimum password length (no composition rules).'),
    enrollAtFirstLogin: z.boolean().default(true).describe('Let a person with no MFA device enroll one right after the password step. When false, only an admin-issued enrollment link allows enrollment.'),
    maxDevices: z.number().int().min(1).max(8).default(8).describe('MFA devices per person (AWS allows 8).'),
    flowTtlSeconds: duration(900, 'How long a login flow may take before it must start again.'),
    webauthnChallengeTtlSeconds: duration(300, 'Lifetime of a WebAuthn challenge.'),
    rpId: z.string().optional().describe('WebAuthn relying party ID. Defaults to the hostname of baseUrl.'),
    rpName: z.string().default('Gatehouse').describe('WebAuthn relying party name shown by authenticators.'),
    attestation: z.enum(['none', 'direct', 'enterprise']).default('none').describe('WebAuthn attestation conveyance.'),
    totpIssuer: z.string().default('Gatehouse').describe('Issuer label in otpauth:// URIs.'),
    enrollmentLinkTtlSeconds: duration(86400, 'Lifetime of an admin-issued or first-run enrollment link.'),
  }).prefault({}).describe('Authentication'),
  session: z.strictObject({
    absoluteSeconds: duration(43200, 'Absolute session lifetime (default 12 h).'),
    idleSeconds: duration(1800, 'Idle timeout (default 30 min).'),
    cookieName: z.string().default('gatehouse_session').describe('Session cookie name; prefixed with __Host- when baseUrl is https.'),
  }).prefault({}).describe('Sessions'),
  cli: z.strictObject({
    tokenLifetimeSeconds: z.number().int().min(300).max(86400).default(28800).describe('Lifetime of a CLI session (the bearer token of `gatehouse login`; default 8 h). Never longer than session.absoluteSeconds (the shorter one applies), and a CLI session never outlives the browser session it was approved from.'),
    authorizationCodeTtlSeconds: z.number().int().min(30).max(600).default(120).describe('Lifetime of the one-time code of a browser login (PKCE), from approval to redemption.'),
    deviceCodeTtlSeconds: z.number().int().min(60).max(1800).default(600).describe('Lifetime of a device login (`gatehouse login --device`): the user code must be approved and the token fetched within it.'),
    devicePollIntervalSeconds: z.number().int().min(1).max(60).default(5).describe('Seconds a device login must wait between two polls of the token endpoint; polling sooner is `slow_down` and adds 5 s.'),
    deviceStartsPerAddress: z.number().int().min(1).max(10000).default(30).describe('Device logins one client address may start within deviceCodeTtlSeconds; more are refused with too_many_attempts.'),
  }).prefault({}).describe('Command line (gatehouse login)'),
  admin: z.strictObject({
    group: z.string().default('gatehouse-admins').describe('Members of this group may use /admin and /api/v1/admin. The first-run admin is put in it.'),
    firstUsername: z.string().default('admin').describe('Username of the first admin created on an empty database.'),
    requireFactor: z.enum(['any', ...requiredFactors]).default('any').describe('The second factor an admin must have signed in (or stepped up) with to use /admin and /api/v1/admin: any second factor, or one factor by name (webauthn: a security key or passkey). A session signed in with a weaker factor is asked to step up.'),
    reauthSeconds: z.number().int().min(60).max(86400).default(900).describe('Sensitive admin changes (device and MFA resets, role mapping changes, signing key rotation, API token creation) need a second factor confirmed within this many seconds; an older session is sent through re-authentication and back.'),
    tokenMaxDays: z.number().int().min(1).max(3650).default(365).describe('Longest lifetime an admin API token may be given, in days.'),
  }).prefault({}).describe('Administration'),
  lockout: z.strictObject({
    backoffAfter: z.number().int().min(1).default(5).describe('Failures after which each further attempt is delayed exponentially.'),
    lockAfter: z.number().int().min(1).default(10).describe('Failures after which the person or address is locked temporarily.'),
    lockSeconds: duration(900, 'How long a temporary lock lasts.'),
    windowSeconds: duration(900, 'Failures older than this are forgotten.'),
    baseDelayMs: z.number().int().min(0).default(1000).describe('First back-off delay; doubles with each further failure.'),
    addressFactor: z.number().int().min(1).default(5).describe('A client address may fail this many times as often as one person before back-off and lock (many people can share one office address).'),
  }).prefault({}).describe('Lockout and throttling'),
  ui: z.strictObject({
    timeZone: z.string().refine(isTimeZone, timeZoneRule).default('UTC').describe('IANA time zone in which pages show times to people who have not chosen their own (on /account, or `time_zone` in the directory file). Every time also shows its UTC value on hover.'),
  }).prefault({}).describe('Pages'),
});

export type ParsedConfig = z.output<typeof configSchema>;

/** Environment variables that override a config key (path in the schema → env name). */
export const envNames: Record<string, string> = {
  'server.host': 'GATEHOUSE_HOST',
  'server.port': 'GATEHOUSE_PORT',
  'server.baseUrl': 'GATEHOUSE_BASE_URL',
  'server.trustProxy': 'GATEHOUSE_TRUST_PROXY',
  'server.logLevel': 'GATEHOUSE_LOG_LEVEL',
  'server.workers': 'GATEHOUSE_WORKERS',
  'management.host': 'GATEHOUSE_MANAGEMENT_HOST',
  'management.port': 'GATEHOUSE_MANAGEMENT_PORT',
  'database.url': 'GATEHOUSE_DATABASE_URL',
  'database.poolSize': 'GATEHOUSE_DATABASE_POOL_SIZE',
  'database.queryTimeoutMs': 'GATEHOUSE_DATABASE_QUERY_TIMEOUT_MS',
  'secrets.key': 'GATEHOUSE_SECRET_KEY',
  'secrets.keyFile': 'GATEHOUSE_SECRET_KEY_FILE',
  'saml.entityId': 'GATEHOUSE_ENTITY_ID',
  'auth.enrollAtFirstLogin': 'GATEHOUSE_ENROLL_AT_FIRST_LOGIN',
  'auth.rpId': 'GATEHOUSE_RP_ID',
  'ui.timeZone': 'GATEHOUSE_TIME_ZONE',
};
