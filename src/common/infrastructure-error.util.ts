/**
 * Classifies errors from the database and queue drivers, so a client is told the truth: an outage is a 503 it
 * may retry, a value PostgreSQL refuses is a 400 about its input, anything else is our fault (500).
 */
export type InfrastructureFault = 'unavailable' | 'timed_out' | 'invalid_value' | null;

/** Network failures of a connection (pg, ioredis) and pg-pool's connection time-out. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Connection is closed/i,
  /Driver not Connected/i,
  /Client has encountered a connection error/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /is not currently accepting connections/i,
];

export function classifyInfrastructureError(error: unknown): InfrastructureFault {
  for (const candidate of chain(error)) {
    const code = (candidate as { code?: unknown }).code;
    if (typeof code === 'string') {
      // SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57P operator intervention.
      if (/^(08|53)/.test(code) || /^57P0[1-4]$/.test(code) || code === '3D000') return 'unavailable';
      // query_canceled: STATEMENT_TIMEOUT_MS ran out (or an operator cancelled the statement).
      if (code === '57014') return 'timed_out';
      if (NETWORK_CODES.has(code)) return 'unavailable';
      // 22: data exception (an impossible date, a character the encoding lacks, a number out of range).
      if (/^22[0-9A-Z]{3}$/.test(code)) return 'invalid_value';
    }
    const message = candidate instanceof Error ? candidate.message : '';
    if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return 'unavailable';
  }
  return null;
}

/** The error, its TypeORM `driverError` and its `cause`s: the code sits at different depths per driver. */
function chain(error: unknown): unknown[] {
  const out: unknown[] = [];
  let current: unknown = error;
  while (current !== null && typeof current === 'object' && out.length < 5) {
    out.push(current);
    const next =
      (current as { driverError?: unknown }).driverError ?? (current as { cause?: unknown }).cause ?? null;
    current = next === current ? null : next;
  }
  return out;
}
