/**
 * Escaping for XML that is written directly in its Canonical XML form (C14N 1.0 / exclusive C14N §2.3 of
 * https://www.w3.org/TR/xml-c14n): what a verifier's canonicaliser writes is exactly what we write.
 *
 * - text:       `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`, CR → `&#xD;`
 * - attribute:  `&` → `&amp;`, `<` → `&lt;`, `"` → `&quot;`, TAB → `&#x9;`, LF → `&#xA;`, CR → `&#xD;`
 *   (c14n does NOT escape `>` in attribute values; writing `&gt;` there would break the digest)
 *
 * Characters that XML 1.0 cannot carry at all (C0 controls other than TAB/LF/CR, lone surrogates,
 * U+FFFE, U+FFFF) are rejected with GatehouseError('validation_failed').
 */
import { GatehouseError } from '../errors.js';

// eslint-disable-next-line no-control-regex
const forbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const textSpecial = /[&<>\r]/;
const attrSpecial = /[&<"\t\n\r]/;

const textMap: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const attrMap: Record<string, string> = { '&': '&amp;', '<': '&lt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;' };

function checkChars(s: string): void {
  if (forbidden.test(s)) {
    throw new GatehouseError('validation_failed', 'value contains a character that XML 1.0 cannot carry', {
      detail: { value: JSON.stringify(s).slice(0, 200) },
    });
  }
}

/** Escapes character data for a canonical text node. Throws on characters XML cannot carry. */
export function escapeText(s: string): string {
  checkChars(s);
  return textSpecial.test(s) ? s.replace(/[&<>\r]/g, (c) => textMap[c] ?? c) : s;
}

/** Escapes an attribute value for a canonical (double-quoted) attribute. Throws on characters XML cannot carry. */
export function escapeAttribute(s: string): string {
  checkChars(s);
  return attrSpecial.test(s) ? s.replace(/[&<"\t\n\r]/g, (c) => attrMap[c] ?? c) : s;
}

/** xs:dateTime in UTC without fractional seconds, e.g. `2026-11-24T15:00:00Z` (milliseconds are dropped). */
export function formatInstant(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

const ncName = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** True when `id` can be an XML ID (an NCName of ASCII letters, digits, `_`, `.`, `-`, not starting with a digit, `.` or `-`). */
export function isValidXmlId(id: string): boolean {
  return ncName.test(id);
}
