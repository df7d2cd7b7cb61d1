"Every from-scratch norm against PyTorch's, over many random shapes, dtypes and settings (hypothesis)."
import io, re

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, strategies as st
from torch import nn

from lesson17.batchnorm import BatchNorm
from lesson17.groupnorm import GroupNorm, InstanceNorm
from lesson17.layernorm import LayerNorm


def normalize(x, dims, eps=1e-5):
    "The plain formula: subtract the mean and divide by the standard deviation over `dims` (biased variance)."
    return (x - x.mean(dims, keepdim=True)) / (x.var(dims, keepdim=True, correction=0) + eps).sqrt()
from helpers import HALF_TOL, SETTINGS, check_affine_norm, check_half_input, close, dims, dtypes, eps, grads, half_rand, halves, rand, set_affine, spread


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
            close(a.flatten(), b.flatten(), dtype, f'gradient wrt {what}, step {step}', spread(x.detach(), (0, 2, 3)) if what == 'x' else 1.)
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


@pytest.mark.parametrize('shape', [(2, 3), (2, 3, 4), (2, 3, 4, 4, 1)])
def test_layernorm_takes_nchw_as_every_norm(shape):
    "LayerNorm averages over its `dims`, (1, 2, 3): input of another number of dims is refused, with any number of channels."
    with pytest.raises(ValueError, match=rf'^LayerNorm expects input of shape \(N, C, H, W\), got {re.escape(str(shape))}$'): LayerNorm()(torch.randn(shape))
    assert LayerNorm()(torch.randn(2, 5, 3, 3)).shape == (2, 5, 3, 3)


def test_each_norm_reads_its_own_dims():
    "The axes a norm averages over come from its `dims` and nowhere else: change them and its statistics follow."
    x = torch.randn(4, 3, 5, 5, dtype=torch.float64) * 2 + 1
    for layer in (LayerNorm().double(), InstanceNorm(3).double()):
        layer.dims = (0, 2, 3)
        torch.testing.assert_close(layer(x), normalize(x, (0, 2, 3)))
    bn = BatchNorm(3).double()
    bn.dims = (0, 1, 2, 3)
    m, v, n = bn.batch_stats(x)
    torch.testing.assert_close(m.flatten(), x.mean().view(1)); torch.testing.assert_close(v.flatten(), x.var(correction=0).view(1))


def test_every_norm_shares_one_forward():
    "One forward, in the Norm base; each layer overrides only its own step: GroupNorm its view, BatchNorm its statistics (and folds its scale and shift), SyncBatchNorm how the batch statistics are computed, the fast layers `norm`."
    from lesson17.norm import Norm
    from lesson17.fastnorm import FastBatchNorm, FastGroupNorm
    from lesson17.syncbn import SyncBatchNorm
    for cls in (LayerNorm, BatchNorm, InstanceNorm, GroupNorm, SyncBatchNorm, FastBatchNorm, FastGroupNorm):
        assert issubclass(cls, Norm) and cls.forward is Norm.forward, cls
    assert LayerNorm.stats is InstanceNorm.stats is GroupNorm.stats is Norm.stats and BatchNorm.stats is not Norm.stats
    assert GroupNorm.view is not Norm.view and LayerNorm.view is BatchNorm.view is InstanceNorm.view is Norm.view
    assert SyncBatchNorm.stats is BatchNorm.stats and SyncBatchNorm.norm is BatchNorm.norm and SyncBatchNorm.batch_stats is not BatchNorm.batch_stats
    assert FastBatchNorm.batch_stats is BatchNorm.batch_stats and FastBatchNorm.update_stats is BatchNorm.update_stats and FastBatchNorm.norm is not BatchNorm.norm
    assert FastGroupNorm.view is GroupNorm.view and FastGroupNorm.norm is not Norm.norm


def test_print_shows_the_settings():
    "print(model) names each norm with its channels (and groups), eps, and mom where there is one."
    assert repr(BatchNorm(8)) == 'BatchNorm(8, eps=1e-05, mom=0.1)' and repr(BatchNorm(8, mom=0.2, eps=1e-3)) == 'BatchNorm(8, eps=0.001, mom=0.2)'
    assert repr(GroupNorm(2, 8)) == 'GroupNorm(2, 8, eps=1e-05)' and repr(InstanceNorm(4, eps=0.1)) == 'InstanceNorm(4, eps=0.1)'
    assert repr(LayerNorm(16)) == 'LayerNorm(eps=1e-05)'


def test_the_registry_is_the_same_whatever_was_imported():
    "The norms `train` knows, in a fixed order, each name resolving to the class that table says: no import registers anything."
    import subprocess, sys
    from lesson17.recipes import NORMS
    from lesson17.experiments import make_norm
    code = "import lesson17.recipes as r; print(list(r.NORMS))"
    first = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert first.strip() == str(list(NORMS)) and list(NORMS)[:3] == ['none', 'layer', 'batch']
    for name, where in NORMS.items():
        cls = make_norm(name, groups=2)
        cls = getattr(cls, 'func', cls)   # GroupNorm comes with its groups bound
        assert (cls is None) if where is None else f'{cls.__module__}.{cls.__qualname__}' == where.replace('torch.nn.', 'torch.nn.modules.batchnorm.'), (name, cls)


def test_groupnorm_limits_are_layernorm_and_instancenorm():
    x = torch.randn(3, 6, 4, 4, dtype=torch.float64)
    torch.testing.assert_close(GroupNorm(1, 6).double()(x), LayerNorm().double()(x))
    torch.testing.assert_close(GroupNorm(6, 6).double()(x), InstanceNorm(6).double()(x))


def test_norms_start_as_identity_affine():
    for layer in (BatchNorm(3), InstanceNorm(3), GroupNorm(3, 3)):
        assert torch.equal(layer.mults.flatten(), torch.ones(3)) and torch.equal(layer.adds.flatten(), torch.zeros(3))
    ln = LayerNorm()
    assert ln.mult.item() == 1 and ln.add.item() == 0


# ---- dtypes: what PyTorch's norms take, ours take; what they refuse, ours refuse with a message -----------------

@SETTINGS
@given(n=dims, c=dims, h=dims, w=dims, dtype=halves, mom=st.sampled_from([0.0, 0.1, 1.0]), steps=st.integers(1, 3),
       seed=st.integers(0, 10_000))
def test_batchnorm_half_input_to_float32_layer(n, c, h, w, dtype, mom, steps, seed):
    "As nn.BatchNorm2d in mixed precision: statistics in float32, running ones kept in float32, output in the input's dtype."
    assume(n * h * w > 1)
    ours, ref = BatchNorm(c, mom=mom), nn.BatchNorm2d(c, momentum=mom)
    set_affine(ours, ref, seed)
    for step in range(steps):
        check_half_input(ours, ref, [ours.mults, ours.adds], [ref.weight, ref.bias], half_rand((n, c, h, w), dtype, seed + step), seed, f'step {step}: ')
    assert ours.means.dtype == ours.vars.dtype == torch.float32
    close(ours.means.flatten(), ref.running_mean, torch.float32, 'running mean')
    close(ours.vars.flatten(), ref.running_var, torch.float32, 'running var')
    ours.eval(); ref.eval()
    check_half_input(ours, ref, [ours.mults, ours.adds], [ref.weight, ref.bias], half_rand((n, c, h, w), dtype, seed + 99), seed, 'eval: ')


@SETTINGS
@given(n=dims, groups=st.integers(1, 3), per_group=st.integers(1, 3), h=st.integers(1, 5), w=st.integers(2, 5), dtype=halves,
       seed=st.integers(0, 10_000))
def test_instancenorm_groupnorm_layernorm_half_input_to_float32_layer(n, groups, per_group, h, w, dtype, seed):
    "InstanceNorm, GroupNorm and LayerNorm return the input's dtype, as PyTorch's, instead of upcasting to float32."
    c = groups * per_group
    x = half_rand((n, c, h, w), dtype, seed)
    ours, ref = InstanceNorm(c), nn.InstanceNorm2d(c, affine=True)
    set_affine(ours, ref, seed)
    check_half_input(ours, ref, [ours.mults, ours.adds], [ref.weight, ref.bias], x, seed, 'InstanceNorm: ')
    if per_group * h * w > 1:   # PyTorch refuses groups of a single value
        ours, ref = GroupNorm(groups, c), nn.GroupNorm(groups, c)
        set_affine(ours, ref, seed)
        check_half_input(ours, ref, [ours.mults, ours.adds], [ref.weight, ref.bias], x, seed, 'GroupNorm: ')
    ln = LayerNorm()
    with torch.no_grad(): ln.mult.fill_(1.5); ln.add.fill_(-0.25)
    shape = x.shape[1:]   # PyTorch's mixed-precision layer_norm, with our one scale and shift spread over the item
    def ref(x): return F.layer_norm(x, shape, ln.mult.expand(shape), ln.add.expand(shape), eps=ln.eps)
    check_half_input(ln, ref, [], [], x, seed, 'LayerNorm: ')
    # PyTorch's mixed-precision layer_norm rounds each value's share of the scale's gradient to x's dtype before
    # summing; ours sums in float32, as layer_norm in float32 does on the same values: compare with that.
    g = torch.randn(x.shape, generator=torch.Generator().manual_seed(seed + 1)).to(dtype)
    for a, b, name in zip(torch.autograd.grad(ln(x), [ln.mult, ln.add], g), torch.autograd.grad(ref(x.float()), [ln.mult, ln.add], g.float()), ('mult', 'add')):
        close(a, b, torch.float32, f'LayerNorm: gradient wrt {name}')


def test_norms_under_cpu_autocast_as_pytorch():
    "Mixed-precision training on CPU: a conv under autocast hands each norm bfloat16 activations; ours answer as PyTorch's."
    torch.manual_seed(0)
    conv, x = nn.Conv2d(3, 4, 3), torch.randn(8, 3, 6, 6)
    pairs = [(BatchNorm(4), nn.BatchNorm2d(4)), (InstanceNorm(4), nn.InstanceNorm2d(4, affine=True)), (GroupNorm(2, 4), nn.GroupNorm(2, 4))]
    with torch.autocast('cpu', dtype=torch.bfloat16):
        acts = conv(x)
        for ours, ref in pairs:
            out_ours, out_ref = ours(acts), ref(acts)
            assert out_ours.dtype == out_ref.dtype, type(ours).__name__
            torch.testing.assert_close(out_ours, out_ref, **HALF_TOL[acts.dtype])
        out_ours, out_ref = LayerNorm()(acts), nn.LayerNorm(acts.shape[1:])(acts)
        assert out_ours.dtype == out_ref.dtype
        torch.testing.assert_close(out_ours, out_ref, **HALF_TOL[acts.dtype])
    bn, ref = pairs[0]
    close(bn.means.flatten(), ref.running_mean, torch.float32, 'running mean')
    close(bn.vars.flatten(), ref.running_var, torch.float32, 'running var')


DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
LAYER_PAIRS = {'BatchNorm': lambda: (BatchNorm(4), nn.BatchNorm2d(4)),
               'InstanceNorm': lambda: (InstanceNorm(4), nn.InstanceNorm2d(4, affine=True)),
               'GroupNorm': lambda: (GroupNorm(2, 4), nn.GroupNorm(2, 4)),
               'LayerNorm': lambda: (LayerNorm(), nn.LayerNorm([4, 3, 3]))}


@pytest.mark.parametrize('training', [True, False], ids=['train', 'eval'])
@pytest.mark.parametrize('norm', LAYER_PAIRS)
def test_dtypes_taken_and_refused_as_in_pytorch(norm, training):
    "Every pair of input and parameter dtypes: ours gives PyTorch's output dtype, or a ValueError where PyTorch refuses."
    for x_dtype in DTYPES:
        for p_dtype in DTYPES:
            ours, ref = LAYER_PAIRS[norm]()
            ours.to(p_dtype).train(training); ref.to(p_dtype).train(training)
            x = torch.randn(2, 4, 3, 3).to(x_dtype)
            try: expected = ref(x).dtype
            except RuntimeError: expected = None   # "mixed dtype (CPU)": PyTorch refuses this pair
            case = f'{norm}, {x_dtype} input, {p_dtype} parameters'
            if expected is not None:
                assert ours(x).dtype == expected, case
                continue
            before = {k: v.clone() for k, v in ours.state_dict().items()}
            with pytest.raises(ValueError) as e: ours(x)
            msg = str(e.value)
            assert msg.startswith(norm) and f'{p_dtype} parameters' in msg and f'{x_dtype} input' in msg, (case, msg)
            assert f'convert the input to {p_dtype}' in msg, (case, msg)
            if x_dtype == torch.float64: assert '.double()' in msg, (case, msg)
            assert all(torch.equal(v, before[k]) for k, v in ours.state_dict().items()), f'{case}: state changed before the refusal'


def test_float64_input_to_float32_layer_says_call_double():
    "The usual slip (a float64 batch into a float32 model) gets the same message in training and in eval."
    x = torch.randn(2, 4, 3, 3, dtype=torch.float64)
    for layer in (BatchNorm(4), InstanceNorm(4), GroupNorm(2, 4), LayerNorm()):
        msgs = []
        for training in (True, False):
            with pytest.raises(ValueError) as e: layer.train(training)(x)
            msgs.append(str(e.value))
        assert msgs[0] == msgs[1] and msgs[0].endswith('or call .double() on the layer'), msgs
        assert layer.double()(x).dtype == torch.float64   # and the advice works


def test_integer_input_is_refused():
    with pytest.raises(ValueError, match=r'BatchNorm\(4\) has torch.float32 parameters and cannot take torch.int64 input'):
        BatchNorm(4)(torch.ones(2, 4, 3, 3, dtype=torch.long))


# ---- impossible settings are refused when the layer is built ----------------------------------------------------

nan, inf = float('nan'), float('inf')
BAD_SETTINGS = [
    *[(BatchNorm, (nf,), {}, 'nf', nf) for nf in (0, -3, 2.5, 4.0, True, '4', None)],
    *[(BatchNorm, (4,), {'eps': eps}, 'eps', eps) for eps in (0, -1e-5, nan, inf, -inf, True, '1e-5', None)],
    *[(BatchNorm, (4,), {'mom': mom}, 'mom', mom) for mom in (-0.1, 1.1, nan, inf, True, False, None, '0.1')],
    *[(InstanceNorm, (nf,), {}, 'nf', nf) for nf in (0, -1, 3.0, True, None)],
    *[(InstanceNorm, (4,), {'eps': eps}, 'eps', eps) for eps in (0, nan, inf, False)],
    *[(GroupNorm, (groups, 8), {}, 'groups', groups) for groups in (0, -2, 2.0, True, None)],
    *[(GroupNorm, (2, nf), {}, 'nf', nf) for nf in (0, 8.0, True)],
    *[(GroupNorm, (2, 8), {'eps': eps}, 'eps', eps) for eps in (0, nan, inf)],
    *[(LayerNorm, (), {'eps': eps}, 'eps', eps) for eps in (0, -1e-5, nan, inf, True, None)],
]


@pytest.mark.parametrize('cls, args, kwargs, name, value', BAD_SETTINGS, ids=lambda v: repr(v) if not isinstance(v, type) else v.__name__)
def test_impossible_settings_refused_at_construction(cls, args, kwargs, name, value):
    "The message names the layer, the argument, what was expected and what came."
    with pytest.raises(ValueError) as e: cls(*args, **kwargs)
    msg = str(e.value)
    assert msg.startswith(f'{cls.__name__}: {name} must be '), msg
    assert msg.endswith(f', got {value!r}'), msg


def test_groupnorm_groups_must_divide_channels():
    with pytest.raises(ValueError, match=r'^GroupNorm: groups must divide the number of channels; 3 groups do not divide 8 channels$'): GroupNorm(3, 8)


def test_possible_settings_still_built():
    "The edges of each range, numpy numbers, and anything at all as LayerNorm's unused nf: built, and computing as PyTorch's layer with those settings."
    import numpy as np
    pairs = [(BatchNorm(1, mom=0, eps=1), nn.BatchNorm2d(1, momentum=0, eps=1)), (BatchNorm(2, mom=1), nn.BatchNorm2d(2, momentum=1)),
             (BatchNorm(np.int64(3), mom=np.float32(0.5), eps=np.float64(1e-3)), nn.BatchNorm2d(3, momentum=0.5, eps=1e-3)),
             (InstanceNorm(1, eps=0.5), nn.InstanceNorm2d(1, eps=0.5, affine=True)),
             (GroupNorm(1, 1), nn.GroupNorm(1, 1)), (GroupNorm(np.int64(2), 4), nn.GroupNorm(2, 4))]
    for seed, (ours, ref) in enumerate(pairs):
        ours, ref = ours.double(), ref.double()
        c = ref.weight.numel()
        for step in range(2):   # twice in training: the running statistics move by `mom`
            x = rand((4, c, 3, 3), torch.float64, seed * 10 + step)
            close(ours(x), ref(x), torch.float64, f'{ours!r}: train output')
        if isinstance(ref, nn.BatchNorm2d):
            ours.eval(); ref.eval()
            close(ours(x), ref(x), torch.float64, f'{ours!r}: eval output')
    for nf in (None, 'anything', 0):
        x = rand((4, 3, 3, 3), torch.float64, 7)
        close(LayerNorm(nf).double()(x), F.layer_norm(x, x.shape[1:]), torch.float64, f'LayerNorm({nf!r})')
