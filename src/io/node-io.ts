/** Node-only: save and load safetensors files atomically. */
import { readFileBytes, writeFileAtomic } from './files.js';
import { deserialize, serialize, type TensorRecord } from './serialize.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';

/**
 * Writes tensors to a .safetensors file; a crash mid-write leaves the previous file intact.
 *
 * @example
 * ```ts
 * nb.save(model.stateDict(), 'cnn.safetensors'); // loads in PyTorch with safetensors' load_file + load_state_dict
 * ```
 */
export function save(tensors: TensorRecord, path: string, metadata?: Record<string, string>): void {
  writeFileAtomic(path, serialize(tensors, metadata));
}

/**
 * Reads the tensors of a safetensors file (PyTorch's `safetensors.torch.load_file`).
 *
 * @example
 * ```ts
 * const model = new SimpleCNN();
 * model.loadStateDict(nb.load('cnn.safetensors'));
 * ```
 */
export function load(path: string): TensorRecord {
  return loadWithMetadata(path).tensors;
}

/** Reads the tensors and the string metadata of a safetensors file. */
export function loadWithMetadata(path: string): { tensors: TensorRecord; metadata: Record<string, string> } {
  const bytes = readFileBytes(path);
  try {
    return deserialize(bytes);
  } catch (e) {
    throw new Error(`load ${path}: ${(e as Error).message}`);
  }
}

/** Writes a checkpoint (see io/checkpoint.ts) atomically. */
export function saveCheckpoint(path: string, state: Record<string, unknown>): void {
  writeFileAtomic(path, encodeCheckpoint(state));
}

/** Reads a checkpoint written by `saveCheckpoint`. */
export function loadCheckpoint(path: string): Record<string, unknown> {
  const bytes = readFileBytes(path);
  try {
    return decodeCheckpoint(bytes);
  } catch (e) {
    throw new Error(`load checkpoint ${path}: ${(e as Error).message}`);
  }
}
