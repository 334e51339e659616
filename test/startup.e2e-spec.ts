import { afterAll, describe, expect, it } from '@jest/globals';
import { migrations } from '../migrations/index.js';
import { createDatabase, TestApp } from './support/test-app.js';

describe('several processes starting at once on an empty database', () => {
  const apps: TestApp[] = [];
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    for (const app of apps) await app.close();
    await drop?.();
  });

  it('all start, and each migration is recorded exactly once', async () => {
    const database = await createDatabase();
    drop = database.drop;
    const started = await Promise.allSettled(
      [1, 2, 3].map(() => TestApp.start({ databaseUrl: database.url, queuePrefix: database.name })),
    );
    for (const result of started) if (result.status === 'fulfilled') apps.push(result.value);
    expect(started.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    for (const app of apps) expect((await app.request('GET', '/health')).status).toBe(200);
    const applied = await apps[0]!.query<{ name: string }>('SELECT name FROM migrations ORDER BY id');
    expect(applied.map((m) => m.name)).toEqual(migrations.map((m) => new m().constructor.name));
  });
});
