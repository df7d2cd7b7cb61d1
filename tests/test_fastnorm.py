"The fast norms of 12_fast_norms against PyTorch's and against the readable ones (hypothesis, float64), and on the command line."
import io, json, subprocess, sys
from pathlib import Path

import pytest
import torch
from hypothesis import assume, given, strategies as st
from torch import nn

from lesson17.batchnorm import BatchNorm
from lesson17.groupnorm import GroupNorm
from lesson17.fastnorm import BatchNormFn, FastBatchNorm, FastGroupNorm, GroupNormFn, channel_sums, count_passes
from helpers import SETTINGS, check_affine_norm, check_half_input, close, dims, eps, grads, half_rand, halves, rand, set_affine, spread

# float64: exact to rounding, so any difference is a mistake. (In float32 a group or channel of two values makes the input
# gradient a difference of nearly equal numbers, where even the readable layers and PyTorch's differ by more than 1e-4.)
dtypes = st.just(torch.float64)

BIN = Path(sys.executable).parent/'lesson17'


@SETTINGS
@given(n=dims, c=dims, h=dims, w=dims, dtype=dtypes, eps=eps, mom=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
       steps=st.integers(1, 4), seed=st.integers(0, 10_000))
def test_fast_batchnorm_as_torch_and_ours_in_train_and_eval(n, c, h, w, dtype, eps, mom, steps, seed):
    "Outputs, gradients wrt input, mults and adds, running statistics, and eval: as nn.BatchNorm2d and as our BatchNorm."
    assume(n * h * w > 1)
    fast, ref, ours = FastBatchNorm(c, mom=mom, eps=eps).to(dtype), nn.BatchNorm2d(c, momentum=mom, eps=eps).to(dtype), BatchNorm(c, mom=mom, eps=eps).to(dtype)
    set_affine(fast, ref, seed); set_affine(ours, ref, seed)
    for step in range(steps):
        x = rand((n, c, h, w), dtype, seed + step)
        outs = [m(x) for m in (fast, ref, ours)]
        g_fast, g_ref, g_ours = (grads(o, [x] + p, seed) for o, p in zip(outs, ([fast.mults, fast.adds], [ref.weight, ref.bias], [ours.mults, ours.adds])))
        for other, name in ((outs[1], 'nn.BatchNorm2d'), (outs[2], 'BatchNorm')): close(outs[0], other, dtype, f'train output vs {name}, step {step}')
        for a, b, c_, what in zip(g_fast, g_ref, g_ours, ('x', 'mults', 'adds')):
            k = spread(x.detach(), (0, 2, 3)) if what == 'x' else 1.
            close(a.flatten(), b.flatten(), dtype, f'gradient wrt {what} vs nn.BatchNorm2d, step {step}', k)
            close(a.flatten(), c_.flatten(), dtype, f'gradient wrt {what} vs BatchNorm, step {step}', k)
    close(fast.means.flatten(), ref.running_mean, dtype, 'running mean')
    close(fast.vars.flatten(), ref.running_var, dtype, 'running var')
    close(fast.vars, ours.vars, dtype, 'running var vs BatchNorm')
    for m in (fast, ref, ours): m.eval()
    x = rand((n, c, h, w), dtype, seed + 99)
    close(fast(x), ref(x), dtype, 'eval output')
    close(*[grads(m(x), [x], seed)[0] for m in (fast, ref)], dtype, 'eval gradient wrt x')
    for a, b, what in zip(grads(fast(x), [fast.mults, fast.adds], seed), grads(ref(x), [ref.weight, ref.bias], seed), ('mults', 'adds')):
        close(a.flatten(), b.flatten(), dtype, f'eval gradient wrt {what}')


@SETTINGS
@given(n=dims, groups=st.integers(1, 4), per_group=st.integers(1, 4), h=dims, w=dims, dtype=dtypes, eps=eps,
       seed=st.integers(0, 10_000))
def test_fast_groupnorm_as_torch(n, groups, per_group, h, w, dtype, eps, seed):
    assume(per_group * h * w > 1)  # PyTorch refuses groups of a single value
    c = groups * per_group
    fast, ref, ours = FastGroupNorm(groups, c, eps=eps).to(dtype), nn.GroupNorm(groups, c, eps=eps).to(dtype), GroupNorm(groups, c, eps=eps).to(dtype)
    check_affine_norm(fast, ref, (n, c, h, w), dtype, seed)   # as nn.GroupNorm: output, gradients wrt x, mults, adds
    set_affine(ours, ref, seed)
    x = rand((n, c, h, w), dtype, seed)
    for a, b in zip(grads(fast(x), [x, fast.mults, fast.adds], seed), grads(ours(x), [x, ours.mults, ours.adds], seed)):
        close(a, b, dtype, 'gradient vs our GroupNorm')


@pytest.mark.parametrize('shape', [(256, 8, 14, 14), (256, 64, 2, 2)])
def test_fast_norms_float32_on_the_lessons_shapes(shape):
    "In float32, on activations like the lesson's, as PyTorch's to float32 rounding."
    for fast, ref in ((FastBatchNorm(shape[1]), nn.BatchNorm2d(shape[1])), (FastGroupNorm(4, shape[1]), nn.GroupNorm(4, shape[1]))):
        check_affine_norm(fast, ref, shape, torch.float32, 0)


@SETTINGS
@given(n=dims, c=dims, h=dims, w=dims, dtype=halves, seed=st.integers(0, 10_000))
def test_fast_norms_half_input_to_float32_layer(n, c, h, w, dtype, seed):
    "float16/bfloat16 input: statistics in float32, output in the input's dtype, as PyTorch's."
    assume(n * h * w > 1)
    x = half_rand((n, c, h, w), dtype, seed)
    fast, ref = FastBatchNorm(c), nn.BatchNorm2d(c)
    set_affine(fast, ref, seed)
    check_half_input(fast, ref, [fast.mults, fast.adds], [ref.weight, ref.bias], x, seed, 'FastBatchNorm: ')
    close(fast.means.flatten(), ref.running_mean, torch.float32, 'running mean')
    assume(h * w > 1)
    fast, ref = FastGroupNorm(1, c), nn.GroupNorm(1, c)
    set_affine(fast, ref, seed)
    check_half_input(fast, ref, [fast.mults, fast.adds], [ref.weight, ref.bias], x, seed, 'FastGroupNorm: ')


@pytest.mark.parametrize('shape', [(2, 1, 1, 2), (3, 2, 1, 1), (4, 3, 2, 5), (5, 4, 3, 3)])
def test_gradcheck(shape):
    "The hand-written backwards against finite differences of their forwards, in float64."
    g = torch.Generator().manual_seed(0)
    n, c, h, w = shape
    x = (torch.randn(shape, generator=g, dtype=torch.float64) * 2 + 1).requires_grad_()
    mults = (torch.rand(c, 1, 1, generator=g, dtype=torch.float64) + 0.5).requires_grad_()
    adds = torch.randn(c, 1, 1, generator=g, dtype=torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(lambda x, m, a: BatchNormFn.apply(x, m, a, 1e-5)[0], (x, mults, adds))
    for groups in (1, c):
        if c // groups * h * w > 1:
            assert torch.autograd.gradcheck(lambda x, m, a: GroupNormFn.apply(x, m, a, groups, 1e-3), (x, mults, adds))


def test_state_dicts_interchange_with_batchnorm():
    "FastBatchNorm and BatchNorm load each other's state dicts, and then compute the same, in eval and training."
    torch.manual_seed(0)
    fast, slow = FastBatchNorm(5, mom=0.3).double(), BatchNorm(5, mom=0.3).double()
    for _ in range(3): fast(torch.randn(4, 5, 3, 3, dtype=torch.float64) * 2 + 1)
    with torch.no_grad(): fast.mults.uniform_(0.5, 1.5); fast.adds.normal_()
    sd = fast.state_dict()
    assert set(sd) == set(slow.state_dict()) == {'mults', 'adds', 'means', 'vars'}
    buf = io.BytesIO(); torch.save(sd, buf); buf.seek(0)
    slow.load_state_dict(torch.load(buf))
    back = FastBatchNorm(5, mom=0.3).double(); back.load_state_dict(slow.state_dict())
    x = torch.randn(6, 5, 3, 3, dtype=torch.float64)
    for training in (False, True):
        for m in (fast, slow, back): m.train(training)
        outs = [m(x) for m in (fast, slow, back)]
        torch.testing.assert_close(outs[0], outs[1]); torch.testing.assert_close(outs[2], outs[1])
    torch.testing.assert_close(fast.vars, slow.vars); torch.testing.assert_close(back.means, slow.means)


def test_channel_sums_read_the_dims_they_are_given():
    "BatchNorm's dims by default, summed height and width first, then the batch: the same sums as one sum over the dims."
    t = torch.randn(4, 3, 5, 6, dtype=torch.float64)
    torch.testing.assert_close(channel_sums(t), t.sum(BatchNorm.dims, keepdim=True))
    torch.testing.assert_close(channel_sums(t, (1, 2, 3)), t.sum((1, 2, 3), keepdim=True))
    mults, adds = torch.rand(3, 1, 1, dtype=torch.float64) + 0.5, torch.randn(3, 1, 1, dtype=torch.float64)
    assert all(torch.equal(a, b) for a, b in zip(BatchNormFn.apply(t, mults, adds, 1e-5), BatchNormFn.apply(t, mults, adds, 1e-5, BatchNorm.dims)))


def test_eval_is_batchnorms_own():
    "In eval mode FastBatchNorm is BatchNorm: one scale and shift, the same float operations, equal outputs."
    torch.manual_seed(0)
    fast, slow = FastBatchNorm(5, mom=0.3), BatchNorm(5, mom=0.3)
    for _ in range(2): fast(torch.randn(8, 5, 4, 4) * 2 + 1)
    slow.load_state_dict(fast.state_dict()); fast.eval(); slow.eval()
    x = torch.randn(6, 5, 4, 4)
    assert torch.equal(fast(x), slow(x))


def messages(layer, inputs):
    out = []
    for x in inputs:
        with pytest.raises(ValueError) as e: layer(x)
        out.append(str(e.value))
    return out


def test_bad_input_errors_as_the_readable_layers():
    "Same checks and messages as BatchNorm and GroupNorm (with the layer's own name), before any state changes."
    bad = [torch.randn(2, 3, 5, 5), torch.randn(2, 4), torch.randn(1, 4, 1, 1), torch.randn(2, 4, 3, 3, dtype=torch.float64),
           torch.ones(2, 4, 3, 3, dtype=torch.long)]
    fast = FastBatchNorm(4)
    assert messages(fast, bad) == [m.replace('BatchNorm(', 'FastBatchNorm(') for m in messages(BatchNorm(4), bad)]
    assert torch.equal(fast.means, torch.zeros(1, 4, 1, 1)) and torch.equal(fast.vars, torch.ones(1, 4, 1, 1))
    fast.eval()
    assert messages(fast, bad[:2] + bad[3:]) == [m.replace('BatchNorm(', 'FastBatchNorm(') for m in messages(BatchNorm(4).eval(), bad[:2] + bad[3:])]
    gbad = [torch.randn(2, 6, 3, 3), torch.randn(2, 4), torch.randn(2, 4, 3, 3, dtype=torch.float64)]
    assert messages(FastGroupNorm(2, 4), gbad) == [m.replace('GroupNorm(', 'FastGroupNorm(') for m in messages(GroupNorm(2, 4), gbad)]
    for cls, args in ((FastBatchNorm, (0,)), (FastBatchNorm, (4, 1.5)), (FastBatchNorm, (4, 0.1, 0)), (FastGroupNorm, (3, 8)), (FastGroupNorm, (0, 8))):
        with pytest.raises(ValueError): cls(*args)


def test_fewer_backward_passes_than_the_readable_batchnorm():
    x = torch.randn(16, 8, 5, 5)
    def passes(layer, k): return sum(r + w for _, r, w in count_passes(layer, x)[k])
    assert passes(FastBatchNorm(8), 'backward') < passes(BatchNorm(8), 'backward')
    assert count_passes(nn.BatchNorm2d(8), x)['forward'] == [('native_batch_norm.default', 1, 1)]


@pytest.mark.slow
def test_cli_trains_with_fast_batch(tmp_path):
    "`lesson17 train --norm fast-batch` is accepted, listed in --help, and learns (one epoch on a subset)."
    r = subprocess.run([str(BIN), 'train', '--help'], capture_output=True, text=True, timeout=120)
    assert 'fast-batch' in r.stdout
    out = tmp_path/'r.json'
    r = subprocess.run([str(BIN), 'train', '--norm', 'fast-batch', '--epochs', '1', '--subset', '3000', '--json', str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    results = json.loads(out.read_text())
    assert results['config']['norm'] == 'fast-batch' and results['final_valid_acc'] > 0.5
