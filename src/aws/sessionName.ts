/**
 * Mapping of Gatehouse usernames into AWS's RoleSessionName / SourceIdentity alphabet
 * `[A-Za-z0-9_+=,.@-]{2,64}`.
 *
 * The mapping (stable: changing it changes what CloudTrail shows for every user):
 *
 * 1. Every character of `[A-Za-z0-9_+,.@-]` is kept as is. (`=` is the escape character, so it is not kept.)
 * 2. Every other code point, `=` included, becomes `=` followed by the UTF-8 bytes of the code point as
 *    two UPPERCASE hex digits each, each byte with its own `=`: space → `=20`, `=` → `=3D`, `é` → `=C3=A9`,
 *    `:` → `=3A`. (A lone UTF-16 surrogate, which has no UTF-8 form, becomes `=u` + 4 uppercase hex digits.)
 *    This is a prefix-free code, so the encoding of step 1–2 is injective and reversible
 *    ({@link fromAwsSessionName}). In an encoded name `=` is always followed by an uppercase hex digit or `u`.
 * 3. If the encoding is longer than 64 characters: it is cut at an escape boundary to at most 46
 *    characters and `==` plus the first 16 characters of base64url(SHA-256(UTF-8 username)) is appended
 *    (at most 64 characters). Such names are not reversible; distinct usernames collide only if
 *    SHA-256 truncated to 96 bits collides (and the prefixes agree).
 * 4. If the encoding is shorter than 2 characters (empty or one-character username), `==` is appended.
 *
 * The three output shapes are disjoint: step 1–2 outputs never contain `==`; step 3 outputs contain `==`
 * and are at least 18 characters long; step 4 outputs contain `==` and are at most 3 characters long.
 * So the whole mapping is injective (up to the 96-bit hash in step 3).
 * Output never starts with `aws:` because `:` is always escaped.
 */
import { createHash } from 'node:crypto';

const kept = /^[A-Za-z0-9_+,.@-]$/;
const sessionNamePattern = /^[A-Za-z0-9_+=,.@-]{2,64}$/;
const maxLength = 64;
const hashChars = 16;
const marker = '==';

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

function encodeCodePoint(ch: string): string {
  if (kept.test(ch)) return ch;
  const cp = ch.codePointAt(0) ?? 0;
  if (cp >= 0xd800 && cp <= 0xdfff) return `=u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  let out = '';
  for (const b of Buffer.from(ch, 'utf8')) out += `=${hex2(b)}`;
  return out;
}

/** True for a valid RoleSessionName or SourceIdentity value: `[A-Za-z0-9_+=,.@-]{2,64}` (AWS-SAML.md). */
export function isValidAwsSessionName(name: string): boolean {
  return sessionNamePattern.test(name);
}

/**
 * Maps a username to a valid AWS RoleSessionName / SourceIdentity, deterministically and injectively
 * (see the module comment for the exact scheme). Pure; nothing to store.
 */
export function toAwsSessionName(username: string): string {
  const pieces: string[] = [];
  let length = 0;
  for (const ch of username) {
    const piece = encodeCodePoint(ch);
    pieces.push(piece);
    length += piece.length;
  }
  if (length > maxLength) {
    const budget = maxLength - marker.length - hashChars;
    let prefix = '';
    for (const piece of pieces) {
      if (prefix.length + piece.length > budget) break;
      prefix += piece;
    }
    const hash = createHash('sha256').update(username, 'utf8').digest('base64url').slice(0, hashChars);
    return `${prefix}${marker}${hash}`;
  }
  const encoded = pieces.join('');
  return encoded.length < 2 ? `${encoded}${marker}` : encoded;
}

/**
 * Inverse of {@link toAwsSessionName} for names that were not shortened with a hash; returns undefined
 * for hashed names and for strings that are not outputs of the mapping.
 */
export function fromAwsSessionName(name: string): string | undefined {
  let body = name;
  if (name.length <= 3 && name.endsWith(marker)) body = name.slice(0, -marker.length);
  else if (name.includes(marker)) return undefined;
  const bytes: number[] = [];
  let out = '';
  const flush = (): void => {
    if (bytes.length === 0) return;
    out += new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(bytes));
    bytes.length = 0;
  };
  try {
    for (let i = 0; i < body.length; ) {
      const c = body[i] as string;
      if (c !== '=') {
        if (!kept.test(c)) return undefined;
        flush();
        out += c;
        i += 1;
      } else if (body[i + 1] === 'u') {
        const h = body.slice(i + 2, i + 6);
        if (!/^[0-9A-F]{4}$/.test(h)) return undefined;
        flush();
        out += String.fromCharCode(parseInt(h, 16));
        i += 6;
      } else {
        const h = body.slice(i + 1, i + 3);
        if (!/^[0-9A-F]{2}$/.test(h)) return undefined;
        bytes.push(parseInt(h, 16));
        i += 3;
      }
    }
    flush();
  } catch {
    return undefined;
  }
  return toAwsSessionName(out) === name ? out : undefined;
}
