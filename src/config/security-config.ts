/**
 * The security settings of the environment: input limits, time-outs and fact credentials. Pure, like `loadConfig`,
 * which calls it and reports its problems in the same one line. Kept in its own file so the many variables do not
 * crowd app-config.ts.
 */
import type { JsonLimits } from '../common/json-body.util.js';

export interface SecurityConfig {
  /** `JSON_MAX_KEYS`, default 1000: properties of one object in a request body. */
  readonly jsonMaxKeys: number;
  /** `JSON_MAX_ARRAY_LENGTH`, default 1000: elements of one array in a request body. */
  readonly jsonMaxArrayLength: number;
  /** `JSON_MAX_STRING_LENGTH`, default 100000: characters of one string (or key) in a request body. */
  readonly jsonMaxStringLength: number;
  /** `RULE_COST_BUDGET`, default 100000: the estimated evaluation steps a registered rule may cost at most. */
  readonly ruleCostBudget: number;
  /**
   * `DEFINITION_CHECK_TIMEOUT_MS`, default 30000: a workflow document sent over HTTP whose check (on its own thread)
   * runs longer is refused as invalid.
   */
  readonly definitionCheckTimeoutMs: number;
  /** `REQUEST_TIMEOUT_MS`, default 30000: a request (headers and body) must arrive whole within this time. */
  readonly requestTimeoutMs: number;
  /** `HEADERS_TIMEOUT_MS`, default 10000: the request headers must arrive within this time. */
  readonly headersTimeoutMs: number;
  /**
   * `STATEMENT_TIMEOUT_MS`, default 60000: PostgreSQL cancels a statement of this service that runs longer,
   * waiting for a lock included (0: never). Migrations at start are exempt.
   */
  readonly statementTimeoutMs: number;
  /** `FACTS_MAX_BYTES`, default 1 MiB: a fact answer longer than this is cut off and refused. */
  readonly factsMaxBytes: number;
  /**
   * `FACTS_CREDENTIALS`: a JSON object mapping a fact host (as in FACTS_ALLOWED_HOSTS, lower-case) to the headers
   * sent to it, e.g. `{"registry.gov.example": {"authorization": "Bearer …"}}`. Never logged, never shown.
   */
  readonly factsCredentials: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** `IDEMPOTENCY_KEY_TTL_SECONDS`, default 86400: an Idempotency-Key replays its answer this long, then is purged. */
  readonly idempotencyKeyTtlSeconds: number;
  /** `FACT_CACHE_TTL_SECONDS`, default 86400: cached facts older than this are purged (caps any cacheSeconds). */
  readonly factCacheTtlSeconds: number;
  /** `PURGE_INTERVAL_MS`, default 3600000: how often worker processes purge the two. */
  readonly purgeIntervalMs: number;
  /** `RATE_LIMIT_WINDOW_MS`, default 60000: the window the limits below count in. */
  readonly rateLimitWindowMs: number;
  /** `RATE_LIMIT_PER_ADDRESS`, default 1200: requests per window from one client address (0: no limit). */
  readonly rateLimitPerAddress: number;
  /** `RATE_LIMIT_PER_CALLER`, default 600: requests per window by one token subject (0: no limit). */
  readonly rateLimitPerCaller: number;
  /** `RATE_LIMIT_POLLS_PER_CALLER`, default 2400: conditional GETs (If-None-Match) per window by one caller. */
  readonly rateLimitPollsPerCaller: number;
  /** `STREAMS_PER_CALLER`, default 10: event streams one caller may hold open on one process at once (0: no limit). */
  readonly streamsPerCaller: number;
  /** `TRUST_PROXY`: addresses or CIDRs of the reverse proxies whose X-Forwarded-For is believed. */
  readonly trustProxy: readonly string[] | undefined;
  /** `CORS_ORIGINS`: comma-separated origins (`https://portal.gov.example`) browsers may call the API from. */
  readonly corsOrigins: readonly string[];
  /** `JWT_JWKS_URL`: an identity provider's key set; RS256/ES256 tokens signed by its keys are accepted. */
  readonly jwtJwksUrl: string | undefined;
  /** `JWT_ISSUER`: when set, the `iss` every token must carry. */
  readonly jwtIssuer: string | undefined;
  /** `JWT_AUDIENCE`: when set, the `aud` every token must carry. */
  readonly jwtAudience: string | undefined;
  /** `JWT_MAX_TOKEN_AGE_SECONDS`, default 604800 (7 days): older tokens (by `iat`) are refused, `exp` or not. */
  readonly jwtMaxTokenAgeSeconds: number;
  /** `JWT_ROLE_CLAIM`, default `role`: a dotted path to the role claim (a string or an array of strings). */
  readonly jwtRoleClaim: string;
  /** `JWT_DEPARTMENT_CLAIM`, default `department`: a dotted path to the department(s) (a string or an array). */
  readonly jwtDepartmentClaim: string;
  /**
   * `PII_READ_QUOTAS`, e.g. `fire-safety=100,*=1000`: task views (form fields disclosed) a department's officers may
   * have per clock hour; `*` is every department not named. Default none: no quota.
   */
  readonly piiReadQuotas: PiiReadQuotas;
}

/** Disclosures per clock hour by department, and for every other department (`*`); undefined: no limit. */
export interface PiiReadQuotas {
  readonly departments: ReadonlyMap<string, number>;
  readonly others: number | undefined;
}

/**
 * The longest delay Node's timers take. A longer one is not refused but replaced by 1 ms, so an interval meant as a
 * month would run back to back: every setting in milliseconds stops at this.
 */
export const MAX_DELAY_MS = 2_147_483_647;

export const SECURITY_DEFAULTS: SecurityConfig = {
  jsonMaxKeys: 1000,
  jsonMaxArrayLength: 1000,
  jsonMaxStringLength: 100_000,
  ruleCostBudget: 100_000,
  definitionCheckTimeoutMs: 30_000,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  statementTimeoutMs: 60_000,
  factsMaxBytes: 1_048_576,
  factsCredentials: {},
  idempotencyKeyTtlSeconds: 86_400,
  factCacheTtlSeconds: 86_400,
  purgeIntervalMs: 3_600_000,
  rateLimitWindowMs: 60_000,
  rateLimitPerAddress: 1200,
  rateLimitPerCaller: 600,
  rateLimitPollsPerCaller: 2400,
  streamsPerCaller: 10,
  trustProxy: undefined,
  corsOrigins: [],
  jwtJwksUrl: undefined,
  jwtIssuer: undefined,
  jwtAudience: undefined,
  jwtMaxTokenAgeSeconds: 604_800,
  jwtRoleClaim: 'role',
  jwtDepartmentClaim: 'department',
  piiReadQuotas: { departments: new Map(), others: undefined },
};

type Read = (name: string) => string | undefined;
type Problem = (message: string) => undefined;

export function loadSecurityConfig(read: Read, problem: Problem): SecurityConfig {
  const positive = (name: string, fallback: number, unit = '', min = 1, max?: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (Number.isSafeInteger(value) && value >= min && (max === undefined || value <= max)) return value;
    const what =
      max !== undefined
        ? `an integer from ${min} to ${max}`
        : min === 0
          ? 'a non-negative integer'
          : 'a positive integer';
    problem(`${name} must be ${what}${unit} (got ${JSON.stringify(raw.slice(0, 80))})`);
    return fallback;
  };
  const milliseconds = (name: string, fallback: number, min = 1): number =>
    positive(name, fallback, ' (milliseconds)', min, MAX_DELAY_MS);
  const requestTimeoutMs = milliseconds('REQUEST_TIMEOUT_MS', SECURITY_DEFAULTS.requestTimeoutMs);
  const headersTimeoutMs = milliseconds('HEADERS_TIMEOUT_MS', SECURITY_DEFAULTS.headersTimeoutMs);
  if (headersTimeoutMs > requestTimeoutMs) problem('HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS');
  const jwtJwksUrl = jwksUrl(read('JWT_JWKS_URL'), problem);
  const jwtAudience = read('JWT_AUDIENCE');
  // A provider's keys sign the tokens of every client it serves: without an audience to check, a token it issued to
  // any other of its applications would be accepted here.
  if (jwtJwksUrl !== undefined && jwtAudience === undefined)
    problem('JWT_JWKS_URL needs JWT_AUDIENCE, the audience this service accepts tokens for');
  const jwtRoleClaim = claimName('JWT_ROLE_CLAIM', SECURITY_DEFAULTS.jwtRoleClaim);
  const jwtDepartmentClaim = claimName('JWT_DEPARTMENT_CLAIM', SECURITY_DEFAULTS.jwtDepartmentClaim);
  // One claim cannot hold a role and a department, nor can one sit inside the other: no token could name an officer.
  if (overlapping(jwtRoleClaim, jwtDepartmentClaim))
    problem('JWT_ROLE_CLAIM and JWT_DEPARTMENT_CLAIM must be two claims, neither inside the other');
  return {
    jsonMaxKeys: positive('JSON_MAX_KEYS', SECURITY_DEFAULTS.jsonMaxKeys),
    jsonMaxArrayLength: positive('JSON_MAX_ARRAY_LENGTH', SECURITY_DEFAULTS.jsonMaxArrayLength),
    jsonMaxStringLength: positive('JSON_MAX_STRING_LENGTH', SECURITY_DEFAULTS.jsonMaxStringLength),
    ruleCostBudget: positive('RULE_COST_BUDGET', SECURITY_DEFAULTS.ruleCostBudget),
    definitionCheckTimeoutMs: milliseconds(
      'DEFINITION_CHECK_TIMEOUT_MS',
      SECURITY_DEFAULTS.definitionCheckTimeoutMs,
    ),
    requestTimeoutMs,
    headersTimeoutMs,
    statementTimeoutMs: milliseconds('STATEMENT_TIMEOUT_MS', SECURITY_DEFAULTS.statementTimeoutMs, 0),
    factsMaxBytes: positive('FACTS_MAX_BYTES', SECURITY_DEFAULTS.factsMaxBytes),
    factsCredentials: factsCredentials(read('FACTS_CREDENTIALS'), problem),
    idempotencyKeyTtlSeconds: positive(
      'IDEMPOTENCY_KEY_TTL_SECONDS',
      SECURITY_DEFAULTS.idempotencyKeyTtlSeconds,
      ' (seconds)',
    ),
    factCacheTtlSeconds: positive(
      'FACT_CACHE_TTL_SECONDS',
      SECURITY_DEFAULTS.factCacheTtlSeconds,
      ' (seconds)',
    ),
    purgeIntervalMs: milliseconds('PURGE_INTERVAL_MS', SECURITY_DEFAULTS.purgeIntervalMs),
    rateLimitWindowMs: milliseconds('RATE_LIMIT_WINDOW_MS', SECURITY_DEFAULTS.rateLimitWindowMs),
    rateLimitPerAddress: positive('RATE_LIMIT_PER_ADDRESS', SECURITY_DEFAULTS.rateLimitPerAddress, '', 0),
    rateLimitPerCaller: positive('RATE_LIMIT_PER_CALLER', SECURITY_DEFAULTS.rateLimitPerCaller, '', 0),
    rateLimitPollsPerCaller: positive(
      'RATE_LIMIT_POLLS_PER_CALLER',
      SECURITY_DEFAULTS.rateLimitPollsPerCaller,
      '',
      0,
    ),
    streamsPerCaller: positive('STREAMS_PER_CALLER', SECURITY_DEFAULTS.streamsPerCaller, '', 0),
    trustProxy: trustProxy(read('TRUST_PROXY'), problem),
    corsOrigins: corsOrigins(read('CORS_ORIGINS'), problem),
    jwtJwksUrl,
    jwtIssuer: read('JWT_ISSUER'),
    jwtAudience,
    jwtMaxTokenAgeSeconds: positive(
      'JWT_MAX_TOKEN_AGE_SECONDS',
      SECURITY_DEFAULTS.jwtMaxTokenAgeSeconds,
      ' (seconds)',
    ),
    jwtRoleClaim,
    jwtDepartmentClaim,
    piiReadQuotas: piiReadQuotas(read('PII_READ_QUOTAS'), problem),
  };

  function claimName(name: string, fallback: string): string {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const registered = REGISTERED_CLAIMS.includes(raw.split('.')[0]!);
    if (/^[^.\s]+(\.[^.\s]+)*$/.test(raw) && !registered) return raw;
    problem(
      registered
        ? `${name} must not be a registered claim (${REGISTERED_CLAIMS.join(', ')}) or inside one (got ${JSON.stringify(raw.slice(0, 80))})`
        : `${name} must be a claim name or a dotted path to one (got ${JSON.stringify(raw.slice(0, 80))})`,
    );
    return fallback;
  }
}

/** Whether two dotted claim paths name one claim, or one inside the other. */
function overlapping(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

/** The claims JWT itself defines: the subject, issuer, audience and times are read as such, never as a role. */
const REGISTERED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'];

function trustProxy(raw: string | undefined, problem: Problem): SecurityConfig['trustProxy'] {
  if (raw === undefined) return undefined;
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length > 0 && entries.every((e) => /^[0-9a-f.:]+(\/\d{1,3})?$/i.test(e))) return entries;
  return problem(
    `TRUST_PROXY must be a comma-separated list of addresses or CIDRs (got ${JSON.stringify(raw.slice(0, 80))})`,
  );
}

function corsOrigins(raw: string | undefined, problem: Problem): readonly string[] {
  if (raw === undefined) return [];
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const bad = entries.filter((e) => {
    try {
      const url = new URL(e);
      return !['http:', 'https:'].includes(url.protocol) || url.origin !== e;
    } catch {
      return true;
    }
  });
  if (bad.length === 0) return entries;
  problem(
    `CORS_ORIGINS must be a comma-separated list of origins like https://portal.example (got ${JSON.stringify(bad[0]!.slice(0, 80))})`,
  );
  return [];
}

function jwksUrl(raw: string | undefined, problem: Problem): string | undefined {
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === 'https:' || url.protocol === 'http:') return raw;
  } catch {
    // reported below
  }
  return problem(`JWT_JWKS_URL must be an http:// or https:// URL (got ${JSON.stringify(raw.slice(0, 80))})`);
}

/** `department=limit` pairs separated by commas; `*` stands for every department not named. */
function piiReadQuotas(raw: string | undefined, problem: Problem): PiiReadQuotas {
  const none = SECURITY_DEFAULTS.piiReadQuotas;
  if (raw === undefined) return none;
  const departments = new Map<string, number>();
  let others: number | undefined;
  for (const entry of raw.split(',')) {
    const match = /^\s*([^=,\s]{1,64})\s*=\s*(\d{1,9})\s*$/.exec(entry);
    const limit = Number(match?.[2]);
    const name = match?.[1];
    if (
      name === undefined ||
      !(limit >= 1) ||
      (name === '*' ? others !== undefined : departments.has(name))
    ) {
      problem(
        `PII_READ_QUOTAS must be comma-separated department=limit pairs, each department once, limits positive integers, * for the others (got ${JSON.stringify(entry.trim().slice(0, 80))})`,
      );
      return none;
    }
    if (name === '*') others = limit;
    else departments.set(name, limit);
  }
  return { departments, others };
}

/** The message never quotes the value: it holds secrets. */
function factsCredentials(raw: string | undefined, problem: Problem): SecurityConfig['factsCredentials'] {
  if (raw === undefined) return {};
  const bad = () =>
    problem(
      'FACTS_CREDENTIALS must be a JSON object mapping host names to objects of header names and string values',
    ) ?? {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return bad();
  }
  if (!isPlainObject(parsed)) return bad();
  const out: Record<string, Record<string, string>> = {};
  for (const [host, headers] of Object.entries(parsed)) {
    if (!/^[a-z0-9._-]+(:\d{1,5})?$/i.test(host) || !isPlainObject(headers)) return bad();
    const entries = Object.entries(headers);
    if (!entries.every(([n, v]) => /^[A-Za-z0-9-]+$/.test(n) && typeof v === 'string' && !/[\r\n]/.test(v)))
      return bad();
    out[host.toLowerCase()] = Object.fromEntries(entries.map(([n, v]) => [n.toLowerCase(), v as string]));
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The limits a request body's JSON is held to, as the body parser and the checks that stand in for it read them. */
export function jsonLimitsOf(security: SecurityConfig): JsonLimits {
  return {
    maxKeys: security.jsonMaxKeys,
    maxArrayLength: security.jsonMaxArrayLength,
    maxStringLength: security.jsonMaxStringLength,
  };
}
