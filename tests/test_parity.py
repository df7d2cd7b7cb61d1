"Every from-scratch norm against PyTorch's, over many random shapes, dtypes and settings (hypothesis)."
import io

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings, strategies as st
from torch import nn

from lesson17.batchnorm import BatchNorm
from lesson17.groupnorm import GroupNorm, InstanceNorm
from lesson17.layernorm import LayerNorm

# float64 is exact to rounding; float32 is checked at the tolerance of its rounding over a few hundred values.
TOL = {torch.float64: dict(rtol=1e-9, atol=1e-9), torch.float32: dict(rtol=1e-4, atol=1e-4)}
dtypes = st.sampled_from([torch.float32, torch.float64])
dims = st.integers(1, 6)
eps = st.sampled_from([1e-5, 1e-3, 0.1])
SETTINGS = settings(max_examples=40, deadline=None)


def close(a, b, dtype, what):
    torch.testing.assert_close(a, b, **TOL[dtype], msg=lambda m: f'{what}: {m}')


def rand(shape, dtype, seed):
    g = torch.Generator().manual_seed(seed)
    scale = torch.rand(1, shape[1], 1, 1, generator=g, dtype=dtype) * 3 + 0.5
    shift = torch.randn(1, shape[1], 1, 1, generator=g, dtype=dtype) * 2
    return (torch.randn(shape, generator=g, dtype=dtype) * scale + shift).requires_grad_()


def grads(out, inputs, seed):
    g = torch.randn(out.shape, generator=torch.Generator().manual_seed(seed + 1), dtype=out.dtype)
    return torch.autograd.grad(out, inputs, g)


def set_affine(ours, ref, seed):
    "Random scale and shift in PyTorch's layer, copied into ours (per channel)."
    g = torch.Generator().manual_seed(seed + 2)
    with torch.no_grad():
        ref.weight.copy_(torch.rand(ref.weight.shape, generator=g) + 0.5)
        ref.bias.copy_(torch.randn(ref.bias.shape, generator=g))
        ours.mults.copy_(ref.weight.view(ours.mults.shape)); ours.adds.copy_(ref.bias.view(ours.adds.shape))


def check_affine_norm(ours, ref, shape, dtype, seed):
    "Same random affine in both layers; outputs and gradients wrt input, scale and shift must match."
    set_affine(ours, ref, seed)
    x = rand(shape, dtype, seed)
    out_ours, out_ref = ours(x), ref(x)
    close(out_ours, out_ref, dtype, 'output')
    for a, b, what in zip(grads(out_ours, [x, ours.mults, ours.adds], seed), grads(out_ref, [x, ref.weight, ref.bias], seed), ('x', 'mults', 'adds')):
        close(a.flatten(), b.flatten(), dtype, f'gradient wrt {what}')


@SETTINGS
@given(n=dims, c=dims, h=dims, w=dims, dtype=dtypes, eps=eps, seed=st.integers(0, 10_000))
def test_layernorm(n, c, h, w, dtype, eps, seed):
    ln = LayerNorm(c, eps=eps).to(dtype)
    with torch.no_grad(): ln.mult.fill_(1.5); ln.add.fill_(-0.25)
    x = rand((n, c, h, w), dtype, seed)
    ours = ln(x)
    ref = F.layer_norm(x, x.shape[1:], eps=eps) * ln.mult + ln.add
    close(ours, ref, dtype, 'output')
    for a, b, what in zip(grads(ours, [x, ln.mult, ln.add], seed), grads(ref, [x, ln.mult, ln.add], seed), ('x', 'mult', 'add')):
        close(a, b, dtype, f'gradient wrt {what}')


@SETTINGS
@given(n=dims, c=dims, h=dims, w=dims, dtype=dtypes, eps=eps, mom=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
       steps=st.integers(1, 4), seed=st.integers(0, 10_000))
def test_batchnorm_train_eval_and_running_stats(n, c, h, w, dtype, eps, mom, steps, seed):
    assume(n * h * w > 1)  # PyTorch refuses to train on one value per channel; tested below
    ours, ref = BatchNorm(c, mom=mom, eps=eps).to(dtype), nn.BatchNorm2d(c, momentum=mom, eps=eps).to(dtype)
    set_affine(ours, ref, seed)
    params_ours, params_ref = [ours.mults, ours.adds], [ref.weight, ref.bias]
    for step in range(steps):
        x = rand((n, c, h, w), dtype, seed + step)
        out_ours, out_ref = ours(x), ref(x)
        close(out_ours, out_ref, dtype, f'train output, step {step}')
        for a, b, what in zip(grads(out_ours, [x] + params_ours, seed), grads(out_ref, [x] + params_ref, seed), ('x', 'mults', 'adds')):
            close(a.flatten(), b.flatten(), dtype, f'gradient wrt {what}, step {step}')
    close(ours.means.flatten(), ref.running_mean, dtype, 'running mean')
    close(ours.vars.flatten(), ref.running_var, dtype, 'running var')
    ours.eval(); ref.eval()
    x = rand((n, c, h, w), dtype, seed + 99)
    close(ours(x), ref(x), dtype, 'eval output')
    close(*[grads(m(x), [x], seed)[0] for m in (ours, ref)], dtype, 'eval gradient wrt x')


def test_batchnorm_state_dict_round_trip():
    "Buffers travel in the state_dict, load into a fresh layer, and map one to one onto PyTorch's names."
    bn = BatchNorm(5, mom=0.3)
    for _ in range(3): bn(torch.randn(4, 5, 3, 3) * 2 + 1)
    sd = bn.state_dict()
    assert set(sd) == {'mults', 'adds', 'means', 'vars'}
    buf = io.BytesIO(); torch.save(sd, buf); buf.seek(0)
    fresh = BatchNorm(5, mom=0.3); fresh.load_state_dict(torch.load(buf))
    for k in sd: assert torch.equal(fresh.state_dict()[k], sd[k])
    ref = nn.BatchNorm2d(5)
    ref.load_state_dict({'weight': sd['mults'].flatten(), 'bias': sd['adds'].flatten(), 'running_mean': sd['means'].flatten(),
                         'running_var': sd['vars'].flatten(), 'num_batches_tracked': torch.tensor(3)})
    fresh.eval(); ref.eval()
    x = torch.randn(2, 5, 3, 3)
    torch.testing.assert_close(fresh(x), ref(x))


def test_batchnorm_bad_input():
    bn = BatchNorm(4)
    with pytest.raises(ValueError, match=r'BatchNorm\(4\) expects input of shape \(N, 4, H, W\), got \(2, 3, 5, 5\)'): bn(torch.randn(2, 3, 5, 5))
    with pytest.raises(ValueError, match=r'got \(2, 4\)'): bn(torch.randn(2, 4))
    with pytest.raises(ValueError, match='more than one value per channel'): bn(torch.randn(1, 4, 1, 1))
    with pytest.raises(ValueError): nn.BatchNorm2d(4)(torch.randn(1, 4, 1, 1))  # as in PyTorch
    assert torch.equal(bn.means, torch.zeros(1, 4, 1, 1)) and torch.equal(bn.vars, torch.ones(1, 4, 1, 1))
    for kwargs in (dict(eps=0), dict(eps=-1e-5), dict(mom=1.1), dict(mom=-0.1)):
        with pytest.raises(ValueError, match='eps|mom'): BatchNorm(4, **kwargs)


@SETTINGS
@given(n=dims, c=dims, h=st.integers(1, 6), w=st.integers(2, 6), dtype=dtypes, eps=eps, seed=st.integers(0, 10_000))
def test_instancenorm(n, c, h, w, dtype, eps, seed):
    ours, ref = InstanceNorm(c, eps=eps).to(dtype), nn.InstanceNorm2d(c, eps=eps, affine=True).to(dtype)
    check_affine_norm(ours, ref, (n, c, h, w), dtype, seed)


@SETTINGS
@given(n=dims, groups=st.integers(1, 4), per_group=st.integers(1, 4), h=dims, w=dims, dtype=dtypes, eps=eps,
       seed=st.integers(0, 10_000))
def test_groupnorm(n, groups, per_group, h, w, dtype, eps, seed):
    assume(per_group * h * w > 1)  # PyTorch refuses groups of a single value
    c = groups * per_group
    ours, ref = GroupNorm(groups, c, eps=eps).to(dtype), nn.GroupNorm(groups, c, eps=eps).to(dtype)
    check_affine_norm(ours, ref, (n, c, h, w), dtype, seed)


def test_groupnorm_and_instancenorm_bad_input():
    with pytest.raises(ValueError, match='3 groups do not divide 8 channels'): GroupNorm(3, 8)
    with pytest.raises(ValueError, match=r'GroupNorm\(2, 8\) expects input of shape \(N, 8, H, W\)'): GroupNorm(2, 8)(torch.randn(2, 6, 3, 3))
    with pytest.raises(ValueError, match=r'InstanceNorm\(8\) expects'): InstanceNorm(8)(torch.randn(2, 8))


def test_groupnorm_limits_are_layernorm_and_instancenorm():
    x = torch.randn(3, 6, 4, 4, dtype=torch.float64)
    torch.testing.assert_close(GroupNorm(1, 6).double()(x), LayerNorm().double()(x))
    torch.testing.assert_close(GroupNorm(6, 6).double()(x), InstanceNorm(6).double()(x))


def test_norms_start_as_identity_affine():
    for layer in (BatchNorm(3), InstanceNorm(3), GroupNorm(3, 3)):
        assert torch.equal(layer.mults.flatten(), torch.ones(3)) and torch.equal(layer.adds.flatten(), torch.zeros(3))
    ln = LayerNorm()
    assert ln.mult.item() == 1 and ln.add.item() == 0
