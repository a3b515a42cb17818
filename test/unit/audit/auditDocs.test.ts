// docs/audit.md agrees with the event catalogue (src/audit/auditEvents.ts), as docs/errors.md with src/errors.ts.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { auditEvents, auditEventTypes, auditOutcomes, type AuditEventSpec } from '../../../src/audit/auditEvents.js';

interface DocRow { outcomes: string[]; person: boolean; device: boolean; detail: string[]; when: string }

/** Rows of the event table: `| \`type\` | outcomes | yes/— | yes/— | \`field\`, \`field?\` or — | when |`. */
function documentedEvents(): Map<string, DocRow> {
  const rows = new Map<string, DocRow>();
  const text = readFileSync(new URL('../../../docs/audit.md', import.meta.url), 'utf8');
  for (const line of text.split('\n')) {
    const m = /^\|\s*`([a-z_.]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const [, type, rest] = m as unknown as [string, string, string];
    const cells = rest.split('|').map((c) => c.trim());
    if (cells.length < 5) continue; // another table (the break kinds)
    const [outcomes = '', person = '', device = '', detail = '', ...when] = cells;
    assert.ok(!rows.has(type), `docs/audit.md lists ${type} twice`);
    const flag = (v: string, what: string): boolean => {
      assert.ok(v === 'yes' || v === '—', `docs/audit.md: ${type}: ${what} must be "yes" or "—", not "${v}"`);
      return v === 'yes';
    };
    rows.set(type, {
      outcomes: outcomes.split(',').map((o) => o.trim()),
      person: flag(person, 'person'),
      device: flag(device, 'device'),
      detail: detail === '—' ? [] : [...detail.matchAll(/`([A-Za-z]+\??)`/g)].map((d) => d[1]!),
      when: when.join('|').trim(),
    });
  }
  return rows;
}

/** `name` or `name?` for each detail field of a spec (optional when undefined is accepted). */
function detailFields(spec: AuditEventSpec): string[] {
  return Object.entries(spec.detail.shape).map(([k, s]) => (s.safeParse(undefined).success ? `${k}?` : k));
}

describe('docs/audit.md agrees with auditEvents', () => {
  const docs = documentedEvents();
  const specs = auditEvents as Record<string, AuditEventSpec>;

  test('the table was read', () => {
    assert.ok(docs.size >= 30, `expected the event table of docs/audit.md, read ${docs.size} rows`);
  });

  test('the same event types, in the same order', () => {
    const missing = auditEventTypes.filter((t) => !docs.has(t));
    assert.deepEqual(missing, [], `add these event types to docs/audit.md: ${missing.join(', ')}`);
    const extra = [...docs.keys()].filter((t) => !(t in auditEvents));
    assert.deepEqual(extra, [], `docs/audit.md lists event types that src/audit/auditEvents.ts does not have: ${extra.join(', ')}`);
    assert.deepEqual([...docs.keys()], auditEventTypes);
  });

  test('each type: outcomes, person, device and detail fields as in the code, and when it is written', () => {
    const problems: string[] = [];
    for (const [type, doc] of docs) {
      const spec = specs[type];
      if (!spec) continue;
      if (doc.outcomes.join(', ') !== spec.outcomes.join(', ')) problems.push(`${type}: outcome is "${spec.outcomes.join(', ')}" in the code, "${doc.outcomes.join(', ')}" in the docs`);
      if (doc.person !== spec.person) problems.push(`${type}: person is ${spec.person} in the code`);
      if (doc.device !== spec.device) problems.push(`${type}: device is ${spec.device} in the code`);
      const fields = detailFields(spec);
      if (doc.detail.join(', ') !== fields.join(', ')) problems.push(`${type}: detail is ${fields.join(', ') || '—'} in the code, ${doc.detail.join(', ') || '—'} in the docs`);
      if (doc.when.length === 0) problems.push(`${type}: say when it is written`);
    }
    assert.deepEqual(problems, [], 'docs/audit.md is behind src/audit/auditEvents.ts');
  });

  test('outcomes are the known three', () => {
    for (const [type, spec] of Object.entries(specs)) {
      for (const o of spec.outcomes) assert.ok((auditOutcomes as readonly string[]).includes(o), `${type}: unknown outcome ${o}`);
    }
  });
});
