// Native memory is released deterministically: a long training loop keeps its resident set flat.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as T from '../../src/torch/index.js';
import { nn, F, type Tensor } from '../../src/torch/index.js';

class SmallNet extends nn.Module {
  conv1 = new nn.Conv2d(3, 8, 3, { padding: 1 });
  bn1 = new nn.BatchNorm2d(8);
  conv2 = new nn.Conv2d(8, 8, 3, { stride: 2, padding: 1 });
  fc = new nn.Linear(8, 4);
  forward(x: Tensor): Tensor {
    const h = F.relu(this.conv2.forward(F.relu(this.bn1.forward(this.conv1.forward(x)))));
    return this.fc.forward(F.mean(h, [2, 3]));
  }
}

test('10,000 training steps of a small conv net keep resident memory flat', () => {
  T.manualSeed(0);
  const net = new SmallNet();
  const opt = T.Adam(net.parameters(), { lr: 1e-3 });
  const x = T.randn([4, 3, 16, 16]);
  const y = T.randint(0, 4, [4]);
  const step = (): number =>
    T.tidy(() => {
      const loss = F.crossEntropy(net.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss.item();
    });
  for (let i = 0; i < 1000; i++) step();
  const warm = process.memoryUsage().rss;
  let last = 0;
  for (let i = 0; i < 9000; i++) last = step();
  const end = process.memoryUsage().rss;
  const growth = (end - warm) / warm;
  assert.ok(Number.isFinite(last));
  assert.ok(growth < 0.05, `resident memory grew ${(growth * 100).toFixed(1)}% (${warm} -> ${end} bytes)`);
  net.dispose();
  T.dispose([x, y]);
});

test('tensors dropped without dispose are reclaimed by the garbage collector', async () => {
  // Allocate ~2 GB in 8 MB tensors outside any scope; without the finalizer (and the memory
  // reported to V8) this would exhaust the heap budget long before the end.
  const before = process.memoryUsage().rss;
  for (let i = 0; i < 256; i++) {
    T.zeros([2 * 1024 * 1024]);
    if (i % 32 === 0) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 50));
  const grown = process.memoryUsage().rss - before;
  assert.ok(grown < 1024 * 1024 * 1024, `resident memory grew ${(grown / 2 ** 20).toFixed(0)} MiB`);
});
