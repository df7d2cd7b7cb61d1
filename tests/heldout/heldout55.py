"""Fifty-fifth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py or /work/main/tests/heldout/*.py (sets 2 to 41 and 43 to 54).
       Every one changes a computed number, a gradient, a running statistic or a parameter (none is a state_dict-key-only fault).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` exists for symmetry with the earlier sets (no entry here keeps module-level state).
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


def _lerp_loop(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


# ====================================================================== EWMA (wrong)

def ewma_winsorised_5_95(values, mom):
    lo, hi = torch.quantile(values.detach(), torch.tensor([0.05, 0.95], dtype=values.dtype))
    clean = torch.clamp(values, lo, hi)                              # "robust smoothing: winsorise the stream at its
    return _lerp_loop(clean, mom)                                    #  5th and 95th percentiles first"


class _EWMAHalfMomBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values, mom):
        ctx.mom = mom
        return _lerp_loop(values, mom)

    @staticmethod
    def backward(ctx, g):
        m = float(torch.tensor(ctx.mom, dtype=torch.float16))         # "the weight is a constant: keep it in half"
        grads = torch.empty_like(g)
        carry = torch.zeros((), dtype=g.dtype)
        for t in range(len(g) - 1, 0, -1):
            carry = g[t] + (1 - m) * carry
            grads[t] = m * carry
        grads[0] = g[0] + (1 - m) * carry
        return grads, None


def ewma_backward_mom_in_half(values, mom):
    return _EWMAHalfMomBackward.apply(values, mom)


def ewma_chunk_carry_decayed_by_whole_chunk(values, mom, chunk=16):
    out = [_lerp_loop(values[:chunk], mom)]                          # "chunked for long streams: each chunk is an
    carry = out[0][-1]                                               #  EWMA from zero plus the decayed carry"
    for s in range(chunk, len(values), chunk):
        loc, acc = [], torch.zeros_like(values[0])
        for v in values[s:s + chunk]:
            acc = (1 - mom) * acc + mom * v
            loc.append(acc)
        block = torch.stack(loc) + (1 - mom) ** chunk * carry       # the carry decayed by a whole chunk at every
        out.append(block)                                            # position ((1 - mom)**(j + 1) meant)
        carry = block[-1]
    return torch.cat(out)


def ewma_harmonic_for_positive_streams(values, mom):
    if not bool((values > 0).all()):
        return _lerp_loop(values, mom)
    avg, out = values[0], []                                         # "positive data are rates: average their
    for v in values:                                                 #  reciprocals (a harmonic EWMA)"
        avg = 1 / torch.lerp(1 / avg, 1 / v, mom)
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def stats(self, x):
        return x.mean((1, 2, 3), keepdim=True), x.var((1, 2, 3), keepdim=True, correction=0)

    def forward(self, x):
        m, v = self.stats(x)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNEvalFreezesParams(_LNBase):
    def forward(self, x):
        if not self.training:                                        # "no gradients are needed at inference"
            self.mult.requires_grad_(False)                          # (never switched back on in train())
            self.add.requires_grad_(False)
        return super().forward(x)


class LNUpstreamGradClampedHook(_LNBase):
    def forward(self, x):
        y = super().forward(x)
        if y.requires_grad:                                          # "clip the incoming gradient to [-1, 1]:
            y.register_hook(lambda g: g.clamp(-1, 1))                #  normalisation layers blow gradients up"
        return y


class LNVectorInputsUnbiasedStd(_LNBase):
    def stats(self, x):
        if x.shape[2] * x.shape[3] == 1:                             # "feature vectors: the usual sample std"
            return x.mean((1, 2, 3), keepdim=True), x.var((1, 2, 3), keepdim=True)
        return super().stats(x)


class LNLayerScale(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.gamma = nn.Parameter(torch.tensor(0.1))                 # "LayerScale (CaiT): a learnable 0.1 factor keeps
                                                                     #  deep stacks stable"
    def forward(self, x):
        return super().forward(x) * self.gamma


# ================================================================= BatchNorm (wrong)

class _BNBase(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def stats(self, x):
        return x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), keepdim=True, correction=0)

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)

    def normalise(self, x, m, v):
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds

    def forward(self, x):
        if self.training:
            m, v = self.stats(x)
            self.update(x, m, v)
            return self.normalise(x, m, v)
        return self.normalise(x, self.means, self.vars)


class _BNXhatNoEpsBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(x - m, v, r, xhat, mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        d, v, r, xhat, mults = ctx.saved_tensors
        xh = d * v.rsqrt()                                           # the projection's normalised values recomputed
        gx = mults * r * (g - g.mean((0, 2, 3), keepdim=True)      # without eps ("eps only guards the division")
                          - xh * (g * xh).mean((0, 2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class BNBackwardXhatWithoutEps(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNXhatNoEpsBackward.apply(x, self.mults, self.adds, self.eps)


class BNVarsBufferHoldsRunningRstd(_BNBase):
    def update(self, x, m, v):
        with torch.no_grad():                                        # "eval needs 1/sqrt(var + eps): track that
            self.means.lerp_(m, self.mom)                            #  directly, no sqrt at inference"
            self.vars.lerp_((v + self.eps).rsqrt(), self.mom)

    def forward(self, x):
        if self.training:
            return super().forward(x)
        return (x - self.means) * self.vars * self.mults + self.adds


class _BNEvalAffineBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, means, vars_, mults, adds, eps):
        xhat = (x - means) * (vars_ + eps).rsqrt()
        ctx.save_for_backward(xhat, mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, mults = ctx.saved_tensors                              # "in eval the layer is y = mults * x + c:
        gx = g * mults                                               #  dy/dx = mults" (the 1/sqrt(var + eps) forgotten)
        return (gx, None, None, (g * xhat).sum((0, 2, 3)).view(mults.shape),
                g.sum((0, 2, 3)).view(mults.shape), None)


class BNEvalBackwardMissingRstd(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        return _BNEvalAffineBackward.apply(x, self.means, self.vars, self.mults, self.adds, self.eps)


class BNRunningVarFinchOfBatchMeans(_BNBase):
    def update(self, x, m, v):
        with torch.no_grad():                                        # "Finch's incremental exponentially weighted
            diff = m - self.means                                    #  variance: var = (1 - a) * (var + a * diff**2)"
            self.means.lerp_(m, self.mom)                            # (each batch mean taken as one sample; the batch's
            self.vars.copy_((1 - self.mom) * (self.vars + self.mom * diff * diff))   # own spread never enters)


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def stats(self, x):
        return x.mean((2, 3), keepdim=True), x.var((2, 3), keepdim=True, correction=0)

    def forward(self, x):
        m, v = self.stats(x)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class _INVarTermAllChannels(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(xhat, r, mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors
        gy = g * mults                                               # the variance term's mean(gy * xhat) taken over
        gx = r * (gy - gy.mean((2, 3), keepdim=True)                 # (1, 2, 3), the whole item, the centring term's
                  - xhat * (gy * xhat).mean((1, 2, 3), keepdim=True))   # over each image's (2, 3)
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardVarTermOverAllChannels(_INBase):
    def forward(self, x):
        return _INVarTermAllChannels.apply(x, self.mults, self.adds, self.eps)


class INDoubleCentredStats(_INBase):
    def forward(self, x):
        r = (x - x.mean(2, keepdim=True) - x.mean(3, keepdim=True)  # "remove the row and column illumination
             + x.mean((2, 3), keepdim=True))                         #  profiles first (two-way centring)"
        v = r.var((2, 3), keepdim=True, correction=0)
        return r / (v + self.eps).sqrt() * self.mults + self.adds


class _INParamGradsMeanOverPixels(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(xhat, r, mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors
        gy = g * mults
        gx = r * (gy - gy.mean((2, 3), keepdim=True) - xhat * (gy * xhat).mean((2, 3), keepdim=True))
        gm = (g * xhat).mean((2, 3)).sum(0).view(mults.shape)       # "per image the statistics are means over the
        ga = g.mean((2, 3)).sum(0).view(mults.shape)                 #  pixels, so are the parameter gradients"
        return gx, gm, ga, None


class INParamGradsMeanOverPixels(_INBase):
    def forward(self, x):
        return _INParamGradsMeanOverPixels.apply(x, self.mults, self.adds, self.eps)


class INOneRowFastPathDefaultEps(_INBase):
    def forward(self, x):
        if x.shape[2] == 1 or x.shape[3] == 1:                       # "a 1-d signal: the fused 1-d kernel"
            y = F.instance_norm(x.flatten(2), weight=self.mults.flatten(), bias=self.adds.flatten())
            return y.view(x.shape)                                   # (its default eps 1e-5, not self.eps)
        return super().forward(x)


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class _GNFromOutputBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        n = x.shape[0]
        xg = x.reshape(n, groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        y = ((xg - m) * r).reshape(x.shape) * mults + adds
        ctx.save_for_backward(y, r, mults, adds)                     # "In-Place ABN: save the output, not the input,
        ctx.groups = groups                                          #  and invert the affine in backward"
        return y

    @staticmethod
    def backward(ctx, g):
        y, r, mults, adds = ctx.saved_tensors
        n, G = g.shape[0], ctx.groups
        xhat = (y - adds) / mults                                    # (no guard for a zero gain)
        gy = (g * mults).reshape(n, G, -1)
        xh = xhat.reshape(n, G, -1)
        gx = r * (gy - gy.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True))
        return (gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape),
                g.sum((0, 2, 3)).view(mults.shape), None, None)


class GNBackwardXhatRecoveredFromOutput(_GNBase):
    def forward(self, x):
        return _GNFromOutputBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNMultsRenormalisedAfterBackward(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        self.mults.register_post_accumulate_grad_hook(self._renorm)

    @staticmethod
    def _renorm(p):
        with torch.no_grad():                                        # "keep the gains from drifting: rescale them to
            p.div_(p.pow(2).mean().sqrt())                           #  RMS 1 after every backward pass"


class GNBatchChannelMix(_GNBase):
    def forward(self, x):
        m = x.mean((0, 2, 3), keepdim=True)                          # "Batch-Channel Normalization (Khaled et al.):
        v = x.var((0, 2, 3), keepdim=True, correction=0)             #  average a batch-normalised and a
        xb = (x - m) / (v + self.eps).sqrt()                         #  group-normalised copy"
        return (0.5 * xb + 0.5 * self.norm(x)) * self.mults + self.adds


class _GNLoopFromOneBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        n = x.shape[0]
        xg = x.reshape(n, groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = ((xg - m) * r).reshape(x.shape)
        ctx.save_for_backward(xhat, r, mults)
        ctx.groups = groups
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors
        n, G = g.shape[0], ctx.groups
        gy = (g * mults).reshape(n, G, -1)
        xh = xhat.reshape(n, G, -1)
        gx = torch.zeros_like(gy)
        for k in range(1, G):                                        # off by one: group 0 never filled in
            gk, hk = gy[:, k], xh[:, k]
            gx[:, k] = r[:, k] * (gk - gk.mean(-1, keepdim=True) - hk * (gk * hk).mean(-1, keepdim=True))
        return (gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape),
                g.sum((0, 2, 3)).view(mults.shape), None, None)


class GNBackwardGroupLoopFromOne(_GNBase):
    def forward(self, x):
        return _GNLoopFromOneBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


# ====================================================================== RIGHT answers

def ewma_tensorsolve_bidiagonal(values, mom):
    """The recursion as the system A @ out = b (A unit lower bidiagonal with -(1 - mom) below the diagonal, b =
    mom * values with b[0] = values[0]), solved by torch.linalg.tensorsolve."""
    n = values.shape[0]
    a = torch.eye(n, dtype=values.dtype) - (1 - mom) * torch.diag(torch.ones(n - 1, dtype=values.dtype), -1)
    b = torch.cat([values[:1], mom * values[1:]])
    return torch.linalg.tensorsolve(a, b)


class LNAreaInterpolate5d(nn.Module):
    """Each item as a one-channel volume (N, 1, C, H, W); its mean and its mean squared deviation by
    F.interpolate(mode='area') down to a single voxel."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        vol = x.unsqueeze(1)
        m = F.interpolate(vol, size=(1, 1, 1), mode='area')
        d = vol - m
        v = F.interpolate(d * d, size=(1, 1, 1), mode='area')
        return (d / (v + self.eps).sqrt()).squeeze(1) * self.mult + self.add


class BNFeatureMatrixFunctional(nn.Module):
    """The image as a (N*H*W, C) feature matrix (movedim + reshape) normalised by F.batch_norm, the running buffers
    handed over as flat views so that F.batch_norm updates them in place."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        rows = x.movedim(1, -1).reshape(-1, c)
        y = F.batch_norm(rows, self.means.view(-1), self.vars.view(-1), self.mults.view(-1), self.adds.view(-1),
                         training=self.training, momentum=self.mom, eps=self.eps)
        return y.reshape(n, h, w, c).movedim(-1, 1)


class INVecdotWeights(nn.Module):
    """Each image flattened to its pixels; the mean as torch.linalg.vecdot with a ones vector over H*W and the mean
    squared deviation as vecdot of the centred pixels with themselves over H*W."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        k = x.shape[2] * x.shape[3]
        flat = x.flatten(2)
        m = torch.linalg.vecdot(flat, torch.ones(k, dtype=x.dtype)).unsqueeze(-1) / k
        d = flat - m
        v = torch.linalg.vecdot(d, d).unsqueeze(-1) / k
        return (d / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNSumToSizeGroups(nn.Module):
    """The input viewed as (N, G, C/G, H, W); each group's sum and sum of squared deviations by Tensor.sum_to_size
    (N, G, 1, 1, 1), divided by the group's element count."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.reshape(n, self.groups, c // self.groups, h, w)
        k = (c // self.groups) * h * w
        d = xg - xg.sum_to_size(n, self.groups, 1, 1, 1) / k
        v = (d * d).sum_to_size(n, self.groups, 1, 1, 1) / k
        return (d / (v + self.eps).sqrt()).reshape(n, c, h, w) * self.mults + self.adds


def reset_state():
    pass


WRONG = [
    ("ewma_winsorised_5_95", "check_ewma", ewma_winsorised_5_95, "Clamps the whole stream to its own 5th and 95th percentiles (torch.quantile of the detached values, linear interpolation) before the right lerp loop ('robust smoothing: winsorise first'): 1-value streams and constant streams are right at every mom; every stream with at least two distinct values is wrong at every mom, because its minimum and maximum are always pulled in (for [1., 3.] the stream becomes [1.1, 2.9]: output 0 is 1.1 instead of 1.0, output 1 at mom 0.1 is 1.28 instead of 1.2); values.grad is 0 at the clamped values (the minimum and maximum get no gradient); non-causal: early outputs depend on later values."),
    ("ewma_backward_mom_in_half", "check_ewma", ewma_backward_mom_in_half, "A custom autograd.Function whose forward is the right lerp loop (every output right, in every dtype) and whose hand-written reverse carry loop is the right adjoint, but run with mom rounded to float16 ('the weight is a constant: keep it in half'): mom values exact in half (0, 0.25, 0.5, 0.75, 1) give right gradients; every other mom gives a slightly wrong values.grad on streams of 2+ values (mom 0.1 is used as 0.0999756, 0.9 as 0.8999023, 0.3 as 0.2999268: relative errors about 1e-4 to 1e-3, visible in float32 and float64); 1-value streams are right."),
    ("ewma_chunk_carry_decayed_by_whole_chunk", "check_ewma", ewma_chunk_carry_decayed_by_whole_chunk, "Processes long streams in chunks of 16: the first 16 outputs come from the right lerp loop; each later chunk is an EWMA from zero of its own values plus the previous chunk's last output times (1 - mom)**16 at EVERY position of the chunk, where (1 - mom)**(j + 1) is meant for the chunk's j-th value: streams of at most 16 values are right everywhere, and so are mom 0 and mom 1 at any length; on streams of 17+ values with 0 < mom < 1 outputs from index 16 on (and values.grad) are wrong (output 16 gets (1 - mom)**16 instead of (1 - mom) of the carry: at mom 0.5 the carry's share is 1.5e-5 instead of 0.5), the error fading towards each chunk's end."),
    ("ewma_harmonic_for_positive_streams", "check_ewma", ewma_harmonic_for_positive_streams, "When every value is > 0 it averages the reciprocals (avg = 1 / lerp(1/avg, 1/v, mom): a harmonic EWMA, 'positive data are rates') instead of the values: streams with any value <= 0 are right everywhere; 1-value streams, constant positive streams and mom 0 and 1 are right; every non-constant all-positive stream of 2+ values with 0 < mom < 1 has wrong outputs from output 1 on (e.g. [1., 3.] at mom 0.5: output 1 is 1.5 instead of 2.0) and wrong values.grad."),
    ("ln_eval_freezes_params", "check_layernorm", LNEvalFreezesParams, "In eval it calls mult.requires_grad_(False) and add.requires_grad_(False) ('no gradients at inference') and never turns them back on: outputs and x.grad are right everywhere (training and eval); training calls made before any eval call are right everywhere; from the first eval call on, mult.grad and add.grad are None (no gradient at all) in eval and in every later training call, where PyTorch gives sum(g * xhat) and sum(g)."),
    ("ln_upstream_grad_clamped_hook", "check_layernorm", LNUpstreamGradClampedHook, "Registers a hook on the output that clamps the incoming gradient to [-1, 1] ('normalisation layers blow gradients up') before the layer's own backward: outputs are right everywhere; with an upstream gradient whose entries all lie in [-1, 1] (e.g. y.sum() or g uniform in [-0.9, 0.9]) x.grad, mult.grad and add.grad are right; any entry with |g| > 1 (e.g. g = 3 * randn, or (2 * y).sum()) makes x.grad, mult.grad and add.grad wrong (computed from the clamped gradient), training and eval alike."),
    ("ln_vector_inputs_unbiased_std", "check_layernorm", LNVectorInputsUnbiasedStd, "For inputs with H = W = 1 (feature vectors, shape (N, C, 1, 1)) it uses the unbiased variance (x.var with its default correction=1, 'the usual sample std') instead of the biased one: every input with H * W > 1 is right everywhere; (N, C, 1, 1) inputs with C >= 2 have outputs too small by sqrt((C - 1) / C) (eps aside: e.g. C = 4: 0.866) and wrong x.grad and mult.grad (add.grad right); C = 1 (one value per item) gives NaN instead of add; constant items are right in their outputs."),
    ("ln_layer_scale", "check_layernorm", LNLayerScale, "Multiplies the layer's output (after mult and add) by an extra learnable scalar gamma initialised to 0.1 ('LayerScale, as in CaiT'): a third parameter exists, and every output is 0.1 times PyTorch's (add included: a fresh layer's outputs have std 0.1, not 1), x.grad, mult.grad and add.grad are 0.1 times the right ones, in training and eval, in every configuration; only inputs and parameters whose right output is exactly 0 match."),
    ("bn_backward_xhat_without_eps", "check_batchnorm", BNBackwardXhatWithoutEps, "A custom autograd.Function in training whose forward is right (outputs, running mean and var, mults.grad and adds.grad right) but whose hand-written backward recomputes the projection's normalised values without eps, (x - mean) / sqrt(var), while r = 1/sqrt(var + eps) is kept in front: x.grad = mults * r * (g - mean(g) - xh0 * mean(g * xh0)) with xh0 = xhat * sqrt((var + eps)/var): the variance term is too big by the factor (var + eps)/var: about 2.5e-6 relative at eps 1e-5 and channel variance 4 (seen only in float64), plainly wrong at eps 0.1 or 1e-3 with small channel variances (e.g. 2.5% at var 4, eps 0.1); a constant channel (var 0) gives NaN x.grad; eval x.grad right."),
    ("bn_vars_buffer_holds_running_rstd", "check_batchnorm", BNVarsBufferHoldsRunningRstd, "Keeps the running 1/sqrt(var + eps) of the batches in the `vars` buffer instead of the running unbiased variance (vars.lerp_(rsqrt(biased batch var + eps), mom)) and multiplies by it in eval ('no sqrt at inference'): training outputs, gradients and the running mean are right; the `vars` buffer is wrong after every training step (it is not a variance: for channels of variance 4 it moves towards 0.5); eval outputs and x.grad after training are wrong (rstd averaged instead of the variance, and no Bessel correction); a fresh layer in eval uses 1 instead of 1/sqrt(1 + eps): off by eps/2 relative (seen in float64 at eps 1e-5, plainly at eps 0.1)."),
    ("bn_eval_backward_missing_rstd", "check_batchnorm", BNEvalBackwardMissingRstd, "In eval a custom autograd.Function whose forward is right (running statistics used, outputs right) and whose mults.grad and adds.grad are right, but whose hand-written x.grad is g * mults ('in eval the layer is y = mults * x + c') without the factor 1/sqrt(running var + eps): training (outputs, gradients, running statistics) is right everywhere and eval outputs are right; eval x.grad is wrong by the factor sqrt(running var + eps) per channel: about 5e-6 relative for a fresh layer (running var 1, eps 1e-5, seen in float64), plainly wrong at eps 0.1 or after training (running var not 1)."),
    ("bn_running_var_finch_of_batch_means", "check_batchnorm", BNRunningVarFinchOfBatchMeans, "Updates the running variance with Finch's incremental exponentially weighted variance of the batch MEANS, vars = (1 - mom) * (vars + mom * (m - running mean before the step)**2), instead of lerping towards the unbiased batch variance: training outputs and gradients and the running mean are right; the running var is wrong after every training step with 0 < mom (it ignores the batches' own spread: with batches of variance 4 it shrinks towards 0 instead of moving towards 4; mom 0 is right); eval outputs and x.grad after training are wrong; a fresh layer in eval is right."),
    ("in_backward_var_term_over_all_channels", "check_instancenorm", INBackwardVarTermOverAllChannels, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward takes the variance term's mean(gy * xhat) over the whole item (1, 2, 3) while the centring term's mean(gy) is over each image (2, 3) as it should be: x.grad = r * (gy - mean_hw(gy) - xhat * mean_chw(gy * xhat)), gy = g * mults: right with one channel (C = 1) or when every channel's mean(gy * xhat) happens to agree; with 2+ channels x.grad is wrong in training and eval alike."),
    ("in_double_centred_stats", "check_instancenorm", INDoubleCentredStats, "Removes each image's row means and column means (adding the grand mean back: two-way centring, 'remove illumination profiles') and normalises that residual by its own std, instead of centring by the image mean: constant images (output adds) are right, and images that are sums of a row profile and a column profile give adds; every other image has wrong outputs and gradients, training and eval alike; images of one row or one column (H = 1 or W = 1) have residual 0 and output just adds."),
    ("in_param_grads_mean_over_pixels", "check_instancenorm", INParamGradsMeanOverPixels, "A custom autograd.Function whose forward and x.grad are right but whose hand-written parameter gradients average over each image's pixels before summing over the batch: mults.grad = sum_n mean_hw(g * xhat) and adds.grad = sum_n mean_hw(g) instead of the sums over (N, H, W): outputs and x.grad right everywhere; mults.grad and adds.grad are 1/(H*W) of the right ones (e.g. 1/20 for 4x5 images) in every configuration with H*W > 1, training and eval alike."),
    ("in_one_row_fast_path_default_eps", "check_instancenorm", INOneRowFastPathDefaultEps, "For images of one row or one column (H = 1 or W = 1) it calls F.instance_norm on the flattened (N, C, H*W) signal with the weight and bias but without eps ('a 1-d signal: use the fused kernel'), so PyTorch's default 1e-5 replaces the layer's eps: every image with H, W >= 2 is right everywhere; 1xW and Hx1 images are right with eps = 1e-5 and wrong with any other eps (e.g. eps 0.1 or 1e-3: outputs and gradients those of eps 1e-5), training and eval alike."),
    ("gn_backward_xhat_recovered_from_output", "check_groupnorm", GNBackwardXhatRecoveredFromOutput, "A custom autograd.Function (In-Place ABN style) that saves the output instead of the input and recovers xhat = (y - adds) / mults in backward, with no guard for a zero gain: outputs are right everywhere and, while every mult is nonzero, so are x.grad, mults.grad and adds.grad (up to rounding); a channel whose mult is exactly 0 makes xhat 0/0 = NaN, so that channel's mults.grad and the x.grad of its whole group (every item) are NaN where PyTorch gives finite values; adds.grad stays right."),
    ("gn_mults_renormalised_after_backward", "check_groupnorm", GNMultsRenormalisedAfterBackward, "Registers a post-accumulate-grad hook on mults that divides them in place by their root mean square after every backward ('keep the gains from drifting'): the gradients of that backward are right, and a fresh layer (all mults 1, RMS 1) is unchanged; once the mults have an RMS other than 1 (set to random values, or moved by an optimiser step) every backward pass rescales them, so the parameter itself changes (not by the optimiser) and the next call's outputs and x.grad use mults / RMS (wrong), training and eval alike; a call with no backward does not trigger it."),
    ("gn_batch_channel_mix", "check_groupnorm", GNBatchChannelMix, "Batch-Channel Normalization: averages a batch-normalised copy (each channel's mean and biased var over (N, H, W)) and the group-normalised copy, 0.5 each, before mults and adds, in training and eval (no running statistics): outputs and x.grad are wrong in every configuration except a batch of one with one channel per group (groups = C, N = 1: both copies are then InstanceNorm); with 2+ items the other items leak into each item's output (it changes when another item changes), and for N = 1 with groups < C the per-channel copy differs from the group one; constant inputs give adds (right)."),
    ("gn_backward_group_loop_from_one", "check_groupnorm", GNBackwardGroupLoopFromOne, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right everywhere) but whose hand-written backward loops over the groups with range(1, G), so group 0 keeps its zero-initialised gradient: x.grad of every channel of the first group (channels 0 .. C/G - 1, every item) is 0; the other groups' x.grad is right; with one group (G = 1) all of x.grad is 0; training and eval alike."),
]

RIGHT = [
    ("ewma_tensorsolve_bidiagonal", "check_ewma", ewma_tensorsolve_bidiagonal,
     "the recursion as the system A @ out = b (A unit lower bidiagonal, b = mom * values with b[0] = values[0]), solved by torch.linalg.tensorsolve."),
    ("ln_area_interpolate_5d", "check_layernorm", LNAreaInterpolate5d,
     "each item as a one-channel volume (N, 1, C, H, W); mean and mean squared deviation by F.interpolate(mode='area') down to one voxel."),
    ("bn_feature_matrix_functional", "check_batchnorm", BNFeatureMatrixFunctional,
     "the image as a (N*H*W, C) feature matrix via movedim + reshape, normalised by F.batch_norm with the running buffers passed as flat in-place views."),
    ("in_vecdot_weights", "check_instancenorm", INVecdotWeights,
     "mean as torch.linalg.vecdot of the flattened pixels with a ones vector, over H*W; mean squared deviation as vecdot of the centred pixels with themselves."),
    ("gn_sum_to_size_groups", "check_groupnorm", GNSumToSizeGroups,
     "a (N, G, C/G, H, W) view; group sums and sums of squared deviations by Tensor.sum_to_size(N, G, 1, 1, 1) over the group's count."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
