// Test helper: fixtures under test/fixtures/saml, an SP signing key, and the SP's two ways of signing.
import { sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';
import type { SigningKey } from '../../../src/saml/signingKey.js';
import { testSigningKey } from './testKeys.js';

export const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/saml/${name}`, import.meta.url), 'utf8');

export const spKey: SigningKey = testSigningKey('sp', 2048);

/** generic-sp-metadata.xml with the SP's generated certificate filled in. */
export const genericSpMetadata = (key: SigningKey = spKey): string =>
  fixture('generic-sp-metadata.xml').replace('__SP_SIGNING_CERT__', key.certificateB64.replace(/.{1,64}/g, '$&\n'));

/** HTTP-Redirect: deflate + base64 + URL-encode, optionally signed over the raw query string. */
export function redirectQuery(xml: string, opts: { relayState?: string; key?: SigningKey; sigAlg?: string } = {}): string {
  const enc = encodeURIComponent;
  let q = `SAMLRequest=${enc(deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64'))}`;
  if (opts.relayState !== undefined) q += `&RelayState=${enc(opts.relayState)}`;
  if (opts.key === undefined) return q;
  q += `&SigAlg=${enc(opts.sigAlg ?? 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256')}`;
  const signature = sign('sha256', Buffer.from(q, 'utf8'), opts.key.privateKey).toString('base64');
  return `${q}&Signature=${enc(signature)}`;
}

/** HTTP-POST: enveloped XML signature of the root, placed after Issuer, as SPs do with xml-crypto. */
export function signPostRequest(xml: string, key: SigningKey = spKey): string {
  const sig = new SignedXml({
    privateKey: key.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicCert: key.certificatePem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: "/*[local-name()='AuthnRequest']",
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  sig.computeSignature(xml, { location: { reference: "/*[local-name()='AuthnRequest']/*[local-name()='Issuer']", action: 'after' } });
  return sig.getSignedXml();
}
