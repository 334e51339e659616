import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './app-config.js';
import { SECURITY_DEFAULTS } from './security-config.js';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('security configuration', () => {
  it('gives the defaults for an empty environment', () => {
    expect(loadConfig({}).security).toEqual(SECURITY_DEFAULTS);
  });

  it('reads every variable', () => {
    const security = loadConfig({
      JSON_MAX_KEYS: '10',
      JSON_MAX_ARRAY_LENGTH: '20',
      JSON_MAX_STRING_LENGTH: '30',
      RULE_COST_BUDGET: '40',
      DEFINITION_CHECK_TIMEOUT_MS: '45',
      REQUEST_TIMEOUT_MS: '5000',
      HEADERS_TIMEOUT_MS: '4000',
      STATEMENT_TIMEOUT_MS: '0',
      FACTS_MAX_BYTES: '1024',
      FACTS_CREDENTIALS: '{"Registry.gov.example:8443": {"Authorization": "Bearer t"}}',
      JWT_JWKS_URL: 'https://idp.example/certs',
      JWT_ISSUER: 'https://idp.example',
      JWT_AUDIENCE: 'approvals',
      JWT_MAX_TOKEN_AGE_SECONDS: '3600',
      JWT_ROLE_CLAIM: 'realm_access.roles',
      JWT_DEPARTMENT_CLAIM: 'groups',
      RATE_LIMIT_WINDOW_MS: '1000',
      RATE_LIMIT_PER_ADDRESS: '0',
      RATE_LIMIT_PER_CALLER: '5',
      RATE_LIMIT_POLLS_PER_CALLER: '50',
      STREAMS_PER_CALLER: '3',
      TRUST_PROXY: '10.0.0.0/8, 192.168.1.1',
      CORS_ORIGINS: 'https://portal.example,http://localhost:5173',
      IDEMPOTENCY_KEY_TTL_SECONDS: '60',
      FACT_CACHE_TTL_SECONDS: '70',
      PURGE_INTERVAL_MS: '80',
      PII_READ_QUOTAS: 'fire-safety=100',
    }).security;
    expect(security).toEqual({
      jsonMaxKeys: 10,
      jsonMaxArrayLength: 20,
      jsonMaxStringLength: 30,
      ruleCostBudget: 40,
      definitionCheckTimeoutMs: 45,
      requestTimeoutMs: 5000,
      headersTimeoutMs: 4000,
      statementTimeoutMs: 0,
      factsMaxBytes: 1024,
      factsCredentials: { 'registry.gov.example:8443': { authorization: 'Bearer t' } },
      jwtJwksUrl: 'https://idp.example/certs',
      jwtIssuer: 'https://idp.example',
      jwtAudience: 'approvals',
      jwtMaxTokenAgeSeconds: 3600,
      jwtRoleClaim: 'realm_access.roles',
      jwtDepartmentClaim: 'groups',
      rateLimitWindowMs: 1000,
      rateLimitPerAddress: 0,
      rateLimitPerCaller: 5,
      rateLimitPollsPerCaller: 50,
      streamsPerCaller: 3,
      trustProxy: ['10.0.0.0/8', '192.168.1.1'],
      corsOrigins: ['https://portal.example', 'http://localhost:5173'],
      idempotencyKeyTtlSeconds: 60,
      factCacheTtlSeconds: 70,
      purgeIntervalMs: 80,
      piiReadQuotas: { departments: new Map([['fire-safety', 100]]), others: undefined },
    });
  });

  it('refuses bad values in one line each, never quoting credentials', () => {
    expect(problems({ JSON_MAX_KEYS: '0' })).toEqual(['JSON_MAX_KEYS must be a positive integer (got "0")']);
    expect(problems({ HEADERS_TIMEOUT_MS: '40000' })).toEqual([
      'HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS',
    ]);
    expect(problems({ STATEMENT_TIMEOUT_MS: '30s' })).toEqual([
      'STATEMENT_TIMEOUT_MS must be an integer from 0 to 2147483647 (milliseconds) (got "30s")',
    ]);
    // A month: longer than Node's timers take, so the purge would run every millisecond.
    expect(problems({ PURGE_INTERVAL_MS: '2592000000' })).toEqual([
      'PURGE_INTERVAL_MS must be an integer from 1 to 2147483647 (milliseconds) (got "2592000000")',
    ]);
    expect(loadConfig({ STATEMENT_TIMEOUT_MS: '2500' }).security.statementTimeoutMs).toBe(2500);
    expect(problems({ JWT_JWKS_URL: 'ftp://idp', JWT_AUDIENCE: 'approvals' })).toEqual([
      'JWT_JWKS_URL must be an http:// or https:// URL (got "ftp://idp")',
    ]);
    // The provider signs every client's tokens with the same keys: its set alone says nothing about who they are for.
    expect(problems({ JWT_JWKS_URL: 'https://idp.example/certs' })).toEqual([
      'JWT_JWKS_URL needs JWT_AUDIENCE, the audience this service accepts tokens for',
    ]);
    // No token could name an officer: the role and the department would be one claim, or one inside the other.
    const clashes: Record<string, string>[] = [
      { JWT_ROLE_CLAIM: 'department' },
      { JWT_ROLE_CLAIM: 'realm_access', JWT_DEPARTMENT_CLAIM: 'realm_access.groups' },
      { JWT_ROLE_CLAIM: 'groups.roles', JWT_DEPARTMENT_CLAIM: 'groups' },
    ];
    for (const clash of clashes)
      expect(problems(clash)).toEqual([
        'JWT_ROLE_CLAIM and JWT_DEPARTMENT_CLAIM must be two claims, neither inside the other',
      ]);
    expect(
      problems({ JWT_ROLE_CLAIM: 'realm_access.roles', JWT_DEPARTMENT_CLAIM: 'realm_access.groups' }),
    ).toEqual([]);
    // The subject, issuer and audience are read as such: a role there would be the caller's id, or the issuer's.
    expect(problems({ JWT_ROLE_CLAIM: 'sub' })).toEqual([
      'JWT_ROLE_CLAIM must not be a registered claim (iss, sub, aud, exp, nbf, iat, jti) or inside one (got "sub")',
    ]);
    expect(problems({ JWT_DEPARTMENT_CLAIM: 'aud.x' })[0]).toMatch(
      /^JWT_DEPARTMENT_CLAIM must not be a registered/,
    );
    expect(problems({ CORS_ORIGINS: 'https://portal.example/path' })[0]).toMatch(/^CORS_ORIGINS/);
    expect(problems({ TRUST_PROXY: 'everyone' })[0]).toMatch(/^TRUST_PROXY/);
    const leaked = problems({ FACTS_CREDENTIALS: '{"h": {"authorization": 42, "x": "s3cret-token"}}' });
    expect(leaked).toHaveLength(1);
    expect(leaked[0]).not.toContain('s3cret-token');
    expect(problems({ FACTS_CREDENTIALS: 'not json s3cret' })[0]).not.toContain('s3cret');
  });

  it('reads per-department quotas on personal-data reads, * standing for every other department', () => {
    const { piiReadQuotas } = loadConfig({
      PII_READ_QUOTAS: 'fire-safety=100, *=1000,constructor=5',
    }).security;
    expect([...piiReadQuotas.departments]).toEqual([
      ['fire-safety', 100],
      ['constructor', 5],
    ]);
    expect(piiReadQuotas.others).toBe(1000);
  });

  it('refuses quotas that are not department=positive-integer pairs, or name a department twice', () => {
    for (const raw of ['fire-safety', 'fire-safety=0', 'a=1,a=2', '*=1,*=2', 'a=-1', 'a=1,,b=2', 'a b=3']) {
      expect(problems({ PII_READ_QUOTAS: raw })).toEqual([expect.stringMatching(/^PII_READ_QUOTAS must be/)]);
    }
  });
});
