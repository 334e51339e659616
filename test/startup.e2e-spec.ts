import { afterAll, describe, expect, it } from '@jest/globals';
import { createDatabase, TestApp } from './support/test-app.js';

describe('several processes starting at once on an empty database', () => {
  const apps: TestApp[] = [];
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    for (const app of apps) await app.close();
    await drop?.();
  });

  it('all start, the schema migrated under one advisory lock', async () => {
    const database = await createDatabase();
    drop = database.drop;
    const started = await Promise.allSettled(
      [1, 2, 3].map(() => TestApp.start({ databaseUrl: database.url, queuePrefix: database.name })),
    );
    for (const result of started) if (result.status === 'fulfilled') apps.push(result.value);
    expect(started.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    for (const app of apps) expect((await app.request('GET', '/health')).status).toBe(200);
    const [migrations] = await apps[0]!.query<{ count: string }>('SELECT count(*) FROM migrations');
    expect(Number(migrations!.count)).toBeGreaterThan(0);
  });
});
