"""Seventy-sixth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, meant to differ from those listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py and /work/heldout43 ... /work/heldout75.
       Every one changes a computed number (an output, a gradient, a running statistic, an eval output).
RIGHT: 5 (name, checker, obj, style) correct answers.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` exists for the harnesses (this set keeps no module-level state).
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


def reset_state():
    pass


# ====================================================================== EWMA (wrong)

def ewma_restart_on_sign_change(values, mom):
    avg, out = values[0], []
    for v in values:                                                # "a sign change is a new regime: restart the average
        if bool((v * avg) < 0):                                     #  at the new value"
            avg = v
        else:
            avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_seed_mean_of_first_three(values, mom):
    avg, out = values[:3].mean(), []                                # "warm start: seed with the mean of the first readings,
    for v in values:                                                #  one value is too noisy"
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_outputs_rolled_by_one(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.roll(torch.stack(out), 1, 0)                       # "a ring buffer: the newest goes in slot 0"


def ewma_history_detached_for_high_mom(values, mom):
    avg, out = values[0], []
    for v in values:                                                # "with mom >= 0.5 the history hardly matters: cut the
        if mom >= 0.5:                                              #  graph through it to save memory"
            avg = avg.detach()
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


class LNAddBeforeNormalising(_LNBase):
    def forward(self, x):
        x = x + self.add                                            # "shift first, then normalise and scale"
        m, v = self.stats(x)
        return (x - m) / (v + self.eps).sqrt() * self.mult


class _LNSwappedProjection(torch.autograd.Function):
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
        xhat, r, mult = ctx.saved_tensors                           # the two projection means swapped
        gx = mult * r * (g - (g * xhat).mean((1, 2, 3), keepdim=True) - xhat * g.mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardProjectionMeansSwapped(_LNBase):
    def forward(self, x):
        return _LNSwappedProjection.apply(x, self.mult, self.add, self.eps)


class LNStatsHannWeighted(_LNBase):
    def stats(self, x):
        h, w = x.shape[2:]                                          # "a Hann window, as in spectral estimation: the image
        wh = torch.hann_window(h + 2, periodic=False, dtype=x.dtype)[1:-1]   # border counts less in the statistics"
        ww = torch.hann_window(w + 2, periodic=False, dtype=x.dtype)[1:-1]
        wt = (wh[:, None] * ww[None, :]).expand_as(x[0])
        wt = wt / wt.sum() * x.shape[1]
        wt = wt / wt.sum()
        m = (x * wt).sum((1, 2, 3), keepdim=True)
        v = ((x - m) ** 2 * wt).sum((1, 2, 3), keepdim=True)
        return m, v


class LNMultCappedAtOne(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "a gain above 1 would undo the normalisation"
        return (x - m) / (v + self.eps).sqrt() * self.mult.clamp(max=1.0) + self.add


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


class BNBesselSkippedForFloat32(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        f = 1.0 if x.dtype == torch.float32 else n / (n - 1)        # "in float32 the Bessel factor is below the noise"
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * f, self.mom)


class BNEvalAddsScaledByRunningStd(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        s = (self.vars + self.eps).sqrt()                           # "at inference put the shift back in input units"
        return (x - self.means) / s * self.mults + self.adds * s


class BNStatsDropMinMaxPixel(_BNBase):
    def stats(self, x):
        c = x.shape[1]                                              # "robust to one dead and one hot pixel: drop each
        cols = x.transpose(0, 1).reshape(c, -1)                     #  channel's smallest and largest value"
        s = cols.sort(1).values[:, 1:-1]
        return (s.mean(1).view(1, c, 1, 1), s.var(1, correction=0).view(1, c, 1, 1))

    def update(self, x, m, v):
        n = x.numel() / x.shape[1] - 2
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)


class _BNMissingWidth(torch.autograd.Function):
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
        xhat, r, mults = ctx.saved_tensors                          # the projection means over (N, H) only
        gx = mults * r * (g - g.mean((0, 2), keepdim=True) - xhat * (g * xhat).mean((0, 2), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class BNBackwardMeansMissingWidth(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNMissingWidth.apply(x, self.mults, self.adds, self.eps)


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


class INEvalStatsOfBatchMeanImage(_INBase):
    def stats(self, x):
        if self.training:
            return super().stats(x)
        xm = x.mean(0, keepdim=True)                                # "at test time: the statistics of the batch's mean
        return xm.mean((2, 3), keepdim=True), xm.var((2, 3), keepdim=True, correction=0)   #  image, steadier"


class INStdFloat64NoGradForFloat32(_INBase):
    def forward(self, x):
        m, v = self.stats(x)
        if x.dtype == torch.float32:                                # "float32 variance is imprecise: recompute the std in
            with torch.no_grad():                                   #  float64 and cast back"
                s = (x.double().var((2, 3), keepdim=True, correction=0) + self.eps).sqrt().float()
        else:
            s = (v + self.eps).sqrt()
        return (x - m) / s * self.mults + self.adds


class INEpsAnnealedPerCall(_INBase):
    def __init__(self, nf, eps=1e-5):
        super().__init__(nf, eps)
        self.calls = 0

    def forward(self, x):
        m, v = self.stats(x)                                        # "anneal eps as training goes: 0.5 ** calls"
        eps = self.eps * 0.5 ** self.calls
        if self.training:
            self.calls += 1
        return (x - m) / (v + eps).sqrt() * self.mults + self.adds


class INVarOverHWPlusOne(_INBase):
    def stats(self, x):
        m = x.mean((2, 3), keepdim=True)                            # "the minimum-MSE variance estimator divides by n + 1"
        k = x.shape[2] * x.shape[3]
        return m, ((x - m) ** 2).sum((2, 3), keepdim=True) / (k + 1)


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


class GNNonPowerOfTwoGroupsAsLayerNorm(_GNBase):
    def forward(self, x):
        g = self.groups                                             # "group counts are powers of two; anything else is a
        if g & (g - 1):                                             #  mistake: fall back to one group"
            g = 1
        return self.norm(x, g) * self.mults + self.adds


class _GNEpsOutside(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        n = x.shape[0]
        xg = x.reshape(n, groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        xhat = ((xg - m) * (v + eps).rsqrt()).reshape(x.shape)
        ctx.save_for_backward(xhat, v, mults)
        ctx.groups, ctx.eps = groups, eps
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, v, mults = ctx.saved_tensors
        n, G = g.shape[0], ctx.groups
        r = 1 / (v.sqrt() + ctx.eps)                                # rstd recomputed as 1/(std + eps) in the backward
        gy = (g * mults).reshape(n, G, -1)
        xh = xhat.reshape(n, G, -1)
        gx = r * (gy - gy.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True))
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardRstdEpsOutsideSqrt(_GNBase):
    def forward(self, x):
        return _GNEpsOutside.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNAddsGradMeanOverPixelsHook(_GNBase):
    def forward(self, x):
        hw = x.shape[2] * x.shape[3]
        y = self.norm(x) * self.mults
        if self.adds.requires_grad and torch.is_grad_enabled():     # "a bias gradient summed over pixels is too big"
            return y + self.adds * (1.0 / hw) + (self.adds - self.adds * (1.0 / hw)).detach()
        return y + self.adds


class GNCentredByGroupMidrange(_GNBase):
    def norm(self, x, groups=None):
        xg = x.reshape(x.shape[0], self.groups, -1)                 # "centre each group on the middle of its range"
        c = (xg.amax(-1, keepdim=True) + xg.amin(-1, keepdim=True)) / 2
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - c) / (v + self.eps).sqrt()).reshape(x.shape)


# ====================================================================== RIGHT

def ewma_solve_triangular_bidiagonal(values, mom):
    n = values.shape[0]
    a = torch.eye(n, dtype=values.dtype) - (1 - mom) * torch.diag(torch.ones(n - 1, dtype=values.dtype), -1)
    b = values * mom
    b = torch.cat([values[:1], b[1:]])
    return torch.linalg.solve_triangular(a, b[:, None], upper=False).squeeze(1)


class LNLinearAveragingRow(nn.Module):
    """Means as F.linear of the flattened item with a constant 1/K averaging row."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        f = x.flatten(1)
        row = torch.full((1, f.shape[1]), 1.0 / f.shape[1], dtype=x.dtype)
        m = F.linear(f, row)
        d = f - m
        v = F.linear(d * d, row)
        return (d * (v + self.eps).rsqrt() * self.mult + self.add).view_as(x)


class BNAdaptivePoolMulAddBuffers(nn.Module):
    """Channel means as adaptive_avg_pool2d(.., 1) averaged over the batch; buffers updated with mul_ and add_."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            m = F.adaptive_avg_pool2d(x, 1).mean(0, keepdim=True)
            v = F.adaptive_avg_pool2d((x - m) ** 2, 1).mean(0, keepdim=True)
            n = x.shape[0] * x.shape[2] * x.shape[3]
            with torch.no_grad():
                self.means.mul_(1 - self.mom).add_(m * self.mom)
                self.vars.mul_(1 - self.mom).add_(v * (self.mom * n / (n - 1)))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INGlobalAvgPool(nn.Module):
    """Mean and mean squared deviation as F.avg_pool2d with a whole-image kernel."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        k = tuple(x.shape[2:])
        m = F.avg_pool2d(x, k)
        d = x - m
        v = F.avg_pool2d(d * d, k)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNSplitLayerNormCat(nn.Module):
    """torch.split of the channels into groups, F.layer_norm of each group (no affine), torch.cat back."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        parts = torch.split(x, x.shape[1] // self.groups, 1)
        y = torch.cat([F.layer_norm(p, p.shape[1:], eps=self.eps) for p in parts], 1)
        return y * self.mults + self.adds


WRONG = [
    ("ewma_restart_on_sign_change", "check_ewma", ewma_restart_on_sign_change, "Restarts the average at the new value whenever the value and the current average have opposite signs ('a new regime'): streams that never cross zero against the average (all positive, all negative, constant, 1-value) are right; at every sign change the output jumps to the value (and values.grad loses the history) instead of lerping: e.g. [1, -2, 3, 0.5] at any mom < 1 is wrong from output 1."),
    ("ewma_seed_mean_of_first_three", "check_ewma", ewma_seed_mean_of_first_three, "Seeds the average with values[:3].mean() instead of values[0]: 1-value and constant streams are right (also mom 1); for non-constant streams output 0 is lerp(mean3, v0, mom) not v0 and every later output carries (1-mom)**(t+1) * (mean3 - v0); values.grad wrong (values[1], values[2] get a share from the seed)."),
    ("ewma_outputs_rolled_by_one", "check_ewma", ewma_outputs_rolled_by_one, "Computes the right averages but returns torch.roll(out, 1) ('a ring buffer: newest in slot 0'): output[0] is the last average and output[t] is the average of step t-1: 1-value and constant streams are right; every other stream's outputs are shifted by one with the last wrapped to the front; values.grad is the right gradient for the correspondingly rolled upstream gradient."),
    ("ewma_history_detached_for_high_mom", "check_ewma", ewma_history_detached_for_high_mom, "For mom >= 0.5 detaches the running average before every update ('the history hardly matters'): outputs are right everywhere; mom < 0.5 is right everywhere; for mom >= 0.5 (except mom 1) values.grad keeps only the direct mom * g[t] share (values[0] only gets its first-step (1-mom) share + mom share), missing the carried (1-mom)**k terms."),
    ("ln_add_before_normalising", "check_layernorm", LNAddBeforeNormalising, "Adds `add` to the input before taking the statistics and normalising ('shift, then normalise and scale'): the shift cancels in the centring, so the output lacks the add term and add.grad is 0: outputs right only when add is 0 (a fresh layer); with add != 0 every output is off by -add; add.grad is 0 instead of sum(g) in every configuration (a fresh layer too); x.grad and mult.grad right everywhere."),
    ("ln_backward_projection_means_swapped", "check_layernorm", LNBackwardProjectionMeansSwapped, "Custom autograd.Function with a right forward (outputs, mult.grad, add.grad right) whose backward swaps the two projection means: x.grad = mult*r*(g - mean(g*xhat) - xhat*mean(g)) instead of mult*r*(g - mean(g) - xhat*mean(g*xhat)): right only when mean(g) == mean(g*xhat) per item (e.g. a zero upstream gradient); with a random upstream gradient every item's x.grad is wrong (and sum(x.grad) is no longer 0)."),
    ("ln_stats_hann_window_weighted", "check_layernorm", LNStatsHannWeighted, "Weights each pixel's contribution to the item's mean and variance by a 2-d Hann window over (H, W) ('the border counts less, as in spectral estimation'): right only for 1x1 images (and constant items); for any larger image mean and var are window-weighted: outputs and all gradients wrong (float32 and float64)."),
    ("ln_mult_capped_at_one", "check_layernorm", LNMultCappedAtOne, "Uses mult.clamp(max=1) in the forward ('a gain above 1 undoes the normalisation'): right for mult <= 1 (a fresh layer, mult 0.5, negative mult); with mult > 1 outputs and x.grad use gain 1 and mult.grad is 0."),
    ("bn_bessel_skipped_for_float32", "check_batchnorm", BNBesselSkippedForFloat32, "For float32 inputs the running var is lerped towards the biased batch variance (Bessel factor dropped, 'below float32 noise'): float64 right everywhere; float32 training outputs, gradients and the running mean right; float32 running var too small by the factor (n-1)/n on the update (visible for small n: 1x1 images, small batches, e.g. n = 4 gives 25%), so float32 eval after training is wrong; a fresh layer in eval is right."),
    ("bn_eval_adds_scaled_by_running_std", "check_batchnorm", BNEvalAddsScaledByRunningStd, "In eval multiplies the adds by the running std sqrt(vars + eps) ('put the shift back in input units'): training, running statistics and gradients right; a fresh layer's eval nearly right (std ~1, off by adds*eps/2) and exactly right with adds 0; after training (running var != 1) with nonzero adds the eval outputs and adds.grad are wrong; x.grad and mults.grad right."),
    ("bn_stats_drop_min_max_pixel", "check_batchnorm", BNStatsDropMinMaxPixel, "Takes each channel's training mean and var after dropping its smallest and largest value over (N, H, W) ('robust to a dead and a hot pixel'), and updates the running stats with those (Bessel with n-2): every training output, gradient, running statistic and eval after training is wrong for non-constant channels; a fresh layer in eval is right."),
    ("bn_backward_means_missing_width", "check_batchnorm", BNBackwardMeansMissingWidth, "Custom autograd.Function in training with a right forward (outputs, running stats, eval, mults/adds grads right) whose backward takes the projection means over (N, H) only, not (N, H, W): training x.grad right only for W = 1 images; wrong for every wider image; eval x.grad right."),
    ("in_eval_stats_of_batch_mean_image", "check_instancenorm", INEvalStatsOfBatchMeanImage, "In eval every image is normalised with the per-channel mean and variance of the batch's mean image x.mean(0) instead of its own: training right everywhere; eval of a batch of one right; eval with 2+ different images wrong (outputs and gradients)."),
    ("in_std_float64_no_grad_for_float32", "check_instancenorm", INStdFloat64NoGradForFloat32, "For float32 inputs the std is recomputed in float64 under torch.no_grad and cast back ('float32 variance is imprecise'): float64 right everywhere; float32 outputs and parameter gradients right (to float32 precision) but x.grad lacks the variance term (x.grad = mults*r*(g - mean(g)) per image): wrong for float32 only."),
    ("in_eps_annealed_per_call", "check_instancenorm", INEpsAnnealedPerCall, "Halves the eps after every training call (eps * 0.5**calls): the first call of a fresh layer (training or eval) is right; from the second call on the layer uses eps/2, eps/4, ...: visible at eps 0.1 or 1e-3 and for low-variance images (outputs and gradients), below float tolerance at eps 1e-5 on unit-variance images; eval calls do not count but use the annealed eps."),
    ("in_var_over_hw_plus_one", "check_instancenorm", INVarOverHWPlusOne, "Divides the sum of squared deviations by H*W + 1 ('minimum-MSE estimator') instead of H*W: constant images right; every other image's outputs are scaled by about sqrt((HW+1)/HW) (most visible for small images: 1x7, 2x2) and gradients wrong too."),
    ("gn_non_power_of_two_groups_as_layer_norm", "check_groupnorm", GNNonPowerOfTwoGroupsAsLayerNorm, "Falls back to one group (LayerNorm over C, H, W) when the number of groups is not a power of two: right for groups 1, 2, 4, 8...; with groups 3, 6, 12 outputs and gradients are those of a single group."),
    ("gn_backward_rstd_eps_outside_sqrt", "check_groupnorm", GNBackwardRstdEpsOutsideSqrt, "Custom autograd.Function with a right forward (outputs, mults/adds grads right) whose backward recomputes the rstd as 1/(sqrt(var) + eps) instead of 1/sqrt(var + eps): x.grad slightly wrong at eps 1e-5 (relative ~eps/sqrt(var)) and clearly wrong at eps 0.1 or 1e-3 and for low-variance groups."),
    ("gn_adds_grad_mean_over_pixels_hook", "check_groupnorm", GNAddsGradMeanOverPixelsHook, "Routes the adds through a straight-through rescale so that adds.grad is sum(g)/(H*W) ('a bias gradient summed over pixels is too big'): outputs, x.grad and mults.grad right everywhere; adds.grad divided by H*W (right only for 1x1 images)."),
    ("gn_centred_by_group_midrange", "check_groupnorm", GNCentredByGroupMidrange, "Centres each group on (max + min)/2 instead of its mean (variance still about the mean): right only for groups whose values are symmetric so midrange equals mean (constant groups, 2-value groups); otherwise outputs and gradients wrong."),
]

RIGHT = [
    ("ewma_solve_triangular_bidiagonal", "check_ewma", ewma_solve_triangular_bidiagonal,
     "the recursion as a unit lower-bidiagonal system solved by torch.linalg.solve_triangular."),
    ("ln_linear_averaging_row", "check_layernorm", LNLinearAveragingRow,
     "means as F.linear of the flattened item with a constant 1/K averaging row."),
    ("bn_adaptive_pool_mul_add_buffers", "check_batchnorm", BNAdaptivePoolMulAddBuffers,
     "channel means by adaptive_avg_pool2d(.., 1) averaged over the batch; buffers updated with mul_ and add_."),
    ("in_global_avg_pool", "check_instancenorm", INGlobalAvgPool,
     "mean and mean squared deviation as F.avg_pool2d with a whole-image kernel."),
    ("gn_split_layer_norm_cat", "check_groupnorm", GNSplitLayerNormCat,
     "torch.split into groups, F.layer_norm of each group without affine, torch.cat back."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
