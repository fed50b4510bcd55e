/**
 * Node's side of BERT's model directories: reading and writing them, and downloading a Hub model
 * ("google/bert_uncased_L-2_H-128_A-2") from `${endpoint}/${name}/resolve/${revision}/${file}` into
 * a cache that later loads reuse without the network. Importing this file installs it for
 * fromPretrained / savePretrained (the Node entry does).
 */
import fs from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, readFileBytes } from '../../util/files.js';
import { convertMessage, HUB_OPTIONS, setPretrainedFileSystem, type BertFiles, type HubOptions } from './pretrained.js';
import { checkOptions } from '../../util/options.js';

const REQUIRED = ['config.json', 'model.safetensors'] as const;
const OPTIONAL = ['vocab.txt', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'] as const;
const TEXT = new Set<string>(['config.json', ...OPTIONAL]);
/** Written into a cached snapshot once every file was fetched (or found absent), so later loads need no network. */
const COMPLETE = '.complete';

/** Reads a model directory's files; refuses a directory with only PyTorch's pickle. */
export function readModelDirectory(dir: string, where = 'readModelDirectory'): BertFiles {
  const has = (name: string): boolean => fs.existsSync(join(dir, name));
  if (!has('config.json')) throw new Error(`${where}: ${dir} has no config.json`);
  if (!has('model.safetensors')) {
    if (has('pytorch_model.bin')) throw new Error(`${where}: ${convertMessage(dir)}`);
    if (has('model.safetensors.index.json')) throw new Error(`${where}: ${dir} holds a sharded checkpoint (model.safetensors.index.json); nabla reads one model.safetensors`);
    throw new Error(`${where}: ${dir} has no model.safetensors`);
  }
  const files: BertFiles = {};
  for (const name of [...REQUIRED, ...OPTIONAL]) {
    if (!has(name)) continue;
    const bytes = readFileBytes(join(dir, name));
    files[name] = TEXT.has(name) ? new TextDecoder().decode(bytes) : bytes;
  }
  return files;
}

/** Writes each file atomically into `dir` (created if needed). */
export function writeModelDirectory(dir: string, files: BertFiles): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    writeFileAtomic(join(dir, name), typeof content === 'string' ? new TextEncoder().encode(content) : content);
  }
}

const HUB_NAME = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

/** The cache folder of a Hub model: <cache>/models--org--name/snapshots/<revision>. */
export function hubCachePath(name: string, options: HubOptions = {}): string {
  checkOptions('hubCachePath', options, HUB_OPTIONS);
  const root = options.cacheDir ?? process.env.NABLA_CACHE ?? join(homedir(), '.cache', 'nabla', 'hub');
  const revision = options.revision ?? 'main';
  return join(root, `models--${name.replace(/\//g, '--')}`, 'snapshots', revision.replace(/[/\\]/g, '--'));
}

async function fetchFile(url: string, token: string | undefined, where: string): Promise<Uint8Array | null> {
  let response: Response;
  try {
    response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  } catch (err) {
    throw new Error(`${where}: cannot reach ${url}: ${(err as Error).message}`, { cause: err });
  }
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${where}: ${url} answered ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Downloads a Hub model's files into the cache (each file atomically) unless the cache already has a
 * complete copy; returns the cached folder.
 */
export async function downloadFromHub(name: string, options: HubOptions = {}, where = 'downloadFromHub'): Promise<string> {
  checkOptions(where, options, HUB_OPTIONS);
  if (!HUB_NAME.test(name)) throw new Error(`${where}: ${JSON.stringify(name)} is neither a directory nor a Hub model name like "org/name"`);
  const dir = hubCachePath(name, options);
  if (!options.forceDownload && fs.existsSync(join(dir, COMPLETE))) return dir;
  if (options.localFilesOnly) throw new Error(`${where}: ${name} is not in the cache (${dir}) and localFilesOnly is set`);
  const endpoint = (options.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  const revision = encodeURIComponent(options.revision ?? 'main');
  const url = (file: string): string => `${endpoint}/${name}/resolve/${revision}/${file}`;
  const token = options.token ?? process.env.HF_TOKEN;
  fs.mkdirSync(dir, { recursive: true });
  for (const file of [...REQUIRED, ...OPTIONAL]) {
    const bytes = await fetchFile(url(file), token, where);
    if (bytes) {
      writeFileAtomic(join(dir, file), bytes);
      continue;
    }
    if (file === 'config.json') throw new Error(`${where}: ${url(file)} was not found; is ${JSON.stringify(name)} a model on ${endpoint}?`);
    if (file === 'model.safetensors') {
      if (await fetchFile(url('pytorch_model.bin'), token, where)) throw new Error(`${where}: ${convertMessage(`${name} on ${endpoint}`)}`);
      throw new Error(`${where}: ${name} on ${endpoint} has no model.safetensors`);
    }
    fs.rmSync(join(dir, file), { force: true });
  }
  writeFileAtomic(join(dir, COMPLETE), new TextEncoder().encode(`${new Date().toISOString()}\n`));
  return dir;
}

/** A local directory, or else a Hub name (downloaded into the cache). */
export async function readPretrainedFiles(dirOrName: string, options: HubOptions = {}, where = 'readPretrainedFiles'): Promise<BertFiles> {
  if (fs.existsSync(dirOrName) && fs.statSync(dirOrName).isDirectory()) return readModelDirectory(dirOrName, where);
  if (dirOrName.startsWith('.') || dirOrName.startsWith('/') || !HUB_NAME.test(dirOrName)) {
    throw new Error(`${where}: no directory ${dirOrName}${HUB_NAME.test(dirOrName) ? '' : ', and it is not a Hub model name like "org/name"'}`);
  }
  return readModelDirectory(await downloadFromHub(dirOrName, options, where), where);
}

setPretrainedFileSystem({
  readFiles: (dirOrName, options, where) => readPretrainedFiles(dirOrName, options, where),
  writeFiles: (dir, files) => writeModelDirectory(dir, files),
});
