/**
 * Device login (RFC 8628) for SSH sessions and other places without a local browser: show the user code,
 * the URL and a QR code, then poll the token endpoint at the server's interval, slowing down when told.
 */
import { GatehouseError } from '../../errors.js';
import type { TokenGrant } from './apiSchemas.js';
import type { GatehouseApi } from './gatehouseApi.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The QR code of `text` drawn with block characters, or '' when it cannot be drawn. */
async function terminalQr(text: string): Promise<string> {
  try {
    const qr = await import('qrcode');
    return await qr.toString(text, { type: 'terminal', small: true, errorCorrectionLevel: 'L' });
  } catch {
    return '';
  }
}

/** Signs in by device code; `say` writes for the person, `showQr` adds the QR code (on a terminal). */
export async function deviceLogin(api: GatehouseApi, o: { clientName: string; say: (line: string) => void; showQr: boolean }): Promise<TokenGrant> {
  const d = await api.startDevice(o.clientName);
  const complete = d.verification_uri_complete ?? d.verification_uri;
  o.say(`On any device, open ${d.verification_uri} and enter the code ${d.user_code}`);
  o.say(`  or open ${complete}${o.showQr ? ', or scan:' : ''}`);
  if (o.showQr) {
    const qr = await terminalQr(complete);
    if (qr) o.say(qr.trimEnd());
  }
  o.say(`Waiting for approval (the code expires in ${Math.round(d.expires_in / 60)} minutes)…`);
  let interval = d.interval * 1000;
  const deadline = Date.now() + d.expires_in * 1000 + interval;
  for (;;) {
    await sleep(interval);
    const r = await api.pollDevice(d.device_code);
    if ('grant' in r) return r.grant;
    if (r.pending === 'slow_down') interval = Math.max(interval + 5000, (r.interval ?? 0) * 1000); // RFC 8628 §3.5
    if (Date.now() > deadline) throw new GatehouseError('flow_expired', 'the code expired before it was approved: run gatehouse login --device again');
  }
}
