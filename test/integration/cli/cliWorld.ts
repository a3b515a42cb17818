/**
 * Everything the `gatehouse login` tests run against, all real: a listening Gatehouse (startTestApp with the
 * SAML test directory: alice with TOTP and roles in every partition, prod/Admin needing a security key), the
 * STS stand-in on loopback trusting Gatehouse's signing key for every role, a temporary HOME, a `gatehouse`
 * on PATH that runs bin/gatehouse.js (the compiled build; gatehouseBin.ts), and GATEHOUSE_BROWSER pointing at a
 * script that records each URL the CLI opens (a test then opens it in Chromium, or not).
 *
 *   const w = await startCliWorld();
 *   const r = await w.gatehouse(['login', '--no-browser', '--username', 'alice', '--password-stdin', '--totp', w.totp()], { input: TEST_PASSWORD });
 *   await w.close();
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDirectoryFile } from '../../../src/directory/directoryFile.js';
import { importDirectory } from '../../../src/directory/applyImport.js';
import { ensureActiveKey, loadSigningKeys } from '../../../src/keys/signingKeyService.js';
import { startTestApp, type StartTestAppOptions, type TestApp } from '../../helpers/app.js';
import { gatehouseArgs } from '../../helpers/gatehouseBin.js';
import type { ProcessResult } from '../../helpers/runProcess.js';
import { samlDirectory } from '../../helpers/samlSetup.js';
import { startStsStandIn, type StsRole, type StsStandIn } from '../../helpers/stsStandIn.js';
import { TEST_TOTP_SECRET } from '../../helpers/users.js';

/** The roles of samlDirectory as IAM has them: role ARN → trust (SAML:aud) and maximum session. */
export const iamRoles: StsRole[] = [
  { arn: 'arn:aws:iam::111122223333:role/Admin', maxSessionDuration: 3600 },
  { arn: 'arn:aws:iam::111122223333:role/ReadOnly', maxSessionDuration: 7200 },
  { arn: 'arn:aws:iam::444455556666:role/Developer', samlAud: ['https://eu-west-1.signin.aws.amazon.com/saml'] },
  { arn: 'arn:aws-us-gov:iam::777788889999:role/GovReadOnly', samlAud: ['https://signin.amazonaws-us-gov.com/saml'] },
  { arn: 'arn:aws-cn:iam::123412341234:role/CnReadOnly', samlAud: ['https://signin.amazonaws.cn/saml'] },
];

export interface CliWorld {
  t: TestApp;
  sts: StsStandIn;
  home: string;
  /** The environment of a CLI child: PATH with `gatehouse`, HOME, STS endpoint, browser recorder. */
  env(extra?: Record<string, string | undefined>): NodeJS.ProcessEnv;
  /** Runs `gatehouse ARGS` to its end. */
  gatehouse(args: string[], o?: { input?: string; env?: Record<string, string | undefined> }): Promise<ProcessResult>;
  /** The TOTP code for alice at the app's time, from oathtool; moves the app's clock 30 s on first, so each code is new. */
  totp(): Promise<string>;
  /** URLs the CLI asked the browser to open, oldest first. */
  openedUrls(): string[];
  /** Waits until the CLI has opened `count` URLs; returns the last. */
  waitForUrl(count: number, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

/** Runs a command to its end without stdin and returns its stdout. */
function output(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, (err, stdout, stderr) => (err ? reject(new Error(`${command}: ${stderr || err.message}`)) : resolve(stdout.trim())));
  });
}

/** Children started with startProcess that may still run (killed by `close`). */
const running = new Set<ChildProcess>();

/** Ends every child a test left running (after a failed assertion, a sign-in may still wait for the browser). */
export function killLeftovers(): void {
  for (const c of running) c.kill('SIGKILL');
  running.clear();
}

export async function startCliWorld(o: { app?: StartTestAppOptions; roles?: StsRole[]; disabledRegions?: string[] } = {}): Promise<CliWorld> {
  const t = await startTestApp({ listen: true, ...o.app });
  await ensureActiveKey(t.ctx);
  await importDirectory(t.ctx, parseDirectoryFile(samlDirectory, 'directory.yaml'), { mode: 'import' });
  const { active } = await loadSigningKeys(t.ctx);
  const entityId = t.ctx.config.saml.entityId;
  const providers = [
    'arn:aws:iam::111122223333:saml-provider/Gatehouse', 'arn:aws:iam::444455556666:saml-provider/Gatehouse',
    'arn:aws-us-gov:iam::777788889999:saml-provider/GatehouseGov', 'arn:aws-cn:iam::123412341234:saml-provider/GatehouseCn',
  ].map((arn) => ({ arn, entityId, certificates: [active.certificatePem] }));
  const sts = await startStsStandIn({ providers, roles: o.roles ?? iamRoles, now: () => new Date(t.clock.now()), disabledRegions: o.disabledRegions });

  const home = mkdtempSync(join(tmpdir(), 'gatehouse-login-'));
  const bin = join(home, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'gatehouse'), `#!/bin/sh\nexec "${process.execPath}" ${gatehouseArgs([]).map((a) => `"${a}"`).join(' ')} "$@"\n`);
  const opened = join(home, 'opened-urls');
  writeFileSync(join(bin, 'record-url'), `#!/bin/sh\nprintf '%s\\n' "$1" >> "${opened}"\n`);
  for (const f of ['gatehouse', 'record-url']) chmodSync(join(bin, f), 0o755);

  const env = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = {
      PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: home, LANG: 'C.UTF-8', AWS_ENDPOINT_URL_STS: sts.url, AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '', GATEHOUSE_BROWSER: join(bin, 'record-url'),
    };
    for (const [k, v] of Object.entries(extra)) { if (v === undefined) delete e[k]; else e[k] = v; }
    return e;
  };
  const openedUrls = (): string[] => (existsSync(opened) ? readFileSync(opened, 'utf8').split('\n').filter(Boolean) : []);

  return {
    t, sts, home, env,
    gatehouse: (args, x = {}) => {
      const p = startProcess(join(bin, 'gatehouse'), args, { cwd: home, env: env(x.env) });
      p.end(x.input ?? '');
      return p.done;
    },
    totp: async () => {
      t.clock.advance(30_000);
      return output('oathtool', ['--totp', '-b', TEST_TOTP_SECRET, '--now', new Date(t.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z')]);
    },
    openedUrls,
    waitForUrl: async (count, timeoutMs = 60_000) => {
      const until = Date.now() + timeoutMs;
      while (openedUrls().length < count) {
        if (Date.now() > until) throw new Error(`the CLI opened ${openedUrls().length} URL(s), expected ${count}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return openedUrls()[count - 1]!;
    },
    close: async () => {
      killLeftovers();
      await sts.close();
      await t.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A child process whose output the test reads while it runs (a sign-in waiting for the browser). */
export interface RunningCli {
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  write(data: string): void;
  /** Writes `data` and closes stdin. */
  end(data?: string): void;
  done: Promise<ProcessResult>;
}

/** Starts `command args` without waiting for it; stdout and stderr are collected together with each other. */
export function startProcess(command: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv }): RunningCli {
  const child = spawn(command, args, { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  child.stdin.on('error', () => undefined); // the child may exit before reading everything
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<ProcessResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => { running.delete(child); resolve({ code, stdout, stderr }); });
  });
  return {
    output: () => stdout + stderr,
    waitFor: async (pattern, timeoutMs = 60_000) => {
      const until = Date.now() + timeoutMs;
      while (!pattern.test(stdout + stderr)) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}; output so far:\n${stdout}${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    write: (data) => { child.stdin.write(data); },
    end: (data = '') => { child.stdin.end(data); },
    done,
  };
}

/** `gatehouse ARGS` in a pseudo-terminal (python3's pty module): stdin, stdout and stderr are a terminal. */
export function startInPty(w: CliWorld, args: string[], env: Record<string, string> = {}): RunningCli {
  const script = 'import os, pty, sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))';
  return startProcess('python3', ['-c', script, join(w.home, 'bin', 'gatehouse'), ...args], { cwd: w.home, env: w.env({ TERM: 'xterm', COLUMNS: '120', ...env }) });
}

/** Text without ANSI escape sequences (what a person reads on the terminal). */
export function plain(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}
