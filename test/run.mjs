#!/usr/bin/env node
// The README's test command. Checks that every real part the suite needs is present (it never skips a
// test for a missing part: it stops and says what to install), then runs all tests with node's runner.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import net from 'node:net';

const root = new URL('..', import.meta.url).pathname;
const missing = [];
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
if (!existsSync(process.env.GATEHOUSE_CHROMIUM ?? '/usr/bin/chromium')) missing.push('chromium (apt-get install -y chromium)');
if (!has('xmlsec1')) missing.push('xmlsec1 (apt-get install -y xmlsec1)');
if (!has('oathtool')) missing.push('oathtool (apt-get install -y oathtool)');
if (!existsSync('/usr/bin/aws') && !has('aws')) missing.push('awscli (apt-get install -y awscli)');
if (!has('docker-compose')) missing.push('docker-compose, to check docker-compose.yml (apt-get install -y docker-compose)');

const pgUrl = process.env.GATEHOUSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
process.env.GATEHOUSE_TEST_PG_URL = pgUrl;
const { hostname, port } = new URL(pgUrl);
const pgUp = await new Promise((resolve) => {
  const s = net.connect({ host: hostname, port: Number(port || 5432) }, () => { s.end(); resolve(true); });
  s.on('error', () => resolve(false));
  s.setTimeout(3000, () => { s.destroy(); resolve(false); });
});
if (!pgUp) missing.push(`PostgreSQL at ${hostname}:${port || 5432} (apt-get install -y postgresql, then: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start; or set GATEHOUSE_TEST_PG_URL)`);

if (missing.length > 0) {
  console.error('npm test needs these real parts, which are missing:\n  - ' + missing.join('\n  - '));
  console.error('Install them (.ci/run does it on Debian) and run npm test again.');
  process.exit(1);
}

const args = process.argv.slice(2);
const dirs = args.length > 0 ? args : ['test'];
const files = [];
const walk = (p) => {
  if (statSync(p).isDirectory()) { for (const e of readdirSync(p).sort()) walk(join(p, e)); }
  else if (/\.test\.ts$/.test(p)) files.push(relative(root, p));
};
for (const d of dirs) walk(join(root, d));

const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
  cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' },
});
process.exit(r.status ?? 1);
