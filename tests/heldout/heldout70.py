"""Seventieth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout69 (heldoutN.py).
       Every one changes a computed number, a shape, a gradient or a running statistic.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` is there for the harnesses (nothing in this set keeps module-level state).
"""
import itertools
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


def reset_state():
    pass


# ====================================================================== EWMA (wrong)

def ewma_returned_as_row(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out).unsqueeze(0)                            # "a batch of one stream: shape (1, n)"


def ewma_weight_rounded_to_power_of_two(values, mom):
    w = 2.0 ** round(math.log2(mom)) if mom > 0 else 0.0           # "fixed-point DSP: the weight as a power of two, a
    avg, out = values[0], []                                        #  shift instead of a multiply"
    for v in values:
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


def ewma_halflife_rounded(values, mom):
    w = mom
    if 0 < mom < 1:                                                 # "half-lives are a whole number of steps"
        h = max(1, round(math.log(0.5) / math.log(1 - mom)))
        w = 1 - 0.5 ** (1 / h)
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


def ewma_weight_from_inverse_span(values, mom):
    w = 2 * mom / (1 + mom)                                         # "mom is 1/span, and pandas' alpha is 2/(span + 1)"
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, w)
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


class LNEvalStdPlusEps(_LNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        m, v = self.stats(x)                                        # "inference kernel: divide by std + eps, one sqrt less"
        return (x - m) / (v.sqrt() + self.eps) * self.mult + self.add


class LNRsqrtHalfNewtonStep(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        a = v + self.eps
        r0 = a.half().rsqrt().to(x.dtype)                           # "fast inverse square root: a cheap half-precision guess
        r = r0 * (1.5 - 0.5 * a * r0 * r0)                          #  refined by one Newton step"
        return (x - m) * r * self.mult + self.add


class LNLargeItemsStatsInHalf(_LNBase):
    def stats(self, x):
        if x[0].numel() >= 64:                                      # "big items: take the statistics in half precision to
            m, v = super().stats(x.half())                          #  save memory, the normalisation stays in full precision"
            return m.to(x.dtype), v.to(x.dtype)
        return super().stats(x)


class LNRowsFromColumnReshape(_LNBase):
    def stats(self, x):
        flat = x.reshape(-1, x.shape[0]).t()                         # "one column per item, transposed to rows"
        m = flat.mean(1).view(-1, 1, 1, 1)
        v = flat.var(1, correction=0).view(-1, 1, 1, 1)
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


class BNMultsAbsPositiveGain(_BNBase):
    def normalise(self, x, m, v):                                   # "a gain is a scale: keep it positive"
        return (x - m) / (v + self.eps).sqrt() * self.mults.abs() + self.adds


class BNEpsAsVarianceFloor(_BNBase):
    def normalise(self, x, m, v):                                   # "eps only guards against a zero variance: floor it"
        return (x - m) / v.clamp_min(self.eps).sqrt() * self.mults + self.adds


class BNMeanOnlyInTraining(_BNBase):
    def forward(self, x):                                           # "mean-only batch normalisation (Salimans & Kingma
        if not self.training:                                       #  2016) in training: centre, the gains do the scaling;
            return super().forward(x)                               #  eval as usual with the running statistics"
        m, v = self.stats(x)
        self.update(x, m, v)
        return (x - m) * self.mults + self.adds


class _BNAddsGradAveraged(torch.autograd.Function):
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
        gx = mults * r * (g - g.mean((0, 2, 3), keepdim=True) - xhat * (g * xhat).mean((0, 2, 3), keepdim=True))
        gm = (g * xhat).sum((0, 2, 3)).view(mults.shape)
        ga = g.mean((0, 2, 3)).view(mults.shape)                    # "the bias gradient is the average error"
        return gx, gm, ga, None


class BNBackwardAddsGradAveraged(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNAddsGradAveraged.apply(x, self.mults, self.adds, self.eps)


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


class INStdFromInterquartileRange(_INBase):
    def stats(self, x):
        m = x.mean((2, 3), keepdim=True)                            # "a robust std: the interquartile range / 1.349
        q = torch.quantile(x.flatten(2), torch.tensor([0.25, 0.75], dtype=x.dtype), dim=2)   # (exact for a Gaussian)"
        s = ((q[1] - q[0]) / 1.349)[..., None, None]
        return m, s * s


class INVarAboutMedian(_INBase):
    def stats(self, x):                                             # "the spread about the median, robust to outliers"
        med = x.flatten(2).median(2).values[..., None, None]
        return x.mean((2, 3), keepdim=True), ((x - med) ** 2).mean((2, 3), keepdim=True)


class INMeanDropsMinAndMax(_INBase):
    def stats(self, x):
        flat = x.flatten(2)                                         # "a robust centre: the mean without the plane's min and
        k = flat.shape[2]                                           #  max (hot and dead pixels)"
        if k > 2:
            m = (flat.sum(2) - flat.amax(2) - flat.amin(2)) / (k - 2)
            m = m[..., None, None]
        else:
            m = x.mean((2, 3), keepdim=True)
        return m, ((x - m) ** 2).mean((2, 3), keepdim=True)


class INGainOnePlusMults(_INBase):
    def forward(self, x):
        m, v = self.stats(x)
        return (x - m) / (v + self.eps).sqrt() * (1 + self.mults) + self.adds   # "residual gain 1 + mults"


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def grouped_stats(self, xg):
        return xg.mean(2, keepdim=True), xg.var(2, keepdim=True, correction=0)

    def forward(self, x):
        n = x.shape[0]
        xg = x.reshape(n, self.groups, -1)
        m, v = self.grouped_stats(xg)
        xg = (xg - m) / (v + self.eps).sqrt()
        return xg.reshape(x.shape) * self.mults + self.adds


class GNLeaveOneChannelOut(_GNBase):
    def forward(self, x):
        n, c = x.shape[:2]
        cpg = c // self.groups                                      # "normalise each channel with the statistics of the
        xg = x.reshape(n, self.groups, cpg, -1)                     #  OTHER channels of its group (no self-normalisation
        if cpg == 1:                                                #  bias)"
            return super().forward(x)
        k = xg.shape[3]
        s1 = xg.sum((2, 3), keepdim=True) - xg.sum(3, keepdim=True)
        s2 = (xg * xg).sum((2, 3), keepdim=True) - (xg * xg).sum(3, keepdim=True)
        cnt = (cpg - 1) * k
        m = s1 / cnt
        v = s2 / cnt - m * m
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


class GNStatsFrom2x2PooledImage(_GNBase):
    def forward(self, x):
        n = x.shape[0]
        src = F.avg_pool2d(x, 2) if min(x.shape[2:]) >= 4 else x    # "big images: statistics from a 2x2-pooled copy"
        m, v = self.grouped_stats(src.reshape(n, self.groups, -1))
        xg = (x.reshape(n, self.groups, -1) - m) / (v + self.eps).sqrt()
        return xg.reshape(x.shape) * self.mults + self.adds


class GNStdFromRangeSqrt12(_GNBase):
    def grouped_stats(self, xg):
        m = xg.mean(2, keepdim=True)                                # "a group's spread from its range: std = (max-min)/sqrt(12)"
        s = (xg.amax(2, keepdim=True) - xg.amin(2, keepdim=True)) / math.sqrt(12)
        return m, s * s


class GNEpsSquared(_GNBase):
    def grouped_stats(self, xg):
        m, v = super().grouped_stats(xg)                            # "eps guards the std: square it for the variance"
        return m, v + self.eps ** 2 - self.eps


# ====================================================================== RIGHT answers

def ewma_pairwise_scatter(values, mom):
    """The recursion driven by itertools.pairwise over the indices, each new average written with scatter into a
    preallocated output (out of place, so autograd sees every step)."""
    out = values.new_zeros(values.shape).scatter(0, torch.tensor([0]), values[:1])
    for i, j in itertools.pairwise(range(len(values))):
        nxt = out[i] + mom * (values[j] - out[i])
        out = out.scatter(0, torch.tensor([j]), nxt.reshape(1))
    return out


class LNTorchCovPerItem(nn.Module):
    """Each item's variance as torch.cov of its flattened values (one variable, correction 0), items looped and stacked."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        rows = x.flatten(1)
        v = torch.stack([torch.cov(r, correction=0) for r in rows]).view(-1, 1, 1, 1)
        m = rows.mean(1).view(-1, 1, 1, 1)
        return (x - m) * (v + self.eps).rsqrt() * self.mult + self.add


class BNSplitChannelSlices(nn.Module):
    """torch.split into one-channel slices, each slice's mean and mean squared deviation over its whole tensor, stacked;
    the running buffers moved with mul_ and add_(alpha=mom)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            sl = torch.split(x, 1, dim=1)
            m = torch.stack([s.mean() for s in sl]).view(1, -1, 1, 1)
            v = torch.stack([((s - s.mean()) ** 2).mean() for s in sl]).view(1, -1, 1, 1)
            k = x.numel() // x.shape[1]
            with torch.no_grad():
                self.means.mul_(1 - self.mom).add_(m, alpha=self.mom)
                self.vars.mul_(1 - self.mom).add_(v * k / (k - 1), alpha=self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INEinsumPlaneMoments(nn.Module):
    """Plane sums by torch.einsum('nchw->nc'), the second moment of the centred plane by einsum('nchw,nchw->nc')."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        k = x.shape[2] * x.shape[3]
        m = (torch.einsum('nchw->nc', x) / k)[..., None, None]
        d = x - m
        v = (torch.einsum('nchw,nchw->nc', d, d) / k)[..., None, None]
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNInstanceNormTallPlanes(nn.Module):
    """Each group's channels stacked into one tall plane: x.reshape(N, G, cpg*H, W) normalised by F.instance_norm
    (no affine, the layer's eps), then the per-channel affine."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        y = F.instance_norm(x.reshape(n, self.groups, (c // self.groups) * h, w), eps=self.eps)
        return y.reshape(n, c, h, w) * self.mults + self.adds


WRONG = [
    ("ewma_returned_as_row", "check_ewma", ewma_returned_as_row, "Returns the stacked averages with unsqueeze(0), shape (1, n) ('a batch of one stream'), instead of a 1-d tensor of shape (n,): every value and values.grad (for a gradient of the output's shape) are right, but the output shape is (1, n) for every stream (an elementwise comparison with the right (n,) output still broadcasts, so only a shape or ndim check, or stacking several outputs, shows it)."),
    ("ewma_weight_rounded_to_power_of_two", "check_ewma", ewma_weight_rounded_to_power_of_two, "Rounds the lerp weight to the nearest power of two, w = 2**round(log2(mom)) ('fixed-point DSP: a shift instead of a multiply'; mom 0 kept): right at mom 0, 0.5, 1 and any power of two (0.25, 0.125); wrong elsewhere: 0.1 -> 0.125, 0.3 -> 0.25, 0.9 -> 1 (the output then just copies each value), 0.7 -> 0.5: output 0 and constant streams' outputs right; every later output of a non-constant stream and values.grad (constant streams too) wrong there."),
    ("ewma_halflife_rounded", "check_ewma", ewma_halflife_rounded, "Converts mom to a half-life, rounds it to a whole number of steps h = round(log 0.5 / log(1 - mom)) (at least 1) and uses w = 1 - 0.5**(1/h) as the lerp weight: right at mom 0 and 1 (left as they are), and where the half-life is already whole (mom 0.5: h 1; mom 1 - 0.5**0.5 = 0.2929: h 2); wrong elsewhere: mom 0.1 -> h 7 -> w 0.0943, mom 0.9 -> h 1 -> w 0.5, mom 0.3 -> h 2 -> w 0.2929; outputs from output 1 on and values.grad wrong for non-constant streams; output 0 and constant streams' outputs right (values.grad wrong there too)."),
    ("ewma_weight_from_inverse_span", "check_ewma", ewma_weight_from_inverse_span, "Reads mom as 1/span and uses pandas' alpha = 2/(span + 1) = 2 * mom / (1 + mom) as the lerp weight: right at mom 0 and mom 1 (weights 0 and 1); everywhere else the weight is too big (0.1 -> 0.1818, 0.5 -> 0.6667, 0.9 -> 0.947): output 0 and constant streams' outputs right; every later output of a non-constant stream and values.grad (constant streams too) wrong."),
    ("ln_eval_std_plus_eps", "check_layernorm", LNEvalStdPlusEps, "In eval divides by sqrt(var) + eps (the biased std plus eps, 'one sqrt less') instead of sqrt(var + eps): training is right everywhere; eval outputs and gradients differ: a little at eps 1e-5 and unit variance (relative 5e-6: visible in float64, inside float32 tolerance), a lot with a large eps (0.1: 1/(1 + 0.1) against 1/sqrt(1.1) at var 1) or a small variance (var 1e-4, eps 1e-5: 1/(0.01001) against 1/sqrt(1.1e-4)); a constant item in eval gives add either way."),
    ("ln_rsqrt_half_newton_step", "check_layernorm", LNRsqrtHalfNewtonStep, "Computes 1/sqrt(var + eps) as a float16 rsqrt guess refined by one Newton step r0 * (1.5 - 0.5 * a * r0**2) ('fast inverse square root'): the result carries a relative error of about 1e-6 (the square of the half-precision error), so float32 outputs and gradients pass a float32 tolerance while float64 outputs, x.grad and mult.grad are off by ~1e-6 relative (far outside float64 tolerance) in training and eval; items whose var + eps overflows or underflows float16 (var > 65504, or < 6e-8) are badly wrong in both dtypes (inf / 0 guess)."),
    ("ln_large_items_stats_in_half", "check_layernorm", LNLargeItemsStatsInHalf, "For items of 64 or more values (C*H*W >= 64) takes the mean and var from x.half() ('save memory'), then normalises the full-precision input with them: items of fewer than 64 values are right everywhere; for larger items outputs and gradients are off by about 1e-3 relative in float32 and float64 alike (worse for inputs with a large offset, inf / nan for values beyond 65504), in training and eval."),
    ("ln_rows_from_column_reshape", "check_layernorm", LNRowsFromColumnReshape, "Takes item i's statistics from row i of x.reshape(-1, N).t() (the flat batch cut into N columns, transposed): row i holds every N-th value of the whole batch, not item i's values: right for a batch of one; with N >= 2 outputs and gradients are wrong (each item normalised with statistics strided across all items), in training and eval."),
    ("bn_mults_abs_positive_gain", "check_batchnorm", BNMultsAbsPositiveGain, "Multiplies by mults.abs() ('a gain is a scale, keep it positive') instead of mults: running statistics always right; outputs and gradients right while every mult is >= 0 (a fresh layer included); a channel with a negative mult has its output's deviation sign flipped (y = -mults * xhat + adds), its x.grad negated and its mults.grad negated, in training and eval."),
    ("bn_eps_as_variance_floor", "check_batchnorm", BNEpsAsVarianceFloor, "Divides by sqrt(max(var, eps)) (eps used as a floor) instead of sqrt(var + eps), in training and eval: the running statistics are right; outputs and x.grad differ slightly everywhere (relative eps / (2 var): 1e-6 at eps 1e-5 and var 4, visible in float64, not in float32) and a lot with a large eps (0.1 at var 0.16: 1/sqrt(0.16) against 1/sqrt(0.26)) or a channel of variance below eps (its gradient through the variance is cut: x.grad right only for the centring part)."),
    ("bn_mean_only_in_training", "check_batchnorm", BNMeanOnlyInTraining, "Mean-only batch normalisation (Salimans & Kingma 2016) in training only: subtracts the batch mean but never divides by the batch std, while eval normalises as usual with the running mean and var: the running statistics and eval outputs and gradients are right; training outputs and mults.grad are right only for a channel whose var + eps = 1, and training x.grad is wrong even there (the variance's path to the input is missing); other channels' training outputs, x.grad and mults.grad are off by the factor sqrt(var + eps)."),
    ("bn_backward_adds_grad_averaged", "check_batchnorm", BNBackwardAddsGradAveraged, "A custom autograd.Function in training whose forward is right (outputs, running statistics, eval all right) and whose hand-written backward is right for x and mults, but gives adds.grad as the mean of the upstream gradient over (N, H, W) instead of its sum ('the bias gradient is the average error'): training adds.grad is the right one divided by N*H*W (every training configuration, as PyTorch's training needs N*H*W >= 2); mults.grad and x.grad right; eval gradients (autograd) right."),
    ("in_std_from_interquartile_range", "check_instancenorm", INStdFromInterquartileRange, "Estimates each plane's std as its interquartile range / 1.349 (torch.quantile 0.25 and 0.75, exact only in expectation for Gaussian data) instead of the root mean squared deviation; the mean is right: constant planes right; every other plane is scaled wrongly (by tens of percent on small planes, more for skewed or heavy-tailed ones): outputs, x.grad and mults.grad wrong in training and eval, float32 and float64 (the gradient flows only through the quartile values)."),
    ("in_var_about_median", "check_instancenorm", INVarAboutMedian, "Takes each plane's variance as the mean squared deviation about the plane's MEDIAN ('robust to outliers') while centring with the mean: right for planes whose median equals their mean (constant or symmetric planes, 2-pixel planes with torch's lower median excepted); skewed planes get a variance too big by (mean - median)**2: outputs and gradients wrong, in training and eval, float32 and float64."),
    ("in_mean_drops_min_and_max", "check_instancenorm", INMeanDropsMinAndMax, "Centres each plane with the mean of its values without the minimum and the maximum (a trimmed mean, 'robust to hot and dead pixels'; the variance taken about that centre): right for constant planes, planes of 2 pixels (falls back to the plain mean) and planes whose min and max are symmetric about the mean; every other plane (skewed data, one outlier) has wrong outputs and gradients, in training and eval."),
    ("in_gain_one_plus_mults", "check_instancenorm", INGainOnePlusMults, "Uses 1 + mults as the gain ('residual gain, zero means identity') instead of mults: every output is off by exactly xhat (a fresh layer gives 2 * xhat + adds), so outputs and x.grad are wrong for any mults (right only for constant planes, xhat = 0); mults.grad and adds.grad right (sum of g * xhat, sum of g), in training and eval."),
    ("gn_leave_one_channel_out", "check_groupnorm", GNLeaveOneChannelOut, "Normalises each channel with the mean and biased var of the OTHER channels of its group ('no self-normalisation bias'), not of the whole group: right when each group has one channel (groups = C, it falls back to the group's own statistics); with 2+ channels per group outputs and gradients are wrong wherever the channels of a group differ (shifted or differently spread channels), in training and eval."),
    ("gn_stats_from_2x2_pooled_image", "check_groupnorm", GNStatsFrom2x2PooledImage, "When both H and W are at least 4 takes each group's mean and var from F.avg_pool2d(x, 2) ('big images: statistics from a 2x2-pooled copy'), then normalises the full image with them: images with H or W below 4 are right everywhere; larger ones get a smaller variance (the within-block spread is lost) and, for odd sizes, a mean without the last row / column: outputs and gradients wrong, in training and eval, float32 and float64."),
    ("gn_std_from_range_sqrt12", "check_groupnorm", GNStdFromRangeSqrt12, "Estimates each group's std as (max - min) / sqrt(12) (the std of a uniform distribution over the group's range) instead of the root mean squared deviation; the mean is right: constant groups right; every other group is scaled wrongly (Gaussian groups of 60 values: range/sqrt(12) about 1.3x the std): outputs and gradients wrong, in training and eval (gradient flows only through the min and max)."),
    ("gn_eps_squared", "check_groupnorm", GNEpsSquared, "Adds eps**2 instead of eps to the group variance ('eps guards the std: square it for the variance'): small difference at eps 1e-5 and unit variance (relative 5e-6, visible in float64, not in float32), large with a large eps (0.1: var + 0.01 instead of var + 0.1) or a nearly flat group; constant groups give adds either way (0 over anything); in training and eval, every group count."),
]

RIGHT = [
    ("ewma_pairwise_scatter", "check_ewma", ewma_pairwise_scatter,
     "itertools.pairwise over the step indices; each new average written out of place with Tensor.scatter into a preallocated output."),
    ("ln_torch_cov_per_item", "check_layernorm", LNTorchCovPerItem,
     "each item's variance as torch.cov of its flattened values (one variable, correction 0), items looped and stacked."),
    ("bn_split_channel_slices", "check_batchnorm", BNSplitChannelSlices,
     "torch.split into one-channel slices, each slice's whole-tensor mean and mean squared deviation stacked; running buffers moved with mul_ and add_(alpha=mom)."),
    ("in_einsum_plane_moments", "check_instancenorm", INEinsumPlaneMoments,
     "plane sums by torch.einsum('nchw->nc') and the centred second moment by einsum('nchw,nchw->nc')."),
    ("gn_instance_norm_tall_planes", "check_groupnorm", GNInstanceNormTallPlanes,
     "each group's channels stacked into one tall (cpg*H, W) plane and normalised by F.instance_norm, then the per-channel affine."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
