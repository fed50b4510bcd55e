#!/usr/bin/env node
/** The `nabla` executable. */
import { relaunchWithTunedMalloc } from './relaunch.js';

// before the library loads: the restarted process does the work, this one only waits for it
const relaunched = relaunchWithTunedMalloc();
if (relaunched !== null) {
  process.exitCode = relaunched;
} else {
  const { runCli } = await import('./cli.js');
  process.exitCode = await runCli(process.argv.slice(2));
}
