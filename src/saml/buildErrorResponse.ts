/**
 * A signed SAML error Response (no assertion): top-level status Requester or Responder with an optional
 * second-level code such as AuthnFailed, NoPassive or RequestDenied. Only ever POST it to an ACS URL that
 * was validated against the SP's metadata.
 */
import { escapeText } from './escapeXml.js';
import { buildResponseHead, type BuiltResponse, type ResponseEnvelope } from './buildResponse.js';
import { statusCodes } from './samlConstants.js';
import type { SigningKey } from './signingKey.js';
import { signCanonicalXml } from './signXml.js';

/** Second-level status codes Gatehouse sends. */
export type SecondLevelStatus = 'AuthnFailed' | 'NoPassive' | 'RequestDenied' | 'InvalidNameIDPolicy' |
  'NoAuthnContext' | 'RequestUnsupported' | 'UnsupportedBinding';

/** Input of {@link buildErrorResponse}. */
export interface ErrorResponseInput extends ResponseEnvelope {
  /** Who is at fault: the SP's request (Requester) or the IdP (Responder). */
  status: 'Requester' | 'Responder';
  subStatus?: SecondLevelStatus;
  /** Human-readable StatusMessage; keep it free of internal details. */
  message?: string;
  key: SigningKey;
}

const secondLevel: Record<SecondLevelStatus, string> = {
  AuthnFailed: statusCodes.authnFailed,
  NoPassive: statusCodes.noPassive,
  RequestDenied: statusCodes.requestDenied,
  InvalidNameIDPolicy: statusCodes.invalidNameIdPolicy,
  NoAuthnContext: statusCodes.noAuthnContext,
  RequestUnsupported: statusCodes.requestUnsupported,
  UnsupportedBinding: statusCodes.unsupportedBinding,
};

/** Builds and signs (Response-level enveloped RSA-SHA256 signature) an error Response. Nothing to store. */
export function buildErrorResponse(input: ErrorResponseInput): BuiltResponse {
  const head = buildResponseHead(input);
  const top = input.status === 'Requester' ? statusCodes.requester : statusCodes.responder;
  const inner = input.subStatus === undefined ? '' : `<samlp:StatusCode Value="${secondLevel[input.subStatus]}"></samlp:StatusCode>`;
  const message = input.message === undefined ? '' : `<samlp:StatusMessage>${escapeText(input.message)}</samlp:StatusMessage>`;
  const canonical = `${head}<samlp:Status><samlp:StatusCode Value="${top}">${inner}</samlp:StatusCode>${message}</samlp:Status></samlp:Response>`;
  const xml = signCanonicalXml(canonical, input.responseId, head.length, input.key);
  return { xml, samlResponse: Buffer.from(xml, 'utf8').toString('base64') };
}
