/**
 * Operator allow-lists of outbound hosts (`FACTS_ALLOWED_HOSTS`, `WEBHOOK_ALLOWED_HOSTS`): an entry names a host
 * (any port), a `host:port`, or `*.domain` for any host below that domain. One parser and one matcher for all.
 */
const ENTRY = /^(\*\.)?[a-z0-9._-]+(:\d{1,5})?$/;

/** Splits a comma-separated list, lower-cased; `bad` lists the entries that are not host patterns. */
export function parseHostList(raw: string | undefined): { hosts: string[]; bad: string[] } {
  const hosts = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '');
  return { hosts, bad: hosts.filter((entry) => !ENTRY.test(entry)) };
}

export function isAllowedHost(url: URL, allowed: readonly string[]): boolean {
  const hostname = url.hostname.toLowerCase();
  const host = url.host.toLowerCase();
  return allowed.some((entry) => {
    const rule = entry.toLowerCase();
    return rule.startsWith('*.') ? hostname.endsWith(rule.slice(1)) : rule === hostname || rule === host;
  });
}
