/**
 * Signing benchmark: how close the assertion hot path gets to the physical limit, one RSA-3072 signature.
 *
 *   raw      RSA-SHA256 signatures/s over a SignedInfo-sized buffer (the limit)
 *   ours     realistic AWS assertions (3 roles, 4 tags incl. AuthMethod) built + signed + wrapped in a Response
 *   ratio    cost(ours) / cost(raw) = raw/s ÷ ours/s   (target ≤ 1.25)
 *   xmlcrypto  for comparison: the same unsigned assertion signed with xml-crypto (parse + c14n + sign),
 *              the library path samlify uses
 *
 * Run directly: `npx tsx bench/signing.ts`; or call runSigningBench() from bench/run.ts.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SignedXml } from 'xml-crypto';
import { buildAwsAttributes } from '../src/aws/buildAwsAttributes.js';
import { assertAwsConformant } from '../src/aws/lintAwsAssertion.js';
import { acsUrlFor, audienceFor } from '../src/aws/partitions.js';
import { buildCanonicalAssertion } from '../src/saml/buildAssertion.js';
import { saml } from '../src/saml/samlConstants.js';
import { buildResponse, type ResponseInput } from '../src/saml/buildResponse.js';
import { createSigningKey, type SigningKey } from '../src/saml/signingKey.js';

/** Numbers printed by the bench. Rates are operations per second on one core. */
export interface SigningBenchResult {
  keyBits: number;
  rawSignaturesPerSec: number;
  assertionsPerSec: number;
  /** cost of build+sign ÷ cost of one raw signature (≤ 1.25 is the target). */
  ratio: number;
  xmlCryptoAssertionsPerSec: number;
  xmlCryptoRatio: number;
  assertionBytes: number;
}

function rate(fn: (i: number) => void, ms: number): number {
  for (let i = 0; i < 3; i += 1) fn(i); // warm-up
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let k = 0; k < 5; k += 1) fn(n++);
    elapsed = performance.now() - start;
  }
  return (n * 1000) / elapsed;
}

function input(key: SigningKey, now: Date, i: number): ResponseInput {
  const prod = { id: '111122223333', partition: 'aws' as const, providerName: 'Gatehouse' };
  const dev = { id: '444455556666', partition: 'aws' as const, providerName: 'Gatehouse' };
  return {
    issuer: 'https://idp.example.com/saml/metadata',
    assertionId: `_a${i.toString(16).padStart(8, '0')}c0ffee`,
    responseId: `_r${i.toString(16).padStart(8, '0')}c0ffee`,
    now, acsUrl: acsUrlFor('aws'), audience: audienceFor('aws'),
    nameId: 'u-8d7f2c1e', nameIdFormat: saml.nameIdFormat.persistent, sessionIndex: `_s${i}`,
    authnInstant: now, sessionNotOnOrAfter: new Date(now.getTime() + 3_600_000), key,
    attributes: buildAwsAttributes({
      roles: [{ account: prod, roleName: 'Admin' }, { account: prod, roleName: 'ReadOnly' }, { account: dev, roleName: 'platform/Developer' }],
      username: 'alice@example.com', sessionDuration: 3600,
      tags: { CostCenter: 'CC-1234', Team: 'platform', Project: 'gatehouse' },
      transitiveTagKeys: ['CostCenter'], authMethod: 'webauthn',
    }),
  };
}

/** Runs the benchmark (about 3.5 × `msPerCase` ms plus key generation) and returns medians over 10 interleaved rounds. */
export function runSigningBench(options: { msPerCase?: number; keyBits?: number } = {}): SigningBenchResult {
  const ms = options.msPerCase ?? 2000;
  const keyBits = options.keyBits ?? 3072;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: keyBits });
  const key = createSigningKey({ kid: 'bench', privateKey, commonName: 'bench', notBefore: new Date(0), notAfter: new Date(4e12), serial: randomBytes(16) });
  const now = new Date();

  const signedInfoSized = Buffer.alloc(900, 0x61); // our canonical SignedInfo is ~900 bytes
  const rawOp = (): void => { sign('sha256', signedInfoSized, privateKey); };
  // The full hot path a route runs: lint the model, build, sign, wrap, base64.
  const oursOp = (i: number): void => { const m = input(key, now, i); assertAwsConformant(m); buildResponse(m); };
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  const xmlCryptoOp = (i: number): void => {
    const { canonical } = buildCanonicalAssertion(input(key, now, i));
    const sig = new SignedXml({ privateKey: pem, signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
    sig.addReference({ xpath: "/*[local-name()='Assertion']", transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'], digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256' });
    sig.computeSignature(canonical, { location: { reference: "/*[local-name()='Assertion']/*[local-name()='Issuer']", action: 'after' } });
    sig.getSignedXml();
  };

  // Interleave short rounds and take medians, so CPU frequency changes and other load on a shared
  // machine hit both sides of each ratio alike.
  const rounds = 10;
  const slice = Math.max(50, Math.floor(ms / rounds));
  const raws: number[] = [];
  const ourRates: number[] = [];
  const xcRates: number[] = [];
  const ratios: number[] = [];
  const xcRatios: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    const a = rate(rawOp, slice);
    const b = rate(oursOp, slice);
    const c = rate(xmlCryptoOp, slice / 2);
    const a2 = rate(rawOp, slice);
    const rr = (a + a2) / 2;
    raws.push(rr); ourRates.push(b); xcRates.push(c); ratios.push(rr / b); xcRatios.push(rr / c);
  }
  const median = (xs: number[]): number => { const s = [...xs].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2; };
  const rawRate = median(raws);
  const ours = median(ourRates);
  const xmlCrypto = median(xcRates);
  return {
    keyBits,
    rawSignaturesPerSec: rawRate,
    assertionsPerSec: ours,
    ratio: median(ratios),
    xmlCryptoAssertionsPerSec: xmlCrypto,
    xmlCryptoRatio: median(xcRatios),
    assertionBytes: Buffer.byteLength(buildResponse(input(key, now, 0)).xml),
  };
}

/** Human-readable lines for the result. */
export function formatSigningBench(r: SigningBenchResult): string {
  const f = (x: number): string => x.toFixed(1);
  return [
    `signing (RSA-${r.keyBits}, SHA-256, one core)`,
    `  raw RSA-SHA256 signatures/s (limit)         ${f(r.rawSignaturesPerSec)}`,
    `  AWS assertions linted+built+signed/s (ours)  ${f(r.assertionsPerSec)}   ratio ${r.ratio.toFixed(3)}× (target ≤ 1.25×)`,
    `  same assertion signed with xml-crypto/s     ${f(r.xmlCryptoAssertionsPerSec)}   ratio ${r.xmlCryptoRatio.toFixed(3)}×`,
    `  Response size: ${r.assertionBytes} bytes`,
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(formatSigningBench(runSigningBench()));
}

/**
 * CPU time of one raw RSA-SHA256 signature in ms (process CPU time, so other load on the machine does not
 * count): the unit the other rows' CPU cost is set against.
 */
export function rawSigningCpuMs(keyBits = 3072, n = 300): number {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: keyBits });
  const data = Buffer.alloc(900, 0x61);
  for (let i = 0; i < 5; i += 1) sign('sha256', data, privateKey);
  const before = process.cpuUsage();
  for (let i = 0; i < n; i += 1) sign('sha256', data, privateKey);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / n;
}

/**
 * Raw RSA-SHA256 signatures per second on every core at once: one worker thread per core, each signing a
 * SignedInfo-sized buffer in a loop for `ms`, all started together; returns the sum and the core count.
 */
export async function rawSigningAllCores(options: { ms?: number; keyBits?: number; threads?: number } = {}): Promise<{ perSecond: number; threads: number }> {
  const threads = options.threads ?? availableParallelism();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: options.keyBits ?? 3072 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { createPrivateKey, sign } = require('node:crypto');
    const key = createPrivateKey(workerData.pem);
    const data = Buffer.alloc(900, 0x61);
    for (let i = 0; i < 3; i++) sign('sha256', data, key);
    parentPort.once('message', (startAt) => {
      while (Date.now() < startAt) {}
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < workerData.ms) { sign('sha256', data, key); n++; }
      parentPort.postMessage((n * 1000) / (performance.now() - t0));
    });
    parentPort.postMessage('ready');`;
  const workers = Array.from({ length: threads }, () => new Worker(code, { eval: true, workerData: { pem, ms: options.ms ?? 3000 } }));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const startAt = Date.now() + 50;
  const rates = await Promise.all(workers.map((w) => new Promise<number>((resolve) => { w.once('message', resolve); w.postMessage(startAt); })));
  await Promise.all(workers.map((w) => w.terminate()));
  return { perSecond: rates.reduce((a, b) => a + b, 0), threads };
}
