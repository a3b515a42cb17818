import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
  healthcheck?: { test?: string[] };
  expose?: unknown[];
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
    assert.equal(String(env.GATEHOUSE_WORKERS), 'auto', `${name}: one worker per two CPUs unless GATEHOUSE_WORKERS says otherwise`);
    assert.equal(env.GATEHOUSE_MANAGEMENT_HOST, '0.0.0.0', `${name}: the management port is open on the compose network (for the proxy)`);
    assert.equal(String(env.GATEHOUSE_MANAGEMENT_PORT), '9464', name);
    assert.match((s.healthcheck?.test ?? []).join(' '), /http:\/\/127\.0\.0\.1:9464\/readyz/, `${name}: the health check asks the management port's /readyz`);
  }
  const caddy = readFileSync(new URL('../../deploy/Caddyfile', import.meta.url), 'utf8');
  assert.match(caddy, /health_uri \/readyz\s+health_port 9464/, 'the proxy checks readiness on the management port');
  assert.match(readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8'), /HEALTHCHECK[^\n]*\n[^\n]*GATEHOUSE_MANAGEMENT_PORT \|\| 9464\) \+ '\/readyz'/, 'the image checks the management port');
  assert.equal(cfg.services.postgres!.image, 'postgres:16');
  assert.ok(cfg.services.postgres!.healthcheck, 'postgres has a health check');
  assert.ok(cfg.services.proxy!.ports && cfg.services.proxy!.ports.length > 0, 'the proxy publishes a port');
  assert.ok(existsSync(new URL('../../deploy/Caddyfile', import.meta.url)), 'deploy/Caddyfile is mounted by the proxy');
  assert.ok(existsSync(new URL('../../Dockerfile', import.meta.url)), 'the nodes are built from ./Dockerfile');
});

test('GATEHOUSE_WORKERS sets the workers of both nodes', () => {
  const r = compose(['config'], { ...withSecrets, GATEHOUSE_WORKERS: '3' });
  assert.equal(r.status, 0, r.stderr);
  const cfg = parseYaml(r.stdout) as { services: Record<string, ComposeService> };
  for (const name of ['gatehouse-1', 'gatehouse-2']) assert.equal(String(cfg.services[name]!.environment?.GATEHOUSE_WORKERS), '3', name);
});

test('refuses to start without GATEHOUSE_SECRET_KEY, naming it', () => {
  const r = compose(['config', '-q'], { GATEHOUSE_DB_PASSWORD: 'x' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /GATEHOUSE_SECRET_KEY/);
});
