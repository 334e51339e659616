import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  const embedded = globalThis.embeddedPostgres;
  if (!embedded) return;
  await embedded.server.stop();
  rmSync(embedded.dir, { recursive: true, force: true });
  // A cluster staged outside the folder (where `postgres` could not reach it) is this run's alone too.
  if (!embedded.server.clusterDir.startsWith(`${embedded.dir}/`)) {
    rmSync(embedded.server.clusterDir, { recursive: true, force: true });
  }
}
