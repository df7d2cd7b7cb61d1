"""Thirty-seventh held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout36 (heldoutN.py).
       Every one changes a computed number, an output's accuracy, a gradient or a running statistic (none is a state_dict-key-only fault).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

def ewma_lag_compensated_shift(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    out = torch.stack(out)
    lag = round((1 - mom) / mom)                                    # "an EWMA lags (1-mom)/mom steps behind the data: read it
    idx = (torch.arange(len(values)) + lag).clamp(max=len(values) - 1)   #  that many steps later to cancel the lag"
    return out[idx]


def ewma_holt_trend(values, mom):
    level, trend, out = values[0], torch.zeros_like(values[0]), []
    for v in values:                                                # "Holt's smoothing: follow the trend too, so the average
        prev = level                                                #  does not lag behind a rising stream"
        level = torch.lerp(level + trend, v, mom)
        trend = torch.lerp(trend, level - prev, mom)
        out.append(level)
    return torch.stack(out)


def ewma_backcast_seed(values, mom):
    seed = values[-1]
    for v in values.flip(0):                                        # "backcasting (as time-series packages do): seed the average
        seed = torch.lerp(seed, v, mom)                             #  with an EWMA run backwards over the stream, not one reading"
    avg, out = seed, []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_weights_float16(values, mom):
    n = len(values)
    t = torch.arange(n)
    age = (t[:, None] - t[None, :]).clamp(min=0).half()
    decay = torch.tensor(1 - mom, dtype=torch.float16) ** age       # "the weights lie in [0, 1]: half precision is plenty and
    W = torch.tril(mom * decay)                                     #  the matrix is n*n"
    W[:, 0] = decay[:, 0]                                           # the start value's weight (1-mom)**t
    return W.to(values.dtype) @ values


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


class LNEqualizedLR(_LNBase):
    lr_mul = 0.01

    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        with torch.no_grad():
            self.mult.fill_(1 / self.lr_mul)                        # "equalized learning rate (as in StyleGAN): store the

    def forward(self, x):                                           #  parameters scaled, multiply by lr_mul at run time"
        m, v = self.stats(x)
        return (x - m) / (v + self.eps).sqrt() * (self.mult * self.lr_mul) + self.add * self.lr_mul


class LNSingleItemFastPath(_LNBase):
    def forward(self, x):
        if x.shape[0] == 1:                                         # "one item: the built-in kernel is faster"
            return F.layer_norm(x, x.shape[1:]) * self.mult + self.add
        return super().forward(x)


class LNEpsAnnealed(_LNBase):
    def forward(self, x):
        out = super().forward(x)
        if self.training:                                           # "anneal eps like a learning rate: a big eps early keeps the
            self.eps = max(self.eps * 0.5, 1e-8)                    #  first steps stable, a small one later is more exact"
        return out


class LNVarShrunkToBatch(_LNBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "shrink each item's variance halfway towards the batch's
        return m, 0.5 * v + 0.5 * v.mean(0, keepdim=True)           #  average (James-Stein): fewer noisy outliers"


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


class BNRunningVarMeanOfImageVars(_BNBase):
    def update(self, x, m, v):
        with torch.no_grad():                                       # "each image's own unbiased variance, averaged over the batch:
            self.means.lerp_(m, self.mom)                           #  the running var should estimate one image's variance"
            self.vars.lerp_(x.var((2, 3), keepdim=True).mean(0, keepdim=True), self.mom)


class BNRecalibrateOnFirstEval(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.calibrated = False

    def forward(self, x):
        if self.training:
            self.calibrated = False
            return super().forward(x)
        if not self.calibrated:                                     # "PreciseBN: the running averages lag behind the weights, so
            m, v = self.stats(x)                                    #  re-estimate them on the first evaluation batch"
            n = x.numel() / x.shape[1]
            with torch.no_grad():
                self.means.copy_(m)
                self.vars.copy_(v * n / (n - 1))
            self.calibrated = True
        return self.normalise(x, self.means, self.vars)


class BNConstantChannelPassthrough(_BNBase):
    def forward(self, x):
        out = super().forward(x)
        if self.training:                                           # "a channel with no spread carries no information: pass it
            v = x.var((0, 2, 3), keepdim=True, correction=0)        #  through (scaled) instead of dividing 0 by sqrt(eps)"
            out = torch.where(v == 0, x * self.mults + self.adds, out)
        return out


class BNEvalFoldedFloat32(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        scale = self.mults.float() / (self.vars.float() + self.eps).sqrt()   # "inference: fold the statistics into one scale
        shift = self.adds.float() - self.means.float() * scale              #  and shift, in float32 as deployed kernels do"
        return (x.float() * scale + shift).to(x.dtype)


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


class INGaussianWeightedStats(_INBase):
    def stats(self, x):
        h, w = x.shape[2:]
        sig = max(h, w) / 2                                         # "centre pixels matter more (vignetting at the borders):
        i = torch.arange(h, dtype=x.dtype) - (h - 1) / 2            #  Gaussian-weighted image statistics"
        j = torch.arange(w, dtype=x.dtype) - (w - 1) / 2
        wt = torch.exp(-(i[:, None] ** 2 + j[None, :] ** 2) / (2 * sig * sig))
        wt = wt / wt.sum()
        m = (x * wt).sum((2, 3), keepdim=True)
        return m, (((x - m) ** 2) * wt).sum((2, 3), keepdim=True)


class INStatsFrom2x2Pooled(_INBase):
    def stats(self, x):
        p = F.avg_pool2d(x, 2)                                      # "statistics of a 2x2-pooled copy: a quarter of the work,
        m = p.mean((2, 3), keepdim=True)                            #  the same mean"
        return m, ((p - m) ** 2).mean((2, 3), keepdim=True)


class INRandomHalfPixels(_INBase):
    def stats(self, x):
        h, w = x.shape[2:]
        idx = torch.randperm(h * w)[:max(1, h * w // 2)]            # "a random half of the pixels gives unbiased estimates of
        s = x.flatten(2)[..., idx]                                  #  the mean and variance at half the cost"
        return s.mean(-1)[..., None, None], s.var(-1, correction=0)[..., None, None]


class INBorderBackgroundCentre(_INBase):
    def stats(self, x):
        h, w = x.shape[2:]
        border = torch.ones(h, w, dtype=torch.bool)
        border[1:-1, 1:-1] = False                                  # "the border is background (as in microscopy): centre each
        m = x[..., border].mean(-1)[..., None, None]                #  image on its border pixels' mean, its spread about that"
        return m, ((x - m) ** 2).mean((2, 3), keepdim=True)


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


class GNSmallGroupsPooledOverBatch(_GNBase):
    def forward(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        dims = (0, 2) if xg.shape[-1] < 16 else (2,)                # "a group of fewer than 16 values gives noisy statistics:
        m = xg.mean(dims, keepdim=True)                             #  pool that group over the batch"
        v = xg.var(dims, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


class GNWidestChannelVar(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.reshape(n, self.groups, c // self.groups, h * w)
        m = xg.mean((2, 3), keepdim=True)                           # "scale by the group's widest channel, so that no channel
        v = ((xg - m) ** 2).mean(3, keepdim=True).amax(2, keepdim=True)   #  of the group comes out larger than unit spread"
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


class GNGroupCentreItemScale(_GNBase):
    def forward(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)                               # "centre each group, but one scale for the whole item so the
        v = ((xg - m) ** 2).mean((1, 2), keepdim=True)              #  groups keep their relative sizes"
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


class GNHypotOfSqrtVar(_GNBase):
    def forward(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        s = torch.hypot(v.sqrt(), torch.tensor(math.sqrt(self.eps), dtype=x.dtype))   # "sqrt(var + eps) without overflow:
        return ((xg - m) / s).reshape(x.shape) * self.mults + self.adds                #  hypot(std, sqrt(eps))", std = v.sqrt()


# ================================================================= RIGHT answers

def ewma_vander_powers(values, mom):
    """Closed form whose decay powers (1-mom)**k, k = 0..n-1, are one row of torch.vander(increasing=True); the weight
    matrix gathers them by age (mom times the power, the start column the bare power (1-mom)**t), future ages masked by torch.where."""
    n = len(values)
    p = torch.vander(torch.tensor([1 - mom], dtype=values.dtype), N=n, increasing=True)[0]
    t = torch.arange(n)
    age = t[:, None] - t[None, :]
    W = torch.where(age >= 0, mom * p[age.clamp(min=0)], torch.zeros((), dtype=values.dtype))
    W[:, 0] = p
    return W @ values


class LNHuberVariance(nn.Module):
    """Each item's mean by torch.nansum over its flattened values / K; its mean squared deviation as twice the mean of
    F.huber_loss(x, mean, delta=inf) (with an infinite delta Huber is 0.5 * d**2 everywhere)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        flat = x.flatten(1)
        k = flat.shape[1]
        m = (torch.nansum(flat, 1) / k)[:, None]
        v = 2 * F.huber_loss(flat, m.expand_as(flat), reduction='none', delta=float('inf')).mean(1, keepdim=True)
        return ((flat - m) / (v + self.eps).sqrt()).view_as(x) * self.mult + self.add


class BNAddmmMoments(nn.Module):
    """Each channel's batch sums by torch.addmm of the (C, N*H*W) rows with a column of ones, divided by K; the running buffers
    replaced by torch.add(buffer, stat - buffer, alpha=mom) copied in under no_grad."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            c = x.shape[1]
            rows = x.transpose(0, 1).reshape(c, -1)
            k = rows.shape[1]
            ones = rows.new_ones(k, 1)
            zero = rows.new_zeros(c, 1)
            m = torch.addmm(zero, rows, ones) / k
            d = rows - m
            v = torch.addmm(zero, d * d, ones) / k
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
            with torch.no_grad():
                self.means.copy_(torch.add(self.means, m - self.means, alpha=self.mom))
                self.vars.copy_(torch.add(self.vars, v * k / (k - 1) - self.vars, alpha=self.mom))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INMultiDot(nn.Module):
    """Each image's mean as the chained product (1/H row) @ image @ (1/W column) by torch.linalg.multi_dot, one image
    at a time, and its mean squared deviation the same way on the squared deviations."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        rh, cw = x.new_full((h,), 1 / h), x.new_full((w,), 1 / w)
        avg = lambda t: torch.stack([torch.linalg.multi_dot([rh, img, cw]) for img in t.reshape(-1, h, w)]).view(n, c, 1, 1)
        m = avg(x)
        d = x - m
        v = avg(d * d)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNIndexPutSums(nn.Module):
    """Each (item, group)'s sums gathered by Tensor.index_put with accumulate=True on (item, group) index pairs, divided by
    the group's count; spread back to the channels by advanced indexing with the channel -> group index."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        g, cpg = self.groups, c // self.groups
        grp = torch.arange(c) // cpg
        ii = torch.arange(n)[:, None, None].expand(n, c, h * w)
        gg = grp[None, :, None].expand(n, c, h * w)
        k = cpg * h * w
        gsum = lambda t: x.new_zeros(n, g).index_put((ii, gg), t.reshape(n, c, h * w), accumulate=True)
        m = (gsum(x) / k)[:, grp].view(n, c, 1, 1)
        d = x - m
        v = (gsum(d * d) / k)[:, grp].view(n, c, 1, 1)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_lag_compensated_shift", "check_ewma", ewma_lag_compensated_shift, "Runs the right lerp loop, then returns each average lag = round((1-mom)/mom) steps later, out[min(t + lag, n-1)] ('an EWMA lags (1-mom)/mom steps behind the data: read it that many steps later'): at mom 0.9 the lag rounds to 0 and everything is right, and 1-value streams are right; at mom 0.5, 0.3 and 0.1 (lag 1, 2 and 9) output t is the average at step t + lag (it uses later values), the last lag + 1 outputs all equal the final average, and the gradients follow the shifted outputs (constant streams: outputs right, values.grad wrong)."),
    ("ewma_holt_trend", "check_ewma", ewma_holt_trend, "Holt's linear smoothing: keeps a trend next to the level (level = lerp(level + trend, v, mom), trend = lerp(trend, level - previous level, mom), trend starting at 0) and returns the level ('follow the trend so the average does not lag'): outputs 0 and 1 are right (the trend is 0 until after step 1), so streams of 1 and 2 values are right everywhere; from output 2 on every non-constant stream is off (the level is pushed along by the trend), outputs and gradients; a constant stream's outputs are right but its values.grad is not (the trend passes gradient between values)."),
    ("ewma_backcast_seed", "check_ewma", ewma_backcast_seed, "Seeds the average by backcasting ('as time-series packages do'): an EWMA run over the reversed stream from values[-1] down to values[0], whose final value (a weighted average of the whole stream) replaces values[0] as the start, then the right forward loop: 1-value streams are right, and a constant stream's outputs are right (its values.grad is not: every value feeds the seed); on every other stream the start term (1-mom)**(t+1) multiplies that backcast instead of values[0]: outputs wrong (fading with t), and later values also get gradient through the seed."),
    ("ewma_weights_float16", "check_ewma", ewma_weights_float16, "Closed form W @ values whose weight matrix is built in float16 (the decay (1-mom)**age computed in torch.float16, times mom, the start column the bare powers (1-mom)**t) and only then cast to the values' dtype ('the weights lie in [0, 1]: half precision is plenty'): a 1-value stream is right (weight exactly 1) and the dtype is right, but every other weight carries float16 rounding (mom 0.1 becomes 0.09998, relative errors up to ~1e-3, tiny powers flushed to 0): outputs and values.grad off by ~1e-4 to 1e-3 on every float64 stream of 2+ values, and on float32 streams where that exceeds float32 tolerance."),
    ("ln_equalized_lr_params", "check_layernorm", LNEqualizedLR, "Stores mult scaled by 1/lr_mul (initialised to 100; add 0) and multiplies mult and add by lr_mul = 0.01 in forward ('equalized learning rate, as in StyleGAN'): a fresh layer's outputs and x.grad are right, but mult.grad and add.grad are 0.01 times the right ones (sum(g * xhat) / 100, sum(g) / 100), and the mult parameter holds 100, not 1; with the parameters set to other values (mult 1.7, add -0.3) the effective scale and shift are 0.017 and -0.003: outputs, x.grad and the parameter gradients wrong."),
    ("ln_single_item_fast_path", "check_layernorm", LNSingleItemFastPath, "For a batch of one item takes a 'fast path', F.layer_norm(x, x.shape[1:]) * mult + add, with F.layer_norm's default eps 1e-5 instead of the layer's eps: batches of 2+ items are right everywhere, and so is a batch of one at eps 1e-5; a batch of one at another eps (here 1e-3 and 0.1) is normalised with eps 1e-5: outputs and gradients wrong (a constant item's output is still add, but its x.grad is wrong)."),
    ("ln_eps_annealed", "check_layernorm", LNEpsAnnealed, "Halves self.eps after every training-mode call (floored at 1e-8: 'anneal eps like a learning rate: big early for stability, small later'): the first training call is right, and so is a fresh layer put straight into eval; every call after a training call (training or eval) uses eps/2, eps/4, ...: outputs and gradients off by the smaller eps (visible at eps 0.1 and 1e-3, in float64 at 1e-5 too; a constant item's x.grad, which scales with 1/sqrt(eps), at every eps)."),
    ("ln_var_shrunk_to_batch", "check_layernorm", LNVarShrunkToBatch, "Shrinks each item's variance halfway towards the batch's average item variance (0.5 * v_item + 0.5 * mean of the items' v: 'James-Stein shrinkage, fewer noisy outliers'); the means are right: a batch of one is right everywhere; with 2+ items every item whose variance differs from the batch average is scaled wrongly (outputs and gradients, which now also flow between items); a constant item's output is still add, but its x.grad uses half the batch's average variance."),
    ("bn_running_var_mean_of_image_vars", "check_batchnorm", BNRunningVarMeanOfImageVars, "Updates the running variance with the batch average of each image's own unbiased variance over (H, W) (x.var((2, 3)).mean(0): 'the running var should estimate one image's variance') instead of the unbiased variance of the channel's N*H*W batch values: training outputs, gradients and the running mean are right; with one image it equals the right update (n = H*W), so batches of 1 are right everywhere; for N >= 2 it leaves out the spread between the images' means (and corrects by H*W - 1 per image), so the running var and every eval output after training are wrong."),
    ("bn_recalibrate_on_first_eval", "check_batchnorm", BNRecalibrateOnFirstEval, "On the first eval-mode call after training (or after building) overwrites the running mean and var with that eval batch's mean and unbiased variance ('PreciseBN: re-estimate the statistics on the first evaluation batch'), mom ignored, and normalises with them (as buffers, no gradient through them); later eval calls use those copied statistics until the next training call: training is right; the first eval call's output is normalised with its own batch statistics (wrong), the running buffers become that batch's, and every later eval output uses one eval batch's statistics instead of the running averages."),
    ("bn_constant_channel_passthrough", "check_batchnorm", BNConstantChannelPassthrough, "In training, a channel whose batch variance is exactly 0 (constant over the whole batch) is output as x * mults + adds ('a channel with no spread carries no information: pass it through instead of dividing 0 by sqrt(eps)') instead of the normalised value, which is adds: every channel with any spread is right, and the running statistics and eval are right; a constant channel's training output is off by x * mults (here 1.0 * mults), its x.grad is g * mults instead of (g - mean g) * mults / sqrt(eps), and mults.grad gets sum(g * x) instead of 0."),
    ("bn_eval_folded_float32", "check_batchnorm", BNEvalFoldedFloat32, "In eval folds the running statistics and the affine step into one scale and shift computed in float32 (mults.float() / sqrt(vars.float() + eps), adds - means * scale), applies them to x.float() and casts the result back ('inference kernels run in float32'): training is right everywhere, float32 is right everywhere and the dtype is right, but float64 eval outputs are only float32-accurate (errors ~1e-7) and the eval gradients (x.grad, mults.grad, adds.grad) lose float64 accuracy."),
    ("in_gaussian_weighted_stats", "check_instancenorm", INGaussianWeightedStats, "Takes each image's mean and variance as Gaussian-weighted averages over its pixels (weights exp(-r**2 / (2 sigma**2)) about the image centre, sigma = max(H, W) / 2, normalised to sum 1: 'centre pixels matter more, borders are vignetted'), not plain averages: outputs and gradients wrong on every non-constant image (constant images right)."),
    ("in_stats_from_2x2_pooled", "check_instancenorm", INStatsFrom2x2Pooled, "Takes each image's mean and variance from a 2x2 average-pooled copy (F.avg_pool2d(x, 2): 'a quarter of the work, the same mean'): the variance is that of the 2x2 block means, missing the spread within each block (much too small), and with an odd height or width the last row or column is dropped, so the mean is off too: outputs and gradients wrong on every non-constant image."),
    ("in_random_half_pixels", "check_instancenorm", INRandomHalfPixels, "Takes each image's mean and variance from a random half of its pixels (torch.randperm(H*W)[:H*W // 2], the same pixels for every image of a call, new ones on each call: 'unbiased estimates at half the cost'): the statistics are those of a sample, so on every non-constant image the outputs are wrong and random (different from call to call), and the pixels left out get no gradient through the statistics."),
    ("in_border_background_centre", "check_instancenorm", INBorderBackgroundCentre, "Centres each image on the mean of its border pixels (first and last rows and columns: 'the border is background, as in microscopy') instead of the mean of all its pixels, and takes the mean squared deviation about that centre: images of height or width 2 or less (every pixel on the border) are right; otherwise outputs and gradients are wrong on every non-constant image (the centre is off and the variance too large)."),
    ("gn_small_groups_pooled_over_batch", "check_groupnorm", GNSmallGroupsPooledOverBatch, "When a group holds fewer than 16 values (C/groups * H * W < 16) takes that group's mean and variance over the whole batch (dims 0 and 2 of the (N, groups, K) view: 'too few values for reliable statistics: borrow them from the batch'): groups of 16 or more values are right everywhere; the small groups here ((4, 8, 3, 2) with 4 groups, K = 12; (4, 4, 3, 5) with 4 groups, K = 15) are normalised with batch statistics: outputs and gradients wrong (with a batch of one it would be right)."),
    ("gn_widest_channel_var", "check_groupnorm", GNWidestChannelVar, "Scales each group by the largest of its channels' mean squared deviations from the group mean (amax over the group's channels: 'no channel of the group may come out wider than unit spread') instead of the mean over all the group's values: one channel per group is right everywhere; with 2+ channels per group the variance is too large (the widest channel's), so outputs and gradients are wrong on every non-constant group."),
    ("gn_group_centre_item_scale", "check_groupnorm", GNGroupCentreItemScale, "Centres each group on its own mean but divides by one variance per item, the mean squared deviation from the group means pooled over all groups ('the groups keep their relative sizes'): one group is right everywhere; with 2+ groups each group is scaled by the item's pooled within-group spread instead of its own: outputs and gradients wrong (a constant group's output is still adds, but its x.grad is wrong)."),
    ("gn_hypot_of_sqrt_var", "check_groupnorm", GNHypotOfSqrtVar, "Computes sqrt(var + eps) as torch.hypot(v.sqrt(), sqrt(eps)) ('hypot: no overflow'), with v.sqrt() of the group variance: every output is right, and so are all gradients of groups with any spread; for a constant group the graph holds sqrt(0), whose derivative is infinite, times hypot's derivative 0: x.grad is NaN on every value of that group (here the 'one normalised set constant' step, and the channel-0-constant step with one channel per group); mults.grad and adds.grad stay right."),
]

RIGHT = [
    ("ewma_vander_powers", "check_ewma", ewma_vander_powers,
     "closed form whose decay powers (1-mom)**k are one row of torch.vander(increasing=True), gathered by age into the weight matrix (start column the bare power), future masked by torch.where."),
    ("ln_huber_variance", "check_layernorm", LNHuberVariance,
     "each item's mean by torch.nansum / K; its mean squared deviation as twice the mean of F.huber_loss(x, mean, delta=inf)."),
    ("bn_addmm_moments", "check_batchnorm", BNAddmmMoments,
     "each channel's batch sums by torch.addmm of the (C, N*H*W) rows with a column of ones, divided by K; running buffers replaced by torch.add(buffer, stat - buffer, alpha=mom) copied in."),
    ("in_multi_dot", "check_instancenorm", INMultiDot,
     "each image's mean (and mean squared deviation) as the chained product (1/H row) @ image @ (1/W column) by torch.linalg.multi_dot, image by image."),
    ("gn_index_put_sums", "check_groupnorm", GNIndexPutSums,
     "each (item, group)'s sums by Tensor.index_put(accumulate=True) on (item, group) index pairs; spread back to the channels by advanced indexing with the channel -> group index."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
