import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

/** What global-setup started, for the tests. */
export interface Stack {
  consoleURL: string;
  adminPassword: string;
  kubeconfig: string;
  dataDir: string;
  pid: number;
}

/**
 * The stack file is named after the checkout, so that runs from two
 * checkouts (worktrees) on one machine never read or stop each other's stack.
 */
export const stackFile = join(tmpdir(), `ke-console-e2e-stack-${createHash('sha256').update(import.meta.dirname).digest('hex').slice(0, 12)}.json`);

export function stack(): Stack {
  return JSON.parse(readFileSync(stackFile, 'utf8')) as Stack;
}
