import { join } from 'node:path';
import { deleteRedisKeys } from '../../bench/bench.util.js';
import { buildService, freePort, serviceEnv, ServiceProcess } from '../../scripts/service-process.js';
import { AUDIT_SIGNING_KEY, createDatabase, FIXTURES, HttpCaller, JWT_SECRET } from './test-app.js';

/**
 * The real entry point as a child process (scripts/service-process.ts) on a database and queue prefix of its own,
 * called as a TestApp is: for what only the service's own process shows, such as how long one event holds its event
 * loop. Code Jest runs sits in a vm context, where each lookup of a global (`Array.isArray`, `Object.keys`) passes
 * through an interceptor and costs about forty times what it costs in the service; json-logic-js makes several for
 * every node of a rule, so in-process the largest chain of rules held the test's event loop four times as long as
 * it holds the service's, and a busy host stretched that past the hostile-input bound.
 */
export class SpawnedService extends HttpCaller {
  private constructor(
    private readonly service: ServiceProcess,
    private readonly build: ReturnType<typeof buildService>,
    private readonly database: Awaited<ReturnType<typeof createDatabase>>,
  ) {
    super(service.baseUrl!);
  }

  static async start(): Promise<SpawnedService> {
    const build = buildService();
    const database = await createDatabase();
    const env = serviceEnv(
      { databaseUrl: database.url, jwtSecret: JWT_SECRET },
      {
        QUEUE_PREFIX: database.name,
        AUDIT_SIGNING_KEY,
        WORKFLOWS_DIR: join(FIXTURES, 'none'),
        PORT: String(await freePort()),
      },
    );
    const spawned = new SpawnedService(ServiceProcess.start('service', build.main, env), build, database);
    try {
      await spawned.service.ready();
    } catch (error) {
      await spawned.close();
      throw error;
    }
    return spawned;
  }

  async close(): Promise<void> {
    await this.service.stop();
    if (process.env.REDIS_URL) await deleteRedisKeys(process.env.REDIS_URL, this.database.name);
    await this.database.drop();
    this.build.remove();
  }
}
