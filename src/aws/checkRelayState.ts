import { GatehouseError } from '../errors.js';

/**
 * Checks an IdP-initiated RelayState deep link against an allowlist of URL prefixes such as
 * `https://console.aws.amazon.com/` or `https://*.console.aws.amazon.com/` (`*` = exactly one DNS label).
 * The URL must be absolute https without user info; its host must match exactly (or by the one-label
 * wildcard) and its path must start with the prefix's path. Returns the URL as it was checked: the WHATWG
 * parse, serialised (`url.href`: tabs and newlines dropped, `\` read as `/`, host lower-cased and percent-decoded).
 * The caller forwards THAT string, never the text as typed, so what AWS reads is what was checked. Throws
 * `relay_state_rejected` otherwise. Pure: the allowlist comes from config.
 */
export function checkRelayState(relayState: string, allowlist: readonly string[]): string {
  const reject = (why: string): never => {
    throw new GatehouseError('relay_state_rejected', `The deep link is not allowed (${why}). Allowed: ${allowlist.join(', ')}`);
  };
  if (relayState.length > 2048) reject('longer than 2048 characters');
  let url: URL;
  try {
    url = new URL(relayState);
  } catch {
    return reject('not an absolute URL');
  }
  if (url.protocol !== 'https:') reject('not https');
  if (url.username || url.password) reject('user info in the URL');
  for (const entry of allowlist) {
    let p: URL;
    try {
      p = new URL(entry.replace('://*.', '://wildcard-label.'));
    } catch {
      continue;
    }
    const wildcard = entry.includes('://*.');
    const suffix = p.hostname.slice('wildcard-label.'.length);
    const hostOk = wildcard
      ? url.hostname.endsWith('.' + suffix) && !url.hostname.slice(0, -(suffix.length + 1)).includes('.') && url.hostname.length > suffix.length + 1
      : url.hostname === p.hostname;
    if (hostOk && url.port === p.port && url.protocol === p.protocol && url.pathname.startsWith(p.pathname)) {
      if (url.href.length > 2048) reject('longer than 2048 characters');
      return url.href;
    }
  }
  return reject('not on the allowlist');
}
