/** The `spml` command as a user runs it, in a process of its own, for tests that run many at once. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function spmlAsync(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'apps/cli/spml.ts', ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      const code = err && typeof err.code === 'number' ? err.code : err ? -1 : 0;
      resolve({ status: code, stdout, stderr });
    });
  });
}
