import { join } from 'node:path';
import { deleteRedisKeys } from '../../bench/bench.util.js';
import { buildService, freePort, serviceEnv, ServiceProcess } from '../../scripts/service-process.js';
import { AUDIT_SIGNING_KEY, createDatabase, FIXTURES, HttpCaller, JWT_SECRET } from './test-app.js';

/**
 * The real entry point as a child process (scripts/service-process.ts) on a database and queue prefix of its own,
 * called as a TestApp is: for what only the service's own process shows, such as how long one event holds its event
 * loop. Code Jest runs sits in a vm context, where each lookup of a global (`Array.isArray`, `Object.keys`) passes
 * through an interceptor and costs about forty times what it costs in the service; json-logic-js makes several for
 * every node of a rule, so in-process the largest chain of rules held the test's event loop about three times as
 * long as it holds the service's, and a busy host stretched that past the hostile-input bound.
 */
export class SpawnedService extends HttpCaller {
  private constructor(
    private readonly service: ServiceProcess,
    private readonly cleanups: (() => Promise<void> | void)[],
  ) {
    super(service.baseUrl!);
  }

  static async start(): Promise<SpawnedService> {
    // Undone last made, first undone, whether the start fails or the test ends.
    const cleanups: (() => Promise<void> | void)[] = [];
    try {
      const build = buildService();
      cleanups.unshift(() => build.remove());
      const database = await createDatabase();
      cleanups.unshift(() => database.drop());
      const redisUrl = process.env.REDIS_URL;
      if (redisUrl) cleanups.unshift(() => deleteRedisKeys(redisUrl, database.name).then(() => undefined));
      const env = testServiceEnv(database, { LOG_LEVEL: 'error', PORT: String(await freePort()) });
      const service = ServiceProcess.start('service', build.main, env);
      cleanups.unshift(() => service.stop().then(() => undefined));
      await service.ready();
      return new SpawnedService(service, cleanups);
    } catch (error) {
      await undo(cleanups);
      throw error;
    }
  }

  close(): Promise<void> {
    return undo(this.cleanups);
  }
}

/**
 * What a spawned service of the tests starts with: its own database and queue prefix, no workflow files, and the
 * tests' data folder, not the `.data` a local `npm start` keeps; `more` adds to it or overrides it.
 */
export function testServiceEnv(
  database: { url: string; name: string },
  more: Record<string, string> = {},
): Record<string, string> {
  return serviceEnv(
    { databaseUrl: database.url, jwtSecret: JWT_SECRET },
    {
      NODE_ENV: 'test',
      QUEUE_PREFIX: database.name,
      AUDIT_SIGNING_KEY,
      WORKFLOWS_DIR: join(FIXTURES, 'none'),
      DATA_DIR: join(FIXTURES, '..', '.data'),
      ...more,
    },
  );
}

/** Runs every cleanup in turn, each whether or not the one before failed; throws the first failure after all. */
async function undo(cleanups: readonly (() => Promise<void> | void)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const cleanup of cleanups)
    await Promise.resolve()
      .then(cleanup)
      .catch((e: unknown) => failures.push(e));
  if (failures.length > 0) throw failures[0];
}
