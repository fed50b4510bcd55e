/**
 * The `nabla` executable restarts itself once with glibc's malloc told to keep freed memory for reuse.
 *
 * glibc serves a large block (above its mmap threshold: 128 KiB at first, at most 32 MiB) with fresh
 * pages from the kernel and hands them back on free, and the first write to each fresh page faults.
 * Training and inference allocate tensors of megabytes at every step (a batch of 1,000 MNIST images
 * through the course's CNN: 100 MB per activation), so on a small VM the faults can cost more than the
 * arithmetic: on a 2-core VM, filling a new 100 MB Float32Array took 272 ms, and 15 ms where malloc
 * kept the memory from an earlier one. glibc reads these tunables only at process start, hence the
 * restart. The memory then stays with the process until it exits; `NABLA_SYSTEM_MALLOC=1` keeps
 * glibc's defaults, and variables the user set are left alone.
 */
import { spawnSync } from 'node:child_process';

/** Serve every block from the heap (no mmap threshold below 4 GiB) and never give the heap's top back. */
export const TUNED_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(2 ** 32),
  MALLOC_TRIM_THRESHOLD_: String(2 ** 36),
};

/**
 * The environment to restart with, or null when there is nothing to do: not Linux (the variables are
 * glibc's), opted out with NABLA_SYSTEM_MALLOC=1, or either variable set already (by the user, or by
 * the restart itself).
 */
export function tunedMallocEnv(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): NodeJS.ProcessEnv | null {
  if (platform !== 'linux' || env.NABLA_SYSTEM_MALLOC === '1') return null;
  if (Object.keys(TUNED_MALLOC_ENV).some((k) => env[k] !== undefined)) return null;
  return { ...env, ...TUNED_MALLOC_ENV };
}

/**
 * Runs this process's command line again under `env` and returns the exit code to end with (a signal
 * that ended the restarted process ends this one too); null when the restart could not start.
 */
export function relaunch(env: NodeJS.ProcessEnv): number | null {
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
  if (child.error) return null;
  if (child.signal) process.kill(process.pid, child.signal);
  return child.status ?? 1;
}

/**
 * Restarts with the tuned allocator when tunedMallocEnv asks for it; returns the exit code to end
 * with, or null when this process should do the work itself.
 */
export function relaunchWithTunedMalloc(): number | null {
  const env = tunedMallocEnv(process.env, process.platform);
  return env ? relaunch(env) : null;
}
