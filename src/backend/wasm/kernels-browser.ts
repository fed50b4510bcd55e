// The kernel builds in a browser bundle (package.json's `browser` field puts this module in place of
// ./kernels-node.ts): only the build this engine runs is fetched, through a dynamic import that the
// bundler emits as a chunk of its own. The top-level await makes the bundle's entry wait for it, so
// the API stays synchronous once `import` has resolved.
import { kernelVariant, type KernelVariant } from './variant.js';

async function fetchKernels(variant: KernelVariant): Promise<string> {
  // One literal import() per build, so that bundlers see (and split out) each of them.
  switch (variant) {
    case 'plain': return (await import('./kernels-plain.generated.js')).KERNELS_BASE64;
    case 'shared': return (await import('./kernels-shared.generated.js')).KERNELS_BASE64;
    case 'relaxed': return (await import('./kernels-relaxed.generated.js')).KERNELS_BASE64;
    case 'relaxed-shared': return (await import('./kernels-relaxed-shared.generated.js')).KERNELS_BASE64;
  }
}

const { variant } = kernelVariant();

/** The kernel builds at hand, base64, by variant: the one this engine runs, or none. */
export const kernelsBase64: Partial<Record<KernelVariant, string>> = {};

/** Why the chosen build could not be fetched ('' when it was): the js backend runs instead. */
export let kernelsLoadError = '';

if (variant) {
  try {
    kernelsBase64[variant] = await fetchKernels(variant);
  } catch (e) {
    kernelsLoadError = `fetching the ${variant} kernels failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}
