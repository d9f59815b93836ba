// Modules, optimizers, schedules and scopes.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as T from '../../src/torch/index.js';
import { nn, F, type Tensor } from '../../src/torch/index.js';
import { assertClose, fixture } from '../helpers.js';

class Block extends nn.Module {
  conv1 = new nn.Conv2d(3, 4, 3, { padding: 1, bias: false });
  bn1 = new nn.BatchNorm2d(4);
  drop = new nn.Dropout(0.5);
  heads = [new nn.Linear(4, 2), new nn.Linear(4, 3)];
  forward(x: Tensor): Tensor {
    const h = F.relu(this.bn1.forward(this.conv1.forward(x)));
    return this.drop.forward(F.mean(h, [2, 3]));
  }
}

test('state dict names follow PyTorch: assignment order, dotted, lists numbered', () => {
  const b = new Block();
  assert.deepEqual(Object.keys(b.stateDict()), [
    'conv1.weight',
    'bn1.weight',
    'bn1.bias',
    'heads.0.weight',
    'heads.0.bias',
    'heads.1.weight',
    'heads.1.bias',
    'bn1.running_mean',
    'bn1.running_var',
    'bn1.num_batches_tracked',
  ]);
  assert.equal(b.numParameters(), 4 * 3 * 9 + 8 + 10 + 15);
  const seq = new nn.Sequential(new nn.Conv2d(1, 2, 1), new nn.ReLU(), new nn.Linear(2, 2));
  assert.deepEqual(Object.keys(seq.stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias']);
  b.dispose();
  seq.dispose();
});

test('default init has PyTorch bounds: U(-1/sqrt(fan_in), 1/sqrt(fan_in))', () => {
  T.manualSeed(0);
  const c = new nn.Conv2d(8, 16, 3);
  const bound = 1 / Math.sqrt(8 * 9);
  const w = c.weight.toArray();
  assert.ok(Math.max(...w.map(Math.abs)) <= bound);
  assert.ok(Math.max(...w.map(Math.abs)) > 0.9 * bound);
  c.dispose();
});

test('train and eval differ exactly where batch norm and dropout say', () => {
  T.tidy(() => {
    T.manualSeed(1);
    const b = new Block();
    const x = T.randn([4, 3, 6, 6]);
    b.eval();
    const e1 = b.forward(x);
    const e2 = b.forward(x);
    assert.deepEqual(e1.toArray(), e2.toArray(), 'eval mode is deterministic');
    assert.equal(b.bn1.num_batches_tracked.item(), 0, 'eval does not touch running stats');
    b.train();
    const t1 = b.forward(x);
    assert.equal(b.bn1.num_batches_tracked.item(), 1);
    assert.notDeepEqual(b.bn1.running_mean.toArray(), [0, 0, 0, 0], 'train updates running stats');
    const zeros = t1.toArray().filter((v) => v === 0).length;
    assert.ok(zeros >= 3 && zeros <= 13, `dropout zeroed ${zeros} of 16`);
    // Dropout off, batch norm in train mode: batch statistics, not running ones.
    b.drop.training = false;
    const t2 = b.forward(x);
    b.eval();
    assert.notDeepEqual(t2.toArray(), b.forward(x).toArray());
    b.dispose();
  });
});

test('freeze stops gradients; loadStateDict copies values in', () => {
  T.tidy(() => {
    const a = new nn.Linear(3, 2);
    const b = new nn.Linear(3, 2);
    b.loadStateDict(a.stateDict());
    assert.deepEqual(b.weight.toArray(), a.weight.toArray());
    assert.ok(!T.native.sameStorage(b.weight, a.weight), 'values are copied, not shared');
    a.freeze();
    assert.equal(a.weight.requiresGrad, false);
    const y = F.add(a.forward(T.ones([1, 3])), b.forward(T.ones([1, 3]))).sum();
    y.backward();
    assert.equal(a.weight.grad, null);
    assert.ok(b.weight.grad);
    a.dispose();
    b.dispose();
  });
});

test('Adam, AdamW and SGD follow PyTorch step for step', () => {
  const fx = T.loadSafetensors(fixture('torch/fixtures/optim.safetensors')).tensors as Record<string, Tensor>;
  const grads = fx.grads as Tensor;
  const run = (make: (p: nn.Parameter[]) => T.Optimizer): Tensor =>
    T.tidy(() => {
      const p = new nn.Parameter((fx.p0 as Tensor).clone());
      const opt = make([p]);
      for (let k = 0; k < 5; k++) {
        p.grad = F.select(grads, 0, k).clone();
        opt.step();
      }
      return p;
    });
  assertClose(
    run((ps) => T.Adam(ps, { lr: 0.01, weightDecay: 0.1, amsgrad: true })),
    fx.adam as Tensor,
    1e-6,
    'adam',
  );
  assertClose(
    run((ps) => T.AdamW(ps, { lr: 0.01, weightDecay: 0.1 })),
    fx.adamw as Tensor,
    1e-6,
    'adamw',
  );
  assertClose(
    run((ps) => T.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true })),
    fx.sgd as Tensor,
    1e-6,
    'sgd',
  );
  T.dispose(fx);
});

test('optimizer state round-trips: a resumed run continues exactly', () => {
  T.tidy(() => {
    const train = (net: nn.Linear, opt: T.Optimizer, steps: number, seed: number): void => {
      T.manualSeed(seed);
      for (let i = 0; i < steps; i++) {
        T.tidy(() => {
          const loss = F.mseLoss(net.forward(T.randn([8, 4])), T.randn([8, 2]));
          opt.zeroGrad();
          loss.backward();
          opt.step();
        });
      }
    };
    T.manualSeed(0);
    const a = new nn.Linear(4, 2);
    const b = new nn.Linear(4, 2);
    b.loadStateDict(a.stateDict());
    const oa = T.Adam(a.parameters(), { lr: 0.05 });
    train(a, oa, 3, 1);
    train(a, oa, 3, 2);
    // b: 3 steps, then its weights and optimizer state go through a "checkpoint" into a fresh pair.
    const ob = T.Adam(b.parameters(), { lr: 0.05 });
    train(b, ob, 3, 1);
    const saved = ob.stateDict();
    const c = new nn.Linear(4, 2);
    c.loadStateDict(b.stateDict());
    const oc = T.Adam(c.parameters(), { lr: 0.05 });
    oc.loadStateDict(saved);
    assert.deepEqual(oc.stateDict().steps, [3, 3]);
    train(c, oc, 3, 2);
    assert.deepEqual(c.weight.toArray(), a.weight.toArray());
    assert.deepEqual(c.bias?.toArray(), a.bias?.toArray());
  });
});

test('per-group learning rates and the cosine and step schedules', () => {
  T.tidy(() => {
    const a = new nn.Linear(2, 2);
    const b = new nn.Linear(2, 2);
    const opt = T.Adam([
      { params: a.parameters(), lr: 4e-5 },
      { params: b.parameters(), lr: 1e-4 },
    ]);
    assert.equal(opt.getLr(0), 4e-5);
    assert.equal(opt.getLr(1), 1e-4);
    const cos = new T.CosineLR(opt, 10);
    cos.step();
    assert.ok(Math.abs(opt.getLr(1) - (1e-4 * (1 + Math.cos(Math.PI / 10))) / 2) < 1e-15);
    cos.setEpoch(10);
    assert.ok(Math.abs(opt.getLr(0)) < 1e-18);
    const sgd = T.SGD(a.parameters(), { lr: 1 });
    const st = new T.StepLR(sgd, 3, 0.5);
    const lrs = [];
    for (let e = 0; e < 7; e++) {
      lrs.push(sgd.getLr());
      st.step();
    }
    assert.deepEqual(lrs, [1, 1, 1, 0.5, 0.5, 0.5, 0.25]);
  });
});

test('tidy frees what it made, keeps what it returns, nests', () => {
  const outer: Tensor[] = [];
  const kept = T.tidy(() => {
    const a = T.ones([2]);
    outer.push(a);
    const inner = T.tidy(() => {
      const b = T.ones([3]);
      outer.push(b);
      return { c: F.mul(b, 2), list: [T.zeros([1])] };
    });
    assert.equal(outer[1]?.isDisposed, true, 'inner temporaries are freed at the inner tidy');
    assert.equal(inner.c.isDisposed, false);
    return inner.c;
  });
  assert.equal(outer[0]?.isDisposed, true);
  assert.equal(kept.isDisposed, false);
  assert.deepEqual(kept.toArray(), [2, 2, 2]);
  kept.dispose();
  assert.throws(() => T.tidy(() => Promise.resolve(1)), /synchronous/);
  const err = (): void => {
    T.tidy(() => {
      outer.push(T.ones([1]));
      throw new Error('boom');
    });
  };
  assert.throws(err, /boom/);
  assert.equal(outer[2]?.isDisposed, true, 'a throwing tidy still frees');
});

test('noGrad records nothing; autocast computes convolutions in bfloat16', () => {
  T.tidy(() => {
    const w = T.ones([2]).requiresGrad_();
    const y = T.noGrad(() => F.mul(w, 3));
    assert.equal(y.requiresGrad, false);
    assert.equal(T.isGradEnabled(), true);
    const x = T.randn([1, 2, 4, 4]);
    const k = T.randn([3, 2, 3, 3]);
    const z = T.autocast(() => F.conv2d(x, k));
    assert.equal(z.dtype, 'bfloat16');
    assert.equal(F.conv2d(x, k).dtype, 'float32', 'autocast ends with its scope');
  });
});

test('Module.to casts parameters in place, so optimizers keep working; zeroGrad drops grads', () => {
  T.tidy(() => {
    const lin = new nn.Linear(3, 2);
    const opt = T.SGD(lin.parameters(), { lr: 0.1 });
    const before = lin.weight;
    lin.to('float64');
    assert.equal(lin.weight, before, 'the same Parameter object');
    assert.equal(lin.weight.dtype, 'float64');
    const loss = lin.forward(T.ones([1, 3], { dtype: 'float64' })).sum();
    loss.backward();
    assert.equal(lin.weight.grad?.dtype, 'float64');
    const w0 = lin.weight.toArray();
    opt.step();
    assert.notDeepEqual(lin.weight.toArray(), w0, 'the optimizer updated the cast parameter');
    lin.zeroGrad();
    assert.equal(lin.weight.grad, null);
    const bn = new nn.BatchNorm2d(2).to('float64');
    assert.equal(bn.num_batches_tracked.dtype, 'int64', 'integer buffers keep their dtype');
    assert.equal(bn.running_mean.dtype, 'float64');
    lin.dispose();
    bn.dispose();
  });
});

test("devices: parseDevice's grammar, a module's device, and moves that keep the Parameter objects", () => {
  for (const d of ['cpu', 'cuda', 'cuda:0', 'cuda:12']) assert.equal(T.parseDevice(d), d);
  for (const d of ['tpu', 'CPU', 'cuda:', 'cuda:01', 'cuda:-1', 'cuda:x', 'cuda0'])
    assert.equal(T.parseDevice(d), null);
  const m = new nn.Conv2d(3, 4, 3);
  assert.equal(m.device, 'cpu');
  const before = m.parameters();
  const values = before.map((p) => p.toArray());
  assert.equal(m.to('cpu'), m);
  assert.deepEqual(m.parameters(), before, 'the optimizer keeps the same Parameter objects');
  assert.deepEqual(
    m.parameters().map((p) => p.toArray()),
    values,
  );
  // A batch built for the module lands where it lives.
  const x = T.tensor(new Float32Array(2 * 3 * 5 * 5), [2, 3, 5, 5], { device: m.device });
  assert.equal(x.device, 'cpu');
  assert.deepEqual(m.forward(x).shape, [2, 4, 3, 3]);
  assert.equal(T.deviceType('cuda:1'), 'cuda');
  assert.equal(T.deviceType('cpu'), 'cpu');
});

test('foldBatchNorms: conv + batch norm pairs fold to one conv with the same output; a skip taken before the norm is left alone', () => {
  class Net extends nn.Module {
    c1 = new nn.Conv2d(3, 6, 3, { padding: 1, bias: false });
    b1 = new nn.BatchNorm2d(6);
    c2 = new nn.Conv2d(6, 6, 3, { padding: 1 });
    b2 = new nn.BatchNorm2d(6);
    constructor(readonly skipBeforeNorm: boolean) {
      super();
    }
    forward(x: Tensor): Tensor {
      const h = F.relu(this.b1.forward(this.c1.forward(x)));
      const y = this.c2.forward(h);
      // The pre-norm activation reused: folding b2 into c2 would change it.
      return this.skipBeforeNorm ? F.add(this.b2.forward(y), y) : this.b2.forward(y);
    }
  }
  for (const skip of [false, true]) {
    T.manualSeed(3);
    const net = new Net(skip).to({ memoryFormat: 'channels_last' });
    T.tidy(() => T.noGrad(() => [0, 1, 2].forEach(() => net.forward(T.rand([4, 3, 8, 8])))));
    net.eval();
    const x = T.rand([2, 3, 8, 8]);
    const want = T.noGrad(() => net.forward(x));
    const r = nn.foldBatchNorms(net, x);
    assert.equal(r.folded, skip ? 0 : 2, `skip=${skip}: ${JSON.stringify(r)}`);
    assert.equal(net.b1.folded, !skip);
    if (skip) assert.ok(r.maxDiff > 1e-4, 'the wrong fold was measured and undone');
    assert.ok(T.isContiguous(net.c1.weight, 'channels_last'), 'a channels-last conv stays channels-last');
    assertClose(
      T.noGrad(() => net.forward(x)),
      want,
      1e-5,
      'folded output',
    );
    if (!skip) assert.throws(() => net.train().forward(x), /folded into its convolution/);
  }
});
