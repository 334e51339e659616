import { isAllowedHost } from '../common/allowed-host.util.js';

/**
 * Whether a fact URL's host is one the operator allows (`FACTS_ALLOWED_HOSTS`, see `isAllowedHost`). Checked at
 * registration and again before each fetch.
 */
export function isAllowedFactHost(url: URL, allowed: readonly string[]): boolean {
  return isAllowedHost(url, allowed);
}
