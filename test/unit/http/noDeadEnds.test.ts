// Issue 11, "no dead ends", the pure rules: which device a step-up asks for (or "Add a security key"), the next
// steps an error page offers, how a configured timeout is said, and the recovery-codes download.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { factorFacts, stepUpFactor } from '../../../src/auth/factors.js';
import { durationText } from '../../../src/auth/flow/storedFlow.js';
import type { FlowGlance } from '../../../src/auth/flow/storedFlow.js';
import { nextSteps } from '../../../src/http/errorPage.js';
import { recoveryCodesModel } from '../../../src/http/routes/recoveryCodes.js';

describe('stepUpFactor', () => {
  it('asks for the factor required when the person has it, else another that meets it, else nothing (add one)', () => {
    assert.equal(stepUpFactor(['totp', 'webauthn'], 'totp'), 'totp');
    assert.equal(stepUpFactor(['webauthn'], 'totp'), 'webauthn', 'a security key meets require: totp');
    assert.equal(stepUpFactor(['totp'], 'webauthn'), undefined, 'an authenticator app does not meet require: webauthn');
    assert.equal(stepUpFactor([], 'totp'), undefined);
    assert.equal(factorFacts.webauthn.label.add, 'Add a security key');
    assert.equal(factorFacts.totp.label.add, 'Add an authenticator app');
  });
});

describe('durationText', () => {
  it('says a configured duration in words, singular and plural', () => {
    assert.deepEqual([600, 900, 60, 3600, 7200, 90, 1].map(durationText), ['10 minutes', '15 minutes', '1 minute', '1 hour', '2 hours', '90 seconds', '1 second']);
  });
});

describe('nextSteps', () => {
  const flow = (o: Partial<FlowGlance>): FlowGlance => ({ state: 'mfa', purpose: 'login', returnTo: '/', expired: false, enrollingTotp: false, ...o });
  const hrefs = (steps: { href: string }[]) => steps.map((s) => s.href);

  it('an expired sign-in starts again toward the page that was asked for', () => {
    assert.deepEqual(nextSteps({ code: 'flow_expired', signedIn: false, flow: flow({ expired: true, returnTo: '/account' }) }).map((s) => s.label), ['Start again', 'Back to the portal']);
    assert.deepEqual(hrefs(nextSteps({ code: 'flow_expired', signedIn: false, flow: flow({ expired: true, returnTo: '/account' }) })), ['/login?return_to=%2Faccount', '/']);
    assert.deepEqual(hrefs(nextSteps({ code: 'csrf_invalid', signedIn: false })), ['/login', '/']);
  });

  it('a sign-in that is still open continues where it stopped, and the portal that refused is not offered', () => {
    assert.deepEqual(hrefs(nextSteps({ code: 'mfa_required', signedIn: false, flow: flow({ state: 'mfa' }) })), ['/login/mfa', '/login']);
    assert.deepEqual(hrefs(nextSteps({ code: 'enrollment_required', signedIn: false, flow: flow({ state: 'enroll-mfa' }) })), ['/login/enroll', '/login']);
    assert.deepEqual(hrefs(nextSteps({ code: 'enrollment_required', signedIn: false, flow: flow({ state: 'enroll-mfa', expired: true }) })), ['/login', '/'], 'not an expired one');
  });

  it('other errors: the portal, and for a signed-in person the account page', () => {
    assert.deepEqual(hrefs(nextSteps({ code: 'not_found', signedIn: true })), ['/', '/account']);
    assert.deepEqual(hrefs(nextSteps({ code: 'forbidden', signedIn: false })), ['/']);
    assert.deepEqual(hrefs(nextSteps({ code: 'flow_invalid', signedIn: true })), ['/login', '/', '/account']);
    assert.deepEqual(nextSteps({ code: 'session_required', signedIn: false }).map((s) => s.label), ['Sign in', 'Back to the portal']);
  });
});

describe('recoveryCodesModel', () => {
  it('the download is a text file of exactly the codes, named after the site', () => {
    const codes = ['abcd-efgh-2345', 'ijkl-mnop-6723'];
    const m = recoveryCodesModel(codes, { username: 'ann', site: 'Acme SSO', now: Date.UTC(2026, 0, 2, 3, 4) });
    assert.equal(m.downloadName, 'acme-sso-recovery-codes.txt');
    assert.ok(m.downloadHref.startsWith('data:text/plain;charset=utf-8,'));
    const text = decodeURIComponent(m.downloadHref.slice('data:text/plain;charset=utf-8,'.length));
    assert.equal(text, 'Acme SSO recovery codes for ann\nMade 2026-01-02 03:04 UTC. Each code works once; new codes cancel these.\n\nabcd-efgh-2345\nijkl-mnop-6723\n');
  });
});
