"""Eighty-first held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout80 (heldoutN.py).
       Every one changes a computed number, an output's shape or dtype, a gradient or a running statistic.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


def reset_state():
    """No module-level state in this set (kept for the verification scripts)."""


# ====================================================================== EWMA (wrong)

def ewma_mom_floored_for_short_streams(values, mom):
    a = max(mom, 1 / len(values))                            # "a short stream cannot carry a slow average: use at
    avg, out = values[0], []                                        #  least the span-of-the-whole-stream weight 2/(n+1)"
    for v in values:
        avg = torch.lerp(avg, v, a)
        out.append(avg)
    return torch.stack(out)


def ewma_repeats_half_weight(values, mom):
    avg, out, prev = values[0], [], None
    for v in values:                                                # "a repeated reading carries no new information:
        w = mom if prev is None or not bool(v == prev) else mom / 2  #  half credit for a repeated reading"
        avg = torch.lerp(avg, v, w)
        out.append(avg)
        prev = v
    return torch.stack(out)


def ewma_three_substeps(values, mom):
    avg, out = values[0], []
    for v in values:                                                # "two half-steps per value are more stable than one
        for _ in range(3):                                          #  full step (like a finer ODE integration)"
            avg = torch.lerp(avg, v, mom / 3)
        out.append(avg)
    return torch.stack(out)


def ewma_truncated_bptt_every_two_steps(values, mom):
    avg, out = values[0], []
    for t, v in enumerate(values):                                  # "truncated backpropagation through time, two steps
        if t % 2 == 1:                                              #  at a time": the carried average cut from the graph
            avg = avg.detach()                                      #  before every odd step
        avg = torch.lerp(avg, v, mom)
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


class LNTwoItemWindowOverBatch(_LNBase):
    def stats(self, x):
        n = x.shape[0]                                              # "a causal layer norm over a window of two steps (this
        k = x[0].numel()                                            #  step and the one before)" - the batch axis taken as
        s = x.sum((1, 2, 3))                                        #  the time axis
        q = (x * x).sum((1, 2, 3))
        s = s + torch.cat([s.new_zeros(1), s[:-1]])
        q = q + torch.cat([q.new_zeros(1), q[:-1]])
        cnt = k * torch.full((n,), 2.0, dtype=x.dtype)
        cnt[0] = k
        m = s / cnt
        v = q / cnt - m * m
        return m.view(n, 1, 1, 1), v.view(n, 1, 1, 1)


class LNCentredPerPixelScaledPerItem(_LNBase):
    def stats(self, x):
        m = x.mean(1, keepdim=True)                                 # "centre each position (mean over the channels, as
        v = ((x - m) ** 2).mean((1, 2, 3), keepdim=True)            #  transformers do per token), one std per item"
        return m, v


class LNRstdGradClipped(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        r = (v + self.eps).rsqrt()
        if r.requires_grad:                                         # "the rsqrt's gradient explodes for small variances:
            r.register_hook(lambda g: g.clamp(-1.0, 1.0))           #  clip it to [-1, 1]"
        return (x - m) * r * self.mult + self.add


class LNPowerNormRunningQuadratic(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.psi = None                                             # "PowerNorm (Shen et al. 2020): divide by a running
                                                                    #  quadratic mean rather than the noisy item variance"
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        if self.training:
            cur = v.mean().detach()
            self.psi = cur if self.psi is None else torch.lerp(self.psi, cur, 0.1)
        if self.psi is None:
            return (x - m) / (v + self.eps).sqrt() * self.mult + self.add
        return (x - m) / (self.psi.to(x.dtype) + self.eps).sqrt() * self.mult + self.add


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

    def count(self, x):
        return x.numel() / x.shape[1]

    def update(self, x, m, v):
        n = self.count(x)
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)

    def normalise(self, x, m, v, eps=None):
        return (x - m) / (v + (self.eps if eps is None else eps)).sqrt() * self.mults + self.adds

    def forward(self, x):
        if self.training:
            m, v = self.stats(x)
            self.update(x, m, v)
            return self.normalise(x, m, v)
        return self.normalise(x, self.means, self.vars)


class BNBesselCountChannelsForHeight(_BNBase):
    def count(self, x):
        return x.shape[0] * x.shape[1] * x.shape[3]                 # N*H*W meant: x.shape[1] typed for x.shape[2]


class _BNMeanTermPerItem(torch.autograd.Function):
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
        xhat, r, mults = ctx.saved_tensors                          # the - mean(g) term taken over each item's plane
        gx = mults * r * (g - g.mean((2, 3), keepdim=True)          # (2, 3), the variance term over (0, 2, 3)
                          - xhat * (g * xhat).mean((0, 2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class BNBackwardMeanTermPerItem(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNMeanTermPerItem.apply(x, self.mults, self.adds, self.eps)


class BNEvalKerasDefaultEps(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        return self.normalise(x, self.means, self.vars, eps=1e-3)   # the inference path ported from a Keras model:
                                                                    # its default epsilon 1e-3 instead of self.eps


class BNRunningVarAboutChannelMedian(_BNBase):
    def update(self, x, m, v):
        n = self.count(x)
        with torch.no_grad():                                       # ("robust to outliers": the median, not the mean)
            self.means.lerp_(m, self.mom)                           # the running var taken about the channel median
            md = x.detach().transpose(0, 1).reshape(x.shape[1], -1).median(1).values.view(1, -1, 1, 1)
            self.vars.lerp_(((x.detach() - md) ** 2).mean((0, 2, 3), keepdim=True) * n / (n - 1), self.mom)


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


class INLocalMean3x3Subtracted(_INBase):
    def forward(self, x):
        lm = F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)      # "local contrast normalisation: subtract the local
        d = x - lm                                                  #  3x3 mean, divide by the plane's std of the rest"
        v = d.var((2, 3), keepdim=True, correction=0)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class INParamsViewedOverHeightAxis(_INBase):
    def forward(self, x):
        m, v = self.stats(x)
        xhat = (x - m) / (v + self.eps).sqrt()                      # view(-1, 1): the gains laid along the height axis
        return xhat * self.mults.view(-1, 1) + self.adds.view(-1, 1)


class _INBatchAxesBackward(torch.autograd.Function):
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
        xhat, r, mults = ctx.saved_tensors                          # the projection copied from the BatchNorm backward:
        gx = mults * r * (g - g.mean((0, 2, 3), keepdim=True)       # means over (0, 2, 3) instead of each image's (2, 3)
                          - xhat * (g * xhat).mean((0, 2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardProjectionOverBatchAxes(_INBase):
    def forward(self, x):
        return _INBatchAxesBackward.apply(x, self.mults, self.adds, self.eps)


class INRelativeContrastRestored(_INBase):
    def forward(self, x):
        m, v = self.stats(x)
        s = (v + self.eps).sqrt()                                   # "keep the channels' relative contrast: scale each
        rel = s / s.mean(1, keepdim=True)                           #  channel back by its std over the mean std"
        return (x - m) / s * rel * self.mults + self.adds


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


class GNGroupGainsInFirstSlots(_GNBase):
    def forward(self, x):
        c = self.mults.shape[0]                                     # "GroupNorm's affine is per group": each channel uses
        idx = torch.arange(c) % self.groups                         # a gain per group in the first G slots, picked
                                                                    # with c % G (the group id of interleaved groups)
        w = self.mults[idx]
        return self.norm(x) * w + self.adds


class GNOneChannelGroupsUnbiased(_GNBase):
    def norm(self, x):
        if x.shape[1] == self.groups:                               # "one channel per group: that is torch.std of each
            m = x.mean((2, 3), keepdim=True)                        #  channel" (torch's default unbiased estimator)
            return (x - m) / (x.var((2, 3), keepdim=True) + self.eps).sqrt()
        return super().norm(x)


class GNGroupStatsFromFlippedChannels(_GNBase):
    def norm(self, x):
        n, c, h, w = x.shape
        xg = x.flip(1).reshape(n, self.groups, -1)                  # statistics from the channel-reversed tensor (a
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)   # reversed-checkpoint habit), applied
        return (x.reshape(n, self.groups, -1) - m).div((v + self.eps).sqrt()).reshape(x.shape)   # to the original order


class _GNWholeItemBackward(torch.autograd.Function):
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
        gy = g * mults                                              # the projection means taken over the whole item
        rr = r.expand(n, G, xhat[0].numel() // G).reshape(g.shape)  # (LayerNorm's) instead of over each group
        gx = rr * (gy - gy.mean((1, 2, 3), keepdim=True) - xhat * (gy * xhat).mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardProjectionOverWholeItem(_GNBase):
    def forward(self, x):
        return _GNWholeItemBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


# ====================================================================== RIGHT answers

def ewma_sequential_index_put(values, mom):
    """The outputs written into a preallocated tensor with Tensor.index_put (out of place) one step at a time; each step
    is avg + mom * (v - avg) read back from the previous slot."""
    out = torch.zeros_like(values)
    out = out.index_put((torch.tensor([0]),), values[:1])
    for t in range(1, len(values)):
        prev = out[t - 1]
        out = out.index_put((torch.tensor([t]),), (prev + mom * (values[t] - prev)).reshape(1))
    return out


class LNQuantileFreeMomentsViaBaddbmm(nn.Module):
    """Each item as a (1, K) row; sum and sum of squares of the centred row by torch.baddbmm against a ones column."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n = x.shape[0]
        rows = x.reshape(n, 1, -1)
        k = rows.shape[-1]
        ones = torch.ones(n, k, 1, dtype=x.dtype)
        zero = torch.zeros(n, 1, 1, dtype=x.dtype)
        m = torch.baddbmm(zero, rows, ones, alpha=1.0 / k)
        d = rows - m
        v = torch.baddbmm(zero, d * d, ones, alpha=1.0 / k)
        return (d * torch.rsqrt(v + self.eps)).reshape(x.shape) * self.mult + self.add


class BNChannelMaskedSums(nn.Module):
    """Per-channel sums as a contraction with a one-hot channel mask (torch.mul then sum over all but the channel);
    running buffers updated with torch.where over a boolean all-true mask (out of place, copied back)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        if self.training:
            cnt = n * h * w
            m = x.sum((0, 2, 3), keepdim=True) / cnt
            ss = ((x - m) ** 2).sum((0, 2, 3), keepdim=True)
            v = ss / cnt
            with torch.no_grad():
                keep = torch.ones_like(self.means, dtype=torch.bool)
                nm = torch.where(keep, self.means * (1 - self.mom) + m * self.mom, self.means)
                nv = torch.where(keep, self.vars * (1 - self.mom) + ss / (cnt - 1) * self.mom, self.vars)
                self.means.copy_(nm)
                self.vars.copy_(nv)
        else:
            m, v = self.means, self.vars
        return (x - m) * (v + self.eps).rsqrt() * self.mults + self.adds


class INHistogramFreeTwoPassPermuted(nn.Module):
    """The planes moved to the front (C, N, H*W) with permute; two-pass mean and mean squared deviation over the last
    axis; normalised and permuted back."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        p = x.permute(1, 0, 2, 3).reshape(c, n, h * w)
        m = p.sum(-1, keepdim=True) / (h * w)
        d = p - m
        v = (d * d).sum(-1, keepdim=True) / (h * w)
        y = (d / (v + self.eps).sqrt()).reshape(c, n, h, w).permute(1, 0, 2, 3)
        return y * self.mults + self.adds


class GNRepeatInterleaveStats(nn.Module):
    """Group statistics from x.unflatten(1, (G, C//G)); mean and biased var broadcast back to the channels with
    torch.repeat_interleave on a (N, G) table."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        u = x.unflatten(1, (self.groups, c // self.groups))
        m = u.mean((2, 3, 4))
        v = ((u - m[..., None, None, None]) ** 2).mean((2, 3, 4))
        cpg = c // self.groups
        mc = torch.repeat_interleave(m, cpg, 1).view(n, c, 1, 1)
        vc = torch.repeat_interleave(v, cpg, 1).view(n, c, 1, 1)
        return (x - mc) / (vc + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_mom_floored_for_short_streams", "check_ewma", ewma_mom_floored_for_short_streams, "Uses the weight max(mom, 1 / len(values)) instead of mom ('a short stream cannot carry a slow average: at least the one-over-length weight'): right whenever mom >= 1/n (mom 0.1 on 10+ values, mom 0.5 on 2+, a 1-value stream); constant streams have right outputs but a wrong values.grad where mom < 1/n; wrong outputs and values.grad from output 1 on for a non-constant stream shorter than 1/mom values (mom 0.1 on a 6-value stream uses 1/6; mom 0 on any finite stream)."),
    ("ewma_repeats_half_weight", "check_ewma", ewma_repeats_half_weight, "Uses weight mom/2 when a value equals the previous value exactly ('a repeated reading carries half the information'): right on streams with no two equal consecutive values (random streams); on constant streams of 2+ values the outputs are right (the average already sits there) but values.grad is wrong (the repeated values get half-weight gradient); on a stream with a repeat after a change (e.g. [1, 0, 0, 2]) the output at the repeat moves only mom/2 of the way towards the value, so outputs from there on and values.grad are wrong (any mom strictly between 0 and 1)."),
    ("ewma_three_substeps", "check_ewma", ewma_three_substeps, "Applies three lerps of weight mom/3 per value ('finer integration steps are more stable'), an effective weight 1 - (1 - mom/3)**3 instead of mom: right at mom 0 and on 1-value streams; constant streams have right outputs but a wrong values.grad; every non-constant stream with mom > 0 has wrong outputs from output 1 on (0.0967 for 0.1, 0.421 for 0.5, 0.657 for 0.9; mom 1 gives 0.704) and a wrong values.grad."),
    ("ewma_truncated_bptt_every_two_steps", "check_ewma", ewma_truncated_bptt_every_two_steps, "Truncated backpropagation through time two steps at a time: the carried average is detached before every odd step (t = 1, 3, 5, ...): every output is right (float32 and float64, any mom); values.grad is wrong for any stream of 2+ values at mom < 1: an output at an odd step t passes no gradient to values before t, an even step t >= 2 only to values[t - 1] and values[t] (values[0] gets only g[0]); a 1-value stream and mom 1 are right."),
    ("ln_two_item_window_over_batch", "check_layernorm", LNTwoItemWindowOverBatch, "A causal two-step window norm applied along the batch axis: item i is normalised with the mean and (biased) variance of items i-1 and i pooled: item 0 and a batch of one are right (training and eval); for a batch of 2+ items every later item's outputs, x.grad and the parameters' grads are wrong (unless the items share mean and variance), and each earlier item's x.grad also picks up contributions from the next item."),
    ("ln_centred_per_pixel_scaled_per_item", "check_layernorm", LNCentredPerPixelScaledPerItem, "Centres each pixel position by the mean over the channels at that position (a per-token mean) and divides by the item-wide RMS of those deviations: right only where the per-position channel means are all equal (C == 1 gives add everywhere, which is wrong too unless the item is constant); for any item with 2+ channels or varying per-position means, outputs and all gradients are wrong (training and eval alike); a constant item is right."),
    ("ln_rstd_grad_clipped", "check_layernorm", LNRstdGradClipped, "Registers a hook that clamps the gradient reaching the reciprocal std r = 1/sqrt(var + eps) to [-1, 1] ('its gradient explodes for small variances'): outputs, mult.grad and add.grad are right everywhere; x.grad is right for items where |dL/dr| = |sum(g * mult * (x - mean))| <= 1 (small items, zero upstream gradient) and wrong (the variance term too small) where it exceeds 1, e.g. random upstream gradients on (2, 3, 4, 5) items with mult 1.5."),
    ("ln_powernorm_running_quadratic", "check_layernorm", LNPowerNormRunningQuadratic, "PowerNorm misapplied: in training each item is centred by its own mean but divided by sqrt(psi + eps), psi a running EMA (weight 0.1, across calls, started at the first call's batch-average variance, detached) of the batch-average item variance; eval uses the stored psi (a fresh layer in eval is right): a first training call on a batch of one is right in outputs but x.grad is wrong (no gradient through the variance); with 2+ items of unequal variance the outputs are wrong from the first call, and every later call (training or eval) uses the stale running value: outputs and gradients wrong."),
    ("bn_bessel_count_channels_for_height", "check_batchnorm", BNBesselCountChannelsForHeight, "The Bessel count for the running var is N*C*W (x.shape[1] typed for x.shape[2]) instead of N*H*W: training outputs, gradients and the running mean are right everywhere; the running var is wrong after a training step whenever H != C (e.g. 4 items, 3 channels, 2x3 images: factor 36/35 instead of 24/23), so eval after training is wrong; when H == C it is right; a fresh layer in eval is right."),
    ("bn_backward_mean_term_per_item", "check_batchnorm", BNBackwardMeanTermPerItem, "A custom autograd.Function in training whose forward is right (outputs, running statistics, eval, mults.grad and adds.grad right) but whose hand-written backward takes the mean(g) term over each item's plane (2, 3) while the variance term uses (0, 2, 3): x.grad = mults * r * (g - mean_(2,3)(g) - xhat * mean_(0,2,3)(g * xhat)): training x.grad is wrong whenever the items' per-channel mean upstream gradients differ (random upstream gradients with 2+ items); a batch of one is right; eval x.grad right."),
    ("bn_eval_keras_default_eps", "check_batchnorm", BNEvalKerasDefaultEps, "Eval normalises with eps = 1e-3 (Keras' default epsilon, from a ported inference path) instead of the layer's eps: training, running statistics and training gradients right everywhere; eval outputs and gradients are wrong for any layer eps other than 1e-3 (also a fresh layer in eval: 1/sqrt(1.001) instead of 1/sqrt(1.00001)), most visibly with eps 0.1 or small running vars; right when the layer's eps is 1e-3."),
    ("bn_running_var_about_channel_median", "check_batchnorm", BNRunningVarAboutChannelMedian, "The running var is updated with the unbiased mean squared deviation about each channel's batch median (torch.median over N*H*W, the lower middle value) instead of about the batch mean ('robust to outliers'): training outputs, gradients and the running mean right everywhere; the running var after a training step is too large by (mean - median)**2 * n/(n-1) per channel (wrong on skewed or random data, right only where a channel's median equals its mean), so eval after training is wrong; a fresh layer in eval is right."),
    ("in_local_mean_3x3_subtracted", "check_instancenorm", INLocalMean3x3Subtracted, "Local contrast normalisation instead of InstanceNorm: subtracts each pixel's 3x3 local mean (avg_pool2d, padding 1, count_include_pad=False) and divides by the plane's biased std of that residual: right only for a constant plane (output adds); wrong outputs and gradients for every non-constant image of any size (a 1x1 plane gives adds too, which is right there since InstanceNorm also gives adds)."),
    ("in_params_viewed_over_height_axis", "check_instancenorm", INParamsViewedOverHeightAxis, "Reshapes the gains and shifts with view(-1, 1), laying them along the height axis: right when C == 1 (one gain broadcast everywhere) and whenever all mults are equal and all adds equal (a fresh layer: outputs and x.grad right); with C > 1 and H == C row i gets channel i's gain and shift (wrong outputs, x.grad and param grads); with C > 1 and H not in {1, C} the broadcast raises; H == 1 broadcasts to a wrong shape (N, C, C, W)."),
    ("in_backward_projection_over_batch_axes", "check_instancenorm", INBackwardProjectionOverBatchAxes, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward takes the projection means over (0, 2, 3) (BatchNorm's axes) instead of each image's (2, 3): a batch of one is right everywhere; with 2+ images x.grad is wrong (each image's correction terms mix in the other images' gradients)."),
    ("in_relative_contrast_restored", "check_instancenorm", INRelativeContrastRestored, "After normalising, scales each channel back by its std over the mean std of the item's channels ('keep the channels' relative contrast'): right for C == 1 and where all channels of an item have equal spread (and constant planes); with channels of unequal spread outputs and gradients are wrong (a channel with twice the average spread comes out with std about 2)."),
    ("gn_group_gains_in_first_slots", "check_groupnorm", GNGroupGainsInFirstSlots, "Keeps one gain per group in the first G slots of mults picked with the wrong group id (channel c uses mults[c % G], the id of interleaved groups) ('GroupNorm's affine is per group'): right when G == C and when all gains are equal (a fresh layer: outputs and x.grad right); mults.grad is wrong whenever G < C (slots G..C-1 get 0, slot g the sum of g * xhat over the channels c with c % G == g); with unequal gains outputs and x.grad are wrong too; adds right."),
    ("gn_one_channel_groups_unbiased", "check_groupnorm", GNOneChannelGroupsUnbiased, "When G == C (one channel per group) normalises each channel with torch's default unbiased variance (divisor H*W - 1): every configuration with 2+ channels per group is right; with G == C outputs and gradients are wrong (by sqrt((HW - 1)/HW), about 4% for 3x4 planes, far more for 1x2 planes) and a 1-pixel plane gives nan."),
    ("gn_group_stats_from_flipped_channels", "check_groupnorm", GNGroupStatsFromFlippedChannels, "Takes the group statistics from the channel-reversed tensor x.flip(1) but applies them in the original order, so group g is normalised with group G-1-g's mean and var: G == 1 is right (and an odd G's middle group); with G > 1 outputs and gradients are wrong wherever the groups' statistics differ."),
    ("gn_backward_projection_over_whole_item", "check_groupnorm", GNBackwardProjectionOverWholeItem, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward takes the projection means over the whole item (LayerNorm's axes) instead of over each group (the per-group rstd kept): right for G == 1; with G > 1 x.grad is wrong (each group's correction terms mix in the other groups' gradients)."),
]

RIGHT = [
    ("ewma_sequential_index_put", "check_ewma", ewma_sequential_index_put,
     "a preallocated output filled out of place with Tensor.index_put one step at a time, each step avg + mom * (v - avg) from the previous slot."),
    ("ln_baddbmm_ones_column", "check_layernorm", LNQuantileFreeMomentsViaBaddbmm,
     "each item a (1, K) row; mean and mean squared deviation by torch.baddbmm against a ones column with alpha = 1/K."),
    ("bn_where_masked_buffer_update", "check_batchnorm", BNChannelMaskedSums,
     "running buffers recomputed out of place with torch.where over an all-true mask and copied back; rsqrt normaliser."),
    ("in_planes_to_front_two_pass", "check_instancenorm", INHistogramFreeTwoPassPermuted,
     "the planes permuted to the front as a (C, N, H*W) block; two-pass sums over the last axis; permuted back."),
    ("gn_unflatten_repeat_interleave", "check_groupnorm", GNRepeatInterleaveStats,
     "x.unflatten(1, (G, C//G)) for the group statistics, broadcast back with torch.repeat_interleave of a (N, G) table."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
