"""Sixty-first held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout59, /work/heldout60 (heldoutN.py).
       Every one changes a computed number, an output's dtype, a gradient or a running statistic (none is a state_dict-key-only fault).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` clears the state some entries keep between calls, for repeatable checks (one entry keeps its momentum
on its class, one keeps the largest std it has seen on its instance).
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

def ewma_mom_fixed_point_8bit(values, mom):
    w = round(mom * 256) / 256                                      # "as on the microcontroller: the weight in 8-bit fixed
    avg, out = values[0], []                                        #  point, k / 256"
    for v in values:
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


def ewma_mom_zero_returns_values(values, mom):
    if mom == 0:                                                    # "mom 0 means no smoothing at all: the average is
        return values.clone()                                       #  just the values themselves"
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_mom_two_sided_correction(values, mom):
    w = mom / (2 - mom)                                             # "mom is quoted for a two-sided (centred) window: the
    avg, out = values[0], []                                        #  one-sided weight is mom / (2 - mom)"
    for v in values:
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


def ewma_mom_capped_by_count(values, mom):
    avg, out = values[0], []
    for t, v in enumerate(values):                                  # "a young average must not move faster than the plain
        avg = torch.lerp(avg, v, min(mom, 1 / (t + 1)))             #  mean of what it has seen": weight min(mom, 1/(t+1))
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


class LNChannelsLastNormalisesChannels(_LNBase):
    def forward(self, x):
        if not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last):
            # "a channels-last tensor keeps its features in the last axis": normalise each pixel over its C channels
            y = F.layer_norm(x.permute(0, 2, 3, 1), x.shape[1:2], eps=self.eps).permute(0, 3, 1, 2)
            return y * self.mult + self.add
        return super().forward(x)


class _LNMultMagnitudeBackward(torch.autograd.Function):
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
        dims = (1, 2, 3)                                            # "the scale only stretches the gradient": its size
        gx = mult.abs() * r * (g - g.mean(dims, keepdim=True) - xhat * (g * xhat).mean(dims, keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardMultMagnitude(_LNBase):
    def forward(self, x):
        return _LNMultMagnitudeBackward.apply(x, self.mult, self.add, self.eps)


class LNStdFlooredByHistory(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.largest_std = 0.0

    def stats(self, x):
        m, v = super().stats(x)                                     # "guard against collapsing items: never divide by
        self.largest_std = max(self.largest_std, float(v.detach().max().sqrt()))   # less than 1% of the largest item
        return m, v.clamp_min((1e-2 * self.largest_std) ** 2)                      # std this layer has seen"


class LNPrescaledByBatchAbsMax(_LNBase):
    def forward(self, x):
        s = x.detach().abs().amax().clamp_min(1e-12)                # "PB-relax (CogView): divide by the largest magnitude
        return super().forward(x / s)                               #  first so that the variance cannot overflow"


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


class BNRunningSkipsPrunedChannels(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        keep = (self.mults.detach().abs() > 1e-2).view(1, -1, 1, 1)  # "a pruned channel (gain ~ 0) keeps its statistics"
        with torch.no_grad():
            self.means.copy_(torch.where(keep, self.means.lerp(m, self.mom), self.means))
            self.vars.copy_(torch.where(keep, self.vars.lerp(v * n / (n - 1), self.mom), self.vars))


class BNMeanLerpWeightComplement(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, 1 - self.mom)                       # the mean's line written with the decay as weight
            self.vars.lerp_(v * n / (n - 1), self.mom)


class _BNVarTermNMinusOne(torch.autograd.Function):
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
        dims = (0, 2, 3)
        n = g.numel() // g.shape[1]                                 # the variance term's sum divided by n - 1 ("Bessel")
        gx = mults * r * (g - g.mean(dims, keepdim=True) - xhat * (g * xhat).sum(dims, keepdim=True) / (n - 1))
        return gx, (g * xhat).sum(dims).view(mults.shape), g.sum(dims).view(mults.shape), None


class BNBackwardVarTermOverNMinusOne(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNVarTermNMinusOne.apply(x, self.mults, self.adds, self.eps)


class BNMomOnClass(_BNBase):
    mom = 0.1

    def __init__(self, nf, mom=0.1, eps=1e-5):
        nn.Module.__init__(self)
        type(self).mom = mom                                        # "a hyper-parameter of the layer type: keep it on
        self.eps = eps                                              #  the class, like a default"
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))


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


class _INVarTermNoMults(torch.autograd.Function):
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
        dims = (2, 3)                                               # mults on the g and mean(g) terms, forgotten on the
        gx = r * (mults * (g - g.mean(dims, keepdim=True))          # variance term
                  - xhat * (g * xhat).mean(dims, keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardVarTermWithoutMults(_INBase):
    def forward(self, x):
        return _INVarTermNoMults.apply(x, self.mults, self.adds, self.eps)


class INStatsOfRoundedPixels(_INBase):
    def stats(self, x):
        return super().stats(torch.round(x))                        # "pixel values are whole numbers: round off the float
                                                                    #  noise before taking the statistics"


class INVarFlooredByLoudestChannel(_INBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "don't blow up a dead channel: its std is at least
        floor = 1e-4 * v.amax(1, keepdim=True).detach()             #  1% of the item's loudest channel's std"
        return m, torch.maximum(v, floor)


class INBatchStatsForLargeBatches(_INBase):
    def stats(self, x):
        if self.training and x.shape[0] >= 3:                       # "with 3+ images the batch statistics are the better
            return x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), keepdim=True, correction=0)   # estimate"
        return super().stats(x)


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


class _GNMeanGainBackward(torch.autograd.Function):
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
        gain = mults.view(G, -1).mean(1).view(1, G, 1)              # "factor the gain out of the group sums": the group's
        gg = g.reshape(n, G, -1)                                    #  average gain used for the whole group
        xh = xhat.reshape(n, G, -1)
        gx = gain * r * (gg - gg.mean(-1, keepdim=True) - xh * (gg * xh).mean(-1, keepdim=True))
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardMeanGainOfGroup(_GNBase):
    def forward(self, x):
        return _GNMeanGainBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNPairwiseMergeDropsOddChannel(_GNBase):
    def norm(self, x, groups=None):
        n, c = x.shape[:2]
        G = self.groups
        cpg = c // G
        xg = x.reshape(n, G, cpg, -1)
        used = xg[:, :, :2 * (cpg // 2)] if cpg > 1 else xg         # "merge the channels' statistics two by two" (Chan's
        flat = used.reshape(n, G, -1)                               #  pairwise merge): an odd last channel never merged
        m, v = flat.mean(-1, keepdim=True)[..., None], flat.var(-1, keepdim=True, correction=0)[..., None]
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


class GNVarPooledOverBatchInTraining(_GNBase):
    def norm(self, x, groups=None):
        if not self.training:
            return super().norm(x)
        xg = x.reshape(x.shape[0], self.groups, -1)                 # "each item centres on its own group mean, the spread
        m = xg.mean(-1, keepdim=True)                               #  is averaged over the batch: steadier"
        v = ((xg - m) ** 2).mean(-1, keepdim=True).mean(0, keepdim=True)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


class GNCastBackToDefaultDtype(_GNBase):
    def forward(self, x):
        y = self.norm(x.double()) * self.mults.double() + self.adds.double()   # "statistics in double for accuracy,
        return y.to(torch.get_default_dtype())                                 #  then back to the working dtype"


# ====================================================================== RIGHT answers

def ewma_masked_scatter_steps(values, mom):
    """Each step's average written into a zero tensor, out of place, with masked_scatter at a one-hot mask; the average
    advanced with torch.add(avg * (1 - mom), v, alpha=mom)."""
    out = torch.zeros_like(values)
    idx = torch.arange(len(values))
    avg = values[0]
    for t in range(len(values)):
        avg = torch.lerp(avg, values[t], mom) if t else avg
        out = out.masked_scatter(idx == t, avg.reshape(1))
    return out


class LNAvgPool2dStackedChannels(nn.Module):
    """Each item's C channels stacked into one (C*H, W) plane, x.view(N, 1, C*H, W); mean and mean square deviation with
    F.avg_pool2d over the whole plane (kernel (C*H, W))."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n, c, h, w = x.shape
        p = x.reshape(n, 1, c * h, w)
        m = F.avg_pool2d(p, (c * h, w))
        d = p - m
        v = F.avg_pool2d(d * d, (c * h, w))
        return (d / (v + self.eps).sqrt()).reshape(x.shape) * self.mult + self.add


class BNInnerChannelRows(nn.Module):
    """Channel rows (C, N*H*W) from x.transpose(0, 1); mean and mean square deviation with torch.inner against a
    row of ones, divided by n; running buffers rewritten with mul_ and add_ (alpha = mom)."""
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
            ones = torch.ones(k, dtype=x.dtype)
            m = torch.inner(rows, ones) / k
            d = rows - m[:, None]
            v = torch.inner(d * d, ones) / k
            with torch.no_grad():
                self.means.mul_(1 - self.mom).add_(m.view(1, c, 1, 1), alpha=self.mom)
                self.vars.mul_(1 - self.mom).add_((v * k / (k - 1)).view(1, c, 1, 1), alpha=self.mom)
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INCdistToOrigin(nn.Module):
    """Each (item, channel) plane as one point in H*W dimensions: the mean as its sum / (H*W), the spread as the
    Euclidean distance (torch.cdist, no matrix-multiply shortcut) of the centred point from the origin, squared and
    divided by H*W."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        pts = x.reshape(n * c, 1, h * w)
        m = pts.sum(-1, keepdim=True) / (h * w)
        d = pts - m
        dist = torch.cdist(d, torch.zeros_like(d), compute_mode='donot_use_mm_for_euclid_dist')  # (n*c, 1, 1)
        v = dist * dist / (h * w)
        return (d / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


class GNRmsNormOfCentredGroups(nn.Module):
    """Each group's flattened values centred on their mean and passed to F.rms_norm over the last axis with eps (the root
    mean square of centred values is the standard deviation)."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        d = xg - xg.mean(-1, keepdim=True)
        return F.rms_norm(d, d.shape[-1:], eps=self.eps).reshape(x.shape) * self.mults + self.adds


def reset_state():
    BNMomOnClass.mom = 0.1


WRONG = [
    ("ewma_mom_fixed_point_8bit", "check_ewma", ewma_mom_fixed_point_8bit, "Rounds mom to 8-bit fixed point, round(mom * 256) / 256 ('as on a microcontroller'): right at every mom that is a multiple of 1/256 (0, 0.5, 0.25, 1, 0.75 ...) and on 1-value and constant streams; at other moms the weight is off (0.1 -> 26/256 = 0.1016, 0.9 -> 230/256 = 0.8984, 1/3 -> 85/256 = 0.3320, 0.3 -> 77/256 = 0.3008), so every non-constant stream's outputs from output 1 on and values.grad are wrong there (by ~1e-3 relative in the weight: visible in float64 and float32 alike on streams of 2+ values)."),
    ("ewma_mom_zero_returns_values", "check_ewma", ewma_mom_zero_returns_values, "Special-cases mom == 0 by returning values.clone() ('mom 0 means no smoothing: the average is the values') when at mom 0 the average never leaves values[0]: every mom > 0 is right everywhere (outputs and values.grad), and so are 1-value and constant streams at mom 0; at mom 0 a non-constant stream gives the values instead of values[0] repeated (outputs from 1 on wrong) and values.grad is the upstream gradient itself instead of its total on values[0] and 0 elsewhere."),
    ("ewma_mom_two_sided_correction", "check_ewma", ewma_mom_two_sided_correction, "Replaces mom by mom / (2 - mom) ('mom is quoted for a two-sided window: the one-sided weight is smaller'): right at mom 0 and mom 1 (weight unchanged) and on 1-value and constant streams; at every 0 < mom < 1 the weight is too small (0.1 -> 0.0526, 0.5 -> 1/3, 0.9 -> 0.818), so every non-constant stream's outputs from output 1 on and values.grad are wrong."),
    ("ewma_mom_capped_by_count", "check_ewma", ewma_mom_capped_by_count, "Uses the weight min(mom, 1 / (t + 1)) at step t ('a young average must not move faster than the plain mean of what it has seen') instead of mom: mom 0, 1-value and constant streams are right, and so is every output t with 1 / (t + 1) >= mom (at mom 0.1 the first 10 outputs, so streams of up to 10 values are right; at mom 0.5 outputs 0 and 1); from the first t with 1 / (t + 1) < mom on the outputs and values.grad are wrong (at mom 0.9 and 1 already output 1: weight 1/2 instead of 0.9 or 1; at mom 0.1 from output 10 on the weight is 1/11, 1/12, ...)."),
    ("ln_channels_last_normalises_channels", "check_layernorm", LNChannelsLastNormalisesChannels, "When the input is in channels_last memory format (not NCHW-contiguous but channels_last-contiguous) it normalises each pixel over its C channels (F.layer_norm of x.permute(0, 2, 3, 1) over the last axis: 'channels-last keeps the features in the last axis') instead of each item over (C, H, W): every NCHW-contiguous input is right everywhere (training and eval, outputs and gradients); a channels_last input with C > 1 and H*W > 1 gives per-pixel statistics: outputs, x.grad and mult.grad wrong (the same values passed as a contiguous tensor give a different output)."),
    ("ln_backward_mult_magnitude", "check_layernorm", LNBackwardMultMagnitude, "A custom autograd.Function whose forward is right (outputs, mult.grad and add.grad right everywhere) but whose hand-written x.grad uses |mult| instead of mult ('the scale only stretches the gradient'): x.grad is right for mult >= 0 (a fresh layer, mult 1.7); with a negative mult (e.g. -0.7) x.grad has the wrong sign (it is minus the right one), in training and eval."),
    ("ln_std_floored_by_history", "check_layernorm", LNStdFlooredByHistory, "Keeps on the instance the largest item std it has ever seen (training and eval calls, this call included) and floors every item's variance at (1% of it)**2 ('guard against collapsing items'): calls whose items all have a std above 1% of that running maximum are right (so a fresh layer fed similar items is right); an item whose std is below 1% of the largest seen so far (e.g. an item of std 0.01 after a call with items of std 10, or in the same batch as one) is divided by the floor instead of sqrt(var + eps): its output and x.grad are wrong (its output far too small, the variance's gradient cut); a constant item's output stays add (right) but its x.grad is wrong once the floor is above 0."),
    ("ln_prescaled_by_batch_abs_max", "check_layernorm", LNPrescaledByBatchAbsMax, "Divides the whole input by its largest magnitude over the batch (detached: 'PB-relax, so the variance cannot overflow') before the right LayerNorm, which leaves eps unscaled: the result is (x - mean) / sqrt(var + eps * s**2) with s = max|x| over the whole batch, so each item depends on the other items' magnitudes: right only where s = 1 (up to rounding where eps * (s**2 - 1) is negligible against var); outputs and x.grad wrong wherever eps matters: eps 0.1 or 1e-3 with s != 1, items of small spread in a batch with a large value (s = 25: effective eps 6e-3 at eps 1e-5), constant items right in output (add)."),
    ("bn_running_skips_pruned_channels", "check_batchnorm", BNRunningSkipsPrunedChannels, "Leaves the running mean and var of every channel whose gain |mults| is at most 0.01 untouched in training ('a pruned channel keeps its statistics'): training outputs and gradients are right everywhere, and so are the running statistics of every channel with |mults| > 0.01 (a fresh layer, random gains); a channel whose gain is 0 (or within 0.01 of it) keeps its running mean 0 and var 1 (or its old values) through training, so its running statistics after a training step and its eval output after training are wrong (the eval output of a zero-gain channel is still adds, but its x.grad is 0 either way; a gain of 0.005 shows in the eval output)."),
    ("bn_mean_lerp_weight_complement", "check_batchnorm", BNMeanLerpWeightComplement, "Updates the running mean with lerp weight 1 - mom (the running var correctly with mom): training outputs, gradients and the running var are right everywhere, and everything is right at mom 0.5; at any other mom the running mean is wrong after every training step (at mom 0.1 it moves 90% of the way to the batch mean instead of 10%, at mom 0 it becomes the batch mean instead of staying 0, at mom 1 it stays 0), so eval after training is wrong; a fresh layer in eval is right."),
    ("bn_backward_var_term_over_n_minus_one", "check_batchnorm", BNBackwardVarTermOverNMinusOne, "A custom autograd.Function in training whose forward is right (outputs, running statistics, eval, mults.grad and adds.grad right) but whose hand-written x.grad divides the variance term's sum by n - 1 instead of n (n = N*H*W per channel: 'Bessel'): x.grad = mults * r * (g - mean(g) - xhat * sum(g * xhat) / (n - 1)): training x.grad is wrong in every configuration where sum(g * xhat) is not 0 (the projection n/(n-1) too big: 2% at n = 48, 10% at n = 11, double at n = 2); eval x.grad is right."),
    ("bn_mom_on_class", "check_batchnorm", BNMomOnClass, "Stores the momentum on the class (type(self).mom = mom in __init__) instead of on the instance, so the last layer built sets the momentum of every instance: a layer used on its own (or with others of the same mom) is right everywhere; once another instance with a different mom is built (e.g. layer A with mom 0.1, then layer B with mom 0.5), A's running mean and var are updated with B's momentum: A's running statistics after a training step and its eval outputs after training are wrong; training outputs and gradients stay right."),
    ("in_backward_var_term_without_mults", "check_instancenorm", INBackwardVarTermWithoutMults, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right everywhere) but whose hand-written x.grad multiplies the g and mean(g) terms by mults and forgets mults on the variance term: x.grad = r * (mults * (g - mean(g)) - xhat * mean(g * xhat)) over each image: right where mults = 1 (a fresh layer) and for constant images (xhat = 0); wrong for every non-constant image of a channel whose mults is not 1 (mults 0 gives a nonzero x.grad; a negative mults flips only part of it)."),
    ("in_stats_of_rounded_pixels", "check_instancenorm", INStatsOfRoundedPixels, "Takes each image's mean and var from torch.round(x) ('pixel values are whole numbers') and normalises the unrounded x with them: outputs are right only for integer-valued images; every other image has a wrong mean and var (outputs off by up to a few tenths for inputs of scale 1-3); x.grad is wrong everywhere, integer-valued images included (round has zero gradient, so the mean and variance terms vanish: x.grad = mults * g / sqrt(var + eps)); mults.grad and adds.grad follow the outputs."),
    ("in_var_floored_by_loudest_channel", "check_instancenorm", INVarFlooredByLoudestChannel, "Floors each channel's variance at 1e-4 times the largest channel variance of the same item (std at least 1% of the loudest channel's: 'don't blow up a dead channel'): items whose channels all have a std of at least 1% of the item's loudest are right everywhere (so are single-channel items); a channel that is constant or nearly so in an item with a louder channel (e.g. a constant channel next to channels of std 1) is divided by the floor instead of sqrt(var + eps): a nearly flat channel's output is far too small, a constant channel's output stays adds (right) but its x.grad is wrong (r = 1/sqrt(floor) instead of 1/sqrt(eps))."),
    ("in_batch_stats_for_large_batches", "check_instancenorm", INBatchStatsForLargeBatches, "In training with a batch of 3 or more images uses per-channel batch statistics (mean and biased var over (N, H, W): 'with 3+ images the batch estimate is better') instead of each image's own: batches of 1 or 2 images are right, and eval is right at every batch size; training calls with N >= 3 have wrong outputs and gradients (BatchNorm's, unless the images of a channel share their statistics)."),
    ("gn_backward_mean_gain_of_group", "check_groupnorm", GNBackwardMeanGainOfGroup, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written x.grad factors the gain out of the group sums as the group's average gain: x.grad = mean(mults over the group) * r * (g - mean(g) - xhat * mean(g * xhat)) over the group, instead of r * (g*mults - mean(g*mults) - xhat * mean(g*mults*xhat)): right wherever the gains are equal within each group (a fresh layer; one channel per group, groups = C); wrong for groups of 2+ channels with unequal mults, in training and eval."),
    ("gn_pairwise_merge_drops_odd_channel", "check_groupnorm", GNPairwiseMergeDropsOddChannel, "Takes each group's statistics from its channels merged two by two, so with an odd number of channels per group (3, 5, ...) the last channel of every group is left out of the mean and var (it is still normalised, with the other channels' statistics): every configuration with an even number of channels per group or one channel per group is right (GN(3, 6), GN(1, 4), GN(6, 6), GN(4, 8)); with 3, 5, ... channels per group (GN(2, 6), GN(1, 3), GN(3, 9)) outputs and gradients are wrong in training and eval."),
    ("gn_var_pooled_over_batch_in_training", "check_groupnorm", GNVarPooledOverBatchInTraining, "In training centres each item on its own group mean but divides by the group variance averaged over the items of the batch ('steadier'): eval is right everywhere, and so are batches of one (and batches whose items have equal group variances); training calls with 2+ items of unequal spread have wrong outputs and gradients."),
    ("gn_cast_back_to_default_dtype", "check_groupnorm", GNCastBackToDefaultDtype, "Computes in float64 and returns y.to(torch.get_default_dtype()) ('back to the working dtype') instead of the input's dtype: float32 inputs are right everywhere (values and gradients); float64 inputs (layer in float64) get a float32 output: the dtype is wrong and its values carry float32 rounding (~1e-7 relative), and x.grad, mults.grad and adds.grad pass through that float32 cast."),
]

RIGHT = [
    ("ewma_masked_scatter_steps", "check_ewma", ewma_masked_scatter_steps,
     "each step's average written out of place into a zero tensor with masked_scatter at a one-hot mask."),
    ("ln_avg_pool2d_stacked_channels", "check_layernorm", LNAvgPool2dStackedChannels,
     "the channels stacked into one (C*H, W) plane per item; mean and mean squared deviation by F.avg_pool2d over the whole plane."),
    ("bn_inner_channel_rows", "check_batchnorm", BNInnerChannelRows,
     "channel rows from x.transpose(0, 1); moments by torch.inner against a row of ones, divided by n; running buffers by mul_ then add_ with alpha=mom."),
    ("in_cdist_to_origin", "check_instancenorm", INCdistToOrigin,
     "each plane a point in H*W dimensions; its spread as the torch.cdist distance of the centred point from the origin."),
    ("gn_rms_norm_of_centred_groups", "check_groupnorm", GNRmsNormOfCentredGroups,
     "each group's values centred and passed to F.rms_norm over the last axis with eps."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
