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

export const stackFile = join(tmpdir(), 'ke-console-e2e-stack.json');

export function stack(): Stack {
  return JSON.parse(readFileSync(stackFile, 'utf8')) as Stack;
}
