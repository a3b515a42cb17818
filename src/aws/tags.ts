/**
 * AWS session tags (AWS-SAML.md, `PrincipalTag:<Key>`; the same rules hold for IAM Identity Center's
 * `AccessControl:<Key>` attributes), on the strict side of each rule:
 *
 * - key: 1–128 characters of Unicode letters, digits and spaces and `_.:/=+-@` (counted both as code points
 *   and as UTF-16 units, so that neither count passes 128);
 * - value: 0–256 of the same characters;
 * - a key must not start with `aws:` in any case (AWS reserves the prefix);
 * - keys are case-insensitive: two keys that differ only in case collide;
 * - at most 50 tags per session;
 * - every TransitiveTagKeys entry must be a key that is sent, listed once.
 *
 * Every module that accepts or checks a tag (the directory file, the CLI, the AWS lint, the Identity Center
 * preset, the entitlement rules) calls these functions; none writes the rules again.
 */
import type { AwsLintViolation } from './violation.js';

/** Maximum number of session tags AWS takes in one assertion (AuthMethod included). */
export const maxSessionTags = 50;
/** The tag Gatehouse adds to every AWS assertion (`PrincipalTag:AuthMethod`, the second factor used). */
export const authMethodTagKey = 'AuthMethod';

const tagKeyPattern = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const tagValuePattern = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** What a key or value may contain, for messages. */
const tagKeyRule = '1–128 letters, digits, spaces or _.:/=+-@, not starting with aws:';
export const tagValueRule = 'at most 256 letters, digits, spaces or _.:/=+-@';

/** Which attribute family a check is for: rule ids start with it (`tag.key.invalid`, `access_control.key.invalid`). */
export type TagFamily = 'tag' | 'access_control';

const familyLabel: Record<TagFamily, string> = { tag: 'tag', access_control: 'AccessControl attribute' };

/** The form in which keys are compared (AWS tag keys are case-insensitive). */
export function foldTagKey(key: string): string {
  return key.toLowerCase();
}

/** True when `s` starts with the prefix AWS reserves for itself (`aws:`, any case). */
export function hasAwsPrefix(s: string): boolean {
  return foldTagKey(s).startsWith('aws:');
}

/** True when `key` has the characters and length of a tag key (the `aws:` prefix is checked apart). */
function hasTagKeyShape(key: string): boolean {
  return tagKeyPattern.test(key) && key.length <= 128;
}

/** The broken rules of one key: `<family>.key.invalid` (characters, length) or `<family>.key.aws_prefix`. */
export function tagKeyViolations(key: string, family: TagFamily = 'tag'): AwsLintViolation[] {
  const label = familyLabel[family];
  if (!hasTagKeyShape(key)) {
    return [{ rule: `${family}.key.invalid`, message: `${label} key must be 1–128 of letters, digits, spaces and _.:/=+-@: ${JSON.stringify(key)}` }];
  }
  if (hasAwsPrefix(key)) return [{ rule: `${family}.key.aws_prefix`, message: `${label} key must not start with aws: ${JSON.stringify(key)}` }];
  return [];
}

/** True for a valid session tag key: characters, length, and no `aws:` prefix. */
export function isValidTagKey(key: string): boolean {
  return tagKeyViolations(key).length === 0;
}

/** True for a valid session tag value (0–256 characters of the tag character set). */
export function isValidTagValue(value: string): boolean {
  return tagValuePattern.test(value) && value.length <= 256;
}

/** True for `AuthMethod` in any case: Gatehouse sends that tag itself, so no configured tag may use the key. */
export function isReservedTagKey(key: string): boolean {
  return foldTagKey(key) === foldTagKey(authMethodTagKey);
}

/**
 * Why an admin may not configure `key` as a tag (a session tag name, a group tag, an attribute sent as a tag),
 * or undefined when it is fine: the key rules plus the reserved AuthMethod key.
 */
export function configurableTagKeyProblem(key: string): string | undefined {
  if (!isValidTagKey(key)) return `must be ${tagKeyRule}`;
  if (isReservedTagKey(key)) return `${authMethodTagKey} is reserved: Gatehouse sends the factor used as PrincipalTag:${authMethodTagKey}`;
  return undefined;
}

/** One tag as it goes into an assertion: its key and the values of its attribute (AWS wants exactly one). */
export interface SentTag {
  key: string;
  values: readonly string[];
}

/**
 * Checks the tags of one assertion: each key ({@link tagKeyViolations}), keys equal ignoring case but spelled
 * differently (`.key.case_collision`), exactly one value each (`.multiple_values`), values (`.value.invalid`),
 * and at most `max` tags (`.too_many`). A key sent twice with the same spelling is not reported here (the
 * caller reports a duplicate attribute). Pure; nothing to store.
 */
export function lintTags(tags: readonly SentTag[], family: TagFamily = 'tag', max = maxSessionTags): AwsLintViolation[] {
  const out: AwsLintViolation[] = [];
  const label = familyLabel[family];
  const folded = new Map<string, string>();
  for (const { key, values } of tags) {
    out.push(...tagKeyViolations(key, family));
    const other = folded.get(foldTagKey(key));
    if (other !== undefined && other !== key) out.push({ rule: `${family}.key.case_collision`, message: `${label} keys ${other} and ${key} differ only in case` });
    folded.set(foldTagKey(key), key);
    if (values.length !== 1) out.push({ rule: `${family}.multiple_values`, message: `${label} ${key} must have exactly one value` });
    for (const value of values) {
      if (!isValidTagValue(value)) out.push({ rule: `${family}.value.invalid`, message: `${label} ${key} value must be 0–256 of letters, digits, spaces and _.:/=+-@` });
    }
  }
  if (tags.length > max) out.push({ rule: `${family}.too_many`, message: `more than ${max} ${label}s` });
  return out;
}

/**
 * Checks TransitiveTagKeys against the keys sent: each listed once (`transitive.duplicate`) and each one of
 * the sent keys, spelled the same (`transitive.not_sent`). Pure; nothing to store.
 */
export function lintTransitiveTagKeys(transitive: readonly string[], sentKeys: readonly string[]): AwsLintViolation[] {
  const out: AwsLintViolation[] = [];
  const sent = new Set(sentKeys);
  if (new Set(transitive).size !== transitive.length) out.push({ rule: 'transitive.duplicate', message: 'TransitiveTagKeys lists a key twice' });
  for (const k of transitive) {
    if (!sent.has(k)) out.push({ rule: 'transitive.not_sent', message: `transitive tag key ${JSON.stringify(k)} is not a sent PrincipalTag` });
  }
  return out;
}
