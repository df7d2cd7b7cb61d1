"""Twenty-fourth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout23 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

def ewma_smoothed_twice(values, mom):
    out = values
    for _ in range(2):                                              # "double exponential smoothing": the average run twice
        avg, res = out[0], []
        for v in out:
            avg = torch.lerp(avg, v, mom)
            res.append(avg)
        out = torch.stack(res)
    return out


def ewma_input_presmoothed(values, mom):
    avg, prev, out = values[0], values[0], []
    for v in values:
        avg = torch.lerp(avg, (prev + v) / 2, mom)                  # "smooth the noisy input first": averages each value with the one before
        prev = v
        out.append(avg)
    return torch.stack(out)


def ewma_written_into_input(values, mom):
    for i in range(1, len(values)):                                 # "no need for a new list": averages written over the stream
        values[i] = torch.lerp(values[i - 1], values[i], mom)
    return values


def ewma_start_mean_of_two(values, mom):
    avg = (values[0] + values[1]) / 2 if len(values) > 1 else values[0]   # "a less noisy start than one value"
    out = []
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


class LNEvalDropsEps(_LNBase):
    def forward(self, x):
        eps = self.eps if self.training else 0.                     # "eps only guards training; no need at inference"
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + eps).sqrt() * self.mult + self.add


class LNEvalWholeBatch(_LNBase):
    def forward(self, x):
        dims = (1, 2, 3) if self.training else (0, 1, 2, 3)         # "at inference, use every value we are given"
        m = x.mean(dims, keepdim=True)
        v = x.var(dims, keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNVarDimsMissingWidth(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = ((x - m) ** 2).mean((1, 2), keepdim=True)               # (1, 2, 3) meant: the 3 forgotten on the variance line
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNNormalisedClipped(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        xn = ((x - m) / (v + self.eps).sqrt()).clamp(-2.5, 2.5)     # "clip outliers so activations can't explode"
        return xn * self.mult + self.add


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


class BNRunningVarFromMean(_BNBase):
    def update(self, m, v, n):
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(m * n / (n - 1), self.mom)              # line copied from the one above: m left where v was meant


class BNRunningStdAveraged(_BNBase):
    def update(self, m, v, n):
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            s = self.vars.sqrt().lerp(((v * n / (n - 1)).sqrt()), self.mom)   # "average the stds, then square back"
            self.vars.copy_(s ** 2)


class BNRunningMeanNoDecay(_BNBase):
    def update(self, m, v, n):
        with torch.no_grad():
            self.means += self.mom * m                              # the (1 - mom) decay of the old mean forgotten
            self.vars.lerp_(v * n / (n - 1), self.mom)


class BNRunningLoopFromOne(_BNBase):
    def update(self, m, v, n):
        with torch.no_grad():
            for c in range(1, m.shape[1]):                          # range(m.shape[1]) meant: channel 0 never updated
                self.means[0, c].lerp_(m[0, c], self.mom)
                self.vars[0, c].lerp_(v[0, c] * n / (n - 1), self.mom)


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INCountNumelOverChannels(_INBase):
    def forward(self, x):
        n = x.numel() // x.shape[1]                                 # values per channel as in BatchNorm (N*H*W): H*W meant
        m = x.sum((2, 3), keepdim=True) / n
        v = ((x - m) ** 2).sum((2, 3), keepdim=True) / n
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INMedianCentre(_INBase):
    def forward(self, x):
        m = x.flatten(2).median(-1).values[..., None, None]         # "the median is more robust than the mean"
        v = ((x - m) ** 2).mean((2, 3), keepdim=True)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INUnbiasedInEval(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0 if self.training else 1)   # "at inference use the unbiased estimate"
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INBorderTrimmed(_INBase):
    def forward(self, x):
        inner = x[:, :, 1:-1, 1:-1]                                 # "ignore the border pixels: padding artefacts"
        m = inner.mean((2, 3), keepdim=True)
        v = inner.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNEvalDetachedInput(_GNBase):
    def forward(self, x):
        if not self.training:
            x = x.detach()                                          # "no gradients needed at inference"
        xg = x.reshape(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNEpsPerChannel(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        xg = x.reshape(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps * cpg).sqrt()).view(x.shape) * self.mults + self.adds   # "one eps per channel in the group"


class GNStatsOfGroupsFirstChannel(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, c // self.groups, h, w)
        m = xg[:, :, 0].mean((2, 3))[:, :, None, None, None]         # xg[:, :, 0]: the group's first channel, not the whole group
        v = xg[:, :, 0].var((2, 3), correction=0)[:, :, None, None, None]
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNCpgFromBatchSize(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        cpg = x.shape[0] // self.groups                             # x.shape[1] meant (channels, not items)
        xg = x.view(n, self.groups, cpg, h, w)
        m = xg.mean((2, 3, 4), keepdim=True)
        v = xg.var((2, 3, 4), keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


# ================================================================= RIGHT answers

def ewma_walrus_comprehension(values, mom):
    """One list comprehension with an assignment expression: [avg := avg + mom * (v - avg) for v in values], stacked."""
    avg = values[0]
    return torch.stack([(avg := avg + mom * (v - avg)) for v in values])


class LNFlatPowHalf(nn.Module):
    """Item rows by x.flatten(1); var_mean-free: mean(1) and var(1, correction=0); multiplied by torch.pow(v + eps, -0.5); view_as(x) back."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        rows = x.flatten(1)
        m = rows.mean(1, keepdim=True)
        v = rows.var(1, keepdim=True, correction=0)
        return ((rows - m) * torch.pow(v + self.eps, -0.5)).view_as(x) * self.mult + self.add


class BNTransposedRowsUnbiasedFirst(nn.Module):
    """Channel rows by x.transpose(0, 1).reshape(C, -1); the unbiased var (correction=1) is computed first and the biased one derived as * (k-1)/k; buffers set by copy_ of the explicit blend."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            rows = x.transpose(0, 1).reshape(x.shape[1], -1)
            k = rows.shape[1]
            m = rows.mean(1).view(1, -1, 1, 1)
            vu = rows.var(1, correction=1).view(1, -1, 1, 1)
            v = vu * (k - 1) / k
            with torch.no_grad():
                self.means.copy_(self.means * (1 - self.mom) + m * self.mom)
                self.vars.copy_(self.vars * (1 - self.mom) + vu * self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INNanmeanLogStd(nn.Module):
    """Mean and variance by torch.nanmean over dims (-2, -1); the std as torch.exp(0.5 * torch.log(v + eps))."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        m = torch.nanmean(x, dim=(-2, -1), keepdim=True)
        d = x - m
        v = torch.nanmean(d * d, dim=(-2, -1), keepdim=True)
        return d / torch.exp(0.5 * torch.log(v + self.eps)) * self.mults + self.adds


class GNStatsExpandedToChannels(nn.Module):
    """Group statistics from x.view(N, groups, -1), spread back to channels by expand(N, groups, C/groups).reshape(N, C, 1, 1); scaled by pow(-0.5)."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        xg = x.reshape(n, self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = ((xg - m) ** 2).mean(-1, keepdim=True)
        spread = lambda t: t.expand(n, self.groups, c // self.groups).reshape(n, c, 1, 1)
        return (x - spread(m)) * spread(v + self.eps).pow(-0.5) * self.mults + self.adds


WRONG = [
    ("ewma_smoothed_twice", "check_ewma", ewma_smoothed_twice, "Runs the average twice, the second pass over the first pass's outputs ('double exponential smoothing'): output 0 is values[0] (right); later outputs are smoothed twice, lagging further (right only for a 1-value stream)."),
    ("ewma_input_presmoothed", "check_ewma", ewma_input_presmoothed, "Averages each value with the one before it before the step ('smooth the noisy input first'): avg = lerp(avg, (values[t-1] + values[t]) / 2, mom) (values[0] paired with itself); output 0 right, later outputs blend half of the previous value."),
    ("ewma_written_into_input", "check_ewma", ewma_written_into_input, "Writes each average over the input stream in place (values[i] = lerp(values[i-1], values[i], mom)) and returns the input tensor itself: the returned values are right, but the caller's stream is overwritten (a 1-value stream is untouched)."),
    ("ewma_start_mean_of_two", "check_ewma", ewma_start_mean_of_two, "Starts the average at the mean of the first two values ('a less noisy start') instead of values[0]: a 1-value stream is right; otherwise output 0 = lerp((v0 + v1)/2, v0, mom), and the error decays by (1 - mom) each step."),
    ("ln_eval_drops_eps", "check_layernorm", LNEvalDropsEps, "Uses eps only in training mode ('no need at inference'): in eval it divides by sqrt(var) with no eps: training is right; eval outputs are too large (visible at large eps, e.g. 0.1, or in float64)."),
    ("ln_eval_whole_batch", "check_layernorm", LNEvalWholeBatch, "In eval mode takes the mean and variance over the whole batch (dims 0, 1, 2, 3: 'at inference use every value') instead of per item: training is right; eval is right for a batch of one; with 2+ items every item is normalised by the batch statistics."),
    ("ln_var_dims_missing_width", "check_layernorm", LNVarDimsMissingWidth, "Mean right (over C, H, W); the variance is averaged over dims (1, 2) only (the 3 forgotten): one variance per item and column (over C and H, about the item mean), so each column of the image is scaled separately."),
    ("ln_normalised_clipped", "check_layernorm", LNNormalisedClipped, "Clamps the normalised values to [-2.5, 2.5] before the affine step ('clip outliers'): values within 2.5 std of the item mean are right; beyond, the output is flat (and their gradient is zero)."),
    ("bn_running_var_from_mean", "check_batchnorm", BNRunningVarFromMean, "Updates the running var with the batch MEAN (line copied from the running-mean update, m left where v was meant): vars = lerp(vars, m * n/(n - 1), mom); running mean and training outputs right; the running var is wrong (it can go negative), so eval is wrong (NaN where it is negative)."),
    ("bn_running_std_averaged", "check_batchnorm", BNRunningStdAveraged, "Averages the standard deviations instead of the variances: vars = lerp(sqrt(vars), sqrt(unbiased batch var), mom) ** 2: the running var is too small by mom (1 - mom) (sd_old - sd_new)^2; running mean and training outputs right; eval uses the wrong var."),
    ("bn_running_mean_no_decay", "check_batchnorm", BNRunningMeanNoDecay, "Updates the running mean with means += mom * m, forgetting the (1 - mom) decay of the old value: the first step is right (means start at 0); from the second step the running mean keeps growing; running var and training outputs right."),
    ("bn_running_loop_from_one", "check_batchnorm", BNRunningLoopFromOne, "Updates the running statistics channel by channel in a loop from 1 (range(1, C)): channel 0's running mean and var stay 0 and 1 forever; the other channels and training outputs are right; in eval channel 0 is normalised with mean 0, var 1."),
    ("in_count_numel_over_channels", "check_instancenorm", INCountNumelOverChannels, "Counts an image's values as x.numel() // C (N * H * W, copied from BatchNorm) instead of H * W: a batch of one is right; with N items the mean is N times too small and the variance is taken about it and divided by N H W."),
    ("in_median_centre", "check_instancenorm", INMedianCentre, "Centres by the median of each image ('more robust') instead of the mean, and takes the variance about the median: outputs are shifted and scaled differently (mean-square deviation about the median is larger than the variance)."),
    ("in_unbiased_in_eval", "check_instancenorm", INUnbiasedInEval, "Uses the unbiased variance (correction=1) in eval mode ('an unbiased estimate at inference'): training is right; eval outputs are too small by sqrt((HW - 1)/HW) (roughly)."),
    ("in_border_trimmed", "check_instancenorm", INBorderTrimmed, "Takes the statistics from the inner pixels x[:, :, 1:-1, 1:-1] only ('ignore the border: padding artefacts'): every image's mean and variance are wrong; on an image with a dimension of 2 or less the inner part is empty and the output is NaN."),
    ("gn_eval_detached_input", "check_groupnorm", GNEvalDetachedInput, "Detaches the input in eval mode ('no gradients needed at inference'): outputs are right in both modes, and training gradients are right; in eval no gradient reaches the input (x.grad is None), though mults and adds still get theirs."),
    ("gn_eps_per_channel", "check_groupnorm", GNEpsPerChannel, "Adds eps once per channel of the group (eps * C/groups) to the group variance: right with one channel per group; otherwise the denominator is too large (visible at large eps, or in float64)."),
    ("gn_stats_of_groups_first_channel", "check_groupnorm", GNStatsOfGroupsFirstChannel, "Takes each group's mean and variance from its first channel only (xg[:, :, 0]) and normalises the whole group with them: right with one channel per group; the other channels of a group are centred and scaled by the first channel's statistics."),
    ("gn_cpg_from_batch_size", "check_groupnorm", GNCpgFromBatchSize, "Computes the channels per group as x.shape[0] // groups (items, not channels): right when N == C; otherwise the view to (N, groups, N // groups, H, W) has the wrong size and raises RuntimeError."),
]

RIGHT = [
    ("ewma_walrus_comprehension", "check_ewma", ewma_walrus_comprehension,
     "one list comprehension with an assignment expression [avg := avg + mom * (v - avg) for v in values], stacked."),
    ("ln_flat_pow_half", "check_layernorm", LNFlatPowHalf,
     "item rows by x.flatten(1), mean(1) and var(1, correction=0), multiplied by torch.pow(v + eps, -0.5), view_as(x) back."),
    ("bn_transposed_rows_unbiased_first", "check_batchnorm", BNTransposedRowsUnbiasedFirst,
     "channel rows by x.transpose(0, 1).reshape(C, -1); unbiased var first, biased derived by (k-1)/k; buffers set with copy_ of the explicit blend."),
    ("in_nanmean_log_std", "check_instancenorm", INNanmeanLogStd,
     "mean and variance by torch.nanmean over (-2, -1); the std as torch.exp(0.5 * torch.log(v + eps))."),
    ("gn_stats_expanded_to_channels", "check_groupnorm", GNStatsExpandedToChannels,
     "group statistics from x.view(N, groups, -1) spread to channels by expand(N, groups, C/groups).reshape(N, C, 1, 1); scaled by pow(-0.5)."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
