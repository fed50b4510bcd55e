/** Node-only: save and load safetensors files atomically. */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { readFileBytes, writeFileAtomic } from '../util/files.js';
import { deserialize, serialize, type SerializeOptions, type TensorRecord } from './serialize.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';

/**
 * Refuses what PyTorch habits bring to nb.save before anything is written: a Module (or optimiser)
 * instead of its state dict, and a .pt/.pth name. The latter is an error rather than a warning
 * because the file would be safetensors under a pickle's name: torch.load fails on it later, in
 * another program, far from the cause, while renaming here costs nothing.
 */
function checkSaveArguments(tensors: unknown, path: string): void {
  if (tensors !== null && typeof tensors === 'object' && typeof (tensors as { stateDict?: unknown }).stateDict === 'function') {
    const name = (tensors as object).constructor.name;
    throw new TypeError(`save: got a ${name}, not tensors; save its state dict: nb.save(model.stateDict(), '${path}') (PyTorch's torch.save(model.state_dict(), f)); load it back with model.loadStateDict(nb.load('${path}'))`);
  }
  if (/\.pth?$/i.test(path)) {
    throw new Error(`save: ${path}: nabla writes safetensors, not a PyTorch pickle, so torch.load could not read this file; name it ${path.replace(/\.pth?$/i, '.safetensors')} and load it in PyTorch with safetensors.torch.load_file(path) then model.load_state_dict(...)`);
  }
}

/** The folder a file is written into must exist (the atomic write's temp-file name would hide it in ENOENT). */
function checkFolder(op: string, path: string): void {
  const folder = dirname(resolve(path));
  if (!existsSync(folder)) throw new Error(`${op}: cannot write ${path}: the folder ${dirname(path)} does not exist; create it first (fs.mkdirSync('${dirname(path)}', { recursive: true }))`);
  if (!statSync(folder).isDirectory()) throw new Error(`${op}: cannot write ${path}: ${dirname(path)} is not a folder`);
}

/**
 * Writes tensors to a .safetensors file; a crash mid-write leaves the previous file intact.
 *
 * @example
 * ```ts
 * nb.save(model.stateDict(), 'cnn.safetensors'); // loads in PyTorch with safetensors' load_file + load_state_dict
 * nb.save(model.stateDict(), 'cnn-f16.safetensors', undefined, { floatDtype: 'float16' }); // half the bytes; load gives float32 back
 * ```
 */
export function save(tensors: TensorRecord, path: string, metadata?: Record<string, string>, options: SerializeOptions = {}): void {
  checkSaveArguments(tensors, path);
  checkFolder('save', path);
  writeFileAtomic(path, serialize(tensors, metadata, options));
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

/**
 * What a file made by torch.save starts with: a zip archive (PyTorch >= 1.6) or a bare pickle
 * (protocol 2 to 5); a safetensors file has its JSON header's '{' at byte 8 instead.
 */
function isTorchPickle(bytes: Uint8Array): boolean {
  if (bytes[8] === 0x7b) return false;
  return (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) || (bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5);
}

/** Reads the tensors and the string metadata of a safetensors file. */
export function loadWithMetadata(path: string): { tensors: TensorRecord; metadata: Record<string, string> } {
  const bytes = readFileBytes(path);
  if (isTorchPickle(bytes)) {
    throw new Error(`load ${path}: this is a PyTorch pickle (torch.save), which JavaScript cannot read safely; convert it in Python: safetensors.torch.save_file(torch.load(f), 'model.safetensors')`);
  }
  try {
    return deserialize(bytes);
  } catch (e) {
    throw new Error(`load ${path}: ${(e as Error).message}`);
  }
}

/** Writes a checkpoint (see io/checkpoint.ts) atomically. */
export function saveCheckpoint(path: string, state: Record<string, unknown>): void {
  checkFolder('saveCheckpoint', path);
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
