/**
 * Prints a bearer token for local use, signed with the secret the server uses (JWT_SECRET, else DATA_DIR/jwt-secret,
 * generated there if missing exactly as the server would):
 *
 *   npm run -s token -- --role officer --department fire-rescue --sub alice [--expires 8h|never]
 */
import { SignJWT } from 'jose';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, resolveJwtSecret } from '../src/config/app-config.js';

const ROLES = ['admin', 'officer', 'applicant'] as const;
type Role = (typeof ROLES)[number];

const USAGE =
  'usage: npm run token -- --role admin|officer|applicant --sub ID [--department CODE] [--expires 8h|30m|7d|never]';

function fail(message: string, usage = true): never {
  process.stderr.write(usage ? `${message}\n${USAGE}\n` : `${message}\n`);
  process.exit(1);
}

function parse(): { role: Role; sub: string; department: string | undefined; expires: string } {
  let values: { role?: string; sub?: string; department?: string; expires?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        role: { type: 'string' },
        sub: { type: 'string' },
        department: { type: 'string' },
        expires: { type: 'string', default: '8h' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const role = values.role;
  if (!ROLES.some((allowed) => allowed === role)) {
    fail(`--role must be one of ${ROLES.join(', ')} (got ${JSON.stringify(role ?? null)})`);
  }
  const sub = values.sub?.trim();
  if (sub === undefined || sub === '') fail('--sub is required');
  const department = values.department?.trim();
  if (role === 'officer' && (department === undefined || department === '')) {
    fail('--department is required for --role officer');
  }
  if (role !== 'officer' && department !== undefined) fail('--department is only for --role officer');
  const expires = values.expires ?? '8h';
  return { role: role as Role, sub, department, expires };
}

/**
 * The claims at the dotted paths the server reads them from (JWT_ROLE_CLAIM, JWT_DEPARTMENT_CLAIM): with
 * `realm_access.roles`, the role is written inside `realm_access`. The configuration keeps the two paths apart;
 * objects without a prototype make a segment such as `__proto__` or `constructor` an ordinary member, as the
 * server reads it from the token's JSON.
 */
function claimsAt(entries: readonly (readonly [path: string, value: string])[]): Record<string, unknown> {
  const claims = Object.create(null) as Record<string, unknown>;
  for (const [path, value] of entries) {
    const names = path.split('.');
    let at = claims;
    for (const name of names.slice(0, -1)) at = (at[name] ??= Object.create(null)) as Record<string, unknown>;
    at[names[names.length - 1]!] = value;
  }
  return claims;
}

async function main(): Promise<void> {
  const { role, sub, department, expires } = parse();
  let secret: string;
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
    secret = resolveJwtSecret(config);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, false);
    throw error;
  }

  const { jwtRoleClaim, jwtDepartmentClaim } = config.security;
  const claims = claimsAt([
    [jwtRoleClaim, role],
    ...(department === undefined ? [] : [[jwtDepartmentClaim, department] as const]),
  ]);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt();
  // The server checks these on every token, its own HS256 ones included (JWT_JWKS_URL requires an audience).
  const { jwtIssuer, jwtAudience } = config.security;
  if (jwtIssuer !== undefined) jwt.setIssuer(jwtIssuer);
  if (jwtAudience !== undefined) jwt.setAudience(jwtAudience);
  if (expires !== 'never') {
    try {
      jwt.setExpirationTime(expires);
    } catch {
      fail(`--expires must be a duration like 30m, 8h or 7d, or never (got ${JSON.stringify(expires)})`);
    }
  }
  process.stdout.write(`${await jwt.sign(new TextEncoder().encode(secret))}\n`);
}

await main();
