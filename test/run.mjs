#!/usr/bin/env node
// The README's test command. As root on Debian it first sets the machine up (scripts/setup-test-machine.sh:
// apt-get installs what is missing, PostgreSQL is started). Then it checks that every real part the suite needs
// is present (it never skips a test for a missing part: it stops and says what to install), and runs all tests
// with node's runner.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import net from 'node:net';
import { ensureDist } from '../scripts/builtDist.mjs';
import { buildTests } from '../scripts/buildTests.mjs';

const root = new URL('..', import.meta.url).pathname;
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

// The programs the suite runs, each with its Debian package (PostgreSQL is checked on its own, below).
const programs = [
  { pkg: 'chromium', present: () => existsSync(process.env.GATEHOUSE_CHROMIUM ?? '/usr/bin/chromium') },
  { pkg: 'xmlsec1', present: () => has('xmlsec1') },
  { pkg: 'oathtool', present: () => has('oathtool') },
  { pkg: 'awscli', present: () => existsSync('/usr/bin/aws') || has('aws') },
  { pkg: 'docker-compose', why: ', to check docker-compose.yml', present: () => has('docker-compose') },
];
const missingPrograms = () => programs.filter((p) => !p.present());

if (process.getuid?.() === 0 && has('apt-get')) {
  const setup = spawnSync('bash', [join(root, 'scripts/setup-test-machine.sh'), ...missingPrograms().map((p) => p.pkg)], {
    stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8',
  });
  if (setup.status !== 0) {
    console.error(`npm test: scripts/setup-test-machine.sh failed (exit ${setup.status ?? setup.signal}); see above.`);
    process.exit(1);
  }
  process.env.GATEHOUSE_TEST_PG_URL = setup.stdout.trim();
}

const missing = missingPrograms().map((p) => `${p.pkg}${p.why ?? ''} (apt-get install -y ${p.pkg})`);
const pgUrl = process.env.GATEHOUSE_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
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
console.log(`npm test: ${files.length} test files on node ${process.version} (${process.execPath})`);

// The tests start the CLI and `gatehouse serve` from the compiled build, as installed (test/helpers/gatehouseBin.ts):
// build it first when src/ has changed since.
try { ensureDist((line) => console.log(`npm test: ${line}`)); } catch (e) { console.error(`npm test: ${e.message}`); process.exit(1); }

// The test files run bundled (scripts/buildTests.mjs): each starts in about a third of the CPU it took under tsx.
const outside = files.filter((f) => !f.startsWith('test/'));
if (outside.length > 0) {
  console.error(`npm test: test files must be under test/, not ${outside.join(', ')}`);
  process.exit(1);
}
let bundledFiles;
try {
  const started = Date.now();
  bundledFiles = await buildTests(files);
  console.log(`npm test: bundled the test files into dist/test in ${Date.now() - started} ms`);
} catch (e) {
  console.error(`npm test: bundling the test files failed: ${e.message}`);
  process.exit(1);
}

// Two files at a time; GATEHOUSE_TEST_CONCURRENCY sets another number. On two cores the suite is CPU-bound (both
// cores were 98 % busy during a CI run, 2026-12-02): under tsx, on a quiet 2-core machine, the whole suite took
// 753 s at two files at a time and 764 s at three (2026-12-01); bundled, 674 s at two.
const concurrency = process.env.GATEHOUSE_TEST_CONCURRENCY || '2';
if (!/^[1-9][0-9]*$/.test(concurrency)) {
  console.error(`npm test: GATEHOUSE_TEST_CONCURRENCY must be a whole number of test files at a time, not ${JSON.stringify(concurrency)}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...bundledFiles], {
  cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' },
});
process.exit(r.status ?? 1);
