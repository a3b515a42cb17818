/**
 * A stand-in for AWS STS's AssumeRoleWithSAML (the one part we cannot reach), checking assertions as strictly
 * as ../shared/AWS-SAML.md says: the whole AWS conformance check (signature against the provider's
 * certificates, Issuer = the provider's entityID, 5-minute redemption window, Conditions, one bearer
 * SubjectConfirmation, attribute rules), the RoleArn/PrincipalArn pair among the Role values (swapped → 
 * ValidationError), the role's trust policy (SAML:aud = Recipient), DurationSeconds within 900–43200 and the
 * role's MaxSessionDuration, SAMLAssertion ≤ 100,000 characters. It speaks the AWS query protocol, so the
 * real AWS CLI and SDKs talk to it through AWS_ENDPOINT_URL_STS / --endpoint-url.
 */
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { checkAwsSamlResponse } from '../../src/aws/checkAwsSamlResponse.js';

export interface StsProvider { arn: string; entityId: string; certificates: string[] }
export interface StsRole { arn: string; maxSessionDuration?: number; samlAud?: string[] }
export interface StsCall { action: string; roleArn?: string; ok: boolean; code?: string }

export interface StsStandIn { url: string; calls: StsCall[]; close(): Promise<void> }

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

class StsError extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) { super(message); }
}

function errorXml(e: StsError): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message></Error><RequestId>${randomBytes(8).toString('hex')}</RequestId></ErrorResponse>`;
}

/** Starts the stand-in on 127.0.0.1 with the given providers and roles; `now` is the clock it judges by. */
export async function startStsStandIn(o: { providers: StsProvider[]; roles: StsRole[]; now?: () => Date }): Promise<StsStandIn> {
  const calls: StsCall[] = [];
  const now = o.now ?? (() => new Date());

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
    const aud = role.samlAud ?? ['https://signin.aws.amazon.com/saml'];
    if (!aud.includes(model.acsUrl)) throw new StsError('AccessDenied', `Not authorized to perform sts:AssumeRoleWithSAML: SAML:aud ${model.acsUrl} is not trusted by the role`, 403);
    const one = (name: string) => model.attributes.find((a) => a.name === `https://aws.amazon.com/SAML/Attributes/${name}`)?.values[0] ?? '';
    const sessionName = one('RoleSessionName');
    const expiration = new Date(now().getTime() + duration * 1000).toISOString();
    const accountId = roleArn.split(':')[4] ?? '';
    return `<AssumeRoleWithSAMLResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithSAMLResult>` +
      `<Issuer>${xmlEscape(model.issuer)}</Issuer><Audience>${xmlEscape(model.acsUrl)}</Audience><Subject>${xmlEscape(model.nameId)}</Subject><SubjectType>persistent</SubjectType>` +
      `<NameQualifier>${randomBytes(20).toString('base64')}</NameQualifier><SourceIdentity>${xmlEscape(one('SourceIdentity'))}</SourceIdentity>` +
      `<AssumedRoleUser><AssumedRoleId>AROA${randomBytes(8).toString('hex').toUpperCase()}:${xmlEscape(sessionName)}</AssumedRoleId>` +
      `<Arn>arn:aws:sts::${accountId}:assumed-role/${xmlEscape(roleArn.split('/').pop() ?? '')}/${xmlEscape(sessionName)}</Arn></AssumedRoleUser>` +
      `<Credentials><AccessKeyId>ASIA${randomBytes(8).toString('hex').toUpperCase()}</AccessKeyId><SecretAccessKey>${randomBytes(30).toString('base64')}</SecretAccessKey>` +
      `<SessionToken>${randomBytes(64).toString('base64')}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
      `<PackedPolicySize>${Math.min(100, model.attributes.length * 3)}</PackedPolicySize></AssumeRoleWithSAMLResult>` +
      `<ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></AssumeRoleWithSAMLResponse>`;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const action = params.get('Action') ?? '';
      res.setHeader('content-type', 'text/xml');
      try {
        if (action !== 'AssumeRoleWithSAML') throw new StsError('InvalidAction', `stand-in supports AssumeRoleWithSAML only, not ${action}`);
        const body = assume(params);
        calls.push({ action, roleArn: params.get('RoleArn') ?? '', ok: true });
        res.end(body);
      } catch (e) {
        const err = e instanceof StsError ? e : new StsError('InternalFailure', String(e), 500);
        calls.push({ action, roleArn: params.get('RoleArn') ?? '', ok: false, code: err.code });
        res.statusCode = err.status;
        res.end(errorXml(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
