/**
 * THE HOT PATH. Builds a signed `<saml:Assertion>` by writing its exclusive-c14n canonical form directly
 * (attributes in canonical order, namespace declarations where exc-c14n renders them, c14n escaping),
 * then signing that text (signXml.ts). Nothing is parsed.
 *
 * Choices:
 * - AttributeValue carries no xsi:type. With `xsi:type="xs:string"` the `xs` prefix is used only inside an
 *   attribute value, which exclusive c14n does not count as "visibly used", so the signature would need an
 *   InclusiveNamespaces PrefixList. AWS's own examples send plain AttributeValue elements.
 * - AuthnContextClassRef defaults to the REFEDS MFA profile (`https://refeds.org/profile/mfa`), the
 *   standard class for "password plus an independent second factor", which is what Gatehouse enforces.
 *   `mobileTwoFactorContract` is exported for SPs that insist on a SAML 2.0 class.
 * - NotBefore = IssueInstant − notBeforeSkewSeconds (default 0); NotOnOrAfter (Conditions and
 *   SubjectConfirmationData) = IssueInstant + lifetimeSeconds (default 300, AWS's 5-minute redemption window).
 */
import { GatehouseError } from '../errors.js';
import { escapeAttribute, escapeText, formatInstant, isValidXmlId } from './escapeXml.js';
import { saml } from './samlConstants.js';
import type { SigningKey } from './signingKey.js';
import { signCanonicalXml, signCanonicalXmlAsync } from './signXml.js';

/** One SAML attribute: a name (NameFormat uri) and its string values. */
export interface SamlAttribute {
  name: string;
  values: string[];
}

/** Everything an assertion says. Ids come from the caller (random, starting with a letter or `_`). */
export interface AssertionInput {
  /** IdP entityID. */
  issuer: string;
  assertionId: string;
  now: Date;
  /** SubjectConfirmationData/@Recipient: the validated ACS URL. */
  acsUrl: string;
  /** SP entityID. */
  audience: string;
  nameId: string;
  nameIdFormat: string;
  /** The AuthnRequest ID, SP-initiated only. */
  inResponseTo?: string;
  sessionIndex: string;
  authnInstant: Date;
  /** Caps the SP session (AWS console). Omitted → no attribute. */
  sessionNotOnOrAfter?: Date;
  /** Default 300. */
  lifetimeSeconds?: number;
  /** Default 0. */
  notBeforeSkewSeconds?: number;
  /** Default `saml.refedsMfa`. */
  authnContextClassRef?: string;
  attributes: SamlAttribute[];
  key: SigningKey;
}

/** Default assertion lifetime in seconds (AWS refuses assertions older than 5 minutes). */
const defaultLifetimeSeconds = 300;

function attributeXml(a: SamlAttribute): string {
  let values = '';
  for (const v of a.values) values += `<saml:AttributeValue>${escapeText(v)}</saml:AttributeValue>`;
  return `<saml:Attribute Name="${escapeAttribute(a.name)}" NameFormat="${saml.attrnameFormatUri}">${values}</saml:Attribute>`;
}

/**
 * Writes the unsigned assertion in canonical form and returns it with the index right after
 * `</saml:Issuer>`, where the signature goes. Exposed for tests; use {@link buildAssertion}.
 */
export function buildCanonicalAssertion(input: AssertionInput): { canonical: string; signatureAt: number } {
  if (!isValidXmlId(input.assertionId)) {
    throw new GatehouseError('internal', `invalid assertion ID ${JSON.stringify(input.assertionId)}`);
  }
  if (input.inResponseTo !== undefined && input.inResponseTo.length === 0) {
    throw new GatehouseError('internal', 'empty InResponseTo');
  }
  const nowMs = input.now.getTime();
  const issueInstant = formatInstant(input.now);
  const notBefore = formatInstant(new Date(nowMs - (input.notBeforeSkewSeconds ?? 0) * 1000));
  const notOnOrAfter = formatInstant(new Date(nowMs + (input.lifetimeSeconds ?? defaultLifetimeSeconds) * 1000));
  const recipient = escapeAttribute(input.acsUrl);
  const inResponseTo = input.inResponseTo === undefined ? '' : ` InResponseTo="${escapeAttribute(input.inResponseTo)}"`;
  const sessionNotOnOrAfter = input.sessionNotOnOrAfter === undefined
    ? '' : ` SessionNotOnOrAfter="${formatInstant(input.sessionNotOnOrAfter)}"`;

  const head =
    `<saml:Assertion xmlns:saml="${saml.assertionNs}" ID="${input.assertionId}" IssueInstant="${issueInstant}" Version="2.0">` +
    `<saml:Issuer>${escapeText(input.issuer)}</saml:Issuer>`;
  let body =
    '<saml:Subject>' +
    `<saml:NameID Format="${escapeAttribute(input.nameIdFormat)}">${escapeText(input.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="${saml.bearer}">` +
    `<saml:SubjectConfirmationData${inResponseTo} NotOnOrAfter="${notOnOrAfter}" Recipient="${recipient}"></saml:SubjectConfirmationData>` +
    '</saml:SubjectConfirmation>' +
    '</saml:Subject>' +
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}">` +
    `<saml:AudienceRestriction><saml:Audience>${escapeText(input.audience)}</saml:Audience></saml:AudienceRestriction>` +
    '</saml:Conditions>' +
    `<saml:AuthnStatement AuthnInstant="${formatInstant(input.authnInstant)}" SessionIndex="${escapeAttribute(input.sessionIndex)}"${sessionNotOnOrAfter}>` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>${escapeText(input.authnContextClassRef ?? saml.refedsMfa)}</saml:AuthnContextClassRef></saml:AuthnContext>` +
    '</saml:AuthnStatement>';
  if (input.attributes.length > 0) {
    body += '<saml:AttributeStatement>';
    for (const a of input.attributes) body += attributeXml(a);
    body += '</saml:AttributeStatement>';
  }
  return { canonical: `${head}${body}</saml:Assertion>`, signatureAt: head.length };
}

/**
 * Builds and signs one assertion (RSA-SHA256, enveloped, exc-c14n). Returns the signed `<saml:Assertion>`
 * text, ready to place inside a Response. The caller should record `assertionId` for audit; nothing
 * else to store. Run the AWS lint on the same input before calling this for an AWS SP.
 */
export function buildAssertion(input: AssertionInput): string {
  const { canonical, signatureAt } = buildCanonicalAssertion(input);
  return signCanonicalXml(canonical, input.assertionId, signatureAt, input.key);
}

/** {@link buildAssertion} with the signature made on the thread pool (see signCanonicalXmlAsync): the serving path. */
export async function buildAssertionAsync(input: AssertionInput): Promise<string> {
  const { canonical, signatureAt } = buildCanonicalAssertion(input);
  return signCanonicalXmlAsync(canonical, input.assertionId, signatureAt, input.key);
}
