/** Tensors to and from safetensors bytes (browser-safe); the Node file helpers wrap these. */
import { Tensor } from '../tensor/tensor.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';
import '../ops/tensor-methods.js'; // Tensor's op methods

export type TensorRecord = Record<string, Tensor>;

/** PyTorch keeps these as int64; writing them as I64 lets torch.load_state_dict take nabla's files unchanged. */
const isInt64Key = (key: string): boolean => key.endsWith('num_batches_tracked');

export function serialize(tensors: TensorRecord, metadata?: Record<string, string>): Uint8Array {
  const raw: Parameters<typeof encodeSafetensors>[0] = {};
  for (const [key, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) throw new Error(`save: value for key "${key}" is not a Tensor`);
    raw[key] = { dtype: t.dtype, shape: [...t.shape], data: t.contiguousData() };
  }
  return encodeSafetensors(raw, metadata, { int64Keys: isInt64Key });
}

export function deserialize(bytes: Uint8Array): { tensors: TensorRecord; metadata: Record<string, string> } {
  const { tensors: raw, metadata } = decodeSafetensors(bytes);
  const tensors: TensorRecord = {};
  for (const [key, r] of Object.entries(raw)) tensors[key] = Tensor.fromData(r.data, r.shape, r.dtype);
  return { tensors, metadata };
}
