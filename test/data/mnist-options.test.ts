/**
 * The MNIST readers check their options at run time, before touching a file or the network: an unknown
 * key (torchvision's snake_case gets a did-you-mean) or a value of the wrong type is an error naming
 * the function, the option and the value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/node.js';

const { MNIST, FashionMNIST } = nb.data.datasets;
const loose = (o: unknown) => o as never;

test('MNIST and FashionMNIST: the constructors and create', async () => {
  assert.throws(() => new MNIST(loose({ target_transform: (y: number) => y })), /MNIST: unknown option 'target_transform' \(did you mean 'targetTransform'\? nabla spells options in camelCase\); known options: transform, targetTransform, root, train, download, downloadOptions/);
  assert.throws(() => new FashionMNIST(loose({ root: '/nonexistent', trian: false })), /FashionMNIST: unknown option 'trian' \(did you mean 'train'\?/);
  assert.throws(() => new MNIST(loose({ train: 'no' })), /MNIST: option train must be a boolean, got the string "no"/);
  await assert.rejects(FashionMNIST.create(loose({ root: '/nonexistent', download: true, downloadOptions: { mirrors: [] }, transfrom: null })),
    /FashionMNIST.create: unknown option 'transfrom' \(did you mean 'transform'\?/);
  await assert.rejects(MNIST.create(loose({ download: 'yes' })), /MNIST.create: option download must be a boolean, got the string "yes"/);
});

test('readIdxFile and downloadMnist', async () => {
  assert.throws(() => nb.data.readIdxFile('/nonexistent.idx', loose({ check_header: () => {} })), /readIdxFile: unknown option 'check_header' \(did you mean 'checkHeader'\?.*known options: checkHeader/);
  const fetchImpl = () => Promise.reject(new Error('no network in this test'));
  await assert.rejects(nb.data.downloadMnist('/nonexistent', 'mnist', loose({ fetchImpl, mirror: 'http://example.invalid/' })), /downloadMnist: unknown option 'mirror' \(did you mean 'mirrors'\?\); known options: mirrors, fetchImpl/);
  await assert.rejects(nb.data.downloadMnist('/nonexistent', 'mnist', loose({ fetchImpl, mirrors: 'http://example.invalid/' })), /downloadMnist: option mirrors must be an array of strings, got the string/);
  await assert.rejects(nb.data.downloadMnist('/nonexistent', 'mnist', { fetchImpl, stallTimeoutMs: -1 }), /downloadMnist: option stallTimeoutMs must be a finite number > 0, got number -1/);
});
