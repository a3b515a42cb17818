/**
 * The admin API's OpenAPI document: valid OpenAPI 3.1 (checked by @apidevtools/swagger-parser), generated from
 * the routes: every /api/v1/admin route has a schema and is in the document, every operation in the document
 * is a route that exists; the reference page lists every operation.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { routeTable } from '../../../src/http/api/openapi.js';

type Doc = { openapi: string; paths: Record<string, Record<string, { summary?: string; security?: unknown[]; responses?: object }>> };
const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('admin API OpenAPI document', () => {
  let t: TestApp;
  let doc: Doc;
  before(async () => {
    t = await startTestApp();
    doc = (await supertest(t.app.server).get('/api/v1/openapi.json').expect(200).expect('content-type', /json/)).body;
  });
  after(async () => { await t.close(); });

  it('is valid OpenAPI 3.1', async () => {
    assert.equal(doc.openapi, '3.1.0');
    await SwaggerParser.validate(structuredClone(doc) as never);
  });

  it('lists exactly the admin routes, each with a summary, security and responses', () => {
    const routes = routeTable.get(t.app) ?? [];
    const admin = routes.filter((r) => r.url.startsWith('/api/v1/admin') && r.method !== 'HEAD');
    assert.ok(admin.length >= 6, `only ${admin.length} admin routes`);
    const undocumented = admin.filter((r) => !r.documented).map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(undocumented, [], 'admin routes without a schema (declare them with adminRoute)');
    const fromRoutes = admin.map((r) => `${r.method.toLowerCase()} ${toOpenApiPath(r.url)}`).sort();
    const fromDoc = Object.entries(doc.paths).flatMap(([p, ms]) => Object.keys(ms).map((m) => `${m} ${p}`)).sort();
    assert.deepEqual(fromDoc, fromRoutes);
    for (const [p, ms] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ms)) {
        assert.ok(op.summary, `${m} ${p} has no summary`);
        assert.ok(op.security && op.security.length > 0, `${m} ${p} has no security`);
        assert.ok(op.responses && Object.keys(op.responses).some((c) => c.startsWith('2')), `${m} ${p} has no success response`);
      }
    }
  });

  it('the reference page shows every operation, with user-visible text escaped', async () => {
    const html = (await supertest(t.app.server).get('/api/v1/reference').expect(200).expect('content-type', /html/)).text;
    for (const [p, ms] of Object.entries(doc.paths)) {
      for (const m of Object.keys(ms)) assert.ok(html.includes(`${m.toUpperCase()}</span> <code>${p}</code>`), `${m} ${p} missing from the reference page`);
    }
    assert.ok(html.includes('/api/v1/openapi.json'));
  });
});
