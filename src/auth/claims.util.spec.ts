import { describe, expect, it } from '@jest/globals';
import {
  CLOCK_SKEW_SECONDS,
  callerFromClaims,
  providerTokenProblem,
  tokenAgeProblem,
  tokenEndsAt,
} from './claims.util.js';

const DEFAULT = { role: 'role', department: 'department' };
const KEYCLOAK = { role: 'realm_access.roles', department: 'groups' };

describe('callerFromClaims', () => {
  it('reads the default claims, one department or several', () => {
    expect(callerFromClaims({ sub: 'a', role: 'applicant' }, DEFAULT)).toEqual({
      caller: { id: 'a', role: 'applicant', department: null, departments: [] },
    });
    expect(
      callerFromClaims({ sub: 'o', role: 'officer', department: ['fire', 'water', 'fire'] }, DEFAULT),
    ).toEqual({
      caller: { id: 'o', role: 'officer', department: 'fire', departments: ['fire', 'water'] },
    });
  });

  it('follows dotted claim paths and picks our one role out of a provider role list', () => {
    const payload = { sub: 'k', realm_access: { roles: ['offline_access', 'officer'] }, groups: 'planning' };
    expect(callerFromClaims(payload, KEYCLOAK)).toEqual({
      caller: { id: 'k', role: 'officer', department: 'planning', departments: ['planning'] },
    });
  });

  it('refuses no role, two of our roles, an officer without a department, and unstorable values', () => {
    const refused = [
      { sub: 'x' },
      { sub: 'x', role: ['admin', 'officer'] },
      { sub: 'x', role: 'officer' },
      { sub: 'x', role: 'officer', department: [1, 2] },
      { sub: 'a\u0000', role: 'applicant' },
      { sub: '\udc00', role: 'applicant' },
      { sub: 'x'.repeat(300), role: 'applicant' },
      { sub: 'x', role: 'officer', department: ['fire\u0000'] },
    ];
    for (const payload of refused) expect(callerFromClaims(payload, DEFAULT)).toHaveProperty('error');
  });

  it('does not read inherited properties as claims', () => {
    expect(
      callerFromClaims({ sub: 'x', role: 'applicant' }, { role: 'constructor', department: 'd' }),
    ).toHaveProperty('error');
  });
});

describe('tokenAgeProblem', () => {
  const now = 1_800_000_000;
  const hour = 3600;

  it('counts the age from iat when the token has one', () => {
    expect(tokenAgeProblem({ iat: now - hour }, now, 2 * hour)).toBeNull();
    expect(tokenAgeProblem({ iat: now - 3 * hour, exp: now + 60 }, now, 2 * hour)).toMatch(/older/);
  });

  it('refuses an iat in the future beyond the clock skew, with or without exp, which the age would never reach', () => {
    const tenYears = 10 * 365 * 24 * hour;
    expect(tokenAgeProblem({ iat: now + CLOCK_SKEW_SECONDS }, now, 2 * hour)).toBeNull();
    expect(tokenAgeProblem({ iat: now + CLOCK_SKEW_SECONDS + 1 }, now, 2 * hour)).toMatch(/future/);
    expect(tokenAgeProblem({ iat: now + tenYears }, now, 2 * hour)).toMatch(/future/);
    expect(tokenAgeProblem({ iat: now + tenYears, exp: now + tenYears + hour }, now, 2 * hour)).toMatch(
      /future/,
    );
  });

  it('bounds a token without iat by its exp alone, however far, as the contract honours exp', () => {
    expect(tokenAgeProblem({ exp: now + hour }, now, 2 * hour)).toBeNull();
    expect(tokenAgeProblem({ exp: now + 300 * hour }, now, 2 * hour)).toBeNull();
  });

  it('accepts a token with neither exp nor iat, as the contract does (exp is honoured when present)', () => {
    expect(tokenAgeProblem({}, now, 2 * hour)).toBeNull();
    expect(tokenAgeProblem({ iat: '1', exp: null }, now, 2 * hour)).toBeNull();
  });

  it('refuses a token from the second its exp comes, with no room for clock skew', () => {
    expect(tokenAgeProblem({ exp: now + 1 }, now, 2 * hour)).toBeNull();
    expect(tokenAgeProblem({ exp: now }, now, 2 * hour)).toMatch(/expired/);
    expect(tokenAgeProblem({ iat: now - 60, exp: now - 10 }, now, 2 * hour)).toMatch(/expired/);
  });
});

describe('providerTokenProblem', () => {
  const now = 1_800_000_000;
  it('leaves a token with iat to the maximum age', () => {
    expect(providerTokenProblem({ iat: now - 10 }, now, 3600)).toBeNull();
    expect(providerTokenProblem({ iat: now - 10, exp: now + 86_400 * 365 }, now, 3600)).toBeNull();
  });

  it("bounds a token without iat by an exp within the maximum age and the issuer's clock skew, to the second", () => {
    expect(providerTokenProblem({ exp: now + 3600 + CLOCK_SKEW_SECONDS }, now, 3600)).toBeNull();
    expect(providerTokenProblem({ exp: now + 3601 + CLOCK_SKEW_SECONDS }, now, 3600)).toBe(
      'The token has no iat and its exp lies beyond the maximum token age',
    );
  });

  it('refuses a token with neither exp nor iat, or with either not a number', () => {
    expect(providerTokenProblem({}, now, 3600)).toBe('The token carries neither exp nor iat');
    expect(providerTokenProblem({ exp: String(now + 60) }, now, 3600)).toBe(
      'The token carries neither exp nor iat',
    );
  });
});

describe('tokenEndsAt', () => {
  const now = 1_800_000_000;
  const hour = 3600;

  it('ends a token at its exp or at its maximum age, whichever comes first, and never one with neither', () => {
    expect(tokenEndsAt({ iat: now, exp: now + hour }, 2 * hour)).toBe(now + hour);
    expect(tokenEndsAt({ iat: now, exp: now + 3 * hour }, 2 * hour)).toBe(now + 2 * hour + 1);
    expect(tokenEndsAt({ iat: now }, 2 * hour)).toBe(now + 2 * hour + 1);
    // Agreeing with the check itself: accepted through its last second, refused from the one after.
    expect(tokenAgeProblem({ iat: now }, now + 2 * hour, 2 * hour)).toBeNull();
    expect(tokenAgeProblem({ iat: now }, tokenEndsAt({ iat: now }, 2 * hour)!, 2 * hour)).toMatch(/older/);
    expect(tokenEndsAt({ exp: now + hour }, 2 * hour)).toBe(now + hour);
    expect(tokenAgeProblem({ exp: now + hour }, now + hour, 2 * hour)).toMatch(/expired/);
    expect(tokenEndsAt({}, 2 * hour)).toBeUndefined();
  });
});
