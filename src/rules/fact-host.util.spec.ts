import { describe, expect, it } from '@jest/globals';
import { isAllowedFactHost } from './fact-host.util.js';

describe('isAllowedFactHost', () => {
  const allowed = ['registry.gov.cn', '127.0.0.1:8080', '*.data.gov.cn'];

  it('allows a listed host, a listed host:port and hosts below a wildcard domain', () => {
    expect(isAllowedFactHost(new URL('https://registry.gov.cn/x'), allowed)).toBe(true);
    expect(isAllowedFactHost(new URL('https://REGISTRY.gov.cn/x'), allowed)).toBe(true);
    expect(isAllowedFactHost(new URL('http://127.0.0.1:8080/x'), allowed)).toBe(true);
    expect(isAllowedFactHost(new URL('https://people.data.gov.cn/x'), allowed)).toBe(true);
  });

  it('refuses other hosts, other ports, the bare wildcard domain and look-alike suffixes', () => {
    expect(isAllowedFactHost(new URL('http://127.0.0.1:9090/x'), allowed)).toBe(false);
    expect(isAllowedFactHost(new URL('https://data.gov.cn/x'), allowed)).toBe(false);
    expect(isAllowedFactHost(new URL('https://evildata.gov.cn/x'), allowed)).toBe(false);
    expect(isAllowedFactHost(new URL('https://registry.gov.cn.evil.org/x'), allowed)).toBe(false);
    expect(isAllowedFactHost(new URL('https://registry.gov.cn/x'), [])).toBe(false);
  });
});
