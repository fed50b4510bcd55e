/**
 * Checkpoints as one safetensors file: any JSON-shaped state (model and optimiser state dicts,
 * scheduler state, epoch, RNG state) whose Tensors go to the tensor section under their path
 * (`model.conv1.weight`, `optimizer.state.0.momentum_buffer`) and everything else to a JSON
 * document in the metadata, where each tensor is replaced by a {"$tensor": key} reference.
 */
import { Tensor } from '../tensor/tensor.js';
import { jsonStructureProblem } from './json-check.js';
import { deserialize, serialize, type TensorRecord } from './serialize.js';
import '../ops/tensor-methods.js'; // Tensor's op methods

const METADATA_KEY = 'nabla.checkpoint';
// Optimizer and scheduler states nest a few levels; the limit keeps fromDocument's recursion far from the stack's.
const MAX_DOCUMENT_DEPTH = 256;

/** Encodes a training checkpoint (nested objects of tensors and JSON values) as safetensors bytes. */
export function encodeCheckpoint(state: Record<string, unknown>): Uint8Array {
  const tensors: TensorRecord = {};
  const document = toDocument(state, '', tensors);
  return serialize(tensors, { [METADATA_KEY]: JSON.stringify(document), format: 'pt' });
}

function toDocument(value: unknown, path: string, tensors: TensorRecord): unknown {
  if (value instanceof Tensor) {
    if (path in tensors) throw new Error(`checkpoint: two tensors map to the key "${path}"`);
    tensors[path] = value;
    return { $tensor: path };
  }
  if (Array.isArray(value)) return value.map((v, i) => toDocument(v, `${path}.${i}`, tensors));
  if (value instanceof Map) return toDocument(Object.fromEntries(value), path, tensors);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toDocument(v, path ? `${path}.${k}` : k, tensors);
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
  return value;
}

function fromDocument(value: unknown, tensors: TensorRecord): unknown {
  if (Array.isArray(value)) return value.map((v) => fromDocument(v, tensors));
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.$tensor === 'string') {
      const t = tensors[record.$tensor];
      if (!t) throw new Error(`checkpoint: the document refers to tensor "${record.$tensor}", which the file does not contain`);
      return t;
    }
    if (typeof record.$number === 'string') return Number(record.$number);
    // fromEntries, not assignment, so a "__proto__" key stays an ordinary key.
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fromDocument(v, tensors)]));
  }
  return value;
}

/** Decodes the bytes of `encodeCheckpoint`. */
export function decodeCheckpoint(bytes: Uint8Array): Record<string, unknown> {
  const { tensors, metadata } = deserialize(bytes);
  const document = metadata[METADATA_KEY];
  if (document === undefined) throw new Error('checkpoint: this safetensors file holds no nabla checkpoint (no "nabla.checkpoint" metadata); is it a weights-only file?');
  const problem = jsonStructureProblem(document, MAX_DOCUMENT_DEPTH);
  if (problem !== null) throw new Error(`checkpoint: the checkpoint document: ${problem}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch (e) {
    throw new Error(`checkpoint: the checkpoint document is not valid JSON (${(e as Error).message})`);
  }
  return fromDocument(parsed, tensors) as Record<string, unknown>;
}
