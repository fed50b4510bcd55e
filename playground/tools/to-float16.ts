// Rewrites a safetensors file with its float32 tensors as float16 (half the bytes; nabla's load and
// deserialize read them back as float32), keeping the metadata and the other tensors.
// Run: npx tsx playground/tools/to-float16.ts IN.safetensors OUT.safetensors
import * as nb from '../../src/node.js';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: npx tsx playground/tools/to-float16.ts IN.safetensors OUT.safetensors');
  process.exit(2);
}
const { tensors, metadata } = nb.loadWithMetadata(input);
nb.save(tensors, output, metadata, { floatDtype: 'float16' });
console.log(`wrote ${output} (float16)`);
