"""Eightieth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout79 (heldoutN.py).
       Every one changes a computed number, an output's accuracy, a gradient, a running statistic or raises (none is a
       state_dict-key-only fault).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')

_SHARED_RUNNING = {}


def reset_state():
    """bn_running_buffers_shared_by_channel_count keeps its running statistics in a module-level cache: clear it."""
    _SHARED_RUNNING.clear()


# ====================================================================== EWMA (wrong)

def ewma_zeros_treated_as_missing(values, mom):
    avg, out = values[0], []
    for v in values:                                                # "a 0 reading is a dropped sample in sensor streams:
        if bool(v == 0):                                            #  hold the average over it"
            out.append(avg)
            continue
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_last_output_snapped_to_last_value(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    out[-1] = values[-1]                                            # "end-point correction: the newest output must not lag"
    return torch.stack(out)


def ewma_mom_clamped_to_5_95_percent(values, mom):
    if mom > 0:                                                     # "keep the EWMA from degenerating: mom within
        mom = min(0.95, max(0.05, mom))                             #  [0.05, 0.95]"
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_start_at_mean_of_first_span(values, mom):
    k = max(1, round(1 / mom)) if mom > 0 else len(values)         # "seed with the mean of the first span (1/mom values),
    avg, out = values[:k].mean(), []                                #  not one noisy sample"
    for v in values:
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


class LNAddScaledByStd(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "the shift is in the input's units: scale it by the
        s = (v + self.eps).sqrt()                                   #  item's std like the data"
        return (x - m) / s * self.mult + self.add * s


class LNEpsRelativeToBatchMaxVar(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "scale-invariant eps: relative to the batch's largest
        return (x - m) / (v + self.eps * v.max()).sqrt() * self.mult + self.add    # variance"


class LNLowVarItemsSetToAdd(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        y = (x - m) / (v + self.eps).sqrt() * self.mult + self.add  # "an item whose variance is below eps is flat: its
        flat = v < self.eps                                         #  normalised values are noise, output just add"
        return torch.where(flat, self.add.expand_as(y), y)


class LNNormalisedInChunksOf64(_LNBase):
    def forward(self, x):
        n, k = x.shape[0], x[0].numel()
        if k <= 64:
            return super().forward(x)
        flat = x.reshape(n, -1)                                     # "big items: normalise in 64-value chunks, cheaper on
        outs = []                                                   #  memory" (each chunk with its own statistics)
        for c in flat.split(64, dim=1):
            m = c.mean(1, keepdim=True)
            v = c.var(1, keepdim=True, correction=0)
            outs.append((c - m) / (v + self.eps).sqrt())
        return torch.cat(outs, 1).view_as(x) * self.mult + self.add


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


class BNBesselNMinusTwo(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]                                  # "two parameters (mean, var) are estimated": n/(n - 2)
        with torch.no_grad():                                       # instead of n/(n - 1)
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 2), self.mom)


class BNRunningBuffersSharedByChannelCount(_BNBase):
    def forward(self, x):
        key = (x.shape[1], self.means.dtype)                        # "keep the running statistics in a cache keyed by the
        with torch.no_grad():                                       #  channel count, so a rebuilt layer keeps them"
            if key in _SHARED_RUNNING:
                self.means.copy_(_SHARED_RUNNING[key][0])
                self.vars.copy_(_SHARED_RUNNING[key][1])
        y = super().forward(x)
        _SHARED_RUNNING[key] = (self.means.detach().clone(), self.vars.detach().clone())
        return y


class BNRunningMeanFromMidrange(_BNBase):
    def update(self, x, m, v):
        xt = x.detach().transpose(0, 1).flatten(1)                  # "the running mean is only a rough centre: the midrange
        mid = ((xt.amax(1) + xt.amin(1)) / 2).view_as(self.means)   #  of the channel is robust enough and cheap"
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(mid, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)


class BNBatchOfOneVarPooledOverChannels(_BNBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "one image gives too few samples per channel: pool
        if x.shape[0] == 1:                                         #  the variance over the channels"
            v = v.mean(1, keepdim=True).expand_as(v)
        return m, v


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


class INEvalStatsOfFirstImage(_INBase):
    def stats(self, x):
        m, v = super().stats(x)
        if not self.training:                                       # "test images come from one source: use the first
            m, v = m[:1], v[:1]                                     #  image's statistics for every image"
        return m, v


class INEpsAnnealedOverCalls(_INBase):
    def stats(self, x):
        self.calls = getattr(self, 'calls', 0) + 1                  # "anneal eps: it only has to guard the first, noisy
        m, v = super().stats(x)                                     #  calls": eps / (number of calls so far)
        return m, v + self.eps * (1 / self.calls - 1)


class INEpsDividedByChannels(_INBase):
    def stats(self, x):
        m, v = super().stats(x)
        return m, v + self.eps * (1 / x.shape[1] - 1)               # eps "shared out over the channels": eps / C in all


class INMinPixelsExcludedAsPadding(_INBase):
    def stats(self, x):
        mn = x.detach().amin((2, 3), keepdim=True)                  # "pixels at the image's minimum are zero padding from
        keep = (x.detach() > mn).to(x.dtype)                        #  the resize: leave them out of the statistics"
        cnt = keep.sum((2, 3), keepdim=True).clamp_min(1)
        m = (x * keep).sum((2, 3), keepdim=True) / cnt
        const = keep.sum((2, 3), keepdim=True) == 0
        m = torch.where(const, x.mean((2, 3), keepdim=True), m)
        v = (((x - m) ** 2) * keep).sum((2, 3), keepdim=True) / cnt
        return m, v


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x, groups):
        n, c, h, w = x.shape
        xg = x.view(n, groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(n, c, h, w)

    def forward(self, x):
        return self.norm(x, self.groups) * self.mults + self.adds


class GNEpsTimesGroups(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape                                        # eps "per group": eps * groups
        xg = x.view(n, self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps * self.groups).sqrt()).view(n, c, h, w) * self.mults + self.adds


class GNChannelShuffleNotUndone(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape                                        # "ShuffleNet: shuffle the channels between the groups"
        xs = x.view(n, self.groups, c // self.groups, h, w).transpose(1, 2).reshape(n, c, h, w)
        return self.norm(xs, self.groups) * self.mults + self.adds  # (the shuffle never undone)


class GNCentredPerChannelScaledPerGroup(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape                                        # each channel centred on its own mean, the std the
        d = x - x.mean((2, 3), keepdim=True)                        # group's pooled within-channel one
        dg = d.view(n, self.groups, -1)
        v = (dg * dg).mean(-1, keepdim=True)
        return (dg / (v + self.eps).sqrt()).view(n, c, h, w) * self.mults + self.adds


class _GNProjectionWithoutMults(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        n, c, h, w = x.shape
        xg = x.view(n, groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = ((xg - m) * r).view(n, c, h, w)
        ctx.save_for_backward(xhat, r, mults)
        ctx.groups = groups
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors
        n, c, h, w = g.shape
        gr = g.reshape(n, ctx.groups, -1)                           # the projection terms written with g where g * mults
        xr = xhat.reshape(n, ctx.groups, -1)                        # (dL/dxhat) is meant
        gm = (mults * g).reshape(n, ctx.groups, -1)
        gx = r * (gm - gr.mean(-1, keepdim=True) - xr * (gr * xr).mean(-1, keepdim=True))
        return (gx.view(n, c, h, w), (g * xhat).sum((0, 2, 3)).view(mults.shape),
                g.sum((0, 2, 3)).view(mults.shape), None, None)


class GNBackwardProjectionWithoutMults(_GNBase):
    def forward(self, x):
        return _GNProjectionWithoutMults.apply(x, self.mults, self.adds, self.groups, self.eps)


# ========================================================================= RIGHT

def ewma_lu_solve_bidiagonal(values, mom):
    """The recursion as a unit lower-bidiagonal system A @ out = b (A = I - (1 - mom) * subdiagonal, b = mom * values,
    b[0] = values[0]), factorised with torch.linalg.lu_factor and solved with torch.linalg.lu_solve."""
    t = values.shape[0]
    a = torch.eye(t, dtype=values.dtype) - (1 - mom) * torch.diag(torch.ones(t - 1, dtype=values.dtype), -1)
    b = torch.cat([values[:1], mom * values[1:]])
    lu, piv = torch.linalg.lu_factor(a)
    return torch.linalg.lu_solve(lu, piv, b[:, None])[:, 0]


class LNComplexPackedMoments(nn.Module):
    """The item mean first; then the centred values d and their squares packed into one complex tensor d + i*d**2 whose
    mean's imaginary part is the variance (one reduction, torch.view_as_real to read it)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        d = x - x.mean((1, 2, 3), keepdim=True)
        z = torch.complex(d, d * d).mean((1, 2, 3), keepdim=True)
        v = torch.view_as_real(z)[..., 1]
        return d / (v + self.eps).sqrt() * self.mult + self.add


class BNBatchUnfoldWindow(nn.Module):
    """The batch axis turned into a trailing window with Tensor.unfold(0, N, 1) (one window holding the whole batch);
    mean and biased variance over (window, H, W); running buffers written with copy_ of torch.addcmul results."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            u = x.unfold(0, x.shape[0], 1)                           # (1, C, H, W, N)
            m = u.mean((0, 2, 3, 4)).view(1, -1, 1, 1)
            v = ((x - m) ** 2).unfold(0, x.shape[0], 1).mean((0, 2, 3, 4)).view(1, -1, 1, 1)
            k = x.numel() // x.shape[1]
            with torch.no_grad():
                self.means.copy_(torch.addcmul(self.means * (1 - self.mom), m, torch.full_like(m, self.mom)))
                self.vars.copy_(torch.addcmul(self.vars * (1 - self.mom), v * k / (k - 1), torch.full_like(v, self.mom)))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INConv2dAveragingKernel(nn.Module):
    """Every (item, channel) image as one single-channel image of a batch of N*C; its mean and mean squared deviation by
    F.conv2d with one (1, 1, H, W) kernel filled with 1/(H*W) (no padding: a 1x1 answer)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        k = torch.full((1, 1, h, w), 1.0 / (h * w), dtype=x.dtype)
        flat = x.reshape(n * c, 1, h, w)
        m = F.conv2d(flat, k)
        d = flat - m
        v = F.conv2d(d * d, k)
        return (d / (v + self.eps).sqrt()).view(n, c, h, w) * self.mults + self.adds


class GNOneHotMembership(nn.Module):
    """Group membership as a one-hot (C, G) matrix from F.one_hot of the channel's group id; per-group sums of the
    channels' pixel sums by a matmul with it, and back to the channels by a matmul with its transpose."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        oh = F.one_hot(torch.arange(c) // (c // self.groups), self.groups).to(x.dtype)     # (C, G)
        cnt = (c // self.groups) * h * w
        m = (x.sum((2, 3)) @ oh / cnt) @ oh.T                                              # (N, C)
        d = x - m[:, :, None, None]
        v = ((d * d).sum((2, 3)) @ oh / cnt) @ oh.T
        return d / (v[:, :, None, None] + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_zeros_treated_as_missing", "check_ewma", ewma_zeros_treated_as_missing, "Treats an exact 0 in the stream as a missing reading and holds the average over it (the output at a zero is the previous average, no lerp towards 0) ('a 0 is a dropped sample'): streams without exact zeros (random ones, constant non-zero ones) and 1-value streams are right; an all-zero stream has right outputs but values.grad wrong (the skipped zeros get 0); wherever a value is exactly 0 after a non-zero average (e.g. [1, 0, 0, 2] at mom 0.5: right 1, 0.5, 0.25, 1.125, given 1, 1, 1, 1.5) that output and all later ones are wrong, and values.grad of those zeros is 0 instead of their share (outputs and grads right at mom 0 only)."),
    ("ewma_last_output_snapped_to_last_value", "check_ewma", ewma_last_output_snapped_to_last_value, "'End-point correction': replaces the last output by the last value ('the newest average must not lag'): 1-value streams and mom 1 are right everywhere; constant streams have right outputs but values.grad wrong (the last value gets all of g[-1]); for any other stream of 2+ values the outputs before the last are right but the last output is values[-1] instead of the average, and values.grad is wrong (the last value gets all of g[-1], the earlier ones lose their share of it)."),
    ("ewma_mom_clamped_to_5_95_percent", "check_ewma", ewma_mom_clamped_to_5_95_percent, "Clamps mom to [0.05, 0.95] ('avoid a degenerate EWMA'): moms in that range are right everywhere, and so are 1-value streams and constant streams' outputs; mom 0 is right (left alone by the mom > 0 guard); mom 1 (0.95 used: the output is not the stream) and moms like 0.01 or 0.99 give wrong outputs from output 1 and wrong values.grad."),
    ("ewma_start_at_mean_of_first_span", "check_ewma", ewma_start_at_mean_of_first_span, "Seeds the average with the mean of the first round(1/mom) values (the whole stream at mom 0) instead of values[0] ('the first span, not one noisy sample'): mom 1 (span 1) and mom > 2/3 (round(1/mom) = 1) and 1-value streams are right everywhere; constant streams have right outputs but values.grad wrong at mom <= 2/3; at mom 0.5 or lower every non-constant stream's output 0 is not values[0] (at mom 0.5 it is lerp(mean(v0, v1), v0, 0.5)), the error decaying by (1 - mom) per step, and values.grad has shares on values[1 .. k-1] it should not (and too little on values[0])."),
    ("ln_add_scaled_by_std", "check_layernorm", LNAddScaledByStd, "Multiplies the shift add by the item's std sqrt(var + eps) ('the shift is in the input's units'): a fresh layer (add 0) has right outputs, x.grad and mult.grad but add.grad wrong (sum(g * std) instead of sum(g)); any item whose var + eps is 1 is right; with add != 0 every other item's output is off by add * (std - 1), x.grad gains add * d std/dx (wrong), add.grad is sum(g * std) instead of sum(g); mult.grad right."),
    ("ln_eps_relative_to_batch_max_var", "check_layernorm", LNEpsRelativeToBatchMaxVar, "Adds eps times the batch's largest item variance instead of eps ('scale-invariant eps'): right when that max variance is 1 and nearly right (within ~eps) when eps is tiny and variances are near 1; wrong at eps 0.1 or 1e-3 (and in float64 at 1e-5) for variances far from 1 (scale 2: ~4x the eps), the items depend on each other (an item's output changes when another item of larger variance joins the batch), and x.grad has cross-item terms through the max; a batch whose items are all constant gives 0/0 = NaN."),
    ("ln_low_var_items_set_to_add", "check_layernorm", LNLowVarItemsSetToAdd, "Replaces the output of any item whose variance is below eps by add alone ('flat: the normalised values are noise'): items with var >= eps are right everywhere (random items at eps 1e-5); constant items have right outputs but x.grad 0 instead of mult / sqrt(eps) * (g - mean(g)); an item with 0 < var < eps (e.g. std 0.1 at eps 0.1, std 1e-3 at eps 1e-5) should be d / sqrt(var + eps) * mult + add (non-zero, up to ~0.3 at std 0.1, eps 0.1) but is add, its x.grad and its share of mult.grad are 0."),
    ("ln_normalised_in_chunks_of_64", "check_layernorm", LNNormalisedInChunksOf64, "For items of more than 64 values normalises each consecutive 64-value chunk of the flattened item with its own mean and var ('cheaper on memory') instead of the whole item: items of up to 64 values (2x3x4x5 = 60, 4x4x4 = 64) are right everywhere; larger items (3x5x6 = 90, 3x8x8 = 192) have wrong outputs and gradients (each chunk has mean 0 and var 1 instead of the item)."),
    ("bn_bessel_n_minus_two", "check_batchnorm", BNBesselNMinusTwo, "Bessel's correction with n/(n - 2) ('two parameters, mean and var, are estimated') instead of n/(n - 1), n = N*H*W per channel: training outputs, gradients and the running mean are right; the running var is too large after every training step (48/46 vs 48/47 for 4x3x4 images, 2/0 = inf for two values), so eval after training is wrong; a fresh layer in eval is right."),
    ("bn_running_buffers_shared_by_channel_count", "check_batchnorm", BNRunningBuffersSharedByChannelCount, "Keeps the running mean and var in a module-level cache keyed by the channel count ('a rebuilt layer keeps its statistics'): at each call the layer loads the running mean and var last written by any layer with the same channel count and dtype, and writes its own back: a single layer is right everywhere (outputs, gradients, running statistics, eval); a second layer with the same C and dtype starts from the first one's running statistics at its first call (a fresh second layer in eval uses them), and layers used in turn continue each other's statistics, so running mean/var and eval outputs are wrong whenever another layer with the same C has been called; different channel counts do not interfere."),
    ("bn_running_mean_from_midrange", "check_batchnorm", BNRunningMeanFromMidrange, "Updates the running mean towards each channel's midrange (max + min)/2 over the batch instead of its mean ('a rough centre is enough'): training outputs, gradients and the running var are right, and so are channels whose values are symmetric about the mean (two values, 1x1 batch of 2); otherwise the running mean is wrong after every training step and eval after training is wrong; a fresh layer in eval is right."),
    ("bn_batch_of_one_var_pooled_over_channels", "check_batchnorm", BNBatchOfOneVarPooledOverChannels, "For a training batch of one image replaces every channel's batch variance by the average over the channels ('one image gives too few samples'): batches of 2+ are right everywhere, and so is eval; a training batch of one (with channels of unequal spread) has wrong outputs, x.grad (and cross-channel gradient terms), mults.grad and running var; a one-channel layer is right."),
    ("in_eval_stats_of_first_image", "check_instancenorm", INEvalStatsOfFirstImage, "In eval normalises every image of the batch with the first image's per-channel mean and var ('the test images come from one source'): training is right everywhere, and eval of a batch of one or of identical images (outputs) is right; eval of 2+ different images gives wrong outputs for images 1.. and wrong gradients (image 0's statistics collect the others' gradient)."),
    ("in_eps_annealed_over_calls", "check_instancenorm", INEpsAnnealedOverCalls, "Anneals eps with the number of forward calls: call k uses eps / k ('eps only guards the first calls'): the first call of every layer is right (outputs and gradients, training or eval); from the second call on outputs and gradients are those of a smaller eps: visible at eps 0.1 or 1e-3 and for low-variance images (hardly at eps 1e-5 with unit-variance images); constant images keep right outputs but get a growing x.grad."),
    ("in_eps_divided_by_channels", "check_instancenorm", INEpsDividedByChannels, "Uses eps / C instead of eps ('eps shared out over the channels'): one-channel layers are right everywhere; with C >= 2 outputs and gradients are those of a smaller eps: visible at eps 0.1 or 1e-3 and for low-variance images (nearly invisible at eps 1e-5 with unit-variance images); a constant image is right in outputs (0) but its x.grad is too large (1/sqrt(eps/C))."),
    ("in_min_pixels_excluded_as_padding", "check_instancenorm", INMinPixelsExcludedAsPadding, "Leaves the pixels equal to the image's minimum out of its mean and variance ('zero padding from the resize') but normalises all pixels with them: constant images are right (fallback to the whole mean); every non-constant image's mean is too high and its variance too small (with one minimum pixel: the mean of the other H*W - 1 pixels), so outputs and gradients are wrong everywhere else, in float32 and float64 alike; the minimum pixels get no gradient through the statistics."),
    ("gn_eps_times_groups", "check_groupnorm", GNEpsTimesGroups, "Uses eps * groups instead of eps ('eps per group'): one group is right everywhere; with 2+ groups outputs and gradients are those of a larger eps: visible at eps 0.1 or 1e-3, for low-variance groups, and in float64 at 1e-5 (barely in float32); a constant group outputs adds either way but its x.grad is too small."),
    ("gn_channel_shuffle_not_undone", "check_groupnorm", GNChannelShuffleNotUndone, "Applies ShuffleNet's channel shuffle (view (N, G, C/G, H, W), transpose, flatten) before grouping and never undoes it: one group and G == C are right (the shuffle is the identity); with 1 < G < C the output channels are permuted (output channel c holds a normalised input channel from another position, normalised with a group of interleaved channels), outputs and gradients wrong; with all channels alike (and equal mults/adds) the permutation is invisible."),
    ("gn_centred_per_channel_scaled_per_group", "check_groupnorm", GNCentredPerChannelScaledPerGroup, "Centres each channel on its own mean and divides by the group's pooled within-channel std (the channel means' spread left out): G == C is right (one channel per group), and so are groups whose channels have equal means; otherwise outputs (each channel has mean 0 where GroupNorm gives the channel offsets) and gradients are wrong."),
    ("gn_backward_projection_without_mults", "check_groupnorm", GNBackwardProjectionWithoutMults, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward writes the projection terms with the upstream g where g * mults is meant: x.grad = r * (mults*g - mean_group(g) - xhat * mean_group(g * xhat)): right when all mults are 1 (a fresh layer); with other mults x.grad is wrong (also when groups == C)."),
]

RIGHT = [
    ("ewma_lu_solve_bidiagonal", "check_ewma", ewma_lu_solve_bidiagonal,
     "the recursion as a unit lower-bidiagonal system, factorised with torch.linalg.lu_factor and solved with torch.linalg.lu_solve."),
    ("ln_complex_packed_moments", "check_layernorm", LNComplexPackedMoments,
     "the centred values and their squares packed into one complex tensor d + i*d**2; the variance read from its mean's imaginary part with torch.view_as_real."),
    ("bn_batch_unfold_window", "check_batchnorm", BNBatchUnfoldWindow,
     "the batch axis made a trailing window with Tensor.unfold(0, N, 1); running buffers written with copy_ of torch.addcmul results."),
    ("in_conv2d_averaging_kernel", "check_instancenorm", INConv2dAveragingKernel,
     "each (item, channel) image as one single-channel image; mean and mean squared deviation by F.conv2d with one whole-image 1/(H*W) kernel."),
    ("gn_one_hot_membership", "check_groupnorm", GNOneHotMembership,
     "group membership as an F.one_hot (C, G) matrix; group sums and back to channels by matmuls with it and its transpose."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
