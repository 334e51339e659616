import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildService, freePort, serviceEnv, ServiceProcess } from '../../scripts/service-process.js';
import { createDatabase, JWT_SECRET } from './test-app.js';

/**
 * The real entry point as a child process (scripts/service-process.ts) on a database of its own, with one workflow
 * whose only step ('check', department 'checkers') is approved by a rule on a fact the test's own server answers:
 * for the tests of what the process does around requests and jobs (logs, shutdown).
 */
export class FactCheckedService {
  private constructor(
    private readonly build: ReturnType<typeof buildService>,
    private readonly facts: Server,
    private readonly workflowsDir: string,
    private readonly database: Awaited<ReturnType<typeof createDatabase>>,
  ) {}

  /**
   * Builds the service and writes workflow `key`; `answer` serves the fact lookups, `factTimeoutMs` bounds them;
   * `personalNote` marks the form's one field personal (x-pii).
   */
  static async create(workflow: {
    key: string;
    name: string;
    factTimeoutMs: number;
    answer: RequestListener;
    personalNote?: boolean;
  }): Promise<FactCheckedService> {
    const facts = createServer(workflow.answer);
    await new Promise<void>((resolve) => facts.listen(0, '127.0.0.1', resolve));
    const { port } = facts.address() as AddressInfo;
    const workflowsDir = mkdtempSync(join(tmpdir(), `pa-${workflow.key}-`));
    writeFileSync(
      join(workflowsDir, `${workflow.key}.json`),
      JSON.stringify({
        key: workflow.key,
        name: workflow.name,
        form: {
          type: 'object',
          properties: { note: { type: 'string', ...(workflow.personalNote ? { 'x-pii': true } : {}) } },
        },
        facts: {
          registry: { url: `http://127.0.0.1:${port}/companies/{note}`, timeoutMs: workflow.factTimeoutMs },
        },
        steps: [
          {
            id: 'check',
            name: 'Check',
            department: 'checkers',
            timeLimit: { hours: 1 },
            autoApprove: { '==': [{ var: 'facts.registry.status' }, 'active'] },
          },
        ],
      }),
    );
    return new FactCheckedService(buildService(), facts, workflowsDir, await createDatabase());
  }

  get databaseUrl(): string {
    return this.database.url;
  }

  /** Starts a process on a free port with `env` added; `keepLines` as in ServiceProcess.start. */
  async start(env: Record<string, string>, options: { keepLines?: number } = {}): Promise<ServiceProcess> {
    const port = await freePort();
    return ServiceProcess.start(
      'service',
      this.build.main,
      serviceEnv(
        { databaseUrl: this.database.url, jwtSecret: JWT_SECRET },
        { PORT: String(port), WORKFLOWS_DIR: this.workflowsDir, FACTS_ALLOWED_HOSTS: '127.0.0.1', ...env },
      ),
      options,
    );
  }

  async close(): Promise<void> {
    this.facts.close();
    rmSync(this.workflowsDir, { recursive: true, force: true });
    await this.database.drop();
    this.build.remove();
  }
}
