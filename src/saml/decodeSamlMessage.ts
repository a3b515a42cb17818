/**
 * Transport decoding of inbound SAML messages, kept apart from protocol logic:
 * HTTP-Redirect = base64 + raw DEFLATE (SAML bindings §3.4.4.1), HTTP-POST = base64 (§3.5.4).
 * Every step is capped and the cheap ones come first: input characters, then the base64 alphabet, then
 * inflated bytes (zlib stops at the cap, so a decompression bomb costs at most `maxXmlBytes` of memory
 * and time). The XML itself is bounded again before it is parsed (parseXmlSafely, checkXmlLimits).
 */
import { inflateRawSync } from 'node:zlib';
import { GatehouseError } from '../errors.js';

/** Default cap on a decoded message (16 KiB): real AuthnRequests are under 10 KB, even signed ones with a certificate. */
export const defaultMaxMessageBytes = 16 * 1024;

/** Caps of {@link decodeRedirectMessage} / {@link decodePostMessage}. */
export interface DecodeOptions {
  /** Maximum decoded XML size in bytes; default {@link defaultMaxMessageBytes}. */
  maxXmlBytes?: number;
  /** Maximum length of the base64 parameter; default enough for `maxXmlBytes` of base64 (4/3 + slack). */
  maxInputChars?: number;
}

function limits(o: DecodeOptions): { maxXmlBytes: number; maxInputChars: number } {
  const maxXmlBytes = o.maxXmlBytes ?? defaultMaxMessageBytes;
  return { maxXmlBytes, maxInputChars: o.maxInputChars ?? Math.ceil((maxXmlBytes * 4) / 3) + 1024 };
}

function strictBase64(param: string, maxInputChars: number): Buffer {
  if (param.length > maxInputChars) throw new GatehouseError('payload_too_large', `SAML message longer than ${maxInputChars} characters`);
  const compact = param.replace(/[\r\n\t ]+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw new GatehouseError('saml_request_invalid', 'SAML message is not valid base64');
  }
  return Buffer.from(compact, 'base64');
}

function utf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new GatehouseError('saml_request_invalid', 'SAML message is not valid UTF-8', { cause });
  }
}

/**
 * Decodes the `SAMLRequest` (or `SAMLResponse`) query parameter of the HTTP-Redirect binding, already
 * URL-decoded: base64 → raw inflate → UTF-8 text. Throws `payload_too_large` past either cap,
 * `saml_request_invalid` for bad base64, bad DEFLATE data or bad UTF-8. Pure; nothing to store.
 */
export function decodeRedirectMessage(param: string, options: DecodeOptions = {}): string {
  const { maxXmlBytes, maxInputChars } = limits(options);
  const compressed = strictBase64(param, maxInputChars);
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(compressed, { maxOutputLength: maxXmlBytes });
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || cause instanceof RangeError) {
      throw new GatehouseError('payload_too_large', `inflated SAML message larger than ${maxXmlBytes} bytes`, { cause });
    }
    throw new GatehouseError('saml_request_invalid', 'SAML message is not valid DEFLATE data', { cause });
  }
  return utf8(inflated);
}

/**
 * Decodes the `SAMLRequest` (or `SAMLResponse`) form field of the HTTP-POST binding: base64 → UTF-8 text.
 * Same errors as {@link decodeRedirectMessage}. Pure; nothing to store.
 */
export function decodePostMessage(param: string, options: DecodeOptions = {}): string {
  const { maxXmlBytes, maxInputChars } = limits(options);
  const bytes = strictBase64(param, maxInputChars);
  if (bytes.length > maxXmlBytes) throw new GatehouseError('payload_too_large', `SAML message larger than ${maxXmlBytes} bytes`);
  return utf8(bytes);
}
