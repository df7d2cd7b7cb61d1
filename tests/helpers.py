"Helpers the norm tests share: random inputs, gradients, PyTorch's layers given our scale and shift, and comparisons at each dtype's tolerance."
import torch
from hypothesis import settings, strategies as st


# float64 is exact to rounding; float32 is checked at the tolerance of its rounding over a few hundred values.
TOL = {torch.float64: dict(rtol=1e-9, atol=1e-9), torch.float32: dict(rtol=1e-4, atol=1e-4)}
dtypes = st.sampled_from([torch.float32, torch.float64])
dims = st.integers(1, 6)
eps = st.sampled_from([1e-5, 1e-3, 0.1])
SETTINGS = settings(max_examples=40, deadline=None)


def close(a, b, dtype, what, k=1.):
    "`a` and `b` agree to within `dtype`'s tolerance, `k` times looser."
    torch.testing.assert_close(a, b, **{n: v * k for n, v in TOL[dtype].items()}, msg=lambda m: f'{what}: {m}')


def spread(x, dims):
    """How much rounding in x − mean grows in the gradient wrt x: the largest |mean| / std of the sets over `dims`, at least 1.
    Two values of a float32 channel that nearly coincide (1.033 and 1.068) lose most of their digits in x − mean,
    in PyTorch's layer and in ours, each its own way."""
    return max(1., (x.mean(dims) / x.std(dims, correction=0)).abs().max().item())


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


# float16/bfloat16 outputs are rounded once from float32 in both layers: they may differ by one unit in the last
# place (2**-8 of the value in bfloat16, 2**-11 in float16), and by float32's rounding near zero.
HALF_TOL = {torch.bfloat16: dict(rtol=1.6e-2, atol=1e-4), torch.float16: dict(rtol=1e-3, atol=1e-4)}
halves = st.sampled_from([torch.float16, torch.bfloat16])


def half_rand(shape, dtype, seed): return rand(shape, torch.float32, seed).detach().to(dtype).requires_grad_()


def check_half_input(ours, ref, params_ours, params_ref, x, seed, what=''):
    "Half-precision `x` into float32 layers: output and input gradient in x's dtype, parameter gradients in float32, all as PyTorch's."
    dtype = x.dtype
    out_ours, out_ref = ours(x), ref(x)
    assert out_ours.dtype == out_ref.dtype == dtype, f'{what}output is {out_ours.dtype}, PyTorch gives {out_ref.dtype}'
    torch.testing.assert_close(out_ours, out_ref, **HALF_TOL[dtype], msg=lambda m: f'{what}output: {m}')
    g_ours, g_ref = grads(out_ours, [x] + params_ours, seed), grads(out_ref, [x] + params_ref, seed)
    assert g_ours[0].dtype == dtype
    torch.testing.assert_close(g_ours[0], g_ref[0], **HALF_TOL[dtype], msg=lambda m: f'{what}gradient wrt x: {m}')
    for a, b, name in zip(g_ours[1:], g_ref[1:], ('scale', 'shift')):
        assert a.dtype == torch.float32
        close(a.flatten(), b.flatten(), torch.float32, f'{what}gradient wrt {name}')
