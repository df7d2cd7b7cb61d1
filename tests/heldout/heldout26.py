"""Twenty-sixth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout25 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

def ewma_out_zeros_default_dtype(values, mom):
    out = torch.zeros(len(values))                                  # preallocated without dtype: float32 whatever the stream
    avg = values[0]
    for i, v in enumerate(values):
        avg = torch.lerp(avg, v, mom)
        out[i] = avg
    return out


def ewma_restart_on_jump(values, mom):
    avg, out = values[0], []
    for v in values:                                                # "a jump of more than 4 is a new level: start again there"
        avg = v if (v - avg).abs() > 4 else torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_rms_of_squares(values, mom):
    sq, out = values[0] ** 2, []
    for v in values:                                                # RMSprop's running average: of the squares, then the root
        sq = torch.lerp(sq, v * v, mom)
        out.append(sq.sqrt())
    return torch.stack(out)


def ewma_min_periods_nan(values, mom):
    k = round(1 / mom)                                              # pandas' min_periods: "not warmed up before ~1/mom values"
    avg, out = values[0], []
    for t, v in enumerate(values):
        avg = torch.lerp(avg, v, mom)
        out.append(avg if t >= k - 1 else torch.full_like(avg, float('nan')))
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


class LNMultSquared(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        xn = (x - m) / (v + self.eps).sqrt()
        return xn * self.mult ** 2 + self.add                       # "square the scale so it can never go negative"


class _LNParamGradsMeanFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xn = (x - m) * r
        ctx.save_for_backward(xn, r, mult)
        return xn * mult + add

    @staticmethod
    def backward(ctx, g):
        xn, r, mult = ctx.saved_tensors
        gx = g * mult
        dx = r * (gx - gx.mean((1, 2, 3), keepdim=True) - xn * (gx * xn).mean((1, 2, 3), keepdim=True))
        return dx, (g * xn).mean(), g.mean(), None                  # .sum() meant: the parameters' gradients averaged


class LNBackwardParamGradsMean(_LNBase):
    def forward(self, x):
        return _LNParamGradsMeanFn.apply(x, self.mult, self.add, self.eps)


class LNStatsKeptInBuffers(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.register_buffer('last_mean', None)                     # "keep the last statistics, like BatchNorm's buffers"
        self.register_buffer('last_var', None)

    def forward(self, x):
        m, v = self.stats(x)
        with torch.no_grad():
            if self.last_mean is None:
                self.last_mean, self.last_var = m.clone(), v.clone()
            else:                                                   # updated in place, as running statistics are
                self.last_mean.copy_(m)
                self.last_var.copy_(v)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNItemMeanRestored(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        xn = (x - m) / (v + self.eps).sqrt() + m                    # "normalise only the spread; keep each item's level"
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

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)

    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            self.update(x, m, v)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNRunningVarUncentred(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            sq = (x * x).mean((0, 2, 3), keepdim=True)              # ((x - m) ** 2) meant: the running var's own line forgot to centre
            self.vars.lerp_(sq * n / (n - 1), self.mom)


class BNLerpOutWithoutNoGrad(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        torch.lerp(self.means, m, self.mom, out=self.means)         # out= into the buffers, but no torch.no_grad() / detach
        torch.lerp(self.vars, v * n / (n - 1), self.mom, out=self.vars)


class BNRejectsBatchOfOne(_BNBase):
    def forward(self, x):
        if self.training and x.shape[0] < 2:                        # PyTorch's check, but on items, not values per channel
            raise ValueError('Expected more than 1 value per channel when training')
        return super().forward(x)


class BNEvalFoldedShiftParenthesised(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        scale = self.mults / (self.vars + self.eps).sqrt()          # the lesson's folded eval: x * scale + shift
        shift = (self.adds - self.means) * scale                    # self.adds - self.means * scale meant
        return x * scale + shift


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INSpectralNorm(_INBase):
    def forward(self, x):
        hw = x.shape[2] * x.shape[3]
        d = x - x.mean((2, 3), keepdim=True)
        v = torch.linalg.matrix_norm(d, ord=2, keepdim=True) ** 2 / hw   # ord=2 is the spectral norm; the default 'fro' meant
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class INFlatChannelsLeftRaw(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        xn = torch.where(v < self.eps, x, (x - m) / (v + self.eps).sqrt())   # "a flat channel has nothing to normalise"
        return xn * self.mults + self.adds


class INStatsAsPythonFloats(_INBase):
    def forward(self, x):
        items = []
        for xi in x:
            chans = []
            for xc in xi:
                m = xc.mean().item()                                # Python numbers: the statistics leave the graph
                s = (xc.var(correction=0).item() + self.eps) ** 0.5
                chans.append((xc - m) / s)
            items.append(torch.stack(chans))
        return torch.stack(items) * self.mults + self.adds


class INVarNotReduced(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = (x - m) ** 2                                            # .mean((2, 3), keepdim=True) left off
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNAvgMatrixAttribute(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        cpg = nf // groups                                          # a plain attribute (not a buffer): float32, .to() leaves it
        self.avg = torch.block_diag(*[torch.full((cpg, cpg), 1 / cpg)] * groups)

    def forward(self, x):
        gm = (x.mean((2, 3)) @ self.avg)[..., None, None]           # each channel's group mean
        d = x - gm
        gv = (d.pow(2).mean((2, 3)) @ self.avg)[..., None, None]
        return d / (gv + self.eps).sqrt() * self.mults + self.adds


class GNScatterMeanIncludesZero(_GNBase):
    def forward(self, x):
        n, c = x.shape[:2]
        grp = (torch.arange(c) // (c // self.groups)).repeat(n, 1)
        z = x.new_zeros(n, self.groups)                             # include_self=True (the default): the 0 is averaged in
        gm = z.scatter_reduce(1, grp, x.mean((2, 3)), reduce='mean')
        d = x - gm[:, grp[0]][..., None, None]
        gv = z.scatter_reduce(1, grp, d.pow(2).mean((2, 3)), reduce='mean')
        return d / (gv[:, grp[0]][..., None, None] + self.eps).sqrt() * self.mults + self.adds


class GNBucketizeBoundaries(_GNBase):
    def forward(self, x):
        c = x.shape[1]
        cpg = c // self.groups
        grp = torch.bucketize(torch.arange(c), torch.arange(cpg, c, cpg))   # right=False: channel g*cpg falls in group g-1
        oh = F.one_hot(grp, self.groups).to(x.dtype)                # (C, groups)
        cnt = oh.sum(0).clamp(min=1)
        gm = (x.mean((2, 3)) @ oh) / cnt
        d = x - (gm @ oh.T)[..., None, None]
        gv = (d.pow(2).mean((2, 3)) @ oh) / cnt
        return d / ((gv @ oh.T)[..., None, None] + self.eps).sqrt() * self.mults + self.adds


class GNSegmentLengthsOneItem(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        k = c // self.groups * h * w
        lengths = torch.full((self.groups,), k)                     # one item's groups: the batch's n * groups segments meant
        gm = torch.segment_reduce(x.reshape(-1), 'mean', lengths=lengths)
        d = x - gm.repeat_interleave(k).view(x.shape)
        gv = torch.segment_reduce(d.pow(2).reshape(-1), 'mean', lengths=lengths)
        return d / (gv.repeat_interleave(k).view(x.shape) + self.eps).sqrt() * self.mults + self.adds


# ================================================================= RIGHT answers

class _Averager:
    "A small stateful averager: each call folds one value in and returns the new average."
    def __init__(self, start, mom):
        self.avg, self.mom = start, mom

    def __call__(self, v):
        self.avg = self.avg + self.mom * (v - self.avg)
        return self.avg


def ewma_stateful_object(values, mom):
    """An averager object with __call__ keeping the running average as its state, called once per value in a list comprehension."""
    step = _Averager(values[0], mom)
    return torch.stack([step(v) for v in values])


class LNGramDiagonal(nn.Module):
    """Items flattened and centred; each item's sum of squared deviations from the diagonal of the Gram matrix d @ d.T."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        f = x.flatten(1)
        d = f - f.mean(1, keepdim=True)
        v = torch.diagonal(d @ d.T) / f.shape[1]
        return (d / (v[:, None] + self.eps).sqrt()).view_as(x) * self.mult + self.add


class BNLinearWhere(nn.Module):
    """Channel sums by F.linear of the channel rows against a row of ones, / k; batch or running statistics picked by torch.where on the mode."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        c = x.shape[1]
        rows = x.transpose(0, 1).reshape(c, -1)                     # (C, N*H*W)
        k = rows.shape[1]
        ones = rows.new_ones(1, k)
        m = F.linear(rows, ones) / k                                # (C, 1): channel sums / k
        v = F.linear((rows - m) ** 2, ones) / k
        m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        if self.training:
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * k / (k - 1), self.mom)
        train = torch.tensor(self.training)
        m = torch.where(train, m, self.means)
        v = torch.where(train, v, self.vars)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INSvdvals(nn.Module):
    """Each centred image's sum of squares as the sum of its squared singular values (torch.linalg.svdvals), / (H*W)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        hw = x.shape[2] * x.shape[3]
        d = x - x.mean((2, 3), keepdim=True)
        v = torch.linalg.svdvals(d).pow(2).sum(-1)[..., None, None] / hw
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNInterpolateSpread(nn.Module):
    """Group mean and var on the (N, groups, -1) view, spread to the channels by F.interpolate(size=C, mode='nearest-exact')."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        xg = x.reshape(n, self.groups, -1)
        m = xg.mean(-1)
        v = xg.var(-1, correction=0)
        spread = lambda s: F.interpolate(s[:, None], size=c, mode='nearest-exact')[:, 0, :, None, None]
        return (x - spread(m)) / (spread(v) + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_out_zeros_default_dtype", "check_ewma", ewma_out_zeros_default_dtype, "Preallocates the output with torch.zeros(len(values)) (no dtype: the default float32) and writes each average into it: float32 streams are right; a float64 stream gives a float32 output, its averages rounded to float32 precision."),
    ("ewma_restart_on_jump", "check_ewma", ewma_restart_on_jump, "Restarts the average at the new value whenever a value is more than 4 away from the running average ('a new level'): right on streams where no value jumps that far from the average before it (1-value streams always); from the first such jump on, the outputs differ (that output is the raw value)."),
    ("ewma_rms_of_squares", "check_ewma", ewma_rms_of_squares, "Averages the squares of the values (lerp towards v * v, from values[0] ** 2) and returns the square root (RMSprop's running RMS): output 0 is |values[0]| (right when values[0] >= 0); later outputs are a root mean square, never negative, not the average."),
    ("ewma_min_periods_nan", "check_ewma", ewma_min_periods_nan, "Sets the outputs before index round(1/mom) - 1 to NaN (pandas' min_periods: 'not warmed up'): the later outputs are right; at mom 0.9 (round(1/mom) = 1) every output is right; at mom 0.5 output 0 is NaN, at 0.3 outputs 0-1, at 0.1 outputs 0-8."),
    ("ln_mult_squared", "check_layernorm", LNMultSquared, "Scales by mult ** 2 instead of mult ('so the scale can never be negative'): a fresh layer (mult 1) gives the right output and input gradient, but mult's gradient is 2 * mult times the right one (twice it at mult 1); for any other mult the output is scaled by mult squared (2.89 for mult 1.7) instead of mult."),
    ("ln_backward_param_grads_mean", "check_layernorm", LNBackwardParamGradsMean, "A custom torch.autograd.Function whose hand-written backward returns (g * xn).mean() and g.mean() for mult and add where .sum() is meant: outputs and the input's gradient are right; mult's and add's gradients are too small by the number of values in the batch (N*C*H*W)."),
    ("ln_stats_kept_in_buffers", "check_layernorm", LNStatsKeptInBuffers, "Keeps the last per-item mean and var in buffers, created on the first call and then updated in place with copy_: every call with the first call's batch size is right; a later call on an input with another batch size raises RuntimeError (copy_ cannot fit the (N', 1, 1, 1) statistics into the (N, 1, 1, 1) buffers)."),
    ("ln_item_mean_restored", "check_layernorm", LNItemMeanRestored, "Adds each item's mean back after dividing by the std ('normalise only the spread, keep the level'): (x - m) / sqrt(v + eps) + m before mult and add: outputs are not centred (shifted by the item mean, times mult); right only for items whose mean is 0."),
    ("bn_running_var_uncentred", "check_batchnorm", BNRunningVarUncentred, "Updates the running var with the per-channel mean of x ** 2 (not centred) times n/(n-1) instead of the unbiased variance: training outputs and the running mean are right; the running var is lerped towards (v + m ** 2) * n/(n-1), a target too large by n/(n-1) * m ** 2 (right only for channels whose batch mean is 0); eval divides by it."),
    ("bn_lerp_out_without_no_grad", "check_batchnorm", BNLerpOutWithoutNoGrad, "Updates the buffers with torch.lerp(..., out=self.means / self.vars) outside torch.no_grad() and without detach: a training call on an input that requires grad raises RuntimeError (out= does not support autograd); a training call on an input without grad, and every eval call, are right."),
    ("bn_rejects_batch_of_one", "check_batchnorm", BNRejectsBatchOfOne, "Raises ValueError('Expected more than 1 value per channel when training') whenever a training batch has one item (PyTorch's check, but counting items instead of values per channel: a batch of one has H*W values per channel): training on batches of 2+ and every eval call are right."),
    ("bn_eval_folded_shift_parenthesised", "check_batchnorm", BNEvalFoldedShiftParenthesised, "Eval uses the folded form x * scale + shift with shift = (adds - means) * scale (adds - means * scale meant): eval returns (x - means) * scale + adds * scale, so the shift is scaled by mults / sqrt(vars + eps); training and the running statistics are right; eval outputs are right while adds is 0 (a fresh layer), but adds' gradient in eval is scaled by mults / sqrt(vars + eps) even then (and mults' gradient is wrong once adds is not 0)."),
    ("in_spectral_norm", "check_instancenorm", INSpectralNorm, "Takes the variance as torch.linalg.matrix_norm(d, ord=2) ** 2 / (H*W): ord=2 is the spectral norm (the largest singular value), not the Frobenius norm (the default, 'fro'): the variance is too small (right only when an image's deviations form a rank-1 matrix), so every output is too spread."),
    ("in_flat_channels_left_raw", "check_instancenorm", INFlatChannelsLeftRaw, "Leaves an (item, channel) unnormalised (x itself, then mults and adds) when its variance is below eps ('a flat channel has nothing to normalise'): right wherever every variance is at least eps; a constant channel comes out as x * mults + adds instead of adds; at eps 0.1 low-variance channels are left raw too."),
    ("in_stats_as_python_floats", "check_instancenorm", INStatsAsPythonFloats, "Loops over items and channels and takes each mean and std as Python numbers with .item(): outputs and the mults/adds gradients are right, but the statistics carry no gradient, so x.grad is g * mults / std, missing the terms through the mean and the variance."),
    ("in_var_not_reduced", "check_instancenorm", INVarNotReduced, "The variance line is (x - m) ** 2 with its .mean((2, 3)) left off: each value is divided by sqrt((x - m) ** 2 + eps), its own deviation, so the output is about +-1 (the sign of the deviation) instead of the deviation over the image's std; wrong on every input."),
    ("gn_avg_matrix_plain_attribute", "check_groupnorm", GNAvgMatrixAttribute, "Pools per-channel statistics into group statistics with a block-averaging matrix built in __init__ as a plain attribute (float32; not a buffer, so .to() leaves it): float32 input is right; float64 input raises RuntimeError at the matrix product (Double and Float)."),
    ("gn_scatter_mean_includes_zero", "check_groupnorm", GNScatterMeanIncludesZero, "Averages the channel statistics into groups with zeros(N, groups).scatter_reduce(..., reduce='mean'), whose default include_self=True counts the initial 0: each group mean is cpg/(cpg+1) times the right one (cpg = channels per group) and each variance cpg/(cpg+1) times the mean squared deviation about that shrunk mean, so outputs are not centred and wrongly scaled, with any number of groups."),
    ("gn_bucketize_boundaries", "check_groupnorm", GNBucketizeBoundaries, "Maps channels to groups with torch.bucketize(arange(C), [cpg, 2cpg, ...]) and its default right=False, so channel g*cpg lands in group g-1: group 0 gets cpg+1 channels, the last group cpg-1; right with one group; wrong with 2+ groups."),
    ("gn_segment_lengths_one_item", "check_groupnorm", GNSegmentLengthsOneItem, "Takes the group statistics with torch.segment_reduce over x.reshape(-1) with lengths for one item's groups only (groups segments, not N * groups): right for a batch of one; a batch of 2+ raises RuntimeError (the lengths don't add up to the data's size)."),
]

RIGHT = [
    ("ewma_stateful_object", "check_ewma", ewma_stateful_object,
     "a small averager object with __call__ keeping the running average as its state, called once per value in a list comprehension."),
    ("ln_gram_diagonal", "check_layernorm", LNGramDiagonal,
     "items flattened and centred; each item's sum of squared deviations from the diagonal of the Gram matrix d @ d.T."),
    ("bn_linear_where", "check_batchnorm", BNLinearWhere,
     "channel sums by F.linear of the channel rows against a row of ones (divided by k); batch or running statistics picked by torch.where on the mode."),
    ("in_svdvals", "check_instancenorm", INSvdvals,
     "each centred image's sum of squares as the sum of its squared singular values (torch.linalg.svdvals), divided by H*W."),
    ("gn_interpolate_spread", "check_groupnorm", GNInterpolateSpread,
     "group mean and var on the (N, groups, -1) view, spread to the channels by F.interpolate(size=C, mode='nearest-exact')."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
