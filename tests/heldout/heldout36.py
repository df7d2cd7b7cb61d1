"""Thirty-sixth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout35 (heldoutN.py).
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

def ewma_standardised_stream(values, mom):
    mu, sd = values.mean(), values.std()                            # "standardise the stream first (numerical stability),
    z = (values - mu) / sd                                          #  average, then undo the scaling"
    avg, out = z[0], []
    for v in z:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out) * sd + mu


def ewma_median_seed(values, mom):
    avg, out = values[:3].median(), []                              # "a robust seed: the median of the first three readings, so
    for v in values:                                                #  one noisy first value cannot set the start"
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_start_weight_mom_power(values, mom):
    n = len(values)
    t = torch.arange(n, dtype=values.dtype)
    age = t[:, None] - t[None, :]
    W = torch.where(age >= 0, mom * (1 - mom) ** age.clamp(min=0), torch.zeros((), dtype=values.dtype))
    start = mom ** (t + 1)                                          # "the start value's weight is mom**(t+1)"
    return W @ values + start * values[0]                           # (it is (1-mom)**(t+1): the two agree only at mom 0.5)


def ewma_new_value_detached(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v.detach(), mom)                      # "the incoming value is data, not a weight: only the
        out.append(avg)                                             #  running average should carry gradient"
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def norm(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt()

    def forward(self, x):
        return self.norm(x) * self.mult + self.add


class LNStdFromQuantiles(_LNBase):
    def norm(self, x):
        flat = x.flatten(1)
        m = flat.mean(1, keepdim=True)
        q = torch.quantile(flat, torch.tensor([0.15865525393145707, 0.8413447460685429], dtype=x.dtype), dim=1)
        s = ((q[1] - q[0]) / 2)[:, None]                            # "robust std: half the 16%-84% spread (one sigma each
        return ((flat - m) / (s * s + self.eps).sqrt()).view_as(x)  #  side of the mean for Gaussian data)"


class LNAffineInFloat32(_LNBase):
    def forward(self, x):
        xn = self.norm(x)                                           # "parameters live in float32 (as on a GPU): do the affine
        return (xn.float() * self.mult.float() + self.add.float()).to(x.dtype)   #  step in float32 and cast back"


class LNDitherNoise(_LNBase):
    def norm(self, x):
        x = x + 1e-6 * torch.randn_like(x)                          # "a tiny dither so that no item ever has exactly zero
        return super().norm(x)                                      #  variance (no 0/0)"


class LNEmaAffineForEval(_LNBase):
    def __init__(self, dummy, eps=1e-5, decay=0.999):
        super().__init__(dummy, eps)
        self.decay = decay
        self.register_buffer('mult_ema', torch.tensor(1.))
        self.register_buffer('add_ema', torch.tensor(0.))

    def forward(self, x):
        xn = self.norm(x)
        if self.training:
            with torch.no_grad():
                self.mult_ema.lerp_(self.mult, 1 - self.decay)
                self.add_ema.lerp_(self.add, 1 - self.decay)
            return xn * self.mult + self.add
        return xn * self.mult_ema + self.add_ema                    # "evaluate with an EMA of the weights (Polyak averaging,
                                                                    #  as diffusion models do)"


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


class BNSyncTwoShards(_BNBase):
    def stats(self, x):
        shards = x.chunk(2, 0)                                      # "simulate SyncBN over 2 devices: each shard's statistics,
        m = torch.stack([s.mean((0, 2, 3), keepdim=True) for s in shards]).mean(0)            #  averaged"
        v = torch.stack([s.var((0, 2, 3), keepdim=True, correction=0) for s in shards]).mean(0)
        return m, v


class BNMomScaledByBatch(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        mom = min(1.0, self.mom * x.shape[0] / 8)                   # "mom is tuned for batches of 8: a smaller batch should
        with torch.no_grad():                                       #  move the running averages proportionally less"
            self.means.lerp_(m, mom)
            self.vars.lerp_(v * n / (n - 1), mom)


class BNRunningFallbackUnder32(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        if x.numel() / x.shape[1] < 32:                             # "under 32 values per channel the batch statistics are
            out = self.normalise(x, self.means.clone(), self.vars.clone())   #  unreliable: normalise with the running ones"
            self.update(x, m, v)
            return out
        self.update(x, m, v)
        return self.normalise(x, m, v)


class BNRangeRuleRunningVar(_BNBase):
    def update(self, x, m, v):
        with torch.no_grad():
            rng = x.amax((0, 2, 3), keepdim=True) - x.amin((0, 2, 3), keepdim=True)
            self.means.lerp_(m, self.mom)
            self.vars.lerp_((rng / 4) ** 2, self.mom)               # "range rule of thumb (sd ~ range / 4): the running
                                                                    #  variance needs no second pass"


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt()

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class INAdjacentDifferenceVariance(_INBase):
    def norm(self, x):
        m = x.mean((2, 3), keepdim=True)
        dx = x[..., 1:] - x[..., :-1]                               # "variance from neighbouring differences: E[(a-b)^2] =
        v = (dx * dx).mean((2, 3), keepdim=True) / 2                #  2 var, and slow illumination gradients cancel out"
        return (x - m) / (v + self.eps).sqrt()


class INNhwcAutodetect(_INBase):
    def forward(self, x):
        nf = self.mults.shape[0]
        if x.shape[-1] == nf:                                       # "accept channels-last images too: if the last dim is
            return super().forward(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)   #  nf, it is the channel dim"
        return super().forward(x)


class INAddsInInputUnits(_INBase):
    def forward(self, x):
        s = (x.var((2, 3), keepdim=True, correction=0) + self.eps).sqrt()
        return self.norm(x) * self.mults + self.adds * s            # "adds is a shift in the input's units: scale it by the
                                                                    #  image's std, as the input was"


class INStatsFromHistogram(_INBase):
    def norm(self, x, bins=256):
        n, c = x.shape[:2]
        ms, vs = [], []
        for img in x.detach().reshape(n * c, -1):                   # "image statistics from a 256-bin histogram: one pass,
            lo, hi = img.min().item(), img.max().item()             #  as image libraries do"
            if hi == lo:
                ms.append(lo); vs.append(0.0); continue
            h = torch.histc(img, bins, lo, hi)
            centres = lo + (torch.arange(bins, dtype=img.dtype) + 0.5) * (hi - lo) / bins
            p = h / h.sum()
            mu = (p * centres).sum()
            ms.append(mu.item()); vs.append((p * (centres - mu) ** 2).sum().item())
        m = torch.tensor(ms, dtype=x.dtype).view(n, c, 1, 1)
        v = torch.tensor(vs, dtype=x.dtype).view(n, c, 1, 1)
        return (x - m) / (v + self.eps).sqrt()


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x, groups=None):
        g = groups or self.groups
        xg = x.reshape(x.shape[0], g, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class GNBlendedWithPrevious(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        self.prev = None

    def forward(self, x):
        n = x.shape[0]
        xg = x.reshape(n, self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        cur = (m.detach(), v.detach())
        if self.prev is not None and self.prev[0].shape == m.shape:     # "smooth the group statistics over calls (10% of the
            m = 0.9 * m + 0.1 * self.prev[0]                            #  last call's), like a running average: less noisy"
            v = 0.9 * v + 0.1 * self.prev[1]
        self.prev = cur
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


class GNPooledAnovaDof(_GNBase):
    def forward(self, x):
        n, c = x.shape[:2]
        cpg = c // self.groups
        xg = x.reshape(n, self.groups, -1)
        k = xg.shape[-1]
        m = xg.mean(-1, keepdim=True)
        v = ((xg - m) ** 2).sum(-1, keepdim=True) / (k - cpg)       # "pooled variance as in ANOVA: each channel of the group
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds   #  costs a degree of freedom"


class GNCentreMedianChannelMean(_GNBase):
    def forward(self, x):
        n, c = x.shape[:2]
        cpg = c // self.groups
        mc = x.mean((2, 3)).view(n, self.groups, cpg)
        mg = mc.median(-1).values                                   # "centre each group robustly: the median of its channels'
        m = mg.repeat_interleave(cpg, 1).view(n, c, 1, 1)           #  means, so one odd channel cannot drag it"
        d = x - m
        v = (d * d).mean((2, 3)).view(n, self.groups, cpg).mean(-1).repeat_interleave(cpg, 1).view(n, c, 1, 1)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNDeadChannelsExcluded(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        cpg = c // self.groups
        alive = (x.var((2, 3), correction=0) > 0).to(x.dtype).view(n, self.groups, cpg, 1)
        alive = torch.where(alive.sum(2, keepdim=True) == 0, torch.ones_like(alive), alive)   # "dead (constant) channels, e.g.
        xg = x.reshape(n, self.groups, cpg, h * w)                                            #  killed by a ReLU, would bias the
        cnt = alive.sum(2, keepdim=True) * (h * w)                                            #  group's statistics: leave them out"
        m = (xg * alive).sum((2, 3), keepdim=True) / cnt
        v = ((xg - m) ** 2 * alive).sum((2, 3), keepdim=True) / cnt
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


# ================================================================= RIGHT answers

def ewma_diag_embed_solve(values, mom):
    """The whole stream as one linear system: (I - (1-mom) S) y = b, with the subdiagonal S built by torch.diag_embed(offset=-1)
    and b = (values[0], mom*values[1:]), solved by torch.linalg.solve (the first output is values[0] itself)."""
    n = len(values)
    A = torch.eye(n, dtype=values.dtype) - torch.diag_embed(torch.full((n - 1,), 1 - mom, dtype=values.dtype), offset=-1)
    b = torch.cat([values[:1], mom * values[1:]])
    return torch.linalg.solve(A, b)


class LNFftnParseval(nn.Module):
    """Each item's mean from the DC term of torch.fft.fftn over (C, H, W) and its mean squared deviation by Parseval's theorem
    (sum of |fftn(x - mean)|^2 / K^2), in float64, the moments cast back to the input's dtype."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        k = x[0].numel()
        X = torch.fft.fftn(x.double(), dim=(1, 2, 3))
        m = (X[:, :1, :1, :1].real / k).to(x.dtype)
        d = x - m
        D = torch.fft.fftn(d.double(), dim=(1, 2, 3))
        v = ((D.real ** 2 + D.imag ** 2).sum((1, 2, 3), keepdim=True) / k ** 2).to(x.dtype)
        return d / (v + self.eps).sqrt() * self.mult + self.add


class BNHstackImages(nn.Module):
    """Each channel's batch values laid side by side with torch.hstack of the images' (C, H*W) views into one (C, N*H*W)
    matrix; moments along its rows; the running buffers replaced by torch.lerp results copied in under no_grad."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            rows = torch.hstack(x.flatten(2).unbind(0))             # (C, N*H*W)
            v, m = torch.var_mean(rows, 1, correction=0)
            k = rows.shape[1]
            with torch.no_grad():
                self.means.copy_(torch.lerp(self.means, m.view_as(self.means), self.mom))
                self.vars.copy_(torch.lerp(self.vars, (v * k / (k - 1)).view_as(self.vars), self.mom))
            m, v = m.view(1, -1, 1, 1), v.view(1, -1, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INRollAverage(nn.Module):
    """Each image's mean as the average of all its H*W cyclic shifts (torch.roll over both spatial dims: every pixel visits
    every position), and its mean squared deviation the same way."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        h, w = x.shape[2:]
        def avg(t):
            acc = torch.zeros_like(t)
            for i in range(h):
                for j in range(w):
                    acc = acc + torch.roll(t, (i, j), (2, 3))
            return acc / (h * w)
        m = avg(x)
        d = x - m
        v = avg(d * d)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNIm2colUnfold(nn.Module):
    """Each group as one im2col column: nn.Unfold with a (C/groups, H*W) kernel and stride (C/groups, 1) over the (C, H*W)
    'image' of each item gives an (N, C/groups*H*W, groups) matrix; moments down its columns, spread back with repeat_interleave."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        cpg = c // self.groups
        cols = nn.Unfold((cpg, h * w), stride=(cpg, 1))(x.reshape(n, 1, c, h * w))   # (N, cpg*H*W, groups)
        v, m = torch.var_mean(cols, 1, correction=0)
        spread = lambda t: t.repeat_interleave(cpg, 1).view(n, c, 1, 1)
        return (x - spread(m)) / (spread(v) + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_standardised_stream", "check_ewma", ewma_standardised_stream, "Standardises the stream first (values.mean(), values.std() with its default correction=1), runs the lerp loop on the z-scores and undoes the scaling ('for numerical stability'): since the EWMA's weights sum to 1 this gives the right outputs and gradients on ordinary streams, but a 1-value stream (std of one value is NaN) and a constant stream (std 0: 0/0) give NaN outputs (and NaN gradients)."),
    ("ewma_median_seed", "check_ewma", ewma_median_seed, "Seeds the average with the median of the first three values (torch.median: for two values the lower one) instead of values[0] ('a robust start: one noisy first reading cannot set it'): 1-value streams are right, and so are streams whose first value happens to be that median; otherwise (here every stream of 2, 5 and 200 values, also those starting at 0) the start term (1-mom)**(t+1) weights the wrong value: outputs wrong (fading with t) and the gradient goes to that value instead of values[0]."),
    ("ewma_start_weight_mom_power", "check_ewma", ewma_start_weight_mom_power, "Closed form whose start term is mom**(t+1)*values[0] instead of (1-mom)**(t+1)*values[0] ('the start value's weight is mom to the power t+1'): the value weights mom*(1-mom)**age are right, so at mom 0.5 (where the two agree) everything is right; at every other mom the outputs (a 1-value stream already: (mom + mom) * v0 instead of v0) and values[0]'s gradient are wrong; with a stream starting at 0 the outputs happen to be right but values[0].grad is still wrong."),
    ("ewma_new_value_detached", "check_ewma", ewma_new_value_detached, "torch.lerp(avg, v.detach(), mom) ('the incoming value is data: only the running average should carry gradient'): every output is right, but values[1:] get no gradient (0) and values[0] only the part that flows through the seed average ((1-mom)**(t+1) per output instead of also mom*(1-mom)**t), so values.grad is wrong on every stream, 1-value streams included (1 - mom instead of 1)."),
    ("ln_std_from_quantiles", "check_layernorm", LNStdFromQuantiles, "Centres each item on its mean but scales by a 'robust std', half the distance between its 15.87% and 84.13% quantiles (torch.quantile: one sigma each side for Gaussian data) instead of the root mean squared deviation: outputs and gradients wrong on every non-constant item (right only for a constant item, where both are 0)."),
    ("ln_affine_in_float32", "check_layernorm", LNAffineInFloat32, "Does the affine step in float32 and casts back, (xn.float() * mult.float() + add.float()).to(x.dtype) ('parameters live in float32'): float32 inputs are right everywhere, and the output dtype is the input's, but float64 outputs are only float32-accurate (errors ~1e-7 relative) and the gradients (x.grad through the cast, mult.grad summed in float32) lose float64 accuracy."),
    ("ln_dither_noise", "check_layernorm", LNDitherNoise, "Adds 1e-6 * torch.randn_like(x) to the input before taking the statistics and normalising ('a tiny dither so no item has exactly zero variance'): every float64 output is off by about 1e-6/std (random, different on each call); in float32 ordinary items are within tolerance, but a constant item's output becomes noise/sqrt(1e-12 + eps) (about 3e-4 at eps 1e-5) instead of 0; gradients are right up to the shifted statistics."),
    ("ln_ema_affine_for_eval", "check_layernorm", LNEmaAffineForEval, "Keeps an EMA of mult and add (decay 0.999) in two extra buffers, updated in each training forward, and in eval uses those averaged weights instead of the parameters ('Polyak averaging, as diffusion models do'): training is right everywhere; in eval mult and add get no gradient at all (None instead of sum(g * xhat) and sum(g)), even on a fresh layer, and with parameters other than the initial 1 and 0 the eval outputs and x.grad use weights still near 1 and 0: wrong."),
    ("bn_sync_two_shards", "check_batchnorm", BNSyncTwoShards, "Takes the batch statistics as the average of the two halves' (x.chunk(2, 0)) means and biased variances ('simulate SyncBN on two devices') and normalises and updates the running statistics with them: batches of 1 (one shard) are right everywhere; for N >= 2 the variance misses the spread between the two halves' means (too small), and for odd N (3: shards of 2 and 1) the mean is also mis-weighted: training outputs, gradients, running var (and for odd N running mean) wrong; eval right given the buffers."),
    ("bn_mom_scaled_by_batch_size", "check_batchnorm", BNMomScaledByBatch, "Blends the running statistics with mom * N / 8 (capped at 1) instead of mom ('mom is tuned for batches of 8: a smaller batch should move the averages less'): training outputs and gradients are right, batches of exactly 8 would be right, but for the batch sizes used (1-4) the running mean and var move too little, so they and every eval output after training are wrong."),
    ("bn_running_fallback_under_32", "check_batchnorm", BNRunningFallbackUnder32, "In training, when a channel has fewer than 32 values in the batch (N*H*W < 32), normalises with the running statistics (then updates them from the batch, right) instead of the batch's ('too few values for reliable batch statistics'): batches with 32+ values per channel are right everywhere; small ones (here 1x3x3, 1x2x6, 4x3x2 = 9, 12, 24 values) get wrong training outputs and gradients (no gradient through the statistics); the running statistics and eval are right."),
    ("bn_range_rule_running_var", "check_batchnorm", BNRangeRuleRunningVar, "Updates the running variance with ((max - min) / 4)**2 of each channel's batch values ('range rule of thumb, no second pass') instead of the unbiased batch variance; normalising in training uses the right batch statistics and the running mean is right: training outputs and gradients are right, but the running var and so every eval output after training are wrong."),
    ("in_adjacent_difference_variance", "check_instancenorm", INAdjacentDifferenceVariance, "Takes each image's variance as half the mean squared difference of horizontally adjacent pixels ('E[(a-b)^2] = 2 var, and slow illumination gradients cancel') and centres on the true mean: for correlated or non-random images, and in general for any finite image, this is not the image's variance: outputs and gradients wrong on every non-constant image (constant images right)."),
    ("in_nhwc_autodetect", "check_instancenorm", INNhwcAutodetect, "Treats any input whose last dimension equals nf as channels-last ('accept NHWC images too') and permutes it to NCHW and back: inputs with W != nf are right everywhere; an NCHW input whose width happens to equal nf (here the eval call on a (2, 8, 3, 8) input of a layer with nf 8) is normalised over the wrong axes (statistics over (C, H) per column, mults applied along W): outputs and gradients wrong."),
    ("in_adds_in_input_units", "check_instancenorm", INAddsInInputUnits, "Adds adds * std (each image's sqrt(var + eps)) instead of adds ('adds is a shift in the input's units: scale it by the image's std'): with adds 0 (a fresh layer) the outputs and x.grad are right but adds.grad is sum(g * std) instead of sum(g); with non-zero adds the outputs, x.grad and adds.grad are wrong."),
    ("in_stats_from_histogram", "check_instancenorm", INStatsFromHistogram, "Takes each image's mean and variance from a 256-bin torch.histc histogram between its min and max (bin centres weighted by counts: 'one pass, as image libraries do'), on the detached input: the statistics are quantised (errors up to (max-min)/512 in the mean, and the bin-width variance error), so outputs are wrong (visibly in float64, at float32 tolerance too on most images), and no gradient flows through the statistics, so x.grad is wrong on every non-constant image."),
    ("gn_blended_with_previous", "check_groupnorm", GNBlendedWithPrevious, "Blends each call's group statistics with the previous call's (0.9 * current + 0.1 * previous, whenever the shapes match: 'like a running average, less noisy'): the first call after building is right; every later call on an input of the same shape (training or eval) is normalised with a mean and variance 10% of which come from another batch: outputs and gradients wrong; the first call at a new size is right."),
    ("gn_pooled_anova_dof", "check_groupnorm", GNPooledAnovaDof, "Divides the group's sum of squared deviations from the group mean by K - C/groups (K values in the group: 'ANOVA's pooled variance, each channel costs a degree of freedom') instead of K: the variance is too large (unbiased, K - 1, for one channel per group), so outputs and gradients are wrong on every non-constant group (eps 0.1 and 1e-5 alike)."),
    ("gn_centre_median_channel_mean", "check_groupnorm", GNCentreMedianChannelMean, "Centres each group on the median of its channels' means (torch.median, which for an even count returns the lower middle value: 'robust, one odd channel cannot drag the centre') instead of the mean of all its values, and takes the variance about that centre: one channel per group is right everywhere; with 2+ channels per group whose means differ the centre is off (the lower of two means for 2 channels), so the variance is too large and outputs and gradients are wrong."),
    ("gn_dead_channels_excluded", "check_groupnorm", GNDeadChannelsExcluded, "Leaves constant channels ('dead', e.g. killed by a ReLU) out of their group's mean and variance when the group has other channels: ordinary inputs (no constant channel), one channel per group, and whole-constant groups are right; a constant channel in a group of 2+ channels (here channel 0 set to 1.0) makes the group's statistics those of the other channels only: outputs and gradients of that group wrong."),
]

RIGHT = [
    ("ewma_diag_embed_solve", "check_ewma", ewma_diag_embed_solve,
     "the whole stream as one linear system (I - (1-mom) S) y = (values[0], mom*values[1:]), the subdiagonal S built by torch.diag_embed(offset=-1), solved by torch.linalg.solve."),
    ("ln_fftn_parseval", "check_layernorm", LNFftnParseval,
     "each item's mean from the DC term of torch.fft.fftn over (C, H, W), its mean squared deviation by Parseval (sum |fftn(x - mean)|^2 / K^2), in float64, cast back."),
    ("bn_hstack_images", "check_batchnorm", BNHstackImages,
     "the images' (C, H*W) views laid side by side by torch.hstack into a (C, N*H*W) matrix, moments along its rows; running buffers replaced by torch.lerp results copied in."),
    ("in_roll_average", "check_instancenorm", INRollAverage,
     "each image's mean (and mean squared deviation) as the average of all H*W cyclic shifts of the image by torch.roll."),
    ("gn_im2col_unfold", "check_groupnorm", GNIm2colUnfold,
     "each group as one im2col column: nn.Unfold with a (C/groups, H*W) kernel and stride (C/groups, 1) over each item's (C, H*W) map; moments down the columns, spread back by repeat_interleave."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
