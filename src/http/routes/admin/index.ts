/**
 * The admin console (/admin, server-rendered pages) and the admin REST API (/api/v1/admin, JSON): both call the
 * same change functions in src/admin, so every change is one audit event whichever surface made it.
 * One line per resource.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { registerAccessApi } from './accessApi.js';
import { registerAccessPages } from './accessPages.js';
import { registerAccountsPages } from './accountsPages.js';
import { registerAccountsApi } from './accountsApi.js';
import { registerGroupsApi } from './groupsApi.js';
import { registerGroupsPages } from './groupsPages.js';
import { registerMappingsPages } from './mappingsPages.js';
import { registerAdminOverviewPage } from './overviewPage.js';
import { registerAuditApi } from './auditApi.js';
import { registerAuditPages } from './auditPages.js';
import { registerDirectoryApi } from './directoryApi.js';
import type { SigningKeyCache } from '../../sso/signingKeyCache.js';
import { registerKeysApi } from './keysApi.js';
import { registerKeysPages } from './keysPages.js';
import { registerPeopleApi } from './peopleApi.js';
import { registerPeoplePages } from './peoplePages.js';
import { registerPersonActionPages } from './personActionPages.js';
import { registerServiceProvidersApi } from './serviceProvidersApi.js';
import { registerServiceProvidersPages } from './serviceProvidersPages.js';
import { registerTokensApi } from './tokensApi.js';
import { registerTokensPages } from './tokensPages.js';

export async function registerAdminRoutes(app: FastifyInstance, ctx: AppContext, keys: SigningKeyCache): Promise<void> {
  await registerAdminOverviewPage(app, ctx);
  await registerPeopleApi(app, ctx);
  await registerPeoplePages(app, ctx);
  await registerPersonActionPages(app, ctx);
  await registerServiceProvidersApi(app, ctx);
  await registerServiceProvidersPages(app, ctx);
  await registerTokensApi(app, ctx);
  await registerGroupsApi(app, ctx);
  await registerAccountsApi(app, ctx);
  await registerAccessApi(app, ctx);
  await registerGroupsPages(app, ctx);
  await registerMappingsPages(app, ctx);
  await registerAccountsPages(app, ctx);
  await registerAccessPages(app, ctx);
  await registerTokensPages(app, ctx);
  await registerKeysApi(app, ctx, keys);
  await registerKeysPages(app, ctx, keys);
  await registerAuditApi(app, ctx);
  await registerAuditPages(app, ctx);
  await registerDirectoryApi(app, ctx);
}
