import type { Caller, Role } from './caller.js';
import { ROLES } from './caller.js';

export interface ClaimNames {
  /** Dotted path to the role claim, e.g. `role` or `realm_access.roles`. */
  role: string;
  /** Dotted path to the department claim, a string or an array of strings. */
  department: string;
}

const MAX_CLAIM_LENGTH = 256;

/**
 * How far ahead of ours an issuer's clock may run: its `iat` and `nbf` may lie this far in the future. Any further,
 * and the maximum token age would count from a date still to come, so a token issued "in ten years" would live for
 * ten. `exp` gets no such room: the REST contract says an expired token gets 401.
 */
export const CLOCK_SKEW_SECONDS = 60;

/**
 * Why a verified token may not be used now, or null. Expired once its `exp` second has come (RFC 7519 §4.1.4), with no
 * room for skew. A token that says when it was issued (`iat`, which must not lie in the future beyond
 * CLOCK_SKEW_SECONDS) lives at most `maxAgeSeconds` from then. Without `iat`, `exp` alone bounds it, and without
 * either nothing does: the contract makes only `sub` and `role` required and honours `exp` when present, so such a
 * token lives until `JWT_SECRET` changes.
 */
export function tokenAgeProblem(
  payload: { iat?: unknown; exp?: unknown },
  nowSeconds: number,
  maxAgeSeconds: number,
): string | null {
  if (typeof payload.exp === 'number' && payload.exp <= nowSeconds) return 'The token has expired';
  if (typeof payload.iat === 'number') {
    if (payload.iat - nowSeconds > CLOCK_SKEW_SECONDS) return 'The token was issued in the future (iat)';
    return nowSeconds - payload.iat > maxAgeSeconds ? 'The token is older than the maximum token age' : null;
  }
  return null;
}

/**
 * Why an identity provider's token (JWT_JWKS_URL) may not be used, beyond `tokenAgeProblem`, or null. The contract's
 * own tokens (HS256) may leave `exp` and `iat` out; a provider's carry them, and one that says neither when it was
 * issued nor when it ends, or ends further ahead than the maximum token age without saying when it was issued, has
 * no age this service could bound.
 */
export function providerTokenProblem(
  payload: { iat?: unknown; exp?: unknown },
  nowSeconds: number,
  maxAgeSeconds: number,
): string | null {
  if (typeof payload.iat === 'number') return null;
  if (typeof payload.exp !== 'number') return 'The token carries neither exp nor iat';
  // The issuer's clock may run ahead of ours, as for iat: a token issued for exactly the maximum age still passes.
  return payload.exp - nowSeconds > maxAgeSeconds + CLOCK_SKEW_SECONDS
    ? 'The token has no iat and its exp lies beyond the maximum token age'
    : null;
}

/**
 * When a token that is accepted now stops being accepted, in seconds since the epoch: at its `exp` or at the end of
 * its maximum age from `iat`, whichever comes first; undefined for a token with neither, which never stops.
 */
export function tokenEndsAt(
  payload: { iat?: unknown; exp?: unknown },
  maxAgeSeconds: number,
): number | undefined {
  const ends: number[] = [];
  if (typeof payload.exp === 'number') ends.push(payload.exp);
  // The age is checked in whole seconds and refused only once it passes the maximum: through the last second of it.
  if (typeof payload.iat === 'number') ends.push(payload.iat + maxAgeSeconds + 1);
  return ends.length === 0 ? undefined : Math.min(...ends);
}

/**
 * The caller a verified token's payload names, or the reason it names none. Claim values are checked for what the
 * database could not store (a NUL, a lone surrogate) so a forged-but-signed or odd token is a 401, never a 500.
 */
export function callerFromClaims(
  payload: Record<string, unknown>,
  names: ClaimNames,
): { caller: Caller } | { error: string } {
  const { sub } = payload;
  if (!isClaimString(sub)) return { error: 'The token must carry a sub' };
  const roleValue = claimAt(payload, names.role);
  const roles = strings(roleValue).filter((r): r is Role => (ROLES as readonly string[]).includes(r));
  if (roles.length !== 1) {
    return { error: `The token must carry exactly one role of admin, officer or applicant in ${names.role}` };
  }
  const role = roles[0]!;
  const departmentValue = claimAt(payload, names.department);
  const departments = [...new Set(strings(departmentValue))];
  if (departmentValue !== undefined && departments.length === 0 && role === 'officer') {
    return { error: `The department claim ${names.department} must be a string or an array of strings` };
  }
  if (role === 'officer' && departments.length === 0) {
    return { error: 'An officer token must carry a department' };
  }
  return { caller: { id: sub, role, department: departments[0] ?? null, departments } };
}

function claimAt(payload: Record<string, unknown>, path: string): unknown {
  let value: unknown = payload;
  for (const segment of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = Object.hasOwn(value, segment) ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return value;
}

/** A string claim, or every element of an array claim; anything unstorable makes the whole claim unusable. */
function strings(value: unknown): string[] {
  if (isClaimString(value)) return [value];
  if (Array.isArray(value) && value.length <= 64 && value.every(isClaimString)) return value;
  return [];
}

function isClaimString(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value !== '' &&
    value.length <= MAX_CLAIM_LENGTH &&
    !value.includes('\u0000') &&
    value.isWellFormed()
  );
}
