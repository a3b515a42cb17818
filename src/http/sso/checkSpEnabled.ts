import { GatehouseError } from '../../errors.js';
import type { ServiceProvider } from '../../store/repositories/serviceProviders.js';

/**
 * A disabled SP (an admin's choice, /admin/service-providers) gets no assertion: an error page, not a Response
 * to its ACS. Checked after the request's own checks, so only a genuine request from that SP learns it is disabled.
 */
export function checkSpEnabled(sp: ServiceProvider): ServiceProvider {
  if (!sp.enabled) throw new GatehouseError('saml_sp_disabled', `${sp.name} is disabled in Gatehouse: an administrator has turned off sign-in to it.`, { detail: { entityId: sp.entityId } });
  return sp;
}
