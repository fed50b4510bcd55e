// Runs the `nabla` command as a user does (a fresh Node process through tsx), for the CLI tests.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Absolute, so that a command can run in another working directory (to see where its default paths go).
const TSX = import.meta.resolve('tsx');
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The last stdout line as JSON (what --json prints). */
  json(): any;
}

export function nabla(args: string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 120_000,
      env: { ...process.env, NABLA_BACKEND: process.env.NABLA_BACKEND ?? '', ...options.env },
    });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, json: () => JSON.parse(stdout.trim().split('\n').at(-1)!) }));
  });
}
