/**
 * IAM role names and paths, and the role references Gatehouse stores and sends (`Admin`, `team/Admin`).
 *
 * - name: `[\w+=,.@-]{1,64}` (IAM's rule);
 * - path: `/` or `/seg/.../` of the same characters, at most 512 characters (IAM's rule);
 * - a reference is `name` or `path-without-leading-slash/name`; a leading `/` is accepted on input and
 *   dropped ({@link normaliseRoleName}), so `/team/Admin` and `team/Admin` are the same stored mapping;
 * - Gatehouse refuses a comma in a reference although IAM allows it in names: the SAML Role attribute is
 *   `<role-arn>,<provider-arn>`, and AWS would split the role ARN at the comma.
 *
 * Role ARNs are built from a reference by `buildRoleArn` (arn.ts), which applies these rules.
 */

const roleNamePattern = /^[\w+=,.@-]{1,64}$/;
const rolePathPattern = /^\/(?:[\w+=,.@-]+\/)*$/;

/** A role reference split into IAM's two parts. `path` is `/` when the role has no path. */
export interface RoleReference {
  path: string;
  name: string;
}

/** True for a valid IAM role name (without path). IAM allows commas; {@link roleReferenceProblem} does not. */
export function isValidRoleName(name: string): boolean {
  return roleNamePattern.test(name);
}

/** True for a valid IAM path: `/` or `/a/b/`, at most 512 characters. */
export function isValidRolePath(path: string): boolean {
  return path.length <= 512 && rolePathPattern.test(path);
}

/** The stored form of a role reference: without a leading `/` (`/team/Admin` → `team/Admin`). Not validated. */
export function normaliseRoleName(reference: string): string {
  return reference.startsWith('/') ? reference.slice(1) : reference;
}

/** Splits a reference (leading `/` or not) at its last `/`: `team/a/Admin` → `{path: '/team/a/', name: 'Admin'}`. Not validated. */
export function splitRoleReference(reference: string): RoleReference {
  const trimmed = normaliseRoleName(reference);
  const slash = trimmed.lastIndexOf('/');
  return slash < 0 ? { path: '/', name: trimmed } : { path: `/${trimmed.slice(0, slash + 1)}`, name: trimmed.slice(slash + 1) };
}

/** Why `reference` cannot be mapped and sent to AWS, or undefined when it can. */
export function roleReferenceProblem(reference: string): string | undefined {
  if (reference.includes(',')) return 'must not contain a comma (the SAML Role attribute separates the role and provider ARNs with one)';
  const { path, name } = splitRoleReference(reference);
  if (!isValidRoleName(name)) return 'must be an IAM role name ([A-Za-z0-9+=.@_-], 1–64 characters), optionally after a path';
  if (!isValidRolePath(path)) return 'has an invalid IAM path: segments of [A-Za-z0-9+=.@_-] separated by /, at most 512 characters';
  return undefined;
}
