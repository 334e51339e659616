import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  const embedded = globalThis.embeddedPostgres;
  if (!embedded) return;
  await embedded.server.stop();
  rmSync(embedded.dir, { recursive: true, force: true });
}
