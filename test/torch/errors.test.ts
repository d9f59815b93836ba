// Bad input raises a JavaScript Error carrying libtorch's message; the process never aborts.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as T from '../../src/torch/index.js';
import { F } from '../../src/torch/index.js';

const throwsMatching = (fn: () => unknown, re: RegExp): void => {
  assert.throws(fn, (e: unknown) => e instanceof Error && re.test(e.message));
};

test('a shape mismatch is an Error with libtorch message', () => {
  T.tidy(() => {
    throwsMatching(() => F.matmul(T.ones([2, 3]), T.ones([2, 3])), /cannot be multiplied \(2x3 and 2x3\)/);
    throwsMatching(
      () => F.add(T.ones([2, 3]), T.ones([4])),
      /size of tensor a \(3\) must match the size of tensor b \(4\)/,
    );
    throwsMatching(
      () => F.conv2d(T.ones([1, 3, 8, 8]), T.ones([4, 2, 3, 3])),
      /expected input\[1, 3, 8, 8\] to have 2 channels/,
    );
    throwsMatching(() => T.ones([6]).view(4, 2), /shape '\[4, 2\]' is invalid for input of size 6/);
    throwsMatching(() => T.tensor([1, 2, 3], [2, 2]), /3 values cannot have shape \[2, 2\]/);
  });
});

test('a wrong dtype is an Error', () => {
  T.tidy(() => {
    throwsMatching(
      () => F.crossEntropy(T.randn([2, 3]), T.tensor([0, 1], [2])),
      /expected scalar type Long but found Float|Float/,
    );
    throwsMatching(
      () => F.indexSelect(T.ones([3]), 0, T.tensor([0.5])),
      /index_select\(\): Expected dtype int/,
    );
    throwsMatching(() => T.zeros([2], { dtype: 'complex64' as T.DType }), /unknown dtype 'complex64'/);
    throwsMatching(() => T.ones([2]).to('float8' as T.DType), /unknown dtype 'float8'/);
  });
});

test('an out-of-range index is an Error', () => {
  T.tidy(() => {
    throwsMatching(
      () => F.indexSelect(T.ones([3, 2]), 0, T.tensor([5], [1], { dtype: 'int64' })),
      /out of range|INDICES element is out of DATA bounds/i,
    );
    throwsMatching(
      () => F.gather(T.ones([2, 2]), 1, T.tensor([0, 7, 1, 1], [2, 2], { dtype: 'int64' })),
      /out of bounds|index 7/,
    );
    throwsMatching(
      () => F.narrow(T.ones([3]), 0, 2, 5),
      /start \(2\) \+ length \(5\) exceeds dimension size \(3\)/,
    );
    throwsMatching(() => T.ones([3]).size(4), /has no such dim/);
    throwsMatching(() => F.sum(T.ones([2, 2]), 3), /Dimension out of range/);
  });
});

test('use of a disposed tensor is an Error', () => {
  const t = T.ones([2]);
  t.dispose();
  assert.equal(t.isDisposed, true);
  throwsMatching(() => t.shape, /disposed/);
  throwsMatching(() => t.data(), /disposed/);
  throwsMatching(() => F.add(t, 1), /argument 'self': tensor was disposed/);
  t.dispose(); // twice is harmless
});

test('wrong argument kinds name the operator and argument', () => {
  T.tidy(() => {
    const x = T.ones([1, 1, 4, 4]);
    throwsMatching(
      () => T.op('aten::conv2d', x, 'weights'),
      /aten::conv2d argument 'weight': expected a tensor/,
    );
    throwsMatching(
      () => T.op('aten::max_pool2d', x, [2.5]),
      /aten::max_pool2d argument 'kernel_size\[0\]': expected an integer/,
    );
    throwsMatching(() => T.op('aten::conv2d', x), /aten::conv2d: missing argument 'weight'/);
    throwsMatching(() => T.op('aten::no_such_op'), /no operator aten::no_such_op/);
    throwsMatching(() => T.op('aten::relu', x, x, x), /3 arguments given, at most 1/);
  });
});

test('autograd misuse is an Error, not an abort', () => {
  T.tidy(() => {
    throwsMatching(() => T.ones([2]).sum().backward(), /does not require grad/);
    const w = T.ones([3]).requiresGrad_();
    const y = F.mul(w, w).sum();
    y.backward();
    throwsMatching(() => y.backward(), /backward through the graph a second time/);
    throwsMatching(() => F.mul(w, 2).backward(), /grad can be implicitly created only for scalar outputs/);
    throwsMatching(() => T.setNumThreads(0), /positive integer/);
  });
});

test('optimizer and module misuse are clear errors', () => {
  T.tidy(() => {
    const lin = new T.nn.Linear(3, 2);
    throwsMatching(() => T.Adam([], { lr: 1 }), /no parameters/);
    throwsMatching(() => T.Adam(lin.parameters(), { lr: -1 }), /learning rate -1/);
    throwsMatching(() => lin.loadStateDict({ weight: T.ones([2, 3]) }), /missing keys: bias/);
    throwsMatching(
      () => lin.loadStateDict({ weight: T.ones([3, 3]), bias: T.ones([2]) }),
      /'weight' has shape \[3, 3\], the model expects \[2, 3\]/,
    );
    const r = lin.loadStateDict({ weight: T.ones([2, 3]), extra: T.ones([1]) }, { strict: false });
    assert.deepEqual(r, { missing: ['bias'], unexpected: ['extra'] });
    lin.dispose();
  });
});
