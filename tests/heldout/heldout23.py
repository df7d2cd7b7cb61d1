"""Twenty-third held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout22 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

def ewma_mom_capped_half(values, mom):
    mom = min(mom, 0.5)                                             # "above 0.5 the average just chases the noise"
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_hybrid_step(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = (1 - mom) * avg + mom * (v - avg)                     # the two forms of the step mixed: (1-mom)*avg + mom*v or avg + mom*(v-avg)
        out.append(avg)
    return torch.stack(out)


def ewma_squeezed_input(values, mom):
    values = values.squeeze()                                       # "in case the stream comes as a column": a 1-value stream becomes 0-d
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_lerp_from_previous_value(values, mom):
    out = []
    for i in range(len(values)):
        out.append(torch.lerp(values[i - 1], values[i], mom))       # lerp from the previous average meant, not the previous value;
    return torch.stack(out)                                         # and at i = 0, values[-1] is the LAST value


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNStatsFromFirstItem(_LNBase):
    def forward(self, x):
        m = x[0].mean()                                             # x[0] where each item (x.mean((1, 2, 3))) was meant
        v = x[0].var(correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNSkipsSingleItem(_LNBase):
    def forward(self, x):
        if x.shape[0] == 1:                                         # "one item: no batch to normalise over" (the BatchNorm idea)
            return x * self.mult + self.add
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNVarMeanOfChannelVars(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)                          # (the mean of the channel means is the item mean: right)
        v = x.var((2, 3), keepdim=True, correction=0).mean(1, keepdim=True)   # "so the variance is the mean of the channel variances"
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNBesselUndoneOnStd(_LNBase):
    def forward(self, x):
        n = x[0].numel()
        m = x.mean((1, 2, 3), keepdim=True)
        s = x.std((1, 2, 3), keepdim=True) * (n - 1) / n             # undoing torch's Bessel correction on the std: sqrt((n-1)/n) meant
        return (x - m) / (s ** 2 + self.eps).sqrt() * self.mult + self.add


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
        return x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), keepdim=True, correction=0), x.numel() / x.shape[1]

    def update(self, m, v, n):
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)

    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            self.update(m, v, n)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNMeanScaledInPlace(_BNBase):
    def update(self, m, v, n):
        with torch.no_grad():
            self.means.mul_(1 - self.mom).add_(m.mul_(self.mom))     # m.mul_ scales the batch mean itself, which forward then uses
            self.vars.lerp_(v * n / (n - 1), self.mom)


class BNBesselCountMissingWidth(_BNBase):
    def batch_stats(self, x):
        m, v, _ = super().batch_stats(x)
        return m, v, x.shape[0] * x.shape[2]                        # values per channel: N * H * W meant, the W forgotten


class BNFlatRowsWithoutPermute(_BNBase):
    def batch_stats(self, x):
        rows = x.reshape(-1, x.shape[1])                             # "one row per pixel, one column per channel": no permute first
        m = rows.mean(0).view(1, -1, 1, 1)
        v = rows.var(0, correction=0).view(1, -1, 1, 1)
        return m, v, rows.shape[0]


class BNMomAnnealed(_BNBase):
    def update(self, m, v, n):
        super().update(m, v, n)
        self.mom *= 0.9                                             # "anneal the momentum like a learning rate: the stats settle"


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INCountHPlusW(_INBase):
    def forward(self, x):
        h, w = x.shape[-2:]
        n = h + w                                                   # h * w meant
        m = x.sum((2, 3), keepdim=True) / n
        v = ((x - m) ** 2).sum((2, 3), keepdim=True) / n
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INStatsInHalf(_INBase):
    def forward(self, x):
        xh = x.half()                                               # "statistics don't need full precision: save memory"
        m = xh.mean((2, 3), keepdim=True).to(x.dtype)
        v = xh.var((2, 3), keepdim=True, correction=0).to(x.dtype)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INVarFlooredAtEps(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return (x - m) / v.clamp(min=self.eps).sqrt() * self.mults + self.adds   # "eps is a floor on the variance", not added to it


class INStatsOfChannelZero(_INBase):
    def forward(self, x):
        m = x[:, :1].mean((2, 3), keepdim=True)                      # x[:, :1] (channel 0 of each item) where x was meant
        v = x[:, :1].var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNEvalRunningStats(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        self.register_buffer('means', torch.zeros(1, groups, 1))    # "like BatchNorm: track the statistics for inference"
        self.register_buffer('vars', torch.ones(1, groups, 1))

    def forward(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        if self.training:
            m = xg.mean(-1, keepdim=True)
            v = xg.var(-1, keepdim=True, correction=0)
            with torch.no_grad():
                self.means.lerp_(m.mean(0, keepdim=True), 0.1)
                self.vars.lerp_(v.mean(0, keepdim=True), 0.1)
        else:
            m, v = self.means, self.vars
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNVarMeanOfChannelVars(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, c // self.groups, h, w)
        m = xg.mean((2, 3, 4), keepdim=True)                        # group mean right
        v = xg.var((3, 4), keepdim=True, correction=0).mean(2, keepdim=True)   # "average the channel variances": between-channel spread lost
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNGroupMeanChannelStd(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, c // self.groups, h, w)
        m = xg.mean((2, 3, 4), keepdim=True)                        # centred by the group mean,
        s = x.std((2, 3), keepdim=True, correction=0)               # scaled by each channel's own std (x, not xg: the wrong tensor)
        return ((xg - m).view(x.shape) / (s ** 2 + self.eps).sqrt()) * self.mults + self.adds


class GNSkipsOneChannelGroups(_GNBase):
    def forward(self, x):
        if x.shape[1] == self.groups:                               # "one channel per group: nothing to group together"
            return x * self.mults + self.adds
        xg = x.reshape(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


# ================================================================= RIGHT answers

def ewma_lerp_out_slices(values, mom):
    """Output preallocated with torch.empty_like; each step torch.lerp(previous, values[i:i+1], mom, out=result[i:i+1]) writes into a 1-element slice."""
    result = torch.empty_like(values)
    prev = values[:1]
    for i in range(len(values)):
        torch.lerp(prev, values[i:i + 1], mom, out=result[i:i + 1])
        prev = result[i:i + 1]
    return result


class LNFunctionalReciprocal(nn.Module):
    """Statistics by the functional forms torch.mean(x, dim) and torch.square over dims tuple(range(1, x.ndim)); divides by multiplying with torch.reciprocal(torch.sqrt(.))."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        dims = tuple(range(1, x.ndim))
        m = torch.mean(x, dim=dims, keepdim=True)
        d = x - m
        v = torch.mean(torch.square(d), dim=dims, keepdim=True)
        return d * torch.reciprocal(torch.sqrt(v + self.eps)) * self.mult + self.add


class BNMovedimLerpOut(nn.Module):
    """Channels moved last with movedim(1, -1), flattened to (-1, C) rows; running stats updated by torch.lerp(buf, stat, mom, out=buf) under no_grad."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            rows = x.movedim(1, -1).reshape(-1, x.shape[1])
            k = rows.shape[0]
            m = rows.mean(0)
            v = torch.square(rows - m).mean(0)
            m, v = m.view(1, -1, 1, 1), v.view(1, -1, 1, 1)
            with torch.no_grad():
                torch.lerp(self.means, m, self.mom, out=self.means)
                torch.lerp(self.vars, v * k / (k - 1), self.mom, out=self.vars)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INMatrixNorm(nn.Module):
    """Mean by x.sum((-2, -1)) / (H W); variance as the squared Frobenius norm, torch.linalg.matrix_norm(x - mean) ** 2 / (H W)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        hw = x.shape[-2] * x.shape[-1]
        m = x.sum((-2, -1), keepdim=True) / hw
        d = x - m
        v = torch.linalg.matrix_norm(d)[..., None, None] ** 2 / hw
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNMovedimUnflatten(nn.Module):
    """Channels moved last (movedim(1, -1)) and the last axis unflattened into (groups, C/groups); statistics over dims (1, 2, 4); moved back."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        xl = x.movedim(1, -1).unflatten(-1, (self.groups, -1))      # (N, H, W, groups, C/groups)
        m = xl.mean((1, 2, 4), keepdim=True)
        v = xl.var((1, 2, 4), keepdim=True, correction=0)
        xn = ((xl - m) / (v + self.eps).sqrt()).flatten(-2).movedim(-1, 1)
        return xn * self.mults + self.adds


WRONG = [
    ("ewma_mom_capped_half", "check_ewma", ewma_mom_capped_half, "Caps mom at 0.5 ('above 0.5 the average just chases the noise'): streams at mom <= 0.5 are right; at mom 0.9 it averages with weight 0.5 instead of 0.9 (output 0 still values[0])."),
    ("ewma_hybrid_step", "check_ewma", ewma_hybrid_step, "Mixes the two forms of the step: avg = (1 - mom) * avg + mom * (v - avg), i.e. (1 - 2 mom) * avg + mom * v: the old average's weight is 1 - 2 mom instead of 1 - mom (weights sum to 1 - mom, not 1); output 0 is values[0] * (1 - mom)."),
    ("ewma_squeezed_input", "check_ewma", ewma_squeezed_input, "Squeezes the stream first ('in case it comes as a column'): streams of 2+ values are right, but a 1-value stream becomes a 0-d tensor and values[0] raises IndexError ('invalid index of a 0-dim tensor')."),
    ("ewma_lerp_from_previous_value", "check_ewma", ewma_lerp_from_previous_value, "Lerps from the previous VALUE instead of the previous average: output t = lerp(values[t-1], values[t], mom), a two-point blend with no memory; and at t = 0 values[-1] is the stream's last value, so output 0 = lerp(values[-1], values[0], mom) (right only for a 1-value stream)."),
    ("ln_stats_from_first_item", "check_layernorm", LNStatsFromFirstItem, "Takes the mean and variance of x[0] (the first item) and normalises every item with them: right for a batch of one; other items are centred and scaled by the first item's statistics."),
    ("ln_skips_single_item", "check_layernorm", LNSkipsSingleItem, "Returns x * mult + add unnormalised when the batch has one item ('one item: no batch to normalise over', the BatchNorm idea): batches of 2+ are right."),
    ("ln_var_mean_of_channel_vars", "check_layernorm", LNVarMeanOfChannelVars, "Mean right (item mean); the variance is the mean of the per-channel variances (each about its own channel mean): it misses the spread between channel means, so it is too small and outputs too large wherever channel means differ."),
    ("ln_bessel_undone_on_std", "check_layernorm", LNBesselUndoneOnStd, "Undoes torch's default Bessel correction on the STD with the factor (n - 1)/n (n = C*H*W) instead of sqrt((n - 1)/n): the std is too small by sqrt((n - 1)/n), so outputs are too large by sqrt(n/(n - 1)) (about 1% on a 6x3x3 item)."),
    ("bn_mean_scaled_in_place", "check_batchnorm", BNMeanScaledInPlace, "Updates the running mean with means.mul_(1 - mom).add_(m.mul_(mom)): the in-place m.mul_ scales the batch mean itself, which forward then uses to centre: training outputs are centred by mom * mean (and the gradient follows); the running mean and var are right; eval is right."),
    ("bn_bessel_count_missing_width", "check_batchnorm", BNBesselCountMissingWidth, "Counts the values per channel as N * H (W forgotten) for Bessel's correction: the running var is scaled by NH/(NH - 1) instead of NHW/(NHW - 1) (too large); training outputs and the running mean are right; eval uses the wrong running var."),
    ("bn_flat_rows_without_permute", "check_batchnorm", BNFlatRowsWithoutPermute, "Takes the statistics from x.reshape(-1, C) with no permute ('one row per pixel, one column per channel'): each 'column' gathers every C-th value of the memory order, mixing channels and pixels: batch means and variances (so outputs, gradients and running stats) are wrong."),
    ("bn_mom_annealed", "check_batchnorm", BNMomAnnealed, "Multiplies mom by 0.9 after every running-statistics update ('anneal the momentum like a learning rate'): the first update is right; the second uses 0.9 mom, the third 0.81 mom, ..., so the running stats lag further behind (outputs in training are right; eval after 2+ steps is off)."),
    ("in_count_h_plus_w", "check_instancenorm", INCountHPlusW, "Counts an image's pixels as h + w (h * w meant) and divides the sums by that: right only on 2x2 images; otherwise the mean is scaled by hw/(h + w) and the variance is taken about that wrong mean and scaled too."),
    ("in_stats_in_half", "check_instancenorm", INStatsInHalf, "Computes the mean and variance in float16 ('statistics don't need full precision') and casts back: outputs (and gradients) are off by float16 rounding of the statistics (about 1e-3 relative) in float32 and float64."),
    ("in_var_floored_at_eps", "check_instancenorm", INVarFlooredAtEps, "Uses eps as a floor on the variance, sqrt(max(v, eps)), instead of adding it, sqrt(v + eps): outputs are slightly too large (visible at eps 0.1, or in float64 at any eps); a constant channel is divided by sqrt(eps) as in PyTorch, but gradients differ where v < eps."),
    ("in_stats_of_channel_zero", "check_instancenorm", INStatsOfChannelZero, "Takes the statistics from x[:, :1] (channel 0 of each item) and normalises every channel with them: channel 0 is right; the other channels are centred and scaled by channel 0's mean and std."),
    ("gn_eval_running_stats", "check_groupnorm", GNEvalRunningStats, "Tracks running group statistics like BatchNorm (lerp with 0.1 of the batch-averaged group mean and var) and in eval mode normalises with them instead of each item's own group statistics: training is right; eval (including a fresh layer put straight into eval: mean 0, var 1) is wrong."),
    ("gn_var_mean_of_channel_vars", "check_groupnorm", GNVarMeanOfChannelVars, "Group mean right; the group variance is the mean of the channels' variances, each about its own channel mean: the spread between the group's channel means is lost, so the variance is too small and outputs too large: right with one channel per group."),
    ("gn_group_mean_channel_std", "check_groupnorm", GNGroupMeanChannelStd, "Centres by the right group mean but scales by each channel's own std (taken from x over H, W rather than from the group): right with one channel per group; otherwise each channel is divided by its own std, not the group's."),
    ("gn_skips_one_channel_groups", "check_groupnorm", GNSkipsOneChannelGroups, "When groups == C (one channel per group) returns x * mults + adds unnormalised ('nothing to group together'): any other group count is right; with one channel per group it should be instance norm."),
]

RIGHT = [
    ("ewma_lerp_out_slices", "check_ewma", ewma_lerp_out_slices,
     "output preallocated with torch.empty_like; each step torch.lerp(previous, values[i:i+1], mom, out=result[i:i+1]) into a 1-element slice."),
    ("ln_functional_reciprocal", "check_layernorm", LNFunctionalReciprocal,
     "statistics by the functional forms torch.mean(x, dim) and torch.square over dims tuple(range(1, x.ndim)); divides by multiplying with torch.reciprocal(torch.sqrt(v + eps))."),
    ("bn_movedim_lerp_out", "check_batchnorm", BNMovedimLerpOut,
     "channels moved last with movedim(1, -1) and flattened to (-1, C) rows; running stats updated by torch.lerp(buf, stat, mom, out=buf) under no_grad."),
    ("in_matrix_norm", "check_instancenorm", INMatrixNorm,
     "mean by x.sum((-2, -1)) / (H W); variance as the squared Frobenius norm torch.linalg.matrix_norm(x - mean) ** 2 / (H W)."),
    ("gn_movedim_unflatten", "check_groupnorm", GNMovedimUnflatten,
     "channels moved last with movedim(1, -1), the last axis unflattened into (groups, C/groups); statistics over dims (1, 2, 4); moved back."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
