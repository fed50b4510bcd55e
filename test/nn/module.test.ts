/** Module: discovery of parameters, buffers and children; modes; state dicts; hooks; containers; repr. */
import { describe, it, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/node.js';
import { nn, F, type Tensor } from '../../src/node.js';

const dir = fs.mkdtempSync(join(tmpdir(), 'nabla-nn-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

class SimpleCNN extends nn.Module {
  conv1 = new nn.Conv2d(1, 32, 3, { padding: 1 });
  bn = new nn.BatchNorm2d(32);
  pool = new nn.MaxPool2d(2, 2);
  conv2 = new nn.Conv2d(32, 64, 3, { padding: 1 });
  head = new nn.Sequential(new nn.Dropout(0.25), new nn.Linear(64 * 7 * 7, 128), new nn.ReLU());
  fc2 = new nn.Linear(128, 10);

  override forward(x: Tensor): Tensor {
    x = this.pool.call(F.relu(this.bn.call(this.conv1.call(x))));
    x = this.pool.call(F.relu(this.conv2.call(x)));
    return this.fc2.call(this.head.call(nb.flatten(x, 1)));
  }
}

const KEYS = [
  'conv1.weight', 'conv1.bias',
  'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked',
  'conv2.weight', 'conv2.bias',
  'head.1.weight', 'head.1.bias',
  'fc2.weight', 'fc2.bias',
];

describe('Module discovery', () => {
  it('finds parameters, buffers and children in field order with PyTorch\'s dotted keys', () => {
    const m = new SimpleCNN();
    assert.deepEqual(Object.keys(m.stateDict()), KEYS);
    assert.deepEqual(m.namedParameters().map(([k]) => k), KEYS.filter((k) => !k.startsWith('bn.r') && !k.startsWith('bn.n')));
    assert.deepEqual(m.namedBuffers().map(([k]) => k), ['bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
    assert.deepEqual(m.namedChildren().map(([k]) => k), ['conv1', 'bn', 'pool', 'conv2', 'head', 'fc2']);
    assert.deepEqual(m.namedModules().map(([k]) => k), ['', 'conv1', 'bn', 'pool', 'conv2', 'head', 'head.0', 'head.1', 'head.2', 'fc2']);
    assert.equal(m.parameters().length, 10);
    assert.equal(m.parameters().reduce((n, p) => n + p.numel(), 0), 32 * 9 + 32 + 64 + 64 * 32 * 9 + 64 + 3136 * 128 + 128 + 1280 + 10);
    assert.equal(m.getSubmodule('head.1'), m.head.at(1));
    assert.equal(m.stateDict()['bn.num_batches_tracked'].dtype, 'int32');
  });

  it('runs a forward pass through call() and forward() alike', () => {
    const m = new SimpleCNN().eval();
    const x = nb.randn([2, 1, 28, 28]);
    const a = m.call(x), b = m.forward(x);
    assert.deepEqual(a.shape, [2, 10]);
    assert.deepEqual([...a.dataSync()], [...b.dataSync()]);
  });

  it('lists a shared parameter once but keeps both keys in the state dict', () => {
    class Tied extends nn.Module {
      encoder = new nn.Embedding(5, 3);
      decoder = new nn.Linear(3, 5, { bias: false });
      constructor() {
        super();
        this.decoder.weight = this.encoder.weight;
      }
    }
    const m = new Tied();
    assert.equal(m.parameters().length, 1);
    assert.deepEqual(Object.keys(m.stateDict()), ['encoder.weight', 'decoder.weight']);
  });

  it('refuses plain arrays of modules, pointing at ModuleList', () => {
    class Bad extends nn.Module {
      layers = [new nn.Linear(2, 2), new nn.Linear(2, 2)];
    }
    assert.throws(() => new Bad().parameters(), /field "layers" holds a plain array of Modules.*ModuleList/);
  });

  it('warns once about a requiresGrad tensor that is not a Parameter', () => {
    const warn = mock.method(console, 'warn', () => {});
    try {
      class Forgot extends nn.Module {
        w = nb.randn([2, 2], { requiresGrad: true });
      }
      const m = new Forgot();
      assert.equal(m.parameters().length, 0);
      m.parameters();
      assert.equal(warn.mock.callCount(), 1);
      assert.match(String(warn.mock.calls[0].arguments[0]), /Forgot\.w .*nn\.Parameter/);
    } finally {
      warn.mock.restore();
    }
  });

  it('lets a declared-but-unset field become a registered buffer', () => {
    class Masked extends nn.Module {
      mask!: Tensor;
      constructor() {
        super();
        this.registerBuffer('mask', nb.ones([2]));
      }
    }
    const m = new Masked();
    assert.deepEqual(Object.keys(m.stateDict()), ['mask']);
    assert.deepEqual(m.mask.shape, [2]);
  });

  it('registers parameters, buffers (persistent or not) and modules by name', () => {
    const m = new nn.Module();
    m.registerParameter('scale', new nn.Parameter(nb.ones([2])));
    m.registerBuffer('steps', nb.zeros([1]));
    m.registerBuffer('cache', nb.zeros([3]), false);
    m.registerModule('0', new nn.Linear(1, 1));
    assert.deepEqual(Object.keys(m.stateDict()), ['scale', 'steps', '0.weight', '0.bias']);
    assert.deepEqual(m.namedBuffers().map(([k]) => k), ['steps', 'cache']);
    assert.ok((m as unknown as Record<string, Tensor>).scale instanceof nn.Parameter);
    assert.throws(() => m.registerBuffer('a.b', nb.zeros([1])), /can't contain "."/);
    assert.throws(() => m.registerParameter('p', nb.zeros([1]) as nb.nn.Parameter), /new nn\.Parameter/);
    assert.throws(() => m.registerBuffer('training', nb.zeros([1])), /already exists/);
    assert.throws(() => m.forward(), /missing the required "forward"/);
  });
});

describe('Module modes and gradients', () => {
  it('train() and eval() reach every descendant', () => {
    const m = new SimpleCNN();
    assert.ok(m.modules().every((x) => x.training));
    assert.equal(m.eval(), m);
    assert.ok(m.modules().every((x) => !x.training));
    m.train();
    assert.ok(m.modules().every((x) => x.training));
    m.head.train(false);
    assert.equal(m.training, true);
    assert.equal(m.head.at(0).training, false);
  });

  it('eval mode freezes batch norm statistics and disables dropout', () => {
    const m = new SimpleCNN().eval();
    const x = nb.randn([2, 1, 28, 28]);
    const a = m.call(x).dataSync(), b = m.call(x).dataSync();
    assert.deepEqual([...a], [...b]);
    assert.equal(m.bn.numBatchesTracked!.item(), 0);
    m.train();
    m.call(x);
    assert.equal(m.bn.numBatchesTracked!.item(), 1);
  });

  it('zeroGrad sets gradients to null by default, or to zeros', () => {
    const m = new nn.Linear(3, 2);
    m.call(nb.randn([4, 3])).sum().backward();
    assert.ok(m.weight.grad);
    m.zeroGrad(false);
    assert.ok(m.weight.grad!.dataSync().every((v) => v === 0));
    m.zeroGrad();
    assert.equal(m.weight.grad, null);
    assert.equal(m.bias!.grad, null);
  });

  it('requiresGrad_(false) freezes every parameter', () => {
    const m = new SimpleCNN().requiresGrad_(false);
    assert.ok(m.parameters().every((p) => !p.requiresGrad));
  });

  it('apply() visits children before the parent, and can re-initialise', () => {
    const m = new nn.Sequential(new nn.Linear(2, 3), new nn.Sequential(new nn.Linear(3, 3)));
    const seen: string[] = [];
    m.apply((mod) => seen.push(mod.constructor.name));
    assert.deepEqual(seen, ['Linear', 'Linear', 'Sequential', 'Sequential']);
    m.apply((mod) => { if (mod instanceof nn.Linear) nn.init.zeros_(mod.weight); });
    assert.ok(m.parameters().filter((p) => p.ndim === 2).every((p) => p.dataSync().every((v) => v === 0)));
  });

  it('forward hooks see and may replace inputs and outputs; handles remove them', () => {
    const m = new nn.Linear(2, 2);
    const pre = m.registerForwardPreHook((_mod, args) => [nb.mul(args[0] as Tensor, 0)]);
    const post = m.registerForwardHook((_mod, _args, out) => nb.add(out as Tensor, 1));
    const y = m.call(nb.ones([1, 2]));
    assert.deepEqual([...y.dataSync()], [...nb.add(m.bias!.detach(), 1).dataSync()]);
    pre.remove();
    post.remove();
    assert.deepEqual([...m.call(nb.zeros([1, 2])).dataSync()], [...m.bias!.dataSync()]);
  });
});

describe('state dicts', () => {
  it('round-trips through nb.save / nb.load into a fresh model with identical outputs', () => {
    nb.manualSeed(1);
    const a = new SimpleCNN();
    a.train();
    a.call(nb.randn([4, 1, 28, 28])); // move the running statistics off their defaults
    a.eval();
    const file = join(dir, 'cnn.safetensors');
    nb.save(a.stateDict(), file);
    const b = new SimpleCNN();
    const result = b.loadStateDict(nb.load(file));
    assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
    b.eval();
    const x = nb.randn([3, 1, 28, 28]);
    assert.deepEqual([...b.call(x).dataSync()], [...a.call(x).dataSync()]);
    assert.equal(b.bn.numBatchesTracked!.item(), 1);
    assert.deepEqual([...b.bn.runningMean!.dataSync()], [...a.bn.runningMean!.dataSync()]);
  });

  it('loads in place, so parameters an optimiser holds stay the same objects', () => {
    const m = new nn.Linear(2, 2);
    const w = m.weight;
    m.loadStateDict({ weight: nb.ones([2, 2]), bias: nb.zeros([2]) });
    assert.equal(m.weight, w);
    assert.deepEqual([...w.dataSync()], [1, 1, 1, 1]);
    assert.equal(w.requiresGrad, true);
  });

  it('state-dict values share storage with the module and are detached', () => {
    const m = new nn.Linear(2, 2);
    const sd = m.stateDict();
    assert.equal(sd.weight.storage, m.weight.storage);
    assert.equal(sd.weight.requiresGrad, false);
    assert.equal(m.stateDict({ keepVars: true }).weight, m.weight);
  });

  it('refuses missing and unexpected keys in strict mode with PyTorch\'s message', () => {
    const m = new SimpleCNN();
    const sd = m.stateDict();
    delete sd['fc2.bias'];
    sd['fc3.weight'] = nb.zeros([1]);
    assert.throws(() => m.loadStateDict(sd), (e: Error) => {
      assert.match(e.message, /^Error\(s\) in loading state_dict for SimpleCNN:/);
      assert.match(e.message, /Missing key\(s\) in state_dict: "fc2\.bias"\./);
      assert.match(e.message, /Unexpected key\(s\) in state_dict: "fc3\.weight"\./);
      return true;
    });
    const result = m.loadStateDict(sd, { strict: false });
    assert.deepEqual(result, { missingKeys: ['fc2.bias'], unexpectedKeys: ['fc3.weight'] });
  });

  it('refuses a size mismatch even when strict is false, and copies nothing', () => {
    class Net extends nn.Module {
      fc1 = new nn.Linear(3137, 512);
    }
    const src = new Net().stateDict();
    src['fc1.weight'] = nb.zeros([512, 3136]);
    const m = new Net();
    const before = [...m.fc1.bias!.dataSync()];
    src['fc1.bias'] = nb.ones([512]);
    const expected = 'size mismatch for fc1.weight: copying a param with shape [512, 3136] from checkpoint, the shape in current model is [512, 3137].';
    for (const strict of [true, false]) {
      assert.throws(() => m.loadStateDict(src, { strict }), (e: Error) => e.message.includes(expected) && e.message.startsWith('Error(s) in loading state_dict for Net:'));
    }
    assert.deepEqual([...m.fc1.bias!.dataSync()], before, 'nothing is copied when loading fails');
  });

  it('hints at a key prefix when the checkpoint came from a wrapper', () => {
    const m = new nn.Linear(2, 2);
    const sd = Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [`module.${k}`, v]));
    assert.throws(() => m.loadStateDict(sd), /prefix "module\."/);
  });

  it('accepts a BatchNorm checkpoint without num_batches_tracked, as PyTorch does for old state dicts', () => {
    const bn = new nn.BatchNorm2d(2);
    const sd = bn.stateDict();
    delete sd.num_batches_tracked;
    assert.deepEqual(bn.loadStateDict(sd), { missingKeys: [], unexpectedKeys: [] });
    delete sd.running_var;
    assert.throws(() => bn.loadStateDict(sd), /Missing key\(s\) in state_dict: "running_var"\./);
  });

  it('loads a 1-element 1-D tensor into a 0-D buffer, as PyTorch does', () => {
    const bn = new nn.BatchNorm1d(2);
    const sd = bn.stateDict();
    sd.num_batches_tracked = nb.tensor([7], { dtype: 'int32' });
    bn.loadStateDict(sd);
    assert.equal(bn.numBatchesTracked!.item(), 7);
    assert.deepEqual(bn.numBatchesTracked!.shape, []);
  });
});

describe('containers', () => {
  it('Sequential chains modules, indexes with at(), iterates, slices, and takes named modules', () => {
    const seq = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
    assert.equal(seq.length, 3);
    assert.ok(seq.at(-1) instanceof nn.Linear);
    assert.deepEqual([...seq].map((m) => m.constructor.name), ['Linear', 'ReLU', 'Linear']);
    assert.deepEqual(seq.call(nb.randn([5, 4])).shape, [5, 2]);
    assert.deepEqual(Object.keys(seq.slice(1).stateDict()), ['2.weight', '2.bias']);
    const named = new nn.Sequential({ conv: new nn.Conv2d(1, 2, 3), act: new nn.ReLU() });
    assert.deepEqual(Object.keys(named.stateDict()), ['conv.weight', 'conv.bias']);
    assert.throws(() => seq.at(3), /out of range/);
    assert.throws(() => new nn.Sequential(new nn.ReLU(), 3 as unknown as nb.nn.Module), /argument 1 is not a Module/);
  });

  it('ModuleList appends, extends, inserts and re-keys', () => {
    const list = new nn.ModuleList([new nn.Linear(1, 1)]);
    list.append(new nn.Linear(1, 2)).extend([new nn.Linear(1, 3)]);
    assert.equal(list.length, 3);
    list.insert(0, new nn.Linear(1, 4));
    assert.deepEqual(Object.keys(list.stateDict()).filter((k) => k.endsWith('weight')), ['0.weight', '1.weight', '2.weight', '3.weight']);
    assert.deepEqual(list.stateDict()['0.weight'].shape, [4, 1]);
    list.pop(0);
    assert.deepEqual(list.stateDict()['0.weight'].shape, [1, 1]);
    assert.equal(list.at(-1).constructor.name, 'Linear');
    class Stack extends nn.Module {
      layers = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)]);
      override forward(x: Tensor): Tensor {
        for (const layer of this.layers) x = layer.call(x);
        return x;
      }
    }
    const s = new Stack();
    assert.deepEqual(Object.keys(s.stateDict()), ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
    assert.deepEqual(s.call(nb.ones([1, 2])).shape, [1, 2]);
  });

  it('ModuleDict keeps insertion order, even for numeric-looking keys', () => {
    const d = new nn.ModuleDict({ b: new nn.Linear(1, 1), a: new nn.ReLU() });
    d.set('10', new nn.Linear(1, 1));
    d.set('2', new nn.Linear(1, 1));
    assert.deepEqual(d.keys(), ['b', 'a', '10', '2']);
    assert.deepEqual(Object.keys(d.stateDict()), ['b.weight', 'b.bias', '10.weight', '10.bias', '2.weight', '2.bias']);
    assert.ok(d.get('a') instanceof nn.ReLU);
    assert.ok(d.delete('b'));
    assert.deepEqual([...d].map(([k]) => k), ['a', '10', '2']);
    assert.throws(() => d.get('zzz'), /no module named "zzz"/);
  });
});

describe('Parameter', () => {
  it('requires grad by default and shares the wrapped tensor\'s storage', () => {
    const t = nb.randn([2, 3]);
    const p = new nn.Parameter(t);
    assert.equal(p.requiresGrad, true);
    assert.equal(p.storage, t.storage);
    assert.ok(p instanceof nb.Tensor);
    assert.equal(new nn.Parameter(t, false).requiresGrad, false);
    assert.match(String(new nn.Parameter(nb.zeros([2]))), /^Parameter containing:\ntensor\(/);
    assert.throws(() => new nn.Parameter(nb.zeros([2], { dtype: 'int32' })), /floating point/);
  });
});

describe('module repr', () => {
  it('prints like PyTorch, nesting containers', () => {
    const m = new SimpleCNN();
    assert.equal(String(m), [
      'SimpleCNN(',
      '  (conv1): Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))',
      '  (bn): BatchNorm2d(32, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)',
      '  (pool): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)',
      '  (conv2): Conv2d(32, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))',
      '  (head): Sequential(',
      '    (0): Dropout(p=0.25, inplace=False)',
      '    (1): Linear(in_features=3136, out_features=128, bias=True)',
      '    (2): ReLU()',
      '  )',
      '  (fc2): Linear(in_features=128, out_features=10, bias=True)',
      ')',
    ].join('\n'));
  });
});
