// The kernel builds for Node and any other non-browser loader: all four, imported statically, so
// that loading stays synchronous (their size does not matter there). Bundlers targeting browsers
// read package.json's `browser` field and take ./kernels-browser.ts instead.
import { KERNELS_BASE64 as plain } from './kernels-plain.generated.js';
import { KERNELS_BASE64 as shared } from './kernels-shared.generated.js';
import { KERNELS_BASE64 as relaxed } from './kernels-relaxed.generated.js';
import { KERNELS_BASE64 as relaxedShared } from './kernels-relaxed-shared.generated.js';
import type { KernelVariant } from './variant.js';

/** The kernel builds at hand, base64, by variant. */
export const kernelsBase64: Partial<Record<KernelVariant, string>> = { plain, shared, relaxed, 'relaxed-shared': relaxedShared };

/** Why a build could not be had ('' here: they are all imported). */
export const kernelsLoadError = '';
