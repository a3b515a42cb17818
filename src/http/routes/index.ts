import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Metrics } from '../metrics.js';
import { SigningKeyCache } from '../sso/signingKeyCache.js';
import { registerLoginRoutes } from './login.js';
import { registerEnrollRoutes } from './enroll.js';
import { registerAccountRoutes } from './account.js';
import { registerRecoveryCodeRoutes } from './recoveryCodes.js';
import { registerSetupRoutes } from './setup.js';
import { registerPasswordRoutes } from './password.js';
import { registerPortalRoutes } from './portal.js';
import { registerAwsConsoleRoutes } from './awsConsole.js';
import { registerSamlMetadataRoutes } from './samlMetadata.js';
import { registerSamlSsoRoutes } from './samlSso.js';
import { registerAdminRoutes } from './admin/index.js';
import { registerSamlLaunchRoutes } from './samlLaunch.js';
import { registerCliApiRoutes } from './cliApi.js';
import { registerCliTokenRoutes } from './cliToken.js';
import { registerCliAuthorizeRoutes } from './cliAuthorize.js';
import { registerCliDeviceRoutes } from './cliDevice.js';

/** Registers every surface's routes (one line per surface). */
export async function registerRoutes(app: FastifyInstance, ctx: AppContext, metrics: Metrics): Promise<void> {
  const keys = new SigningKeyCache(ctx);
  await registerLoginRoutes(app, ctx);
  await registerEnrollRoutes(app, ctx, metrics);
  await registerAccountRoutes(app, ctx, metrics);
  await registerRecoveryCodeRoutes(app, ctx);
  await registerSetupRoutes(app, ctx, metrics);
  await registerPasswordRoutes(app, ctx, metrics);
  await registerPortalRoutes(app, ctx);
  await registerAwsConsoleRoutes(app, ctx, keys);
  await registerSamlMetadataRoutes(app, ctx, keys);
  await registerSamlSsoRoutes(app, ctx, keys);
  await registerSamlLaunchRoutes(app, ctx, keys);
  await registerAdminRoutes(app, ctx, keys);
  await registerCliApiRoutes(app, ctx, keys);
  await registerCliTokenRoutes(app, ctx);
  await registerCliAuthorizeRoutes(app, ctx);
  await registerCliDeviceRoutes(app, ctx);
}
