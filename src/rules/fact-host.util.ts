/**
 * Whether a fact URL's host is one the operator allows (`FACTS_ALLOWED_HOSTS`): an entry names a host, a
 * `host:port`, or `*.domain` for any host below that domain. Checked at registration and again before each fetch.
 */
export function isAllowedFactHost(url: URL, allowed: readonly string[]): boolean {
  const hostname = url.hostname.toLowerCase();
  const host = url.host.toLowerCase();
  return allowed.some((entry) => {
    const rule = entry.toLowerCase();
    return rule.startsWith('*.') ? hostname.endsWith(rule.slice(1)) : rule === hostname || rule === host;
  });
}

/**
 * The headers FACTS_CREDENTIALS holds for a fact's host: an entry names a `host:port` or a host name, the more
 * specific first. Credentials live in the operator's configuration, never in a definition.
 */
export function factCredentials(
  url: URL,
  credentials: Readonly<Record<string, Readonly<Record<string, string>>>>,
): Record<string, string> {
  return { ...(credentials[url.host.toLowerCase()] ?? credentials[url.hostname.toLowerCase()] ?? {}) };
}
