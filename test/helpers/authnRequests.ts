/**
 * AuthnRequests of the example generic SP (test/fixtures/saml/generic-sp-authnrequest.xml, registered with
 * `genericSpMetadata()`), made fresh for an app: its SSO URL, the app's time, a new ID, and optionally a
 * `<saml:Subject>`. `ssoPath` gives the HTTP-Redirect URL, signed with the SP's key.
 */
import { fixture, redirectQuery, spKey } from '../unit/saml/spFixtures.js';

export const EXAMPLE_SP = 'https://sp.example.com/saml/metadata';
export const EXAMPLE_ACS = 'https://sp.example.com/acs';
let seq = 0;

export interface AuthnRequestOptions {
  /** ID of the request; a new one by default. */
  id?: string;
  /** XML put in as the request's <saml:Subject> child, e.g. `<saml:NameID>…</saml:NameID>`. */
  subject?: string;
  force?: boolean;
}

/** The request XML for an app at `baseUrl` whose clock reads `now` (ms). */
export function exampleAuthnRequest(baseUrl: string, now: number, o: AuthnRequestOptions = {}): string {
  let x = fixture('generic-sp-authnrequest.xml')
    .replace('https://idp.example.com/saml/sso', `${baseUrl}/saml/sso`)
    .replace('2026-11-24T15:00:00Z', new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'))
    .replace('_8e8dc5f69a98cc4c1ff3427e5ce34606fd672f91e6', o.id ?? `_req${now}x${seq++}`);
  if (o.subject !== undefined) x = x.replace('</saml:Issuer>', `</saml:Issuer><saml:Subject>${o.subject}</saml:Subject>`);
  if (o.force) x = x.replace('Version="2.0"', 'Version="2.0" ForceAuthn="true"');
  return x.replace(/^<\?xml[^>]*>\s*/, '');
}

/** `/saml/sso?…`: the request in the HTTP-Redirect binding, signed by the example SP's key. */
export function ssoPath(xml: string, relayState?: string): string {
  return `/saml/sso?${redirectQuery(xml, relayState === undefined ? { key: spKey } : { key: spKey, relayState })}`;
}
