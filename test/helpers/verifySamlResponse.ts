/**
 * Checks a captured SAML Response the way AWS and independent SPs would: our AWS conformance check
 * (AWS-SAML.md rule by rule), @node-saml/node-saml configured strictly, and `xmlsec1 --verify`.
 */
import assert from 'node:assert/strict';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { checkAwsSamlResponse } from '../../src/aws/checkAwsSamlResponse.js';
import { xmlsecVerify } from '../interop/helpers.js';

/** The form an auto-POST page carries: action, SAMLResponse (base64) and RelayState. */
export interface AutoPostForm { action: string; samlResponse: string; relayState?: string; xml: string }

const unescapeHtml = (s: string): string => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Reads the auto-POST form out of a page. */
export function parseAutoPost(html: string): AutoPostForm {
  const action = /<form method="post" action="([^"]+)" id="autopost">/.exec(html)?.[1];
  const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(action && samlResponse, 'not an auto-POST page: ' + html.slice(0, 300));
  const relay = /name="RelayState" value="([^"]*)"/.exec(html)?.[1];
  const b64 = unescapeHtml(samlResponse);
  return { action: unescapeHtml(action), samlResponse: b64, ...(relay !== undefined ? { relayState: unescapeHtml(relay) } : {}), xml: Buffer.from(b64, 'base64').toString('utf8') };
}

/**
 * Asserts that an AWS Response passes all three independent checks; returns node-saml's profile
 * (attributes keyed by name).
 */
export async function verifyAwsResponse(form: AutoPostForm, o: { certificatePem: string; audience: string; now?: Date }): Promise<Record<string, unknown>> {
  const { violations } = checkAwsSamlResponse(form.xml, { now: o.now ?? new Date(), expectedAcs: form.action, certificates: [o.certificatePem] });
  assert.deepEqual(violations, [], 'AWS conformance check');
  const profile = await verifyWithNodeSaml(form, { certificatePem: o.certificatePem, audience: o.audience });
  const x = xmlsecVerify(form.xml, o.certificatePem);
  assert.ok(x.ok, 'xmlsec1 --verify: ' + x.output);
  return profile;
}

/** node-saml, strict: signed assertion, sha256, exact audience and callback URL. */
export async function verifyWithNodeSaml(form: AutoPostForm, o: { certificatePem: string; audience: string; inResponseTo?: boolean }): Promise<Record<string, unknown>> {
  const sp = new SAML({
    idpCert: o.certificatePem, issuer: o.audience, callbackUrl: form.action, audience: o.audience, wantAssertionsSigned: true,
    wantAuthnResponseSigned: false, signatureAlgorithm: 'sha256', validateInResponseTo: ValidateInResponseTo.never, acceptedClockSkewMs: 0,
  });
  const { profile } = await sp.validatePostResponseAsync({ SAMLResponse: form.samlResponse });
  assert.ok(profile, 'node-saml returned no profile');
  return profile as unknown as Record<string, unknown>;
}
