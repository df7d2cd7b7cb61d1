"""Second held-out set of wrong and right answers for the normalisation-layer exercises.

WRONG: 20 (name, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already
       listed in tests/wrong_answers.py or an earlier held-out set.
RIGHT: 4 (name, obj) correct answers written in styles those files do not use.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


# ====================================================================== EWMA (wrong)

def ewma_lerp_consecutive(values, mom):
    out = [values[0]]
    for prev, v in zip(values[:-1], values[1:]):
        out.append(torch.lerp(prev, v, mom))     # lerps from the previous *value*, not the previous average
    return torch.stack(out)


def ewma_precedence(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = avg * 1-mom + v * mom              # meant avg * (1-mom): parentheses forgotten
        out.append(avg)
    return torch.stack(out)


def ewma_appends_value(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = avg + mom * (v - avg)
        out.append(v)                            # typo: appends the value, not the average
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNSpatialOnly(_LNBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)                       # over height and width only
        v = x.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNUncentredVar(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = (x * x).mean((1, 2, 3), keepdim=True)              # E[x²], forgot to subtract m²
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNVarMeanUnpackedWrong(_LNBase):
    def forward(self, x):
        m, v = torch.var_mean(x, (1, 2, 3), keepdim=True, correction=0)   # var_mean returns (var, mean)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNDividesByMult(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / ((v + self.eps).sqrt() * self.mult) + self.add   # mult ends up in the denominator


# ================================================================= BatchNorm (wrong)

class _BNBase(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def batch_stats(self, x):
        return x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), keepdim=True, correction=0)

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)


class BNViewWithoutTranspose(_BNBase):
    def forward(self, x):
        if self.training:
            nf = x.shape[1]
            flat = x.reshape(nf, -1)                          # meant one row per channel: needs transpose(0, 1) first
            m = flat.mean(1).view(1, nf, 1, 1)
            v = flat.var(1, correction=0).view(1, nf, 1, 1)
            self.update(x, m, v)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNRunningStd(_BNBase):
    def forward(self, x):
        if self.training:
            m, v = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(x.std((0, 2, 3), keepdim=True), self.mom)   # keeps a running *std*
            return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds
        return (x - self.means) / (self.vars + self.eps) * self.mults + self.adds   # ... and divides by it


class BNForgetsMeanUpdate(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.vars.lerp_(v * n / (n - 1), self.mom)        # the running mean is never updated

    def forward(self, x):
        if self.training:
            m, v = self.batch_stats(x)
            self.update(x, m, v)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNCumulativeAverage(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.seen = 0

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        self.seen += 1
        w = 1 / self.seen                                      # average of every batch so far; mom unused
        with torch.no_grad():
            self.means.lerp_(m, w)
            self.vars.lerp_(v * n / (n - 1), w)

    def forward(self, x):
        if self.training:
            m, v = self.batch_stats(x)
            self.update(x, m, v)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNEvalMeansTwice(_BNBase):
    def forward(self, x):
        if self.training:
            m, v = self.batch_stats(x)
            self.update(x, m, v)
        else:
            m, v = self.means, self.means                      # copy-paste typo: should be self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNSelfTrainTypo(_BNBase):
    def forward(self, x):
        if self.train:                                         # the method, always truthy: meant self.training
            m, v = self.batch_stats(x)
            self.update(x, m, v)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INFirstItemStats(_INBase):
    def forward(self, x):
        m = x[0].mean((1, 2), keepdim=True)                    # written for one image: item 0's stats for all
        v = x[0].var((1, 2), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INClampStd(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return (x - m) / v.sqrt().clamp_min(self.eps) * self.mults + self.adds   # std clamped at eps


class INCatNotStack(_INBase):
    def forward(self, x):
        outs = []
        for xi in x:                                            # xi: (C, H, W)
            m = xi.mean((1, 2), keepdim=True)
            v = xi.var((1, 2), keepdim=True, correction=0)
            outs.append((xi - m) / (v + self.eps).sqrt() * self.mults + self.adds)
        return torch.cat(outs)                                  # meant torch.stack: (N*C, H, W)


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNViewDimsSwapped(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], -1, self.groups)              # meant view(n, groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNL2Normalize(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        xg = F.normalize(xg - xg.mean(-1, keepdim=True), dim=-1, eps=self.eps)   # unit L2 norm, not unit variance
        return xg.view(x.shape) * self.mults + self.adds


class GNRepeatNotInterleave(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, -1)
        m, v = xg.mean(-1), xg.var(-1, correction=0)          # (n, groups): right stats
        m = m.repeat(1, c // self.groups)[..., None, None]     # tiles g0 g1 g0 g1...: meant repeat_interleave
        v = v.repeat(1, c // self.groups)[..., None, None]
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class GNChannelsOfGroupPerPixel(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, c // self.groups, h, w)
        m = xg.mean(2, keepdim=True)                           # over the group's channels only, per pixel
        v = xg.var(2, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


WRONG = [
    ("ewma_lerp_consecutive", ewma_lerp_consecutive,
     "Each output lerps between the previous raw value and the current one, so it has no memory beyond one step."),
    ("ewma_precedence", ewma_precedence,
     "Writes avg * 1-mom (missing parentheses), so each step is avg - mom + mom*v: the average drifts down by mom every step."),
    ("ewma_appends_value", ewma_appends_value,
     "Appends v instead of avg, so it returns the input values unchanged."),
    ("ln_spatial_only", LNSpatialOnly,
     "Takes mean and variance over dims (2, 3) per item and channel (InstanceNorm's sets), not over (1, 2, 3)."),
    ("ln_uncentred_var", LNUncentredVar,
     "Uses the mean of x² as the variance (forgets to subtract the squared mean), so it under-scales items with a nonzero mean."),
    ("ln_var_mean_unpacked_wrong", LNVarMeanUnpackedWrong,
     "Unpacks torch.var_mean as (mean, var) though it returns (var, mean): subtracts the variance and divides by sqrt(mean+eps) (NaN for negative means)."),
    ("ln_divides_by_mult", LNDividesByMult,
     "Puts mult in the denominator: (x-m)/(std*mult)+add, which equals the reference only while mult == 1."),
    ("bn_view_without_transpose", BNViewWithoutTranspose,
     "Gets per-channel rows with x.reshape(nf, -1) without transposing batch and channel, so for batch > 1 each row mixes channels and items (right for batch 1)."),
    ("bn_running_std", BNRunningStd,
     "Keeps a running (unbiased) standard deviation in vars instead of the variance, and in eval divides by vars + eps."),
    ("bn_forgets_mean_update", BNForgetsMeanUpdate,
     "Updates only the running variance; the running mean stays at 0."),
    ("bn_cumulative_average", BNCumulativeAverage,
     "Running stats are a cumulative average of all batches (weight 1/k at step k) instead of an EWMA with mom; the first batch replaces the initial stats."),
    ("bn_eval_means_twice", BNEvalMeansTwice,
     "In eval it uses the running mean as the variance too (m, v = self.means, self.means)."),
    ("bn_self_train_typo", BNSelfTrainTypo,
     "Tests `if self.train:` (a bound method, always true), so in eval it still uses batch statistics and keeps updating the running stats."),
    ("in_first_item_stats", INFirstItemStats,
     "Computes the per-channel statistics from x[0] only and uses them for every item (right for batch 1)."),
    ("in_clamp_std", INClampStd,
     "Divides by max(std, eps) instead of sqrt(var + eps)."),
    ("in_cat_not_stack", INCatNotStack,
     "Normalises each item in a loop and joins them with torch.cat instead of torch.stack, returning (N*C, H, W)."),
    ("gn_view_dims_swapped", GNViewDimsSwapped,
     "Views x as (n, -1, groups) instead of (n, groups, -1), so each set is a run of `groups` consecutive values."),
    ("gn_l2_normalize", GNL2Normalize,
     "Uses F.normalize on the centred group: unit L2 norm (std 1/sqrt(size)) instead of dividing by sqrt(var + eps)."),
    ("gn_repeat_not_interleave", GNRepeatNotInterleave,
     "Computes the right per-group stats but spreads them to channels with .repeat (g0 g1 g0 g1...) instead of repeat_interleave, so channels get another group's stats."),
    ("gn_channels_of_group_per_pixel", GNChannelsOfGroupPerPixel,
     "Reduces only over the group's channels, separately at each pixel, not over channels, height and width together."),
]


# ================================================================= RIGHT answers

def ewma_toeplitz(values, mom):
    """All averages at once: a lower-triangular weight matrix (powers of 1-mom, never negative) times the values."""
    n = len(values)
    i = torch.arange(n)
    k = i[:, None] - i[None, :]
    decay = torch.tensor(1 - mom, dtype=values.dtype) ** k.clamp(min=0)
    W = torch.where(k >= 0, mom * decay, torch.zeros((), dtype=values.dtype))
    W[:, 0] = torch.tensor(1 - mom, dtype=values.dtype) ** i      # what is left of values[0]
    return W @ values


class LNViaGroupNormOneGroup(nn.Module):
    """LayerNorm over (C, H, W) is GroupNorm with a single group: F.group_norm, then the scalar affine."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        return F.group_norm(x, 1, eps=self.eps) * self.mult + self.add


class BNTotalVariance(nn.Module):
    """Per-(item, channel) var_mean first, then combined by the law of total variance;
    running stats replaced with copy_ of torch.lerp; output with addcmul."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            v_i, m_i = torch.var_mean(x, dim=(2, 3), keepdim=True, correction=0)
            m = m_i.mean(0, keepdim=True)
            v = v_i.mean(0, keepdim=True) + ((m_i - m) ** 2).mean(0, keepdim=True)
            n = x.numel() // x.shape[1]
            with torch.no_grad():
                self.means.copy_(torch.lerp(self.means, m, self.mom))
                self.vars.copy_(torch.lerp(self.vars, v * (n / (n - 1)), self.mom))
        else:
            m, v = self.means, self.vars
        return torch.addcmul(self.adds, x - m, torch.rsqrt(v + self.eps) * self.mults)


class GNViaInstanceNorm(nn.Module):
    """GroupNorm as F.instance_norm on an (n, groups, -1) view: each group is one 'instance'."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        y = F.instance_norm(x.reshape(x.shape[0], self.groups, -1), eps=self.eps)
        return y.view_as(x) * self.mults + self.adds


RIGHT = [
    ("ewma_toeplitz", ewma_toeplitz),
    ("ln_via_group_norm_one_group", LNViaGroupNormOneGroup),
    ("bn_total_variance", BNTotalVariance),
    ("gn_via_instance_norm", GNViaInstanceNorm),
]

# which checker each entry belongs to (by name prefix)
KIND = {"ewma": "ewma", "ln": "layernorm", "bn": "batchnorm", "in": "instancenorm", "gn": "groupnorm"}
