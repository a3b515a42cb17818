// Fuzz run of the inbound parsers (issue 7, "Also"): a few hundred inputs per property in `npm test`,
// FUZZ_RUNS per property in `npm run fuzz`. FUZZ_SEED replays a failing run. Properties: properties.ts.
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { registerServiceProvider } from '../../src/directory/registerServiceProvider.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { genericSpMetadata } from '../unit/saml/spFixtures.js';
import {
  authnRequestProperty, directoryFileProperty, fuzzRuns, samlSsoRouteProperty, scanCountsProperty, spMetadataProperty,
} from './properties.js';

const runs = fuzzRuns(200);
const seed = process.env.FUZZ_SEED === undefined ? {} : { seed: Number(process.env.FUZZ_SEED) };
const options = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, ...seed });

describe('fuzz: inbound parsers', () => {
  it('AuthnRequest decoder and parser, HTTP-Redirect', () => {
    fc.assert(authnRequestProperty('redirect'), options(runs));
  });
  it('AuthnRequest decoder and parser, HTTP-POST', () => {
    fc.assert(authnRequestProperty('post'), options(runs));
  });
  it('SP metadata parser', () => {
    fc.assert(spMetadataProperty, options(runs));
  });
  it('directory-file parser', () => {
    fc.assert(directoryFileProperty, {
      ...options(runs),
      examples: [
        // Regressions: the YAML library's own exceptions (alias bomb, alias before its anchor) escaped as 500s.
        ['a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n'],
        ['accounts: *x\n'],
      ],
    });
  });
  it('the pre-scan never counts less than the parser builds', () => {
    fc.assert(scanCountsProperty, options(runs));
  });

  describe('/saml/sso', () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ db: 'sqlite' });
      await registerServiceProvider(t.ctx, { metadataXml: genericSpMetadata(), name: 'Example SP' });
    });
    after(async () => { await t.close(); });
    it('answers every fuzzed request of either binding below 500, parsing nothing past the caps', async () => {
      await fc.assert(samlSsoRouteProperty(t.app), options(Math.ceil(runs / 2)));
    });
  });
});
