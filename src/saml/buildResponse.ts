/**
 * The success `<samlp:Response>` around one signed assertion (HTTP-POST binding payload).
 * Like the assertion, the Response is written in exclusive-c14n form (xmlns:saml is declared on the
 * elements that use it, not on the Response), so it can be signed the same way when needed.
 */
import { GatehouseError } from '../errors.js';
import { buildAssertion, buildAssertionAsync, type AssertionInput } from './buildAssertion.js';
import { escapeAttribute, escapeText, formatInstant, isValidXmlId } from './escapeXml.js';
import { saml, statusCodes } from './samlConstants.js';

/** Fields of the Response envelope. */
export interface ResponseEnvelope {
  issuer: string;
  responseId: string;
  now: Date;
  /** The validated ACS URL (Destination). */
  destination: string;
  /** The AuthnRequest ID, SP-initiated only. */
  inResponseTo?: string;
}

/**
 * The canonical Response start tag plus Issuer (exposed for buildErrorResponse). The index right after
 * it is where a Response signature goes.
 */
export function buildResponseHead(e: ResponseEnvelope): string {
  if (!isValidXmlId(e.responseId)) throw new GatehouseError('internal', `invalid response ID ${JSON.stringify(e.responseId)}`);
  const inResponseTo = e.inResponseTo === undefined ? '' : ` InResponseTo="${escapeAttribute(e.inResponseTo)}"`;
  return (
    `<samlp:Response xmlns:samlp="${saml.protocolNs}" Destination="${escapeAttribute(e.destination)}" ID="${e.responseId}"${inResponseTo} IssueInstant="${formatInstant(e.now)}" Version="2.0">` +
    `<saml:Issuer xmlns:saml="${saml.assertionNs}">${escapeText(e.issuer)}</saml:Issuer>`
  );
}

/** Input of {@link buildResponse}: the assertion plus the Response ID. Destination = `acsUrl`. */
export interface ResponseInput extends AssertionInput {
  responseId: string;
}

/** A built Response: the XML and its base64 (the `SAMLResponse` form field of the HTTP-POST binding). */
export interface BuiltResponse {
  xml: string;
  samlResponse: string;
}

/**
 * Builds a success Response carrying one signed assertion (the Response itself is not signed; AWS and
 * Identity Center check the assertion signature). Destination = Recipient = `acsUrl`; InResponseTo only
 * when given (SP-initiated). The caller must already have validated `acsUrl` against the SP's metadata,
 * and should record `assertionId`/`responseId` for audit.
 */
export function buildResponse(input: ResponseInput): BuiltResponse {
  return responseAround(input, buildAssertion(input));
}

/** {@link buildResponse} with the assertion signed on the thread pool (see signCanonicalXmlAsync): the serving path. */
export async function buildResponseAsync(input: ResponseInput): Promise<BuiltResponse> {
  return responseAround(input, await buildAssertionAsync(input));
}

/** The success Response for `input` around its signed assertion. */
function responseAround(input: ResponseInput, signedAssertion: string): BuiltResponse {
  const head = buildResponseHead({
    issuer: input.issuer,
    responseId: input.responseId,
    now: input.now,
    destination: input.acsUrl,
    inResponseTo: input.inResponseTo,
  });
  const xml =
    `${head}<samlp:Status><samlp:StatusCode Value="${statusCodes.success}"></samlp:StatusCode></samlp:Status>` +
    `${signedAssertion}</samlp:Response>`;
  return { xml, samlResponse: Buffer.from(xml, 'utf8').toString('base64') };
}
