/**
 * The AWS lint applied to a finished, signed Response (XML text): for interop tests and the STS stand-in,
 * not the hot path. Parses with parseXmlSafely, checks what only exists in XML (status, one assertion,
 * signature, bearer SubjectConfirmation, timestamps against `now`), then runs lintAwsAssertion on the
 * model read back from the XML.
 */
import type { Element } from '@xmldom/xmldom';
import { isGatehouseError } from '../errors.js';
import type { SamlAttribute } from '../saml/buildAssertion.js';
import { childrenNamed, parseXmlSafely, textOf } from '../saml/parseXmlSafely.js';
import { saml, statusCodes } from '../saml/samlConstants.js';
import { dsig } from '../saml/signXml.js';
import { verifyEnvelopedSignature } from '../saml/xmlSignature.js';
import { lintAwsAssertion, maxLifetimeSeconds, type AwsAssertionModel } from './lintAwsAssertion.js';
import { partitionOfAudience } from './partitions.js';
import type { AwsLintViolation } from './violation.js';

/** Options of {@link checkAwsSamlResponse}. */
export interface CheckAwsSamlResponseOptions {
  now: Date;
  /** When set, Recipient and Destination must equal it. */
  expectedAcs?: string;
  /** When set, the assertion signature is verified against these (PEM or base64 DER); else only its presence is checked. */
  certificates?: readonly string[];
}

/** Result: violations ([] = AWS would accept it as far as we know) and the model read from the XML. */
export interface AwsSamlResponseCheck {
  violations: AwsLintViolation[];
  model?: AwsAssertionModel;
}

function one(parent: Element | undefined, ns: string, name: string): Element | undefined {
  if (parent === undefined) return undefined;
  const found = childrenNamed(parent, ns, name);
  return found.length === 1 ? found[0] : undefined;
}

function instant(s: string | null | undefined): number | undefined {
  if (s === null || s === undefined || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/** Checks a SAML Response for AWS IAM federation. Pure (the clock comes in as `now`); nothing to store. */
export function checkAwsSamlResponse(xml: string, options: CheckAwsSamlResponseOptions): AwsSamlResponseCheck {
  const out: AwsLintViolation[] = [];
  const v = (rule: string, message: string): number => out.push({ rule, message });
  let root: Element;
  try {
    root = parseXmlSafely(xml, { maxBytes: 100_000 }).root;
  } catch (e) {
    v('xml.invalid', isGatehouseError(e) ? e.message : 'unparseable XML');
    return { violations: out };
  }
  const A = saml.assertionNs;
  const P = saml.protocolNs;
  if (root.namespaceURI !== P || root.localName !== 'Response') {
    v('response.root', 'root element is not samlp:Response');
    return { violations: out };
  }
  if (root.getAttribute('Version') !== '2.0') v('response.version', 'Response Version is not 2.0');
  const status = one(one(root, P, 'Status'), P, 'StatusCode')?.getAttribute('Value');
  if (status !== statusCodes.success) v('response.status', `status is ${status ?? 'missing'}`);
  if (childrenNamed(root, A, 'EncryptedAssertion').length > 0) v('response.encrypted', 'encrypted assertions are not supported');
  const assertions = childrenNamed(root, A, 'Assertion');
  const assertion = assertions[0];
  if (assertions.length !== 1 || assertion === undefined) {
    v('response.assertion_count', `expected exactly one Assertion, found ${assertions.length}`);
    return { violations: out };
  }

  if (options.certificates !== undefined) {
    try {
      verifyEnvelopedSignature(xml, options.certificates, { element: { namespace: A, localName: 'Assertion' }, maxBytes: 100_000 });
    } catch (e) {
      v('assertion.signature', isGatehouseError(e) ? e.message : 'signature check failed');
    }
  } else if (childrenNamed(assertion, dsig.namespace, 'Signature').length !== 1) {
    v('assertion.unsigned', 'the Assertion is not signed');
  }

  const issuer = textOf(one(assertion, A, 'Issuer'));
  const responseIssuer = one(root, A, 'Issuer');
  if (responseIssuer !== undefined && textOf(responseIssuer) !== issuer) v('issuer.mismatch', 'Response and Assertion Issuer differ');

  const subject = one(assertion, A, 'Subject');
  const nameId = textOf(one(subject, A, 'NameID'));
  const confirmations = subject === undefined ? [] : childrenNamed(subject, A, 'SubjectConfirmation');
  const confirmation = confirmations[0];
  if (confirmations.length !== 1 || confirmation === undefined) v('subject_confirmation.count', `expected exactly one SubjectConfirmation, found ${confirmations.length}`);
  else if (confirmation.getAttribute('Method') !== saml.bearer) v('subject_confirmation.method', 'SubjectConfirmation Method is not bearer');
  const scd = one(confirmation, A, 'SubjectConfirmationData');
  const recipient = scd?.getAttribute('Recipient') ?? '';
  if (recipient === '') v('subject_confirmation.recipient_missing', 'SubjectConfirmationData has no Recipient');
  const scdNotOnOrAfter = instant(scd?.getAttribute('NotOnOrAfter'));
  const now = options.now.getTime();
  if (scdNotOnOrAfter === undefined) v('subject_confirmation.not_on_or_after_missing', 'SubjectConfirmationData has no valid NotOnOrAfter');
  else if (now >= scdNotOnOrAfter) v('subject_confirmation.expired', 'SubjectConfirmationData NotOnOrAfter has passed');

  const destination = root.getAttribute('Destination');
  if (destination !== null && destination !== recipient) v('response.destination_mismatch', 'Destination differs from Recipient');
  if (options.expectedAcs !== undefined && recipient !== options.expectedAcs) v('recipient.unexpected', `Recipient is not ${options.expectedAcs}`);

  const issueInstant = instant(assertion.getAttribute('IssueInstant'));
  if (issueInstant === undefined) v('assertion.issue_instant', 'Assertion has no valid IssueInstant');
  else if (now - issueInstant > maxLifetimeSeconds * 1000) v('assertion.too_old', 'Assertion was issued more than 5 minutes ago');
  const conditions = one(assertion, A, 'Conditions');
  const notBefore = instant(conditions?.getAttribute('NotBefore'));
  const notOnOrAfter = instant(conditions?.getAttribute('NotOnOrAfter'));
  if (conditions === undefined || notOnOrAfter === undefined) v('conditions.missing', 'Conditions NotOnOrAfter missing');
  else if (now >= notOnOrAfter) v('conditions.expired', 'Conditions NotOnOrAfter has passed');
  if (notBefore !== undefined && now < notBefore) v('conditions.not_yet_valid', 'Conditions NotBefore is in the future');
  const audiences = conditions === undefined ? [] : childrenNamed(conditions, A, 'AudienceRestriction')
    .flatMap((r) => childrenNamed(r, A, 'Audience').map((a) => textOf(a)));
  if (audiences.length === 0) v('audience.missing', 'no AudienceRestriction/Audience');
  const audience = audiences.find((a) => partitionOfAudience(a) !== undefined) ?? audiences[0] ?? '';
  if (childrenNamed(assertion, A, 'AuthnStatement').length !== 1) v('authn_statement.count', 'expected exactly one AuthnStatement');

  const attributes: SamlAttribute[] = [];
  for (const statement of childrenNamed(assertion, A, 'AttributeStatement')) {
    for (const a of childrenNamed(statement, A, 'Attribute')) {
      const name = a.getAttribute('Name') ?? '';
      const format = a.getAttribute('NameFormat');
      if (format !== null && format !== saml.attrnameFormatUri) v('attribute.name_format', `${name}: NameFormat is not uri`);
      attributes.push({ name, values: childrenNamed(a, A, 'AttributeValue').map((x) => textOf(x)) });
    }
  }
  const inResponseTo = root.getAttribute('InResponseTo') ?? scd?.getAttribute('InResponseTo') ?? undefined;
  const lifetimeSeconds = issueInstant !== undefined && notOnOrAfter !== undefined ? (notOnOrAfter - issueInstant) / 1000 : undefined;
  const model: AwsAssertionModel = {
    issuer, acsUrl: recipient, audience, nameId, attributes,
    ...(inResponseTo === null || inResponseTo === undefined ? {} : { inResponseTo }),
    ...(lifetimeSeconds === undefined ? {} : { lifetimeSeconds }),
  };
  out.push(...lintAwsAssertion(model));
  return { violations: out, model };
}
