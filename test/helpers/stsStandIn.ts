/**
 * A stand-in for AWS STS (the one part we cannot reach), checking assertions as strictly as
 * ../shared/AWS-SAML.md says.
 *
 * AssumeRoleWithSAML: the whole AWS conformance check (signature against the provider's certificates,
 * Issuer = the provider's entityID, 5-minute redemption window, Conditions, one bearer
 * SubjectConfirmation, attribute rules), the RoleArn/PrincipalArn pair among the Role values (swapped →
 * ValidationError), the role's trust policy — a policy document evaluated as IAM does (an explicit Deny wins,
 * else some Allow statement must name the provider as Principal, the action, and have every condition met):
 * sts:AssumeRoleWithSAML always, sts:TagSession when the assertion carries PrincipalTag or TransitiveTagKeys,
 * sts:SetSourceIdentity when it carries SourceIdentity, each refused → AccessDenied, as AWS does. The request
 * context holds `SAML:aud` (= Recipient), `aws:RequestTag/<Key>` per PrincipalTag (so a condition on
 * `aws:RequestTag/AuthMethod` judges the factor Gatehouse says was used), `aws:TagKeys` and
 * `sts:TransitiveTagKeys`. DurationSeconds within 900–43200 and the role's MaxSessionDuration;
 * SAMLAssertion ≤ 100,000 characters.
 *
 * GetCallerIdentity: only for credentials this stand-in issued, with the request's SigV4 signature
 * verified against their secret key (scope region = the endpoint's region, service sts, date within 15
 * minutes), the session token matched and the expiry checked.
 *
 * Regions: `url` is the endpoint of `region` (default us-east-1); `regionUrl(r)` is the endpoint of region
 * r (the region is the first path segment, as the host names it at AWS). A region in `disabledRegions`
 * answers RegionDisabledException, as STS does where an account has not activated it.
 *
 * It speaks the AWS query protocol, so the real AWS CLI and SDKs talk to it through AWS_ENDPOINT_URL_STS /
 * --endpoint-url.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { checkAwsSamlResponse } from '../../src/aws/checkAwsSamlResponse.js';
import { buildTrustPolicy } from '../../src/aws/trustPolicy.js';
import { isValidRegion } from '../../src/aws/partitions.js';

export interface StsProvider { arn: string; entityId: string; certificates: string[] }
export interface StsRole {
  arn: string;
  maxSessionDuration?: number;
  /**
   * The role's trust policy document, as an admin pasted it into IAM (e.g. what `gatehouse aws trust-policy` prints).
   * Without it, the role trusts a policy made from `samlAud`, `trustActions` and `trustedProviders`.
   */
  trustPolicy?: IamPolicy;
  samlAud?: string[];
  /** Actions the trust policy allows to the provider; default: the ones `gatehouse aws trust-policy` prints. */
  trustActions?: string[];
  /** The providers the trust policy names as Principal; default: every provider of the role's account. */
  trustedProviders?: string[];
}
export interface StsCall { action: string; roleArn?: string; region?: string; ok: boolean; code?: string }

export interface StsStandIn {
  /** The endpoint of the default region. */
  url: string;
  /** The endpoint of `region`. */
  regionUrl(region: string): string;
  calls: StsCall[];
  close(): Promise<void>;
}

/** What `gatehouse aws trust-policy` allows; a role's trust policy without one of them is refused as AWS refuses it. */
export const gatehouseTrustActions: readonly string[] = buildTrustPolicy({ partition: 'aws', accountId: '111122223333', providerName: 'Gatehouse' }).Statement[0].Action;

/** An IAM policy document as the stand-in reads it (the parts a trust policy for SAML federation uses). */
export interface IamPolicy {
  Statement: readonly {
    Effect: string;
    Principal?: { Federated?: string | readonly string[] };
    Action: string | readonly string[];
    Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
  }[];
}

/** The request context of one AssumeRoleWithSAML call: condition keys (lower case, as IAM compares them) → values. */
type RequestContext = ReadonlyMap<string, readonly string[]>;

const list = (v: string | readonly string[] | undefined): readonly string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : v);
/** IAM's StringLike: `*` any run of characters, `?` one character, everything else literal and case-sensitive. */
const like = (pattern: string, value: string): boolean => {
  const source = pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^$|()[\]{}\\]/, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's').test(value);
};

/**
 * One condition operator over one key, as IAM evaluates it: a key absent from the request fails every operator
 * but Null (and the ForAllValues set operators, which hold for an empty set); several values are OR-ed.
 */
function conditionHolds(operator: string, key: string, expected: readonly string[], ctx: RequestContext): boolean {
  const actual = ctx.get(key.toLowerCase());
  switch (operator) {
    case 'StringEquals': return actual !== undefined && actual.length === 1 && expected.includes(actual[0]!);
    case 'StringNotEquals': return actual !== undefined && actual.length === 1 && !expected.includes(actual[0]!);
    case 'StringLike': return actual !== undefined && actual.length === 1 && expected.some((p) => like(p, actual[0]!));
    case 'ForAllValues:StringEquals': return (actual ?? []).every((a) => expected.includes(a));
    case 'ForAnyValue:StringEquals': return (actual ?? []).some((a) => expected.includes(a));
    case 'Null': return expected.every((e) => (e === 'true') === (actual === undefined));
    default: throw new Error(`the STS stand-in does not evaluate the condition operator ${operator}`);
  }
}

/** True when `policy` lets `principal` perform `action` in `ctx`: no matching Deny and at least one matching Allow. */
export function trustPolicyAllows(policy: IamPolicy, principal: string, action: string, ctx: RequestContext): boolean {
  const matches = policy.Statement.filter((st) => list(st.Principal?.Federated).includes(principal) && list(st.Action).some((a) => like(a, action))
    && Object.entries(st.Condition ?? {}).every(([op, keys]) => Object.entries(keys).every(([key, v]) => conditionHolds(op, key, list(v), ctx))));
  return !matches.some((st) => st.Effect === 'Deny') && matches.some((st) => st.Effect === 'Allow');
}

/** The trust policy of a role given by options (the providers of its account, Gatehouse's actions, the global endpoint). */
function policyOf(role: StsRole, providers: readonly StsProvider[]): IamPolicy {
  if (role.trustPolicy) return role.trustPolicy;
  const accountId = role.arn.split(':')[4] ?? '';
  return {
    Statement: [{
      Effect: 'Allow', Principal: { Federated: role.trustedProviders ?? providers.filter((x) => x.arn.split(':')[4] === accountId).map((x) => x.arn) },
      Action: role.trustActions ?? gatehouseTrustActions, Condition: { StringEquals: { 'SAML:aud': role.samlAud ?? ['https://signin.aws.amazon.com/saml'] } },
    }],
  };
}

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const ns = 'https://sts.amazonaws.com/doc/2011-06-15/';

class StsError extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) { super(message); }
}

function errorXml(e: StsError): string {
  return `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message></Error><RequestId>${randomBytes(8).toString('hex')}</RequestId></ErrorResponse>`;
}

interface Issued { secretAccessKey: string; sessionToken: string; expiration: Date; arn: string; userId: string; account: string }

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const uriEncode = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The SigV4 signature of a request (AWS's "Create a signed AWS API request" steps), for checking a client's. */
function sigV4Signature(o: { method: string; path: string; query: URLSearchParams; headers: IncomingMessage['headers']; signedHeaders: string[]; body: Buffer; amzDate: string; scope: string; secret: string }): string {
  const canonicalQuery = [...o.query].map(([k, v]) => [uriEncode(k), uriEncode(v)]).sort(([a, x], [b, y]) => (a! < b! ? -1 : a! > b! ? 1 : x! < y! ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('&');
  const canonicalHeaders = o.signedHeaders.map((h) => {
    const v = o.headers[h];
    return `${h}:${(Array.isArray(v) ? v.join(',') : v ?? '').trim().replace(/\s+/g, ' ')}\n`;
  }).join('');
  const canonicalRequest = [o.method, o.path, canonicalQuery, canonicalHeaders, o.signedHeaders.join(';'), sha256(o.body)].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', o.amzDate, o.scope, sha256(canonicalRequest)].join('\n');
  const [date = '', region = '', service = ''] = o.scope.split('/');
  const key = hmac(hmac(hmac(hmac(`AWS4${o.secret}`, date), region), service), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

/** Starts the stand-in on 127.0.0.1 with the given providers and roles; `now` is the clock it judges by. */
export async function startStsStandIn(o: { providers: StsProvider[]; roles: StsRole[]; now?: () => Date; region?: string; disabledRegions?: string[] }): Promise<StsStandIn> {
  const calls: StsCall[] = [];
  const now = o.now ?? (() => new Date());
  const defaultRegion = o.region ?? 'us-east-1';
  const issued = new Map<string, Issued>();

  const assume = (p: URLSearchParams): string => {
    const roleArn = p.get('RoleArn') ?? '';
    const principalArn = p.get('PrincipalArn') ?? '';
    const assertion = p.get('SAMLAssertion') ?? '';
    if (!roleArn || !principalArn || !assertion) throw new StsError('ValidationError', 'RoleArn, PrincipalArn and SAMLAssertion are required');
    if (assertion.length > 100_000) throw new StsError('ValidationError', 'SAMLAssertion must be at most 100000 characters');
    if (roleArn.includes(':saml-provider/') && principalArn.includes(':role/')) throw new StsError('ValidationError', 'RoleArn and PrincipalArn appear to be swapped');
    const duration = p.has('DurationSeconds') ? Number(p.get('DurationSeconds')) : 3600;
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) throw new StsError('ValidationError', `DurationSeconds ${p.get('DurationSeconds')} is outside 900-43200`);
    const provider = o.providers.find((x) => x.arn === principalArn);
    if (!provider) throw new StsError('InvalidIdentityToken', 'SAML provider does not exist');
    const role = o.roles.find((r) => r.arn === roleArn);
    if (!role) throw new StsError('AccessDenied', `Not authorized to perform sts:AssumeRoleWithSAML on ${roleArn}`, 403);
    if (duration > (role.maxSessionDuration ?? 3600)) throw new StsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    const xml = Buffer.from(assertion, 'base64').toString('utf8');
    const { violations, model } = checkAwsSamlResponse(xml, { now: now(), certificates: provider.certificates });
    if (violations.some((v) => v.rule === 'conditions.expired')) throw new StsError('ExpiredTokenException', 'Response has expired');
    if (violations.some((v) => v.rule === 'assertion.too_old')) throw new StsError('ExpiredTokenException', 'Token must be redeemed within 5 minutes of issuance');
    if (violations.length > 0 || !model) throw new StsError('InvalidIdentityToken', `Invalid SAML response: ${violations.map((v) => v.rule).join(', ')}`);
    if (model.issuer !== provider.entityId) throw new StsError('InvalidIdentityToken', 'Issuer not present in specified provider');
    const roles = model.attributes.find((a) => a.name === 'https://aws.amazon.com/SAML/Attributes/Role')?.values ?? [];
    if (!roles.includes(`${roleArn},${principalArn}`) && !roles.includes(`${principalArn},${roleArn}`)) {
      throw new StsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithSAML: the role is not in the assertion', 403);
    }
    // The trust policy: one action per thing the assertion asks for, each judged in the request's context.
    const accountId = roleArn.split(':')[4] ?? '';
    const attr = (name: string) => model.attributes.find((a) => a.name === `https://aws.amazon.com/SAML/Attributes/${name}`);
    const tagPrefix = 'https://aws.amazon.com/SAML/Attributes/PrincipalTag:';
    const tags = model.attributes.filter((a) => a.name.startsWith(tagPrefix)).map((a) => ({ key: a.name.slice(tagPrefix.length), values: a.values }));
    const context = new Map<string, readonly string[]>([['saml:aud', [model.acsUrl]]]);
    for (const t of tags) context.set(`aws:requesttag/${t.key.toLowerCase()}`, t.values);
    if (tags.length > 0) context.set('aws:tagkeys', tags.map((t) => t.key));
    const transitive = attr('TransitiveTagKeys');
    if (transitive) context.set('sts:transitivetagkeys', transitive.values);
    const policy = policyOf(role, o.providers);
    if (!trustPolicyAllows(policy, principalArn, 'sts:AssumeRoleWithSAML', context)) {
      // Name SAML:aud when a statement would allow the provider but lists other endpoints (as the CLI explains it).
      const otherAud = policy.Statement.some((st) => st.Effect === 'Allow' && list(st.Principal?.Federated).includes(principalArn)
        && list(st.Action).some((x) => like(x, 'sts:AssumeRoleWithSAML')) && !list(st.Condition?.StringEquals?.['SAML:aud']).includes(model.acsUrl));
      throw new StsError('AccessDenied', otherAud ? `Not authorized to perform sts:AssumeRoleWithSAML: SAML:aud ${model.acsUrl} is not trusted by the role` : 'Not authorized to perform sts:AssumeRoleWithSAML', 403);
    }
    if ((tags.length > 0 || transitive !== undefined) && !trustPolicyAllows(policy, principalArn, 'sts:TagSession', context)) throw new StsError('AccessDenied', 'Not authorized to perform sts:TagSession', 403);
    if (attr('SourceIdentity') !== undefined && !trustPolicyAllows(policy, principalArn, 'sts:SetSourceIdentity', context)) throw new StsError('AccessDenied', 'Not authorized to perform sts:SetSourceIdentity', 403);
    const one = (name: string) => attr(name)?.values[0] ?? '';
    const sessionName = one('RoleSessionName');
    const expiration = new Date(now().getTime() + duration * 1000);
    const partition = roleArn.split(':')[1] ?? 'aws';
    const roleId = `AROA${randomBytes(8).toString('hex').toUpperCase()}`;
    const arn = `arn:${partition}:sts::${accountId}:assumed-role/${roleArn.split('/').pop() ?? ''}/${sessionName}`;
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(30).toString('base64');
    const sessionToken = randomBytes(64).toString('base64');
    issued.set(accessKeyId, { secretAccessKey, sessionToken, expiration, arn, userId: `${roleId}:${sessionName}`, account: accountId });
    return `<AssumeRoleWithSAMLResponse xmlns="${ns}"><AssumeRoleWithSAMLResult>` +
      `<Issuer>${xmlEscape(model.issuer)}</Issuer><Audience>${xmlEscape(model.acsUrl)}</Audience><Subject>${xmlEscape(model.nameId)}</Subject><SubjectType>persistent</SubjectType>` +
      `<NameQualifier>${randomBytes(20).toString('base64')}</NameQualifier><SourceIdentity>${xmlEscape(one('SourceIdentity'))}</SourceIdentity>` +
      `<AssumedRoleUser><AssumedRoleId>${roleId}:${xmlEscape(sessionName)}</AssumedRoleId><Arn>${xmlEscape(arn)}</Arn></AssumedRoleUser>` +
      `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${secretAccessKey}</SecretAccessKey>` +
      `<SessionToken>${sessionToken}</SessionToken><Expiration>${expiration.toISOString()}</Expiration></Credentials>` +
      `<PackedPolicySize>${Math.min(100, model.attributes.length * 3)}</PackedPolicySize></AssumeRoleWithSAMLResult>` +
      `<ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></AssumeRoleWithSAMLResponse>`;
  };

  const callerIdentity = (req: IncomingMessage, body: Buffer, path: string, query: URLSearchParams, region: string): string => {
    const auth = req.headers.authorization ?? '';
    const m = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/([^,\s]+), ?SignedHeaders=([^,\s]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) throw new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
    const [, accessKeyId = '', scope = '', signedList = '', signature = ''] = m;
    const cred = issued.get(accessKeyId);
    if (!cred) throw new StsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
    if (req.headers['x-amz-security-token'] !== cred.sessionToken) throw new StsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
    const [date, scopeRegion, service, terminator] = scope.split('/');
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    if (service !== 'sts' || terminator !== 'aws4_request' || !amzDate.startsWith(date ?? '-')) throw new StsError('SignatureDoesNotMatch', 'Credential should be scoped to a valid service and date.', 403);
    if (scopeRegion !== region) throw new StsError('SignatureDoesNotMatch', `Credential should be scoped to a valid region. (${scopeRegion} is not ${region})`, 403);
    const signedHeaders = signedList.split(';');
    if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) throw new StsError('SignatureDoesNotMatch', 'host and x-amz-date must be signed', 403);
    const expected = sigV4Signature({ method: req.method ?? 'POST', path, query, headers: req.headers, signedHeaders, body, amzDate, scope, secret: cred.secretAccessKey });
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) throw new StsError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.', 403);
    if (now().getTime() >= cred.expiration.getTime()) throw new StsError('ExpiredToken', 'The security token included in the request is expired', 403);
    const at = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    if (!(Math.abs(at - now().getTime()) <= 15 * 60_000)) throw new StsError('SignatureDoesNotMatch', 'Signature expired: the request time is more than 15 minutes from the server time', 403);
    return `<GetCallerIdentityResponse xmlns="${ns}"><GetCallerIdentityResult><Arn>${xmlEscape(cred.arn)}</Arn><UserId>${xmlEscape(cred.userId)}</UserId>` +
      `<Account>${cred.account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const first = url.pathname.split('/')[1] ?? '';
      const region = isValidRegion(first) ? first : defaultRegion;
      const params = new URLSearchParams(body.toString('utf8'));
      for (const [k, v] of url.searchParams) if (!params.has(k)) params.set(k, v);
      const action = params.get('Action') ?? '';
      res.setHeader('content-type', 'text/xml');
      try {
        if (o.disabledRegions?.includes(region)) {
          const account = (params.get('RoleArn') ?? '').split(':')[4] ?? '';
          throw new StsError('RegionDisabledException', `STS is not activated in this region for account:${account}. Your account administrator can activate STS in this region using the IAM Console.`, 403);
        }
        let out: string;
        if (action === 'AssumeRoleWithSAML') out = assume(params);
        else if (action === 'GetCallerIdentity') out = callerIdentity(req, body, url.pathname, url.searchParams, region);
        else throw new StsError('InvalidAction', `stand-in supports AssumeRoleWithSAML and GetCallerIdentity only, not ${action}`);
        calls.push({ action, roleArn: params.get('RoleArn') ?? '', region, ok: true });
        res.end(out);
      } catch (e) {
        const err = e instanceof StsError ? e : new StsError('InternalFailure', String(e), 500);
        calls.push({ action, roleArn: params.get('RoleArn') ?? '', region, ok: false, code: err.code });
        res.statusCode = err.status;
        res.end(errorXml(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return { url, regionUrl: (region) => `${url}/${region}`, calls, close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }) };
}
