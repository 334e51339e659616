import { describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import {
  deliveryJobId,
  deliveryPayload,
  MAX_SWEEP_BACKOFF_MS,
  nextAttemptAt,
  webhookUrlProblem,
} from './webhook-delivery.util.js';

describe('webhookUrlProblem', () => {
  const allowed = ['portal.example', 'sms.example:8443', '*.gov.example'];

  it('accepts http(s) URLs on the allow-list, a bare host on any port', () => {
    expect(webhookUrlProblem('https://portal.example/hooks', allowed)).toBeNull();
    expect(webhookUrlProblem('http://portal.example:9000/hooks', allowed)).toBeNull();
    expect(webhookUrlProblem('https://sms.example:8443/in', allowed)).toBeNull();
    expect(webhookUrlProblem('https://a.gov.example/x', allowed)).toBeNull();
  });

  it('refuses other hosts, ports, schemes, credentials and non-URLs', () => {
    expect(webhookUrlProblem('https://evil.example/x', allowed)).toMatch(/WEBHOOK_ALLOWED_HOSTS/);
    expect(webhookUrlProblem('https://sms.example:9999/in', allowed)).toMatch(/WEBHOOK_ALLOWED_HOSTS/);
    expect(webhookUrlProblem('https://portal.example.evil.org/', allowed)).toMatch(/WEBHOOK_ALLOWED_HOSTS/);
    expect(webhookUrlProblem('ftp://portal.example/x', allowed)).toMatch(/http or https/);
    expect(webhookUrlProblem('https://u:p@portal.example/x', allowed)).toMatch(/credentials/);
    expect(webhookUrlProblem('portal.example/x', allowed)).toMatch(/absolute/);
    expect(webhookUrlProblem('https://portal.example/x', [])).toMatch(/WEBHOOK_ALLOWED_HOSTS/);
  });
});

describe('deliveryPayload', () => {
  const row = {
    applicationId: '0b6c6f1e-8d4e-4c55-9a55-0d7d3c1c9a11',
    seq: 3,
    at: new Date('2026-11-30T08:00:00.000Z'),
    actorRole: 'officer',
    actorId: 'alice',
    type: 'decided',
    step: 'fire-safety',
    detail: { outcome: 'approve' },
  };

  it('is the Standard Webhooks shape and signs and verifies with the library', () => {
    const body = deliveryPayload(row, { key: 'open-restaurant', version: 2 });
    expect(JSON.parse(body)).toEqual({
      type: 'decided',
      timestamp: '2026-11-30T08:00:00.000Z',
      data: {
        applicationId: row.applicationId,
        workflow: { key: 'open-restaurant', version: 2 },
        seq: 3,
        at: '2026-11-30T08:00:00.000Z',
        actor: { role: 'officer', id: 'alice' },
        step: 'fire-safety',
        detail: { outcome: 'approve' },
      },
    });
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    const hook = new Webhook(secret);
    const now = new Date();
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': hook.sign('msg_1', now, body),
    };
    expect(hook.verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => hook.verify(body.replace('approve', 'reject'), headers)).toThrow();
  });
});

describe('nextAttemptAt', () => {
  it('doubles per attempt and is capped', () => {
    const now = new Date(0);
    expect(nextAttemptAt(now, 1).getTime()).toBe(2000);
    expect(nextAttemptAt(now, 3).getTime()).toBe(8000);
    expect(nextAttemptAt(now, 50).getTime()).toBe(MAX_SWEEP_BACKOFF_MS);
  });
});

describe('deliveryJobId', () => {
  const head = { id: '6f1c2d3e-0000-4000-8000-000000000001', attempts: 2, leasedUntil: null };

  it('is the same for the same head, attempt count and lease', () => {
    expect(deliveryJobId(head)).toBe(deliveryJobId({ ...head }));
  });

  it('changes with the attempt count and with a lease that ran out', () => {
    const ids = new Set([
      deliveryJobId(head),
      deliveryJobId({ ...head, attempts: 3 }),
      deliveryJobId({ ...head, leasedUntil: new Date('2026-12-02T20:00:00Z') }),
      deliveryJobId({ ...head, leasedUntil: new Date('2026-12-02T20:00:30Z') }),
    ]);
    expect(ids.size).toBe(4);
  });
});
