import { existsSync, rmSync } from 'node:fs';
import { stack, stackFile } from './stack';

/** Stops ke-dev (it stops everything it started) and removes its data. */
export default async function globalTeardown() {
  if (!existsSync(stackFile)) return;
  const s = stack();
  try {
    process.kill(s.pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      process.kill(s.pid, 0);
    } catch {
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!process.env.KEEP_E2E_DATA) rmSync(s.dataDir, { recursive: true, force: true });
  rmSync(stackFile, { force: true });
}
