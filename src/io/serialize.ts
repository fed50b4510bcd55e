/** Tensors to and from safetensors bytes (browser-safe); the Node file helpers wrap these. */
import { Tensor } from '../tensor/tensor.js';
import { decodeSafetensors, encodeSafetensors, prototypeFree } from './safetensors.js';
import '../ops/tensor-methods.js'; // Tensor's op methods

/** Tensors by name: a state dict, or the contents of a safetensors file. */
export type TensorRecord = Record<string, Tensor>;

/** PyTorch keeps these as int64; writing them as I64 lets torch.load_state_dict take nabla's files unchanged. */
const isInt64Key = (key: string): boolean => key.endsWith('num_batches_tracked');

/** Encodes tensors (and string metadata) as safetensors bytes (Node and browser). */
export function serialize(tensors: TensorRecord, metadata?: Record<string, string>): Uint8Array {
  const raw: Parameters<typeof encodeSafetensors>[0] = {};
  for (const [key, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) throw new Error(`save: value for key "${key}" is not a Tensor`);
    raw[key] = { dtype: t.dtype, shape: [...t.shape], data: t.contiguousData() };
  }
  return encodeSafetensors(raw, metadata, { int64Keys: isInt64Key });
}

/** Decodes safetensors bytes into tensors and metadata. */
export function deserialize(bytes: Uint8Array): { tensors: TensorRecord; metadata: Record<string, string> } {
  const { tensors: raw, metadata } = decodeSafetensors(bytes);
  const tensors = prototypeFree(Object.entries(raw).map(([key, r]) => [key, Tensor.fromData(r.data, r.shape, r.dtype)] as const));
  return { tensors, metadata };
}
