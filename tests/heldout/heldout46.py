"""Forty-sixth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py or /work/main/tests/heldout/heldout*.py (sets 2 to 41 and 43 to 45).
       Every one changes a computed number, a shape, a gradient, a running statistic or an eval output (none is a
       state_dict-key-only fault), and every one is deterministic (no random draws, nothing keyed on memory addresses).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import collections
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

def ewma_stacked_time_last(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out, -1)                                     # "time is the last axis, as in a (features, time) signal"


class _EWMAGradPerStep(torch.autograd.Function):
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
        mom, n = ctx.mom, g.shape[0]
        grads = torch.empty_like(g)
        carry = torch.zeros_like(g[0])
        for t in range(n - 1, 0, -1):
            carry = g[t] + (1 - mom) * carry
            grads[t] = mom * carry
        grads[0] = g[0] + (1 - mom) * carry
        return grads / n, None                                      # "the loss is a mean over the time steps: divide by T"


def ewma_backward_divided_by_length(values, mom):
    return _EWMAGradPerStep.apply(values, mom)


_WEIGHTS = {}


def ewma_weight_cached_per_dtype(values, mom):
    if values.dtype not in _WEIGHTS:                                # "build the lerp weight tensor once per dtype, not on
        _WEIGHTS[values.dtype] = torch.tensor(mom, dtype=values.dtype)   #  every call" (the cache ignores mom)
    w = _WEIGHTS[values.dtype]
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


def ewma_mcginley_dynamic(values, mom):
    avg, out = values[0], [values[0]]                               # "McGinley dynamic: an EWMA whose step speeds up when the
    for v in values[1:]:                                            #  price runs away from the average: weight mom / (v/avg)**4"
        avg = avg + mom * (v - avg) / (v / avg) ** 4
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


class _LNPerChannelProjection(torch.autograd.Function):
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
        xhat, r, mult = ctx.saved_tensors                           # the projection's means taken over each channel's (H, W)
        gx = mult * r * (g - g.mean((2, 3), keepdim=True)           # (as in InstanceNorm's backward) instead of over the
                         - xhat * (g * xhat).mean((2, 3), keepdim=True))   # whole item (C, H, W)
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardProjectionPerChannel(_LNBase):
    def forward(self, x):
        return _LNPerChannelProjection.apply(x, self.mult, self.add, self.eps)


class LNVarMinMseNPlusOne(_LNBase):
    def stats(self, x):
        n = x[0].numel()                                            # "the minimum-MSE variance estimator divides by n + 1"
        m = x.mean((1, 2, 3), keepdim=True)
        return m, ((x - m) ** 2).sum((1, 2, 3), keepdim=True) / (n + 1)


class LNStatsVia2x2Pooling(_LNBase):
    def stats(self, x):
        p = F.avg_pool2d(x, 2)                                      # "4x fewer elements: the mean of the 2x2 means is the
        m = p.mean((1, 2, 3), keepdim=True)                         #  mean, and the same holds for the mean of squares"
        sq = F.avg_pool2d(x * x, 2).mean((1, 2, 3), keepdim=True)
        return m, sq - m * m


class LNMeanSubtractedOnlyInTraining(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        if self.training:
            return (x - m) / (v + self.eps).sqrt() * self.mult + self.add
        return x / (v + self.eps).sqrt() * self.mult + self.add     # "at inference the inputs come already centred"


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


class BNBesselCountCachedFirstBatch(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.count = None

    def update(self, x, m, v):
        if self.count is None:                                      # "the count per channel never changes: work it out once"
            self.count = x.numel() / x.shape[1]
        n = self.count
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)


class BNEvoNormB0(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.v1 = nn.Parameter(torch.ones(nf, 1, 1))

    def forward(self, x):                                           # "EvoNorm-B0: no centring; divide by the larger of the
        if self.training:                                           #  batch std and v1 * x + the instance std"
            m, v = self.stats(x)
            self.update(x, m, v)
        else:
            v = self.vars
        iv = x.var((2, 3), keepdim=True, correction=0)
        den = torch.maximum((v + self.eps).sqrt(), self.v1 * x + (iv + self.eps).sqrt())
        return x / den * self.mults + self.adds


class _BNAllChannelsProjection(torch.autograd.Function):
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
        xhat, r, mults = ctx.saved_tensors                          # the projection's means over the whole batch tensor,
        gx = mults * r * (g - g.mean()                              # all channels together, instead of per channel
                          - xhat * (g * xhat).mean())
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class BNBackwardProjectionAcrossChannels(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNAllChannelsProjection.apply(x, self.mults, self.adds, self.eps)


class BNEvalVarAtLeastBatchVar(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        bv = x.var((0, 2, 3), keepdim=True, correction=0)           # "never under-estimate the spread at test time: use the
        return self.normalise(x, self.means, torch.maximum(self.vars, bv))   # larger of running and batch variance"


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


class INPositionalNorm(_INBase):
    def stats(self, x):                                             # "positional normalisation (PONO): each pixel's mean and
        return x.mean(1, keepdim=True), x.var(1, keepdim=True, correction=0)   # std over the channels"


class _INMultsGradCentred(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        d = x - m
        xhat = d * r
        ctx.save_for_backward(d, xhat, r, mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        d, xhat, r, mults = ctx.saved_tensors
        gx = mults * r * (g - g.mean((2, 3), keepdim=True) - xhat * (g * xhat).mean((2, 3), keepdim=True))
        return gx, (g * d).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None   # mults.grad from
                                                                                                        # the centred d


class INBackwardMultsGradFromCentred(_INBase):
    def forward(self, x):
        return _INMultsGradCentred.apply(x, self.mults, self.adds, self.eps)


class INRGBStandardisedWhole(_INBase):
    def stats(self, x):
        if x.shape[1] == 3:                                         # "a colour image is standardised as a whole, not one
            return x.mean((1, 2, 3), keepdim=True), x.var((1, 2, 3), keepdim=True, correction=0)   # colour at a time"
        return super().stats(x)


class _INNoRstdBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        xhat = (x - m) * (v + eps).rsqrt()
        ctx.save_for_backward(xhat, mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, mults = ctx.saved_tensors                             # the factor 1/sqrt(var + eps) of x.grad forgotten
        gx = mults * (g - g.mean((2, 3), keepdim=True) - xhat * (g * xhat).mean((2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardMissingRstd(_INBase):
    def forward(self, x):
        return _INNoRstdBackward.apply(x, self.mults, self.adds, self.eps)


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


class _GNCountFromChannels(torch.autograd.Function):
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
        cpg = g.shape[1] // G                                       # the group's means taken as sums / channels per group,
        gy = (g * mults).reshape(n, G, -1)                          # not / (channels per group * H * W)
        xh = xhat.reshape(n, G, -1)
        gx = r * (gy - gy.sum(-1, keepdim=True) / cpg - xh * (gy * xh).sum(-1, keepdim=True) / cpg)
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardGroupSizeFromChannels(_GNBase):
    def forward(self, x):
        return _GNCountFromChannels.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNGroupIndexByShift(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        cpg = c // self.groups
        gid = torch.arange(c) >> (cpg.bit_length() - 1)             # "channel -> group with a shift: cheaper than c // cpg"
        onehot = F.one_hot(gid, int(gid.max()) + 1).to(x.dtype)     # (C, groups found)
        cnt = onehot.sum(0) * (h * w)
        m = (torch.einsum('nchw,ck->nk', x, onehot) / cnt) @ onehot.T
        d = x - m.view(n, c, 1, 1)
        v = (torch.einsum('nchw,ck->nk', d * d, onehot) / cnt) @ onehot.T
        return d / (v.view(n, c, 1, 1) + self.eps).sqrt() * self.mults + self.adds


class GNMultsAppliedBeforeGrouping(_GNBase):
    def forward(self, x):
        return self.norm(x * self.mults) + self.adds                # "scale the channels first, then group-normalise"


class GNStdAsStandardError(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups                             # "the group's std is shared by cpg channels: each channel's
        return self.norm(x) * math.sqrt(cpg) * self.mults + self.adds   # share is std / sqrt(cpg)"


# ====================================================================== RIGHT answers

def ewma_deque_popleft(values, mom):
    """The stream's rows pushed into a collections.deque and popped from the left one at a time; the average kept as
    (1 - mom) * avg + mom * v written with torch.add(..., alpha=)."""
    q = collections.deque(values.unbind(0))
    avg = q[0]
    out = []
    while q:
        v = q.popleft()
        avg = torch.add(avg * (1 - mom), v, alpha=mom)
        out.append(avg)
    return torch.stack(out)


class LNFlattenUnflattenModules(nn.Module):
    """nn.Flatten(1) and nn.Unflatten(1, (C, H, W)) sub-modules around a per-row torch.var_mean (correction=0)."""
    def __init__(self, dummy=None, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))
        self.flat = nn.Flatten(1)

    def forward(self, x):
        rows = self.flat(x)
        v, m = torch.var_mean(rows, dim=1, keepdim=True, correction=0)
        y = (rows - m) * torch.rsqrt(v + self.eps)
        return nn.Unflatten(1, x.shape[1:])(y) * self.mult + self.add


class BNCumsumRowTotals(nn.Module):
    """Channel rows (C, N*H*W); each row's sum and sum of squared deviations read off the last column of a cumsum; the
    running buffers moved with mul_/add_ under no_grad."""
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
            rows = x.transpose(0, 1).reshape(c, -1)
            k = rows.shape[1]
            m = rows.cumsum(1)[:, -1:] / k
            v = ((rows - m) ** 2).cumsum(1)[:, -1:] / k
            with torch.no_grad():
                self.means.mul_(1 - self.mom).add_(self.mom * m.view(1, c, 1, 1))
                self.vars.mul_(1 - self.mom).add_(self.mom * k / (k - 1) * v.view(1, c, 1, 1))
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INBatchNormItemsAsChannels(nn.Module):
    """F.batch_norm in training mode (no running buffers) on x reshaped to (1, N*C, H, W): every (item, channel) image
    becomes a channel of a batch of one."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        y = F.batch_norm(x.reshape(1, n * c, h, w), None, None, training=True, eps=self.eps)
        return y.reshape(n, c, h, w) * self.mults + self.adds


class GNVectorNormDims(nn.Module):
    """x viewed (N, G, C/G, H, W); the variance as torch.linalg.vector_norm of the centred group over dims (2, 3, 4),
    squared, divided by the group's size."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, c // self.groups, h, w)
        d = xg - xg.mean((2, 3, 4), keepdim=True)
        size = d[0, 0].numel()
        v = torch.linalg.vector_norm(d, ord=2, dim=(2, 3, 4), keepdim=True).square() / size
        return (d / (v + self.eps).sqrt()).view(n, c, h, w) * self.mults + self.adds


WRONG = [
    ("ewma_stacked_time_last", "check_ewma", ewma_stacked_time_last, "Stacks the outputs along the last axis (torch.stack(out, -1): 'time is the last axis') instead of the first: every 1-D stream (any length, mom, dtype) is right, values and values.grad included; a (T, D) stream of vectors comes back transposed, shape (D, T) instead of (T, D) (its numbers are the right ones, out[d, t] = right[t, d]), so anything that compares or indexes the output by time step fails for multi-dimensional streams."),
    ("ewma_backward_divided_by_length", "check_ewma", ewma_backward_divided_by_length, "A custom autograd.Function whose forward is the right lerp loop (every output right) but whose hand-written backward, otherwise the right adjoint recursion (carry = g[t] + (1 - mom) * carry, values.grad[t] = mom * carry, values[0] gets the whole carry), divides every gradient by the stream length T ('the loss is a mean over the time steps'): a 1-value stream is right; every stream of T >= 2 values (constant ones too, any mom) has values.grad exactly 1/T of the right one."),
    ("ewma_weight_cached_per_dtype", "check_ewma", ewma_weight_cached_per_dtype, "Keeps the lerp weight tensor in a module-level cache keyed by the values' dtype only ('build it once, not on every call'), so it keeps the mom of the first call made in that dtype: the first call in each dtype is right (any mom), and so are later calls with the same mom, 1-value streams and constant streams; a later call in the same dtype with another mom (e.g. float64 first at 0.1, then at 0.9) runs at the first call's mom: outputs from index 1 on and values.grad wrong; a call in a new dtype is right again (its own first mom)."),
    ("ewma_mcginley_dynamic", "check_ewma", ewma_mcginley_dynamic, "McGinley's dynamic instead of the EWMA: avg = avg + mom * (v - avg) / (v / avg)**4 (the step grows when the value runs away below the average and shrinks when it runs above): output 0, 1-value streams and constant streams are right (ratio 1); every non-constant stream is wrong from the first value that differs from the average (values [1, 2], mom 0.5: output 1 is 1.03125, not 1.5), outputs and values.grad alike; a stream through 0 gives inf/NaN."),
    ("ln_backward_projection_per_channel", "check_layernorm", LNBackwardProjectionPerChannel, "A custom autograd.Function whose forward is right (outputs, mult.grad and add.grad right everywhere) but whose hand-written backward takes the projection's means over each channel's (H, W) (InstanceNorm's backward) instead of over the whole item (C, H, W): x.grad = mult * r * (g - mean_HW(g) - xhat * mean_HW(g * xhat)): items with one channel (C = 1) are right everywhere; for C >= 2 x.grad is wrong (e.g. the gradient of out.sum() is no longer 0 per item, and x.grad no longer sums to 0 over an item)."),
    ("ln_var_min_mse_n_plus_one", "check_layernorm", LNVarMinMseNPlusOne, "Divides the sum of squared deviations by n + 1 ('the minimum-MSE variance estimator') instead of n (n = C*H*W): every non-constant item's output is scaled by about sqrt((n + 1)/n) (e.g. +0.8% for n = 60, +4% for n = 12), so the normalised item's biased variance is about (n + 1)/n instead of about 1; x.grad and mult.grad are off likewise; add.grad and constant items are right."),
    ("ln_stats_via_2x2_pooling", "check_layernorm", LNStatsVia2x2Pooling, "Takes the mean and the mean of squares from F.avg_pool2d(x, 2) and F.avg_pool2d(x * x, 2) ('4x fewer elements, the mean of the 2x2 means is the mean'), var = mean of squares - mean**2: right (outputs and gradients) whenever H and W are both even; with an odd H or W the last row or column is dropped from the statistics, so outputs and gradients are wrong; H = 1 or W = 1 raises an error (the 2x2 pool has nothing to pool)."),
    ("ln_mean_subtracted_only_in_training", "check_layernorm", LNMeanSubtractedOnlyInTraining, "In eval divides by the std without subtracting the mean ('at inference the inputs come already centred'): training is right everywhere; eval (also a fresh layer in eval) outputs are right only for items whose mean is 0, and even there eval x.grad is wrong (the mean's term of the gradient is missing: x.grad no longer sums to 0 over an item); any other item's eval output is off by -mean / sqrt(var + eps) * mult (an item of constant 2.0 gives 2/sqrt(eps) * mult + add instead of add)."),
    ("bn_bessel_count_cached_first_batch", "check_batchnorm", BNBesselCountCachedFirstBatch, "Works out the count per channel n = N*H*W for the running variance's n/(n - 1) once, on the first training batch, and keeps it ('it never changes'): training outputs, gradients and the running mean are always right, and so is the running var as long as every batch has the first batch's size; after a training batch of another size (batch or image size) the running var is lerped towards v * n0/(n0 - 1) with the stale n0 (e.g. first batch 4x3x4 = 48 values, then 2x2x3 = 12: factor 48/47 instead of 12/11), so the running var and eval after it are wrong."),
    ("bn_evonorm_b0", "check_batchnorm", BNEvoNormB0, "EvoNorm-B0 instead of BatchNorm: no centring, x divided by max(sqrt(batch var + eps), v1 * x + sqrt(instance var + eps)) (v1 an extra parameter of ones; the running var in eval): the running mean and var are updated right, but training and eval outputs and all gradients are wrong everywhere (a channel with a nonzero mean keeps it; a constant input of ones does not give adds)."),
    ("bn_backward_projection_across_channels", "check_batchnorm", BNBackwardProjectionAcrossChannels, "A custom autograd.Function in training whose forward is right (outputs, running statistics, eval, mults.grad and adds.grad right) but whose hand-written backward takes the projection's means over the whole batch tensor, all channels together, instead of per channel: x.grad = mults * r * (g - mean(g) - xhat * mean(g * xhat)) with means over (N, C, H, W): a one-channel layer (C = 1) is right everywhere; for C >= 2 training x.grad is wrong (its per-channel sums are no longer 0); eval x.grad right."),
    ("bn_eval_var_at_least_batch_var", "check_batchnorm", BNEvalVarAtLeastBatchVar, "In eval divides by sqrt(max(running var, the eval batch's own biased var) + eps) per channel ('never under-estimate the spread at test time'): training, the running statistics and training gradients are right; eval is right on channels whose eval-batch variance is at most the running var (small-spread test batches); on a channel whose test batch is more spread out (a fresh layer, running var 1, fed data of std 3; or a test batch wider than the training data) eval outputs and x.grad are wrong."),
    ("in_positional_norm", "check_instancenorm", INPositionalNorm, "Positional normalisation (PONO) instead of InstanceNorm: each pixel's mean and biased var over the channels (dim 1), not each channel's over the image (H, W): outputs and gradients wrong everywhere (a one-channel input gives adds everywhere; a channel with its own constant offset keeps it), in training and eval, for every shape."),
    ("in_backward_mults_grad_from_centred", "check_instancenorm", INBackwardMultsGradFromCentred, "A custom autograd.Function whose forward is right and whose hand-written backward is right for x and adds but computes mults.grad as sum over (N, H, W) of g * (x - mean) (the centred input) instead of g * xhat (the normalised one): outputs, x.grad and adds.grad right everywhere; mults.grad is right only where every image's var + eps is 1 (and for constant images); otherwise each image's contribution to it is multiplied by sqrt(var + eps) (too big for spread-out images, too small for narrow ones)."),
    ("in_rgb_images_standardised_whole", "check_instancenorm", INRGBStandardisedWhole, "When the input has exactly 3 channels ('a colour image') takes one mean and one biased var per image over (C, H, W), LayerNorm's statistics, instead of one per channel: every input with 1, 2, 4 or more channels is right everywhere (training and eval); 3-channel inputs have wrong outputs and gradients wherever the channels' means or spreads differ (a channel with its own offset keeps part of it); a 3-channel image whose channels already share mean and var is right."),
    ("in_backward_missing_rstd", "check_instancenorm", INBackwardMissingRstd, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward forgets the factor 1/sqrt(var + eps): x.grad = mults * (g - mean(g) - xhat * mean(g * xhat)) over each image, i.e. the right x.grad times sqrt(var + eps) per image: right only where var + eps = 1; wrong (too big for spread-out images, too small for narrow ones and for constant images) elsewhere."),
    ("gn_backward_group_size_from_channels", "check_groupnorm", GNBackwardGroupSizeFromChannels, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right everywhere) but whose hand-written backward takes the group's means in the projection as sums / channels-per-group instead of sums / (channels-per-group * H * W): x.grad = r * (gy - sum(gy)/cpg - xhat * sum(gy * xhat)/cpg), gy = g * mults: right when H * W = 1 (1x1 maps); for every larger image x.grad is wrong (its correction terms H*W times too big), for any number of groups."),
    ("gn_group_index_by_shift", "check_groupnorm", GNGroupIndexByShift, "Finds each channel's group with a bit shift, c >> (bit_length(cpg) - 1) ('a shift is cheaper than c // cpg'), which is c // cpg only when the channels per group cpg is a power of two: every configuration with cpg = 1, 2, 4, 8 ... (e.g. 1 group of 4, 3 of 6, 5 of 10, groups = C) is right everywhere; with cpg = 3, 5, 6 ... the channels are grouped by 2**floor(log2 cpg) instead (2 groups of 6 channels become 3 pairs; 3 groups of 9 become 4 pairs and a single channel), so outputs and gradients are wrong there (train and eval alike)."),
    ("gn_mults_applied_before_grouping", "check_groupnorm", GNMultsAppliedBeforeGrouping, "Multiplies the input by the mults before group-normalising (GN(x * mults) + adds) instead of after: a fresh layer (mults 1) has right outputs, x.grad and adds.grad but a wrong mults.grad (the gradient through the group's statistics: for one channel per group it is 0); with any other mults outputs, x.grad and mults.grad are wrong: equal positive mults within a group cancel out (the output loses the scale), unequal ones change the group's statistics, negative ones flip the sign; adds.grad right everywhere."),
    ("gn_std_as_standard_error", "check_groupnorm", GNStdAsStandardError, "Multiplies the normalised values by sqrt(channels per group) ('the group's std is shared by cpg channels: each channel's share is std / sqrt(cpg)'): one channel per group (groups = C) is right everywhere; with cpg >= 2 the normalised part of the output, x.grad and mults.grad are sqrt(cpg) times too big (groups 2 of 6 channels: sqrt(3)); adds.grad right."),
]

RIGHT = [
    ("ewma_deque_popleft", "check_ewma", ewma_deque_popleft,
     "the rows pushed into a collections.deque and popped from the left; avg = torch.add(avg * (1 - mom), v, alpha=mom)."),
    ("ln_flatten_unflatten_modules", "check_layernorm", LNFlattenUnflattenModules,
     "nn.Flatten(1) / nn.Unflatten(1, (C, H, W)) modules around a per-row torch.var_mean(correction=0) and torch.rsqrt."),
    ("bn_cumsum_row_totals", "check_batchnorm", BNCumsumRowTotals,
     "channel rows (C, N*H*W); sums and sums of squared deviations read off the last column of a cumsum; buffers moved with mul_/add_."),
    ("in_batch_norm_items_as_channels", "check_instancenorm", INBatchNormItemsAsChannels,
     "F.batch_norm in training mode with no running buffers on x reshaped to (1, N*C, H, W)."),
    ("gn_vector_norm_dims", "check_groupnorm", GNVectorNormDims,
     "x viewed (N, G, C/G, H, W); the variance as torch.linalg.vector_norm of the centred group over dims (2, 3, 4), squared, over the group size."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
