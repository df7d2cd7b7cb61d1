"""Eighty-fourth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout83 (heldoutN.py).
       Every one changes a computed number: an output, a gradient or a running statistic.
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
    """No entry of this set keeps module-level state (kept for the scripts' interface)."""


# ====================================================================== EWMA (wrong)

def ewma_hampel_prefilter(values, mom):
    med = values.median()                                           # "robust smoothing: a Hampel filter first: values more
    mad = (values - med).abs().median() * 1.4826                    #  than 3 scaled MADs from the stream's median are
    bad = (values - med).abs() > 3 * mad                            #  replaced by the median"
    vals = torch.where(bad, med, values)
    avg, out = vals[0], []
    for v in vals:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_mom_quantised_for_float32(values, mom):
    if values.dtype == torch.float32:                               # "mixed precision: in float32 keep the weight on an
        mom = round(mom * 256) / 256                                #  8-bit grid (multiples of 1/256) like the fused kernels"
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_heavy_ball_velocity(values, mom):
    avg, vel, out = values[0], torch.zeros_like(values[0]), []      # "an EWMA with momentum: the step mom * (v - avg) is
    for v in values:                                                #  accumulated in a velocity with friction 0.5"
        vel = 0.5 * vel + mom * (v - avg)
        avg = avg + vel
        out.append(avg)
    return torch.stack(out)


def ewma_detrended_linear_fit(values, mom):
    n = values.shape[0]                                             # "an EWMA lags a trend: remove the least-squares line,
    if n < 2:                                                       #  smooth the residual, put the line back"
        return values.clone()
    t = torch.arange(n, dtype=values.dtype)
    tc = t - t.mean()
    slope = (tc * (values - values.mean())).sum() / (tc * tc).sum()
    trend = values.mean() + slope * tc
    res = values - trend
    avg, out = res[0], []
    for r in res:
        avg = torch.lerp(avg, r, mom)
        out.append(avg)
    return torch.stack(out) + trend


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


class LNCentringSkippedWhenMeanSmall(_LNBase):
    def stats(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        ms = (x * x).mean((1, 2, 3), keepdim=True)
        small = m.detach().abs() < 1e-3 * ms.detach().sqrt()        # "an item that is already centred needs no centring:
        m = torch.where(small, torch.zeros_like(m), m)              #  use 0 as its mean (and save the subtraction)"
        v = ((x - m) ** 2).mean((1, 2, 3), keepdim=True)
        return m, v


class LNVarFlooredByBatchMean(_LNBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "no item may be blown up relative to the others: floor
        floor = 0.2 * v.detach().mean()                             #  each item's variance at a fifth of the batch's mean"
        return m, torch.maximum(v, floor)


class LNItemPrescaledByMaxAbs(_LNBase):
    def forward(self, x):
        s = x.detach().abs().amax((1, 2, 3), keepdim=True).clamp_min(1e-12)   # "for numerical safety bring each item
        xs = x / s                                                  #  to [-1, 1] by its largest magnitude first"
        m, v = self.stats(xs)
        return (xs - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNTrainingVarSmoothedAcrossCalls(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.prev_var = None

    def stats(self, x):
        m, v = super().stats(x)
        if not self.training:
            return m, v
        prev = self.prev_var                                        # "steadier training: blend each item's variance with
        self.prev_var = v.detach()                                  #  the previous batch's (10%) when the shapes match"
        if prev is not None and prev.shape == v.shape and prev.dtype == v.dtype:
            v = 0.9 * v + 0.1 * prev
        return m, v


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


class BNRunningSecondMomentTracked(_BNBase):
    def update(self, x, m, v):
        with torch.no_grad():                                       # "track the mean and the mean square with the EWMA, and
            sq = self.vars + self.means ** 2                        #  derive the variance from them: var = E[x^2] - E[x]^2"
            self.means.lerp_(m, self.mom)
            sq = sq.lerp(x.detach().pow(2).mean((0, 2, 3), keepdim=True), self.mom)
            self.vars.copy_(sq - self.means ** 2)



class BNBatchOfOneUsesRunningStats(_BNBase):
    def forward(self, x):
        if self.training and x.shape[0] == 1:                       # "one item is too few for batch statistics: update the
            m, v = self.stats(x)                                    #  running ones with it and normalise with those"
            self.update(x, m, v)
            return self.normalise(x, self.means, self.vars)
        return super().forward(x)


class BNRunningVarNeverBelowBatch(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "never underestimate the spread: the running var is at
            self.means.lerp_(m, self.mom)                           #  least the newest batch's"
            u = v * n / (n - 1)
            self.vars.copy_(torch.maximum(self.vars.lerp(u, self.mom), u))


class BNEvalMeanBiasCorrected(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.steps = 0

    def update(self, x, m, v):
        super().update(x, m, v)
        self.steps += 1

    def forward(self, x):
        if self.training or self.steps == 0 or self.mom in (0, 1):
            return super().forward(x)
        corr = 1 - (1 - self.mom) ** self.steps                     # "the running mean starts at 0: bias-correct it like
        return self.normalise(x, self.means / corr, self.vars)      #  Adam's first moment"


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


class INGreyscaleFastPath(_INBase):
    def forward(self, x):
        if x.shape[1] > 1 and bool((x == x[:, :1]).all()):          # "a greyscale image (all channels equal): normalise one
            x0 = x[:, :1].detach()                                  #  channel and broadcast it"
            m, v = self.stats(x0)
            xhat = ((x0 - m) / (v + self.eps).sqrt()).expand_as(x) + 0 * x
            return xhat * self.mults + self.adds
        return super().forward(x)


class _INBatchCentredBackward(torch.autograd.Function):
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
        gy = g * mults                                              # the centring term's mean taken over the batch too
        gx = r * (gy - gy.mean((0, 2, 3), keepdim=True) - xhat * (gy * xhat).mean((2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardCentringOverBatch(_INBase):
    def forward(self, x):
        return _INBatchCentredBackward.apply(x, self.mults, self.adds, self.eps)


class INStatsGaussianWeighted(_INBase):
    def stats(self, x):
        h, w = x.shape[2:]                                          # "the subject is in the middle: weight the pixels by a
        gy = torch.exp(-0.5 * ((torch.arange(h, dtype=x.dtype) - (h - 1) / 2) / max(h / 2, 1)) ** 2)   # centred Gaussian"
        gx = torch.exp(-0.5 * ((torch.arange(w, dtype=x.dtype) - (w - 1) / 2) / max(w / 2, 1)) ** 2)
        wt = gy[:, None] * gx[None, :]
        wt = wt / wt.sum()
        m = (x * wt).sum((2, 3), keepdim=True)
        return m, ((x - m) ** 2 * wt).sum((2, 3), keepdim=True)


class INEpsHalvedForFloat64(_INBase):
    def forward(self, x):
        eps = self.eps / 2 if x.dtype == torch.float64 else self.eps   # "double precision needs less of a safety margin"
        m, v = self.stats(x)
        return (x - m) / (v + eps).sqrt() * self.mults + self.adds


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


class GNGroupsOverlapNextChannel(_GNBase):
    def norm(self, x, groups=None):
        n, c = x.shape[:2]                                          # "overlapping groups (smoother boundaries): each group's
        cpg = c // self.groups                                      #  statistics also take in the next channel (the last
        out = []                                                    #  group the previous one)"
        for g in range(self.groups):
            lo, hi = g * cpg, (g + 1) * cpg
            s = x[:, lo:hi + 1] if hi < c else x[:, max(lo - 1, 0):hi]
            m = s.mean((1, 2, 3), keepdim=True)
            v = s.var((1, 2, 3), keepdim=True, correction=0)
            out.append((x[:, lo:hi] - m) / (v + self.eps).sqrt())
        return torch.cat(out, 1)


class GNStatsFromEvenCrop(_GNBase):
    def norm(self, x, groups=None):
        h, w = x.shape[2:]                                          # "statistics on the even-sized part (2x2 blocks), the
        xs = x[:, :, :max(h // 2 * 2, 1), :max(w // 2 * 2, 1)]      #  odd last row / column left out"
        n = x.shape[0]
        sg = xs.reshape(n, self.groups, -1)
        m, v = sg.mean(-1, keepdim=True), sg.var(-1, keepdim=True, correction=0)
        xg = x.reshape(n, self.groups, -1)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


class GNGroupsRoundedDownToPowerOfTwo(_GNBase):
    def forward(self, x):
        g = 2 ** int(math.log2(self.groups))                        # "the fused kernels want a power-of-two group count: round
        if x.shape[1] % g:                                          #  down when that still divides the channels"
            g = self.groups
        return self.norm(x, g) * self.mults + self.adds


class GNEvalGroupsHalved(_GNBase):
    def forward(self, x):
        if not self.training and self.groups % 2 == 0:              # "inference: half as many (coarser) groups, fewer
            return self.norm(x, self.groups // 2) * self.mults + self.adds   #  reductions"
        return super().forward(x)


# ================================================================= RIGHT answers

def ewma_nested_reduce_lambda(values, mom):
    """The recursion as functools.reduce over the values with a lambda that carries the list of outputs so far and
    appends mom * v + (1 - mom) * last (the first element seeds it)."""
    import functools
    outs = functools.reduce(lambda acc, v: acc + [acc[-1] * (1 - mom) + v * mom], list(values[1:]), [values[0] * 1])
    return torch.stack(outs)


class LNConv1dFullLengthKernel(nn.Module):
    """Each item flattened to a one-channel signal; its sums (of the values, then of the squared deviations) as
    F.conv1d with a ones kernel as long as the item (one output per item), divided by the length."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        rows = x.reshape(x.shape[0], 1, -1)
        k = rows.shape[-1]
        ones = torch.ones(1, 1, k, dtype=x.dtype)
        m = F.conv1d(rows, ones) / k
        d = rows - m
        v = F.conv1d(d * d, ones) / k
        return (d / (v + self.eps).sqrt()).reshape(x.shape) * self.mult + self.add


class BNMovedimMatmulOnesColumn(nn.Module):
    """Channels moved to the front with torch.movedim and flattened; the sums as a matmul with a ones column; the running
    buffers updated with torch.add(..., alpha=mom) of their difference (buffers written with copy_)."""
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
            cols = torch.movedim(x, 1, 0).reshape(c, -1)
            k = cols.shape[1]
            ones = torch.ones(k, 1, dtype=x.dtype)
            m = (cols @ ones) / k
            d = cols - m
            v = ((d * d) @ ones) / k
            with torch.no_grad():
                mv, vv = m.view(1, c, 1, 1), v.view(1, c, 1, 1) * k / (k - 1)
                self.means.copy_(torch.add(self.means, mv - self.means, alpha=self.mom))
                self.vars.copy_(torch.add(self.vars, vv - self.vars, alpha=self.mom))
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) * torch.rsqrt(v + self.eps) * self.mults + self.adds


class INTensordotOnesPlane(nn.Module):
    """The plane sums as torch.tensordot with a ones plane over dims (2, 3); mean and mean squared deviation from them."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        h, w = x.shape[2:]
        ones = torch.ones(h, w, dtype=x.dtype)
        m = torch.tensordot(x, ones, dims=([2, 3], [0, 1]))[..., None, None] / (h * w)
        d = x - m
        v = torch.tensordot(d * d, ones, dims=([2, 3], [0, 1]))[..., None, None] / (h * w)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNSplitLayerNormSlices(nn.Module):
    """The channels cut into the groups' slices with torch.split; each slice normalised by F.layer_norm over its
    (C/G, H, W) dims; the slices joined with torch.cat."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        parts = torch.split(x, x.shape[1] // self.groups, dim=1)
        y = torch.cat([F.layer_norm(p, p.shape[1:], eps=self.eps) for p in parts], 1)
        return y * self.mults + self.adds


WRONG = [
    ("ewma_hampel_prefilter", "check_ewma", ewma_hampel_prefilter, "Runs a Hampel filter over the whole stream before the EWMA: every value more than 3 scaled MADs (1.4826 * median|v - median|) from the stream's median is replaced by the median ('robust smoothing'): streams without such outliers (smooth Gaussian-like streams of a few values, constant streams, a 1-value stream) are right; a stream with an outlier (e.g. [0, 0.1, -0.1, 0.05, 10], or a spike of 25 in small noise) has wrong outputs from the outlier on (the spike replaced by the median) and a wrong values.grad (the outlier gets no gradient, the median value gets extra). Also a stream with more than half equal values (MAD 0) replaces every other value, e.g. [1, 1, 1, 2, 3]."),
    ("ewma_mom_quantised_for_float32", "check_ewma", ewma_mom_quantised_for_float32, "For float32 streams rounds mom to a multiple of 1/256 ('an 8-bit weight like the fused kernels'): float64 streams are right for every mom; float32 streams are right for mom 0, 0.5, 1 (multiples of 1/256) and wrong for moms like 0.1 (used as 26/256 = 0.1016), 0.3, 0.9 (230/256 = 0.8984): outputs from output 1 on off by about 1e-3 relative and values.grad wrong, far over float32 tolerance."),
    ("ewma_heavy_ball_velocity", "check_ewma", ewma_heavy_ball_velocity, "Puts the step mom * (v - avg) into a velocity with friction 0.5 (vel = 0.5 * vel + mom * (v - avg); avg += vel) instead of adding it directly: output 0 (avg = values[0]), output 1 (vel starts at 0) and 1- and 2-value streams are right, and mom 0 is right everywhere (it never moves); a constant stream has right outputs but a wrong values.grad for 3+ values (the velocity's memory carries gradient to earlier values); from output 2 on every non-constant stream's outputs overshoot (the old step is re-added half) and values.grad is wrong."),
    ("ewma_detrended_linear_fit", "check_ewma", ewma_detrended_linear_fit, "Removes the stream's least-squares straight line, smooths the residual with the right EWMA and adds the line back ('an EWMA lags a trend'): 1-value streams and any stream at mom 1 are right; constant streams have right outputs but a wrong values.grad (gradient flows through the fitted line's mean and slope); on every other stream output 0 is right (residual[0] + trend[0] = values[0]) but from output 1 on outputs and values.grad are wrong (also at mom 0, where it returns values[0] - trend[0] + trend) (a linear stream comes out as the line itself, with no lag; the gradient flows through the fitted slope and mean into every value)."),
    ("ln_centring_skipped_when_mean_small", "check_layernorm", LNCentringSkippedWhenMeanSmall, "For an item whose mean is below 1e-3 of its root mean square ('already centred: skip the subtraction') uses 0 as its mean: items with a clear mean are right everywhere; an item that was centred beforehand (mean ~1e-17, or a previous layer's normalised output) has right outputs (to ~1e-6 relative or better) but a wrong x.grad: the centring term -mean(g) of the gradient is missing (its x.grad no longer sums to 0 over the item); mult.grad and add.grad right."),
    ("ln_var_floored_by_batch_mean", "check_layernorm", LNVarFlooredByBatchMean, "Floors each item's variance at a fifth of the batch's mean item variance (detached) ('no item blown up relative to the others'): batches of one (the floor is a fifth of the item's own variance) and batches of items of similar spread are right; an item whose variance is below a fifth of the batch mean (a quiet item beside loud ones, e.g. scale 0.05 beside scale 2, or a plain item beside one with a large outlier) is divided by the floored std: its outputs too small and its gradients wrong; the other items right."),
    ("ln_item_prescaled_by_max_abs", "check_layernorm", LNItemPrescaledByMaxAbs, "Divides each item by its largest magnitude (detached) before taking the statistics and normalising ('for numerical safety'), so eps acts as eps * max|x|**2: an item whose largest magnitude is 1 is right; elsewhere outputs are (x - m) / sqrt(v + eps * s**2): wrong by a factor visible with eps 0.1 or 1e-3 and, at eps 1e-5, with float64 tolerance for items of large magnitude (s ~ 3: 9e-5 on v ~ 1); x.grad, mult.grad and add.grad are those of the wrong eps too. Only eps matters: with eps 0 (or eps far below the variance at float32 tolerance) it agrees."),
    ("ln_training_var_smoothed_across_calls", "check_layernorm", LNTrainingVarSmoothedAcrossCalls, "In training blends each item's variance with the previous training call's (0.9 * v + 0.1 * previous, detached) when the shapes match ('steadier training'): the first training call of a layer is right, eval (also a fresh layer) is right, and a call whose shape differs from the previous call's is right; from the second training call with the same shape on, outputs and gradients are wrong (state kept across calls) unless the two batches happen to have equal per-item variances."),
    ("bn_running_second_moment_tracked", "check_batchnorm", BNRunningSecondMomentTracked, "Keeps the running var as (EWMA of the batch mean square) - (running mean)**2, i.e. lerps E[x^2] and derives the variance from it ('track the moments'): training outputs, gradients and the running mean are right; the running var is wrong after every step with mom strictly between 0 and 1 (it adds the spread of the running mean's history, mom * (1 - mom) * (m - running mean)**2, and has no Bessel correction), so eval after training is wrong; mom 0 and a fresh layer in eval are right (mom 1 gives the biased batch variance, also wrong)."),
    ("bn_batch_of_one_uses_running_stats", "check_batchnorm", BNBatchOfOneUsesRunningStats, "In training with a batch of one item it updates the running statistics with that item (rightly) but then normalises with the running statistics instead of the batch's ('one item is too few'): batches of 2+ items, the running statistics and eval are right everywhere; a training batch of one has wrong outputs and a wrong x.grad (no gradient through the statistics) and wrong mults.grad."),
    ("bn_running_var_never_below_batch", "check_batchnorm", BNRunningVarNeverBelowBatch, "After the lerp takes the elementwise maximum of the new running var and the batch's unbiased variance ('never underestimate the spread'): training outputs, gradients and the running mean are right, and so is every step where the batch variance is at most the lerped running var; a channel whose batch variance exceeds it (e.g. the first steps from vars = 1 on data of spread 2, or any mom < 1 step on a louder batch) gets the batch variance itself: running var too big, eval after training wrong; mom 1 and a fresh layer in eval are right."),
    ("bn_eval_mean_bias_corrected", "check_batchnorm", BNEvalMeanBiasCorrected, "In eval divides the running mean by 1 - (1 - mom)**k after k training steps ('bias-correct the zero-initialised mean like Adam'): training, the stored buffers and a fresh layer in eval are right, and so are mom 0 and 1; eval after a few training steps shifts every channel's centre (by a factor 1/(1 - 0.9**k) at mom 0.1: 10x after one step, 1.9x after 3): eval outputs wrong; the correction fades after many steps."),
    ("in_greyscale_fast_path", "check_instancenorm", INGreyscaleFastPath, "When every channel of the batch equals the first ('a greyscale image') normalises only the first channel (detached) and broadcasts it: outputs are right everywhere (the channels are equal), mults.grad and adds.grad right; but for such inputs x.grad is zero (the statistics and the values are taken from a detached copy; only 0 * x carries gradient); ordinary inputs with unequal channels are right everywhere."),
    ("in_backward_centring_over_batch", "check_instancenorm", INBackwardCentringOverBatch, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward subtracts the mean of mults * g over the batch and the image ((0, 2, 3)) instead of over each image ((2, 3)): a batch of one is right, and so is any batch where every item's upstream-gradient mean per channel is equal; with 2+ items and random upstream gradients x.grad is wrong."),
    ("in_stats_gaussian_weighted", "check_instancenorm", INStatsGaussianWeighted, "Takes each image's mean and variance weighted by a centred Gaussian window (sigma half the height and width, 'the subject is in the middle') instead of uniformly: a constant image is right (outputs = adds); every other image's statistics are wrong (unless the weighting happens to match), so outputs and gradients are wrong; the shape and dtype are right."),
    ("in_eps_halved_for_float64", "check_instancenorm", INEpsHalvedForFloat64, "Uses eps / 2 for float64 inputs ('double precision needs less safety margin'): float32 inputs are right; float64 inputs are wrong by the eps change: clearly with eps 0.1 or 1e-3, and at float64 tolerance also with eps 1e-5 on images of unit spread (relative error ~ eps / (4 var)); a constant image is right (output = adds)."),
    ("gn_groups_overlap_next_channel", "check_groupnorm", GNGroupsOverlapNextChannel, "Each group's statistics also include the next group's first channel (the last group the previous group's last channel) ('overlapping groups, smoother boundaries'): groups = 1 is right; with 2+ groups each group's mean and variance take in a neighbouring channel: outputs and gradients wrong unless the channels have equal statistics."),
    ("gn_stats_from_even_crop", "check_groupnorm", GNStatsFromEvenCrop, "Takes the groups' statistics from the even-sized top-left crop (the last row and/or column left out when the height or width is odd, 'on 2x2 blocks') and normalises the whole image with them: even heights and widths are right everywhere (also 1-pixel sizes, kept); an odd height or width (3x4, 5x5, 1x5...) gives wrong statistics: outputs and gradients wrong (the left-out row/column gets only the direct gradient)."),
    ("gn_groups_rounded_down_to_power_of_two", "check_groupnorm", GNGroupsRoundedDownToPowerOfTwo, "Rounds the number of groups down to a power of two when that still divides the channels ('the fused kernels want power-of-two groups'): 1, 2, 4, 8 ... groups are right, and so are counts whose power-of-two floor does not divide C (6 groups of 6 channels, 5 of 10); 3 groups of 6 or 12 channels are normalised in 2 groups, 6 of 12 in 4: outputs and gradients wrong there, in training and eval."),
    ("gn_eval_groups_halved", "check_groupnorm", GNEvalGroupsHalved, "In eval uses half as many groups when the number of groups is even ('coarser groups at inference'): training is right everywhere; eval is right with an odd number of groups (1, 3, 5); eval with 2, 4, 6 ... groups normalises over twice as large groups: outputs and gradients wrong (unless the merged groups have equal statistics)."),
]

RIGHT = [
    ("ewma_nested_reduce_lambda", "check_ewma", ewma_nested_reduce_lambda,
     "functools.reduce with a lambda carrying the list of outputs, appending last * (1 - mom) + v * mom."),
    ("ln_conv1d_full_length_kernel", "check_layernorm", LNConv1dFullLengthKernel,
     "each item a one-channel signal; its sums as F.conv1d with a ones kernel as long as the item."),
    ("bn_movedim_matmul_ones_column", "check_batchnorm", BNMovedimMatmulOnesColumn,
     "torch.movedim channels first, sums as a matmul with a ones column, buffers updated with torch.add(alpha=mom) and copy_."),
    ("in_tensordot_ones_plane", "check_instancenorm", INTensordotOnesPlane,
     "the plane sums as torch.tensordot with a ones plane over dims (2, 3)."),
    ("gn_split_layer_norm_slices", "check_groupnorm", GNSplitLayerNormSlices,
     "torch.split into the groups' channel slices, F.layer_norm over each slice's (C/G, H, W), torch.cat."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
