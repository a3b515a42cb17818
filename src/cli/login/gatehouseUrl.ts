import { GatehouseError } from '../../errors.js';

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The Gatehouse base URL in one form (`https://idp.example.com` or `https://example.com/gatehouse`, no
 * trailing slash), so that sessions and caches are keyed the same however it was typed. https is
 * required except on this computer (http://localhost for development and tests).
 */
export function normaliseGatehouseUrl(input: string): string {
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : `https://${input}`);
  } catch {
    throw new GatehouseError('validation_failed', `"${input}" is not a URL (example: https://idp.example.com)`);
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopbackHosts.has(u.hostname))) {
    throw new GatehouseError('validation_failed', `${input}: Gatehouse must be reached over https (http only on localhost)`);
  }
  if (u.username || u.password || u.search || u.hash) throw new GatehouseError('validation_failed', `${input}: give the Gatehouse address without user, query or fragment`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}
