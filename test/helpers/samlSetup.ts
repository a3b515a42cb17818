/**
 * A signed-in person with AWS roles in every partition, for SAML tests: imports a directory file through
 * the real importer, makes the signing key, and signs in through the real pages (password + TOTP).
 */
import supertest from 'supertest';
import { parseDirectoryFile } from '../../src/directory/directoryFile.js';
import { importDirectory } from '../../src/directory/applyImport.js';
import { ensureActiveKey, loadSigningKeys } from '../../src/keys/signingKeyService.js';
import { startTestApp, type StartTestAppOptions, type TestApp } from './app.js';
import { loginWithTotp } from './login.js';
import { TEST_PASSWORD, TEST_TOTP_SECRET } from './users.js';

export const samlDirectory = `
session_tags: [CostCenter, Team]
transitive_tags: [CostCenter]
accounts:
  - {id: "111122223333", alias: prod, provider: Gatehouse}
  - {id: "444455556666", alias: staging, provider: Gatehouse, region: eu-west-1}
  - {id: "777788889999", alias: gov, provider: GatehouseGov, partition: aws-us-gov}
  - {id: "123412341234", alias: china, provider: GatehouseCn, partition: aws-cn}
groups:
  - name: platform-admins
    tags: {Team: platform}
    roles:
      - {account: prod, role: Admin, session_duration: 3600, require: webauthn}
      - {account: prod, role: ReadOnly, session_duration: 7200}
      - {account: staging, role: Developer}
  - name: gov-users
    roles:
      - {account: gov, role: GovReadOnly}
      - {account: china, role: CnReadOnly}
users:
  - username: alice
    email: alice@example.com
    display_name: Alice Example
    password: "${TEST_PASSWORD}"
    attributes: {CostCenter: CC-1234}
    groups: [platform-admins, gov-users]
    totp: {secret: ${TEST_TOTP_SECRET}, name: phone}
`;

export interface SamlTestApp extends TestApp {
  agent: ReturnType<typeof supertest.agent>;
  csrf: string;
  certificatePem: string;
}

/** Starts an app with `samlDirectory` imported and alice signed in with TOTP. */
export async function startSamlApp(opts: StartTestAppOptions & { directory?: string } = {}): Promise<SamlTestApp> {
  const t = await startTestApp(opts);
  await ensureActiveKey(t.ctx);
  await importDirectory(t.ctx, parseDirectoryFile(opts.directory ?? samlDirectory, 'directory.yaml'), { mode: 'import' });
  const agent = supertest.agent(t.app.server);
  const { csrf } = await loginWithTotp(agent, { username: 'alice', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
  const { active } = await loadSigningKeys(t.ctx);
  return { ...t, agent, csrf, certificatePem: active.certificatePem };
}
