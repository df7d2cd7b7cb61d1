"""Seventy-fifth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout74 (heldoutN.py).
       Every one changes a computed number: an output, a gradient, a running statistic, an eval output, a parameter
       (after an optimiser step) or a dtype.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` is kept for the harnesses (this set keeps no module-level state).
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')

def reset_state():
    pass


# ====================================================================== EWMA (wrong)

def ewma_tanh_bounded_innovation(values, mom):
    avg, out = values[0], []                                        # "a robust update: bound each step with tanh so an
    for v in values:                                                #  outlier cannot drag the average"
        avg = avg + mom * torch.tanh(v - avg)
        out.append(avg)
    return torch.stack(out)


def ewma_stream_sorted_first(values, mom):
    vals = torch.sort(values).values                                # "an average does not care about the order: sort the
    avg, out = vals[0], []                                          #  stream first so the start is its smallest value"
    for v in vals:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


class _EWMAStartDecayShare(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values, mom):
        ctx.mom = mom
        avg, out = values[0], []
        for v in values:
            avg = torch.lerp(avg, v, mom)
            out.append(avg)
        return torch.stack(out)

    @staticmethod
    def backward(ctx, g):
        mom = ctx.mom
        grads = torch.empty_like(g)
        carry = torch.zeros_like(g[0])
        for t in range(len(g) - 1, 0, -1):
            carry = g[t] + (1 - mom) * carry
            grads[t] = mom * carry
        carry = g[0] + (1 - mom) * carry                            # the seed's adjoint, then "the seed decays like every
        grads[0] = (1 - mom) * carry                                #  other step": one more (1 - mom) factor
        return grads, None


def ewma_backward_start_gets_decay_share(values, mom):
    return _EWMAStartDecayShare.apply(values, mom)


class _EWMACarryDecaySquared(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values, mom):
        ctx.mom = mom
        avg, out = values[0], []
        for v in values:
            avg = torch.lerp(avg, v, mom)
            out.append(avg)
        return torch.stack(out)

    @staticmethod
    def backward(ctx, g):
        mom = ctx.mom
        grads = torch.empty_like(g)
        carry = torch.zeros_like(g[0])
        for t in range(len(g) - 1, 0, -1):
            carry = g[t] + (1 - mom) ** 2 * carry                   # "the carry passes through the lerp twice (once as
            grads[t] = mom * carry                                  #  avg, once as the (1 - mom) weight)": squared decay
        grads[0] = g[0] + (1 - mom) ** 2 * carry
        return grads, None


def ewma_backward_carry_decay_squared(values, mom):
    return _EWMACarryDecaySquared.apply(values, mom)


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


class _LNParamGradsAssigned(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(xhat, r, mult)
        return xhat * mult + add

    @staticmethod
    def backward(ctx, g):
        xhat, r, mult = ctx.saved_tensors
        gx = mult * r * (g - g.mean((1, 2, 3), keepdim=True) - xhat * (g * xhat).mean((1, 2, 3), keepdim=True))
        for i in range(g.shape[0]):                                 # per-item parameter gradients, but assigned (=) where
            gm = (g[i] * xhat[i]).sum()                             #  they should be accumulated (+=): the last item's win
            ga = g[i].sum()
        return gx, gm.reshape(mult.shape), ga.reshape(mult.shape), None


class LNBackwardParamGradsAssignedNotAccumulated(_LNBase):
    def forward(self, x):
        return _LNParamGradsAssigned.apply(x, self.mult, self.add, self.eps)


class LNMultMaxNormClampedInPlace(_LNBase):
    def forward(self, x):
        if self.training:
            with torch.no_grad():                                   # "max-norm constraint (as with dropout nets): keep the
                self.mult.clamp_(-1.0, 1.0)                         #  gain inside [-1, 1]"
        return super().forward(x)


class LNEpsDoubleTensor(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.eps_t = torch.tensor([eps], dtype=torch.float64)      # "keep eps in double so 1e-5 stays exact"

    def forward(self, x):
        m, v = self.stats(x)
        return (x - m) / (v + self.eps_t).sqrt() * self.mult + self.add


class LNLearnableEpsFRN(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.eps_p = nn.Parameter(torch.tensor(float(eps)))        # "FRN learns its epsilon: make it a parameter"

    def forward(self, x):
        m, v = self.stats(x)
        return (x - m) / (v + self.eps_p.abs()).sqrt() * self.mult + self.add


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

    def update(self, x, m, v, mom=None):
        mom = self.mom if mom is None else mom
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, mom)
            self.vars.lerp_(v * n / (n - 1), mom)

    def normalise(self, x, m, v):
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds

    def forward(self, x):
        if self.training:
            m, v = self.stats(x)
            self.update(x, m, v)
            return self.normalise(x, m, v)
        return self.normalise(x, self.means, self.vars)


class _BNCountAllChannels(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(xhat, r, mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors
        n = g.numel()                                               # "n is the number of values" (all channels counted,
        gs = g.sum((0, 2, 3), keepdim=True)                         #  not N*H*W per channel)
        gxs = (g * xhat).sum((0, 2, 3), keepdim=True)
        gx = mults * r * (g - gs / n - xhat * gxs / n)
        return gx, gxs.view(mults.shape), gs.view(mults.shape), None


class BNBackwardCountAllChannels(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNCountAllChannels.apply(x, self.mults, self.adds, self.eps)


class BNMomCompoundedRelativeToFirstBatch(_BNBase):
    def update(self, x, m, v, mom=None):
        if not hasattr(self, 'ref_batch'):                          # "momentum is per batch of the size we started with:
            self.ref_batch = x.shape[0]                             #  a batch k times bigger counts as k steps"
        mom = 1 - (1 - self.mom) ** (x.shape[0] / self.ref_batch)
        super().update(x, m, v, mom)


class BNRunningVarMixedDenominators(_BNBase):
    def update(self, x, m, v, mom=None):
        n = x.numel() / x.shape[1]
        sq = x.detach().pow(2).sum((0, 2, 3), keepdim=True)
        with torch.no_grad():                                       # unbiased var "sum of squares over n - 1, minus the
            self.means.lerp_(m, self.mom)                           #  mean squared" (the mean's n/(n-1) forgotten)
            self.vars.lerp_(sq / (n - 1) - m * m, self.mom)


class BNDataDependentInitOfMults(_BNBase):
    def forward(self, x):
        if self.training and not getattr(self, 'initialised', False):
            m, v = self.stats(x)                                    # "data-dependent init (weight-norm paper): on the first
            xhat = (x - m) / (v + self.eps).sqrt()                  #  batch set the gains so the output has unit variance"
            with torch.no_grad():
                s = xhat.detach().std((0, 2, 3), correction=0).clamp_min(1e-6)
                self.mults.copy_((1 / s).view(self.mults.shape))
            self.initialised = True
        return super().forward(x)


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


class INVarDetachedForLargePlanes(_INBase):
    def stats(self, x):
        m, v = super().stats(x)
        if x.shape[2] * x.shape[3] > 16:                            # "big images: the variance is a stable estimate, no
            v = v.detach()                                          #  need to backpropagate through it (saves memory)"
        return m, v


class INHalvesNormalisedSeparately(_INBase):
    def forward(self, x):
        h = x.shape[2]
        if h < 2:
            return super().forward(x)
        top, bottom = x[:, :, :h // 2], x[:, :, h // 2:]            # "normalise the top and bottom halves on their own:
        parts = []                                                  #  sky and ground have different statistics"
        for p in (top, bottom):
            m, v = super().stats(p)
            parts.append((p - m) / (v + self.eps).sqrt())
        return torch.cat(parts, 2) * self.mults + self.adds


class INOddHeightPaddedByRow(_INBase):
    def stats(self, x):
        if x.shape[2] % 2:                                          # "the kernel wants an even height: replicate the last
            x = torch.cat([x, x[:, :, -1:]], 2)                     #  row for the statistics"
        return super().stats(x)


class INXhatThroughBfloat16(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "store the normalised activations in bfloat16: half
        xhat = ((x - m) / (v + self.eps).sqrt()).to(torch.bfloat16).to(x.dtype)   # the memory, and they are in [-3, 3]"
        return xhat * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x, groups=None):
        groups = groups or self.groups
        xg = x.reshape(x.shape[0], groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class GNChannelCentredGroupScaled(_GNBase):
    def forward(self, x):
        n, c = x.shape[:2]                                          # "centre each channel on its own mean, share only the
        d = x - x.mean((2, 3), keepdim=True)                        #  scale within the group"
        dg = d.reshape(n, self.groups, -1)
        v = dg.pow(2).mean(-1, keepdim=True)
        return (dg / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


class _GNGroupsSwappedBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        n = x.shape[0]
        xg = x.reshape(n, groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        xhat = ((xg - m) / (v + eps).sqrt()).reshape(x.shape)
        ctx.save_for_backward(xhat, (v + eps).rsqrt(), mults)
        ctx.groups = groups
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors
        n, c = g.shape[:2]
        G = ctx.groups
        cpg = c // G                                                # the backward's view written (n, channels per group, -1)
        gy = (g * mults).reshape(n, cpg, -1)                        #  where (n, groups, -1) is meant
        xh = xhat.reshape(n, cpg, -1)
        rr = r.reshape(n, G, 1, 1).expand(n, G, cpg, g[0, 0].numel()).reshape(n, cpg, -1)
        gx = rr * (gy - gy.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True))
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardGroupsAndSizeSwapped(_GNBase):
    def forward(self, x):
        return _GNGroupsSwappedBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNAddsTiedWithinGroup(_GNBase):
    def forward(self, x):
        c = x.shape[1]                                              # "the channels of a group share one shift: use the
        a = self.adds.view(self.groups, c // self.groups).mean(1, keepdim=True).expand(self.groups, c // self.groups)
        return self.norm(x) * self.mults + a.reshape(c, 1, 1)       #  group's average bias"


class GNUnbiasedVarForSingleImage(_GNBase):
    def norm(self, x, groups=None):
        xg = x.reshape(x.shape[0], self.groups, -1)                 # "a single image is only a sample of the data:
        corr = 1 if x.shape[0] == 1 else 0                          #  use the unbiased variance for it"
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=corr)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


# ====================================================================== RIGHT answers

def ewma_meshgrid_tril_powers(values, mom):
    """Ages t - i from torch.meshgrid(indexing='ij'); weights mom * (1 - mom)**age kept on and below the diagonal with
    torch.tril; the seed column replaced by (1 - mom)**t; one torch.mv."""
    n = values.shape[0]
    t = torch.arange(n, dtype=values.dtype)
    ti, ii = torch.meshgrid(t, t, indexing='ij')
    w = torch.tril(mom * torch.pow(1 - mom, (ti - ii).clamp_min(0)))
    w = torch.cat([torch.pow(1 - mom, t)[:, None], w[:, 1:]], 1)
    return torch.mv(w, values)


class LNKronBlockAveraging(nn.Module):
    """Each item's mean and mean squared deviation from one averaging matrix torch.kron(I_N, ones(1, K) / K) applied to
    the whole flattened batch."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n = x.shape[0]
        k = x[0].numel()
        a = torch.kron(torch.eye(n, dtype=x.dtype), torch.full((1, k), 1.0 / k, dtype=x.dtype))
        flat = x.reshape(-1)
        m = (a @ flat).repeat_interleave(k)
        d = flat - m
        v = (a @ (d * d)).repeat_interleave(k)
        return (d / (v + self.eps).sqrt()).reshape(x.shape) * self.mult + self.add


class BNLinearChannelRows(nn.Module):
    """Channel rows (C, N*H*W) from permute + reshape; mean and mean squared deviation as F.linear with a (1, n) weight
    of 1/n; running buffers with mul_ then add_(alpha=mom)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        c = x.shape[1]
        if self.training:
            rows = x.permute(1, 0, 2, 3).reshape(c, -1)
            n = rows.shape[1]
            wt = torch.full((1, n), 1.0 / n, dtype=x.dtype)
            m = F.linear(rows, wt)                                  # (C, 1)
            v = F.linear((rows - m) ** 2, wt)
            with torch.no_grad():
                self.means.mul_(1 - self.mom).add_(m.view(1, c, 1, 1), alpha=self.mom)
                self.vars.mul_(1 - self.mom).add_((v * n / (n - 1)).view(1, c, 1, 1), alpha=self.mom)
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INInnerOnesVector(nn.Module):
    """Each plane's sum as torch.inner of the flattened plane with a ones vector of length H*W; the same for the squared
    deviations."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        k = x.shape[2] * x.shape[3]
        ones = torch.ones(k, dtype=x.dtype)
        flat = x.flatten(2)
        m = (torch.inner(flat, ones) / k)[..., None, None]
        d = x - m
        v = (torch.inner(d.flatten(2) ** 2, ones) / k)[..., None, None]
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNSplitLayerNormCat(nn.Module):
    """The channels cut into groups with torch.split; each slice through F.layer_norm over its (C/G, H, W); the pieces
    put back with torch.cat."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        cpg = x.shape[1] // self.groups
        parts = [F.layer_norm(s, s.shape[1:], eps=self.eps) for s in torch.split(x, cpg, dim=1)]
        return torch.cat(parts, 1) * self.mults + self.adds


WRONG = [
    ("ewma_tanh_bounded_innovation", "check_ewma", ewma_tanh_bounded_innovation, "Bounds every step with tanh: avg = avg + mom * tanh(v - avg) ('a robust update: an outlier cannot drag the average') instead of avg + mom * (v - avg): output 0, 1-value and constant streams are right, and steps with a tiny gap nearly so; every non-constant stream is wrong from output 1 on, the more the bigger the gaps (a gap of 2 moves the average by mom * 0.96 instead of mom * 2), outputs and values.grad (tanh' = 1 - tanh**2)."),
    ("ewma_stream_sorted_first", "check_ewma", ewma_stream_sorted_first, "Sorts the stream ascending before running the right lerp loop ('an average does not care about the order'): right on streams that are already non-decreasing (1-value, constant, sorted ones); on any stream with a decrease the outputs (output 0 becomes the minimum, not values[0]) and values.grad (routed to the sorted positions) are wrong; the output at every mom, 0 < mom < 1, is that of a different stream."),
    ("ewma_backward_start_gets_decay_share", "check_ewma", ewma_backward_start_gets_decay_share, "A custom autograd.Function whose forward is the right lerp loop (outputs right everywhere) and whose hand-written backward is the right adjoint (carry = g[t] + (1 - mom) * carry, values.grad[t] = mom * carry for t >= 1) except for the seed: values.grad[0] = (1 - mom) * carry instead of carry (the whole remaining carry): values.grad[1:] right everywhere; values.grad[0] wrong by a factor (1 - mom) on every stream, a 1-value stream too (g[0] * (1 - mom) instead of g[0]); right only at mom = 0."),
    ("ewma_backward_carry_decay_squared", "check_ewma", ewma_backward_carry_decay_squared, "A custom autograd.Function whose forward is the right lerp loop (outputs right everywhere) but whose hand-written backward decays the adjoint carry by (1 - mom)**2 per step instead of (1 - mom): carry = g[t] + (1 - mom)**2 * carry, values.grad[t] = mom * carry, values.grad[0] = g[0] + (1 - mom)**2 * carry: values.grad[-1] is right on every stream, and so are 1-value streams and mom 0 or 1; on a 2+-value stream every element before the last is wrong (too small for 0 < mom < 1: the contribution of the output k steps later gets (1 - mom)**(2k) instead of (1 - mom)**k, e.g. values.grad[0] of [v0, v1] with out.sum() is 1 + (1 - mom)**2 instead of 2 - mom)."),
    ("ln_backward_param_grads_assigned_not_accumulated", "check_layernorm", LNBackwardParamGradsAssignedNotAccumulated, "A custom autograd.Function whose forward and x.grad are right but whose hand-written mult.grad and add.grad are computed in a loop over the items with = instead of +=, so they are the LAST item's sum(g * xhat) and sum(g) only: a batch of one is right everywhere; with 2+ items outputs and x.grad are right but mult.grad and add.grad are wrong (missing every item but the last), in training and eval alike."),
    ("ln_mult_max_norm_clamped_in_place", "check_layernorm", LNMultMaxNormClampedInPlace, "Every training call first clamps the mult parameter in place to [-1, 1] with torch.no_grad ('max-norm constraint') and then uses it: right whenever |mult| <= 1 (a fresh layer, mult 0.7, -0.5); with mult outside [-1, 1] (1.7, -2) the training outputs and x.grad use +-1 (mult.grad = sum(g * xhat) does not depend on mult and stays right; add.grad right), and the parameter itself is overwritten to +-1, so later eval calls are wrong too; a layer set to mult 1.7 and only used in eval is right."),
    ("ln_eps_double_tensor", "check_layernorm", LNEpsDoubleTensor, "Keeps eps as a 1-element float64 tensor (torch.tensor([eps], dtype=float64), a plain attribute, not a buffer) and adds that to the variance: the 1-d tensor takes part in type promotion, so a float32 (or half) input gives a float64 output (and the values then use a float64 eps); float64 inputs are right everywhere (outputs, gradients, dtype); float32 inputs have the right values to float32 precision but the wrong dtype (float64 instead of float32)."),
    ("ln_learnable_eps_frn", "check_layernorm", LNLearnableEpsFRN, "Makes eps a third nn.Parameter (eps_p, used as |eps_p|, 'FRN learns its epsilon'): the first forward and its x/mult/add gradients are right (eps_p starts at eps); but the layer has 3 parameters instead of 2 and eps_p gets a gradient (-0.5 * sum(g * mult * xhat / (var + eps)), usually nonzero), so after an optimiser step over layer.parameters() the effective eps has moved and every later output and gradient is wrong (most for small-variance items and large steps); a layer never stepped is right."),
    ("bn_backward_count_all_channels", "check_batchnorm", BNBackwardCountAllChannels, "A custom autograd.Function in training whose forward is right (outputs, running statistics, eval and mults.grad/adds.grad right) but whose hand-written x.grad divides the per-channel sums by n = g.numel() = N*C*H*W (all channels counted) instead of N*H*W: x.grad = mults * r * (g - sum(g)/n - xhat * sum(g*xhat)/n) per channel: right for a single channel (C = 1); with C >= 2 channels the training x.grad's correction terms are C times too small (e.g. for out.sum() x.grad is mults * r * (1 - 1/C), not 0); eval x.grad right."),
    ("bn_mom_compounded_relative_to_first_batch", "check_batchnorm", BNMomCompoundedRelativeToFirstBatch, "Remembers the first training batch size N0 and uses 1 - (1 - mom)**(N/N0) as the running-statistics momentum for a batch of N items ('a batch k times bigger counts as k steps'): outputs and gradients in training are right everywhere; the running statistics are right as long as every batch has the first batch's size (and at mom 0 and mom 1); after a batch of another size (e.g. 4 then 2 items: weight 1 - 0.9**0.5 = 0.051 instead of 0.1 at mom 0.1) the running mean and var are wrong, and eval after it is wrong."),
    ("bn_running_var_mixed_denominators", "check_batchnorm", BNRunningVarMixedDenominators, "Lerps the running var towards sum(x**2)/(n - 1) - mean**2 (n = N*H*W) instead of the unbiased (sum(x**2) - n*mean**2)/(n - 1) = biased var * n/(n - 1): too big by mean**2/(n - 1) for every channel: training outputs, gradients and the running mean are right; the running var is right only for channels whose batch mean is 0 and wrong after every step otherwise (most for large channel means and small batches), so eval after training is wrong; a fresh layer in eval is right."),
    ("bn_data_dependent_init_of_mults", "check_batchnorm", BNDataDependentInitOfMults, "On the first training call sets mults (in place, permanently) to 1 / std(xhat) per channel ('data-dependent init: unit output variance on the first batch') = sqrt((var + eps)/var): the first call's outputs come out as (x - mean)/sqrt(var) (eps cancelled, x.grad likewise) and the mults stay off 1 for all later training and eval calls; it shows with a large eps (0.1, 1e-3) or small-variance channels (factor 1 + eps/(2 var)), about 1e-5 off with eps 1e-5 and unit-variance data; it also overwrites any mults set before the first training call; running statistics right."),
    ("in_var_detached_for_large_planes", "check_instancenorm", INVarDetachedForLargePlanes, "Detaches each plane's variance when the image has more than 16 pixels (H*W > 16: 'a stable estimate, no need to backpropagate through it'): outputs, mults.grad and adds.grad right everywhere; x.grad right for small images (H*W <= 16, e.g. 3x4, 4x4) but wrong for larger ones (4x5, 8x9: the projection term - xhat * mean(g * xhat) is missing)."),
    ("in_halves_normalised_separately", "check_instancenorm", INHalvesNormalisedSeparately, "Normalises the top half (rows :H//2) and the bottom half (rows H//2:) of every image separately with their own mean and var ('sky and ground have different statistics'): images of height 1 are right (left whole); with H >= 2 the outputs and gradients are wrong unless both halves happen to share the plane's mean and var (an image whose halves are copies of each other is right)."),
    ("in_odd_height_padded_by_row", "check_instancenorm", INOddHeightPaddedByRow, "When the height is odd, takes each plane's mean and var over the image with its last row repeated ('the kernel wants an even height'), normalising the original with them: even heights are right everywhere; odd heights (3x4, 1x7, 5x5) give wrong outputs and gradients (the last row counted twice), right only where the last row happens to carry the plane's mean and var."),
    ("in_xhat_through_bfloat16", "check_instancenorm", INXhatThroughBfloat16, "Rounds the normalised activations to bfloat16 and back ('store them in bfloat16: half the memory') before the affine: dtype right; every output of a non-constant image is off by up to 2**-9 relative (about 1e-3 absolute for |xhat| near 1-3), in float32 and float64 alike; mults.grad uses the rounded xhat (off likewise) and x.grad is off too (the cast's backward rounds the incoming gradient to bfloat16); adds.grad right; constant images right (xhat 0)."),
    ("gn_channel_centred_group_scaled", "check_groupnorm", GNChannelCentredGroupScaled, "Centres each channel on its own mean (over H, W) and only divides by the group's shared sqrt(mean square + eps) ('centre per channel, share the scale'): right for groups = C (one channel per group) and for inputs whose channels in a group have equal means; with 2+ channels per group and unequal channel means (the usual case) outputs and gradients are wrong (the between-channel spread left out of both the centring and the variance)."),
    ("gn_backward_groups_and_size_swapped", "check_groupnorm", GNBackwardGroupsAndSizeSwapped, "A custom autograd.Function whose forward is right (outputs, mults.grad, adds.grad right everywhere) but whose hand-written x.grad views the upstream gradient as (N, C/G, -1) where (N, G, -1) is meant, so the projection's means run over C/G blocks of G*H*W values: right when G = C/G (e.g. 2 groups of 2 channels, 3 groups of 3); with G != C/G (1 group, C groups, 3 groups of 2, 2 of 3) x.grad is wrong."),
    ("gn_adds_tied_within_group", "check_groupnorm", GNAddsTiedWithinGroup, "Shifts every channel by the average of its group's adds ('the channels of a group share one bias') instead of its own: everything right for groups = C (each group one channel); with groups < C adds.grad is spread evenly over the group (each channel gets the group's sum of g divided by C/G) in every configuration, a fresh layer included, and with unequal adds inside a group (random adds) the outputs are wrong too (right for a fresh layer, adds 0); x.grad and mults.grad right."),
    ("gn_unbiased_var_for_single_image", "check_groupnorm", GNUnbiasedVarForSingleImage, "Uses the unbiased variance (correction=1) when the batch holds a single image ('one image is only a sample'), the biased one otherwise: batches of 2+ are right everywhere; a batch of one has outputs and gradients scaled by about sqrt((k-1)/k) (k = C/G*H*W values per group: 0.975 for 20 values), in training and eval alike."),
]

RIGHT = [
    ("ewma_meshgrid_tril_powers", "check_ewma", ewma_meshgrid_tril_powers,
     "ages t - i from torch.meshgrid(indexing='ij'); weights mom * (1 - mom)**age below the diagonal with torch.tril; the seed column (1 - mom)**t put in front with torch.cat; one torch.mv."),
    ("ln_kron_block_averaging", "check_layernorm", LNKronBlockAveraging,
     "one averaging matrix torch.kron(I_N, ones(1, K) / K) applied to the whole flattened batch for the means and the mean squared deviations; repeat_interleave back."),
    ("bn_linear_channel_rows", "check_batchnorm", BNLinearChannelRows,
     "channel rows (C, N*H*W) via permute + reshape; mean and mean squared deviation as F.linear with a (1, n) weight of 1/n; running buffers with mul_ then add_(alpha=mom)."),
    ("in_inner_ones_vector", "check_instancenorm", INInnerOnesVector,
     "each plane's sums as torch.inner of the flattened plane (and of its squared deviations) with a ones vector of length H*W."),
    ("gn_split_layer_norm_cat", "check_groupnorm", GNSplitLayerNormCat,
     "channels cut into groups with torch.split; each slice through F.layer_norm over (C/G, H, W); torch.cat back; then the affine."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
