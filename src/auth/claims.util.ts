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
