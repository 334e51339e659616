import { isAllowedHost } from '../common/allowed-host.util.js';

/**
 * Whether a fact URL's host is one the operator allows (`FACTS_ALLOWED_HOSTS`, see `isAllowedHost`). Checked before
 * each fetch, and by the CLI when given `--fact-hosts`; the service registers a fact on any host, as the contract
 * says a lookup never rejects anything.
 */
export function isAllowedFactHost(url: URL, allowed: readonly string[]): boolean {
  return isAllowedHost(url, allowed);
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
