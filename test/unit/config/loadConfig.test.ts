import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../../src/config/loadConfig.js';
import { createDatabase } from '../../../src/store/createDatabase.js';
import { GatehouseError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a YAML file into the temp folder and returns its path. */
function yamlFile(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Asserts `fn` throws config_invalid whose message contains every one of `parts`. */
function assertConfigInvalid(fn: () => unknown, parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GatehouseError, `expected a GatehouseError, got ${String(e)}`);
    assert.equal(e.code, 'config_invalid');
    for (const p of parts) assert.ok(e.message.includes(p), `message should contain ${JSON.stringify(p)}; was:\n${e.message}`);
    return true;
  });
}

const secretKey = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig defaults', () => {
  test('with no file and no environment, the schema defaults apply', () => {
    const c = loadConfig({ env: {}, useDefaultFile: false });
    assert.equal(c.server.host, '127.0.0.1');
    assert.equal(c.server.port, 8080);
    assert.equal(c.server.trustProxy, false);
    assert.equal(c.server.logLevel, 'info');
    assert.equal(c.server.baseUrl, 'http://localhost:8080');
    assert.equal(c.database.url, 'sqlite:./data/gatehouse.db');
    assert.equal(c.secrets.key, undefined);
    assert.equal(c.saml.entityId, 'http://localhost:8080/saml/metadata');
    assert.equal(c.saml.assertionLifetimeSeconds, 300);
    assert.equal(c.auth.rpId, 'localhost');
    assert.equal(c.auth.origin, 'http://localhost:8080');
    assert.equal(c.session.absoluteSeconds, 12 * 3600);
    assert.equal(c.session.idleSeconds, 30 * 60);
    assert.equal(c.secureCookies, false);
  });

  test('config/default.yaml gives the documented defaults (127.0.0.1:8080, SQLite)', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.server.host, '127.0.0.1');
    assert.equal(c.server.port, 8080);
    assert.equal(c.database.url, 'sqlite:./data/gatehouse.db');
  });

  test('listening on 0.0.0.0 derives a localhost base URL', () => {
    const c = loadConfig({ env: { GATEHOUSE_HOST: '0.0.0.0' }, useDefaultFile: false });
    assert.equal(c.server.host, '0.0.0.0');
    assert.equal(c.server.baseUrl, 'http://localhost:8080');
  });
});

describe('environment overrides', () => {
  test('GATEHOUSE_* variables override defaults, with numbers and booleans parsed', () => {
    const c = loadConfig({
      env: {
        GATEHOUSE_HOST: '10.0.0.5',
        GATEHOUSE_PORT: '9443',
        GATEHOUSE_BASE_URL: 'https://idp.example.com/',
        GATEHOUSE_TRUST_PROXY: 'true',
        GATEHOUSE_LOG_LEVEL: 'warn',
        GATEHOUSE_DATABASE_URL: 'postgres://gatehouse@db.example.com:5432/gatehouse',
        GATEHOUSE_SECRET_KEY: secretKey,
        GATEHOUSE_ENROLL_AT_FIRST_LOGIN: 'false',
      },
      useDefaultFile: false,
    });
    assert.equal(c.server.host, '10.0.0.5');
    assert.equal(c.server.port, 9443);
    assert.equal(c.server.baseUrl, 'https://idp.example.com', 'trailing slash is removed');
    assert.equal(c.server.trustProxy, true);
    assert.equal(c.server.logLevel, 'warn');
    assert.equal(c.database.url, 'postgres://gatehouse@db.example.com:5432/gatehouse');
    assert.equal(c.secrets.key, secretKey);
    assert.equal(c.auth.enrollAtFirstLogin, false);
    assert.equal(c.saml.entityId, 'https://idp.example.com/saml/metadata');
    assert.equal(c.auth.rpId, 'idp.example.com');
    assert.equal(c.auth.origin, 'https://idp.example.com');
  });

  test('explicit entity ID and RP ID win over the derived ones', () => {
    const c = loadConfig({
      env: { GATEHOUSE_BASE_URL: 'https://idp.example.com', GATEHOUSE_ENTITY_ID: 'urn:example:idp', GATEHOUSE_RP_ID: 'example.com' },
      useDefaultFile: false,
    });
    assert.equal(c.saml.entityId, 'urn:example:idp');
    assert.equal(c.auth.rpId, 'example.com');
  });

  test('GATEHOUSE_TIME_ZONE sets the pages\' default time zone; a name that is not an IANA zone is refused, naming both', () => {
    assert.equal(loadConfig({ env: { GATEHOUSE_TIME_ZONE: 'Europe/Paris' }, useDefaultFile: false }).ui.timeZone, 'Europe/Paris');
    assertConfigInvalid(() => loadConfig({ env: { GATEHOUSE_TIME_ZONE: 'Mars/Base' }, useDefaultFile: false }), ['ui.timeZone', 'GATEHOUSE_TIME_ZONE', 'IANA']);
  });

  test('an empty variable is ignored', () => {
    const c = loadConfig({ env: { GATEHOUSE_PORT: '', GATEHOUSE_BASE_URL: '' }, useDefaultFile: false });
    assert.equal(c.server.port, 8080);
    assert.equal(c.server.baseUrl, 'http://localhost:8080');
  });

  test('does not read process.env when env is given', () => {
    const saved = process.env.GATEHOUSE_PORT;
    process.env.GATEHOUSE_PORT = '1234';
    try {
      assert.equal(loadConfig({ env: {}, useDefaultFile: false }).server.port, 8080);
    } finally {
      if (saved === undefined) delete process.env.GATEHOUSE_PORT;
      else process.env.GATEHOUSE_PORT = saved;
    }
  });
});

describe('GATEHOUSE_CONFIG file', () => {
  test('is merged over the defaults, section by section, and env wins over it', () => {
    const file = yamlFile('merge.yaml', [
      'server:',
      '  port: 9000',
      '  logLevel: debug',
      'saml:',
      '  clockSkewSeconds: 60',
      '  relayStateAllowlist: ["https://console.aws.amazon.com/"]',
      'auth:',
      '  argon2:',
      '    timeCost: 3',
      'session:',
      '  idleSeconds: 600',
    ].join('\n'));
    const c = loadConfig({ env: { GATEHOUSE_CONFIG: file, GATEHOUSE_LOG_LEVEL: 'error' } });
    assert.equal(c.server.port, 9000);
    assert.equal(c.server.host, '127.0.0.1', 'keys the file leaves out keep config/default.yaml values');
    assert.equal(c.server.logLevel, 'error', 'the environment wins over the file');
    assert.equal(c.saml.clockSkewSeconds, 60);
    assert.deepEqual(c.saml.relayStateAllowlist, ['https://console.aws.amazon.com/'], 'lists are replaced, not appended');
    assert.equal(c.auth.argon2.timeCost, 3);
    assert.equal(c.auth.argon2.memoryCost, 19456, 'nested sections merge key by key');
    assert.equal(c.session.idleSeconds, 600);
    assert.equal(c.session.absoluteSeconds, 43200);
    assert.equal(c.server.baseUrl, 'http://localhost:9000', 'the derived base URL uses the merged port');
  });

  test('overrides are applied last', () => {
    const file = yamlFile('port.yaml', 'server:\n  port: 9000\n');
    const c = loadConfig({ env: { GATEHOUSE_CONFIG: file, GATEHOUSE_PORT: '9001' }, overrides: { server: { port: 9002 } } });
    assert.equal(c.server.port, 9002);
  });

  test('an empty file changes nothing', () => {
    const c = loadConfig({ env: { GATEHOUSE_CONFIG: yamlFile('empty.yaml', '') }, useDefaultFile: false });
    assert.equal(c.server.port, 8080);
  });

  test('a missing file is config_invalid naming the path', () => {
    const missing = join(dir, 'does-not-exist.yaml');
    assertConfigInvalid(() => loadConfig({ env: { GATEHOUSE_CONFIG: missing } }), [missing]);
  });

  test('a file that is not YAML, or not a mapping, is config_invalid', () => {
    assertConfigInvalid(() => loadConfig({ env: { GATEHOUSE_CONFIG: yamlFile('broken.yaml', 'server: [1, 2\n') } }), ['broken.yaml', 'YAML']);
    assertConfigInvalid(() => loadConfig({ env: { GATEHOUSE_CONFIG: yamlFile('list.yaml', '- 1\n- 2\n') } }), ['list.yaml', 'mapping']);
  });

  test('a wrong value in the file names the key and what is allowed', () => {
    const file = yamlFile('bad.yaml', 'saml:\n  assertionLifetimeSeconds: 3600\n');
    assertConfigInvalid(() => loadConfig({ env: { GATEHOUSE_CONFIG: file } }), ['saml.assertionLifetimeSeconds', '300']);
  });
});

describe('wrong values stop start-up with config_invalid', () => {
  test('port 70000 names server.port, GATEHOUSE_PORT and the limit', () => {
    assertConfigInvalid(() => loadConfig({ env: { GATEHOUSE_PORT: '70000' }, useDefaultFile: false }), ['server.port', 'GATEHOUSE_PORT', '65535']);
  });

  test('a port that is not a number names the key and the expected type', () => {
    assertConfigInvalid(() => loadConfig({ env: { GATEHOUSE_PORT: 'eighty' }, useDefaultFile: false }), ['server.port', 'GATEHOUSE_PORT', 'number']);
  });

  test("logLevel 'loud' names the key and lists the allowed levels", () => {
    assertConfigInvalid(() => loadConfig({ env: { GATEHOUSE_LOG_LEVEL: 'loud' }, useDefaultFile: false }),
      ['server.logLevel', 'GATEHOUSE_LOG_LEVEL', 'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
  });

  test('a base URL that is not a URL names the key', () => {
    assertConfigInvalid(() => loadConfig({ env: { GATEHOUSE_BASE_URL: 'not a url' }, useDefaultFile: false }), ['server.baseUrl', 'GATEHOUSE_BASE_URL']);
  });

  test('a base URL must be an absolute http(s) URL: one line saying what is wrong with it', () => {
    const refused = (v: string): string => {
      try {
        loadConfig({ env: { GATEHOUSE_BASE_URL: v }, useDefaultFile: false });
      } catch (e) {
        assert.ok(e instanceof GatehouseError && e.code === 'config_invalid', String(e));
        return e.message;
      }
      assert.fail(`${v} was accepted`);
    };
    const key = 'invalid configuration: server.baseUrl (GATEHOUSE_BASE_URL): ';
    const fix = 'write it in full, e.g. https://idp.example.com (http://localhost:8080 for development)';
    // `localhost:8080` parses as a URL whose scheme is `localhost:`; it is a host and port without a scheme.
    assert.equal(refused('localhost:8080'), `${key}"localhost:8080" has no scheme; ${fix}`);
    assert.equal(refused('idp.example.com'), `${key}"idp.example.com" has no scheme; ${fix}`);
    assert.equal(refused('https://'), `${key}"https://" is not a valid URL; ${fix}`);
    assert.equal(refused('ftp://idp.example.com'), `${key}"ftp://idp.example.com" must start with https:// (or http:// for development)`);
    assert.equal(refused('https://admin:pw@idp.example.com'), `${key}"https://admin:pw@idp.example.com" must not hold a user name or password`);
    assert.equal(refused('https://idp.example.com/?x=1'), `${key}"https://idp.example.com/?x=1" must not have a query or fragment`);
    assert.equal(refused('https://idp.example.com/#top'), `${key}"https://idp.example.com/#top" must not have a query or fragment`);
    for (const ok of ['https://idp.example.com', 'http://localhost:8080', 'https://example.com/idp']) {
      assert.equal(loadConfig({ env: { GATEHOUSE_BASE_URL: ok }, useDefaultFile: false }).server.baseUrl, ok);
    }
  });

  test('every wrong value is reported at once, one line each', () => {
    assertConfigInvalid(() => loadConfig({ env: { GATEHOUSE_PORT: '70000', GATEHOUSE_LOG_LEVEL: 'loud' }, useDefaultFile: false }),
      ['server.port', 'server.logLevel']);
    try {
      loadConfig({ env: { GATEHOUSE_PORT: '70000', GATEHOUSE_LOG_LEVEL: 'loud' }, useDefaultFile: false });
    } catch (e) {
      const lines = (e as Error).message.split('\n');
      assert.equal(lines.length, 2);
      for (const line of lines) assert.match(line, /^invalid configuration: server\.(port|logLevel) \(GATEHOUSE_(PORT|LOG_LEVEL)\): /);
    }
  });

  test('a database URL that is neither sqlite: nor postgres:// is refused, naming the key and what is allowed', () => {
    // Either loadConfig refuses it, or opening the database does; both happen at start-up, before anything listens.
    assertConfigInvalid(() => {
      const c = loadConfig({ env: { GATEHOUSE_DATABASE_URL: 'mysql://root@localhost/gatehouse' }, useDefaultFile: false });
      createDatabase(c.database.url);
    }, ['database.url', 'GATEHOUSE_DATABASE_URL', 'sqlite:', 'postgres://']);
  });

  test('config_invalid is not exposed to HTTP clients', () => {
    try {
      loadConfig({ env: { GATEHOUSE_PORT: '70000' }, useDefaultFile: false });
      assert.fail('expected config_invalid');
    } catch (e) {
      assert.ok(e instanceof GatehouseError);
      assert.equal(e.status, 500);
      assert.equal(e.expose, false);
    }
  });
});

describe('the result', () => {
  test('is deep-frozen', () => {
    const c = loadConfig({ env: {}, useDefaultFile: false });
    const frozen: unknown[] = [c, c.server, c.database, c.secrets, c.saml, c.saml.relayStateAllowlist, c.auth, c.auth.argon2, c.session, c.lockout, c.devWarnings];
    for (const o of frozen) assert.ok(Object.isFrozen(o), `${JSON.stringify(o).slice(0, 60)} should be frozen`);
    assert.throws(() => { (c.server as { port: number }).port = 1; }, TypeError);
    assert.throws(() => { (c.saml.relayStateAllowlist as string[]).push('https://evil.example/'); }, TypeError);
    assert.throws(() => { (c as unknown as Record<string, unknown>).extra = 1; }, TypeError);
    assert.equal(c.server.port, 8080);
  });

  test('two loads do not share mutable state', () => {
    const a = loadConfig({ env: {}, useDefaultFile: false });
    const b = loadConfig({ env: { GATEHOUSE_PORT: '9000' }, useDefaultFile: false });
    assert.equal(a.server.port, 8080);
    assert.equal(b.server.port, 9000);
  });
});

describe('development warnings and cookies', () => {
  const warningsOf = (c: Config): string => c.devWarnings.join('\n');

  test('a plain-HTTP base URL and a missing secret key each give a warning', () => {
    const c = loadConfig({ env: {}, useDefaultFile: false });
    assert.equal(c.devWarnings.length, 2);
    assert.match(warningsOf(c), /plain HTTP/);
    assert.match(warningsOf(c), /GATEHOUSE_BASE_URL/);
    assert.match(warningsOf(c), /GATEHOUSE_SECRET_KEY/);
  });

  test('https base URL: secure cookies and no plain-HTTP warning', () => {
    const c = loadConfig({ env: { GATEHOUSE_BASE_URL: 'https://idp.example.com' }, useDefaultFile: false });
    assert.equal(c.secureCookies, true);
    assert.doesNotMatch(warningsOf(c), /plain HTTP/);
    assert.match(warningsOf(c), /GATEHOUSE_SECRET_KEY/);
  });

  test('https base URL and a secret key: no warnings at all', () => {
    const c = loadConfig({ env: { GATEHOUSE_BASE_URL: 'https://idp.example.com', GATEHOUSE_SECRET_KEY: secretKey }, useDefaultFile: false });
    assert.deepEqual(c.devWarnings, []);
    assert.equal(c.secureCookies, true);
  });

  test('a secret key alone removes only the key warning', () => {
    const c = loadConfig({ env: { GATEHOUSE_SECRET_KEY: secretKey }, useDefaultFile: false });
    assert.equal(c.secureCookies, false);
    assert.equal(c.devWarnings.length, 1);
    assert.match(warningsOf(c), /plain HTTP/);
  });
});
