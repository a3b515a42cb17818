import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

// docker-compose.yml must pass `docker-compose config` (the "done when"). .ci/run installs Debian's
// docker-compose; no Docker daemon is needed for `config`.
const root = fileURLToPath(new URL('../..', import.meta.url));
const dummyKey = Buffer.alloc(32, 1).toString('base64');

function compose(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker-compose', ['-f', 'docker-compose.yml', ...args], {
    cwd: root, encoding: 'utf8', timeout: 60_000,
    // A clean environment: a developer's own GATEHOUSE_* variables must not change the result.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    assert.fail('docker-compose is not installed: apt-get install -y docker-compose (.ci/run installs it)');
  }
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const withSecrets = { GATEHOUSE_SECRET_KEY: dummyKey, GATEHOUSE_DB_PASSWORD: 'dummy-db-password' };

interface ComposeService {
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown> | string[];
  healthcheck?: unknown;
  ports?: unknown[];
  volumes?: unknown[];
  image?: string;
  build?: unknown;
}

test('docker-compose config -q passes', () => {
  const r = compose(['config', '-q'], withSecrets);
  assert.equal(r.status, 0, `docker-compose config failed:\n${r.stderr}`);
});

test('postgres, two Gatehouse nodes sharing one database and one secret key, and a proxy', () => {
  const r = compose(['config'], withSecrets);
  assert.equal(r.status, 0, r.stderr);
  const cfg = parseYaml(r.stdout) as { services: Record<string, ComposeService> };
  assert.deepEqual(Object.keys(cfg.services).sort(), ['gatehouse-1', 'gatehouse-2', 'postgres', 'proxy']);
  for (const name of ['gatehouse-1', 'gatehouse-2']) {
    const s = cfg.services[name]!;
    const env = s.environment ?? {};
    assert.equal(env.GATEHOUSE_DATABASE_URL, 'postgres://gatehouse:dummy-db-password@postgres:5432/gatehouse', name);
    assert.equal(env.GATEHOUSE_SECRET_KEY, dummyKey, `${name} must get the shared secret key`);
    assert.equal(env.GATEHOUSE_HOST, '0.0.0.0', name);
    assert.equal(String(env.GATEHOUSE_PORT), '8080', name);
    assert.equal(String(env.GATEHOUSE_TRUST_PROXY), 'true', name);
    assert.match(env.GATEHOUSE_BASE_URL ?? '', /^https?:\/\/localhost:\d+$/, name);
    assert.ok(s.build, `${name} is built from the Dockerfile`);
    assert.ok(s.healthcheck, `${name} has a health check`);
    assert.equal(s.ports, undefined, `${name} must not publish a port: only the proxy does`);
  }
  assert.equal(cfg.services.postgres!.image, 'postgres:16');
  assert.ok(cfg.services.postgres!.healthcheck, 'postgres has a health check');
  assert.ok(cfg.services.proxy!.ports && cfg.services.proxy!.ports.length > 0, 'the proxy publishes a port');
  assert.ok(existsSync(new URL('../../deploy/Caddyfile', import.meta.url)), 'deploy/Caddyfile is mounted by the proxy');
  assert.ok(existsSync(new URL('../../Dockerfile', import.meta.url)), 'the nodes are built from ./Dockerfile');
});

test('refuses to start without GATEHOUSE_SECRET_KEY, naming it', () => {
  const r = compose(['config', '-q'], { GATEHOUSE_DB_PASSWORD: 'x' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /GATEHOUSE_SECRET_KEY/);
});
