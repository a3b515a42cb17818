// Shared pieces for interop tests: a realistic AWS response, and xmlsec1 invocation.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAwsAttributes } from '../../src/aws/buildAwsAttributes.js';
import { acsUrlFor, audienceFor } from '../../src/aws/partitions.js';
import { saml } from '../../src/saml/samlConstants.js';
import type { ResponseInput } from '../../src/saml/buildResponse.js';
import type { SigningKey } from '../../src/saml/signingKey.js';

/** A realistic IdP-initiated AWS response input: 3 roles in 2 accounts, 4 tags (incl. AuthMethod). */
export function awsResponseInput(key: SigningKey, now: Date, overrides: Partial<ResponseInput> = {}): ResponseInput {
  const prod = { id: '111122223333', partition: 'aws' as const, providerName: 'Gatehouse' };
  const dev = { id: '444455556666', partition: 'aws' as const, providerName: 'Gatehouse' };
  const attributes = buildAwsAttributes({
    roles: [
      { account: prod, roleName: 'Admin' },
      { account: prod, roleName: 'ReadOnly' },
      { account: dev, roleName: 'platform/Developer' },
    ],
    username: 'alice@example.com',
    sessionDuration: 3600,
    tags: { CostCenter: 'CC-1234', Team: 'platform', Email: 'alice@example.com' },
    transitiveTagKeys: ['CostCenter'],
    authMethod: 'webauthn',
  });
  return {
    issuer: 'https://idp.example.com/saml/metadata',
    assertionId: '_a' + now.getTime().toString(16) + 'b4c2e1',
    responseId: '_r' + now.getTime().toString(16) + '9f00aa',
    now,
    acsUrl: acsUrlFor('aws'),
    audience: audienceFor('aws'),
    nameId: 'u-8d7f2c1e',
    nameIdFormat: saml.nameIdFormat.persistent,
    sessionIndex: '_s1',
    authnInstant: new Date(now.getTime() - 30_000),
    sessionNotOnOrAfter: new Date(now.getTime() + 3600_000),
    attributes,
    key,
    ...overrides,
  };
}

/** Runs `xmlsec1 --verify` on the assertion of `xml`; returns exit status and output. */
export function xmlsecVerify(xml: string, certificatePem: string, idAttr = 'urn:oasis:names:tc:SAML:2.0:assertion:Assertion'): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-xmlsec-'));
  try {
    writeFileSync(join(dir, 'cert.pem'), certificatePem);
    writeFileSync(join(dir, 'doc.xml'), xml);
    const r = spawnSync('xmlsec1', ['--verify', '--pubkey-cert-pem', join(dir, 'cert.pem'), '--id-attr:ID', idAttr, join(dir, 'doc.xml')], { encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
