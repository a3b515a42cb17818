import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Metrics } from '../metrics.js';
import { SigningKeyCache } from '../sso/signingKeyCache.js';
import { registerPortalRoutes } from './portal.js';
import { registerAwsConsoleRoutes } from './awsConsole.js';
import { registerSamlMetadataRoutes } from './samlMetadata.js';
import { registerSamlSsoRoutes } from './samlSso.js';

/** Registers every surface's routes (one line per surface). */
export async function registerRoutes(app: FastifyInstance, ctx: AppContext, metrics: Metrics): Promise<void> {
  void app; void ctx; void metrics;
  await (await import('./login.js')).registerLoginRoutes(app, ctx, metrics);
  await (await import('./enroll.js')).registerEnrollRoutes(app, ctx, metrics);
  await (await import('./account.js')).registerAccountRoutes(app, ctx, metrics);
  await (await import('./setup.js')).registerSetupRoutes(app, ctx, metrics);
  await (await import('./adminUsers.js')).registerAdminUserRoutes(app, ctx, metrics);
  const keys = new SigningKeyCache(ctx);
  await registerPortalRoutes(app, ctx);
  await registerAwsConsoleRoutes(app, ctx, keys, metrics);
  await registerSamlMetadataRoutes(app, ctx, keys);
  await registerSamlSsoRoutes(app, ctx, keys, metrics);
}
