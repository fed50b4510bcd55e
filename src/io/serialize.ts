/** Tensors to and from safetensors bytes (browser-safe); the Node file helpers wrap these. */
import { Tensor } from '../tensor/tensor.js';
import { decodeSafetensors, encodeSafetensors, prototypeFree } from './safetensors.js';
import '../ops/tensor-methods.js'; // Tensor's op methods
import { checkOptions } from '../util/options.js';

/** Tensors by name: a state dict, or the contents of a safetensors file. */
export type TensorRecord = Record<string, Tensor>;

/** PyTorch keeps these as int64; writing them as I64 lets torch.load_state_dict take nabla's files unchanged. */
const isInt64Key = (key: string): boolean => key.endsWith('num_batches_tracked');

/** Options of serialize and save. */
export interface SerializeOptions {
  /**
   * Store float32 tensors as 'float16' or 'bfloat16' (safetensors F16 / BF16, rounded to nearest as
   * PyTorch's .half() and .bfloat16()): half the bytes; load and deserialize read them back as float32.
   */
  floatDtype?: 'float32' | 'float16' | 'bfloat16';
}

const FLOAT_DTYPES = { float32: 'F32', float16: 'F16', bfloat16: 'BF16' } as const;

/** Encodes tensors (and string metadata) as safetensors bytes (Node and browser). */
export function serialize(tensors: TensorRecord, metadata?: Record<string, string>, options: SerializeOptions = {}): Uint8Array {
  checkOptions('save', options, { floatDtype: 'string' }, { dtype: 'floatDtype' });
  const requested = options.floatDtype ?? 'float32';
  if (!Object.hasOwn(FLOAT_DTYPES, requested)) {
    throw new Error(`save: floatDtype must be 'float32', 'float16' or 'bfloat16', got ${JSON.stringify(requested)}`);
  }
  const floatDtype = FLOAT_DTYPES[requested];
  const raw: Parameters<typeof encodeSafetensors>[0] = {};
  for (const [key, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) throw new Error(`save: value for key "${key}" is not a Tensor`);
    raw[key] = { dtype: t.dtype, shape: [...t.shape], data: t.contiguousData() };
  }
  return encodeSafetensors(raw, metadata, { int64Keys: isInt64Key, floatDtype });
}

/** Decodes safetensors bytes into tensors and metadata. */
export function deserialize(bytes: Uint8Array): { tensors: TensorRecord; metadata: Record<string, string> } {
  const { tensors: raw, metadata } = decodeSafetensors(bytes);
  const tensors = prototypeFree(Object.entries(raw).map(([key, r]) => [key, Tensor.fromData(r.data, r.shape, r.dtype)] as const));
  return { tensors, metadata };
}
