"""Sixty-ninth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout68 (heldoutN.py).
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


def reset_state():
    pass


# ====================================================================== EWMA (wrong)

def ewma_mom_as_logit(values, mom):
    w = 1 / (1 + math.exp(-mom))                                    # "learnable EMAs keep the rate as a logit: the weight is
    avg, out = values[0], []                                        #  sigmoid(mom)"
    for v in values:
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


class _EWMATruncatedAdjoint(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values, mom):
        ctx.mom = mom
        avg, out = values[0], []
        for v in values:
            avg = torch.lerp(avg, v, mom)
            out.append(avg)
        return torch.stack(out)

    @staticmethod
    def backward(ctx, g):
        mom, n, K = ctx.mom, g.shape[0], 8                          # "a value's influence dies off geometrically: only the
        grads = torch.zeros_like(g)                                 #  next 8 outputs matter for its gradient"
        for t in range(n):
            w = (1 - mom) if t == 0 else mom
            acc = torch.zeros_like(g[0])
            decay = 1.0
            for s in range(t, min(n, t + K)):
                acc = acc + g[s] * decay
                decay *= (1 - mom)
            grads[t] = acc if t == 0 else mom * acc
            del w
        return grads, None


def ewma_backward_adjoint_truncated_to_8(values, mom):
    return _EWMATruncatedAdjoint.apply(values, mom)


def ewma_mom_one_holds_start(values, mom):
    if mom == 1:                                                    # "mom 1 = all momentum: the average never moves"
        return values[0].expand(len(values)).clone()
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_signed_envelope(values, mom):
    mag, out = values[0].abs(), []                                  # "smooth the magnitude (an envelope follower), keep the
    for v in values:                                                #  newest value's sign"
        mag = torch.lerp(mag, v.abs(), mom)
        out.append(mag * torch.sign(v))
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


class LNEpsScaledByMultSquared(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "eps lives in output units: scale it with the gain"
        return (x - m) / (v + self.eps * self.mult ** 2).sqrt() * self.mult + self.add


class LNEvalRstdCached(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self._rstd = None

    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        if self.training:
            self._rstd = None
            r = (x.var((1, 2, 3), keepdim=True, correction=0) + self.eps).rsqrt()
        elif self._rstd is None or self._rstd.shape != m.shape:     # "at inference the normaliser is a constant: compute it
            r = (x.var((1, 2, 3), keepdim=True, correction=0) + self.eps).rsqrt()   # once, reuse it"
            self._rstd = r.detach()
        else:
            r = self._rstd
        return (x - m) * r * self.mult + self.add


class LNRsqrtFirstOrderTaylor(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "the inputs are near unit variance: 1/sqrt(1 + u) is
        r = 1.5 - 0.5 * (v + self.eps)                              #  1 - u/2 to first order (no sqrt in the hot path)"
        return (x - m) * r * self.mult + self.add


class LNCountPixelsOnly(_LNBase):
    def stats(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        d = x - m
        return m, (d * d).sum((1, 2, 3), keepdim=True) / (x.shape[2] * x.shape[3])   # count H*W, the channels forgotten


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


class BNRunningUpdateSkipsNonPositiveGain(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        live = (self.mults.detach() > 0).view(1, -1, 1, 1)          # "a channel whose gain is <= 0 is dead after ReLU
        with torch.no_grad():                                       #  pruning: don't waste an update on it"
            self.means.copy_(torch.where(live, self.means.lerp(m, self.mom), self.means))
            self.vars.copy_(torch.where(live, self.vars.lerp(v * n / (n - 1), self.mom), self.vars))


class BNEvalCentredByItemMean(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        m = x.mean((2, 3), keepdim=True)                            # "at test time centre each image by its own channel means
        return self.normalise(x, m, self.vars)                      #  (robust to brightness shifts), scale by the running var"


class BNMeanOnlyWeightNormPaper(_BNBase):
    def forward(self, x):                                           # "mean-only batch normalisation (Salimans & Kingma):
        if self.training:                                           #  centre with the batch mean, no division by the std"
            m = x.mean((0, 2, 3), keepdim=True)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
        else:
            m = self.means
        return (x - m) * self.mults + self.adds


class BNRunningUpdateSkipsLastChannel(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            for c in range(self.means.shape[1] - 1):                # off by one: the last channel is never updated
                self.means[:, c].lerp_(m[:, c], self.mom)
                self.vars[:, c].lerp_(v[:, c] * n / (n - 1), self.mom)


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


class INAdaINBatchAverageStyle(_INBase):
    def forward(self, x):
        m, v = self.stats(x)
        xhat = (x - m) / (v + self.eps).sqrt()                      # "AdaIN: put back the batch's average style (mean and
        sm = m.mean(0, keepdim=True)                                #  std of each channel averaged over the images)"
        ss = (v + self.eps).sqrt().mean(0, keepdim=True)
        return (xhat * ss + sm) * self.mults + self.adds


class INStdMeanUnpackedSwapped(_INBase):
    def stats(self, x):
        m, s = torch.std_mean(x, (2, 3), correction=0, keepdim=True)    # std_mean returns (std, mean): unpacked the other
        return m, s * s                                                 # way round, "s" squared as the variance


class INStatsOfUnitRangeClamp(_INBase):
    def stats(self, x):
        return super().stats(x.clamp(0, 1))                         # "image pixels live in [0, 1]: clamp stray values first"


class INEpsTimesChannels(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "eps guards the whole image: one eps per channel, C in all"
        return (x - m) / (v + self.eps * x.shape[1]).sqrt() * self.mults + self.adds


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


class GNEpsTimesGroups(_GNBase):
    def norm(self, x, groups=None):
        xg = x.reshape(x.shape[0], self.groups, -1)                 # "eps for the whole item, summed over its groups"
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps * self.groups).sqrt()).reshape(x.shape)


class GNTinyGroupsItemVarFallback(_GNBase):
    def norm(self, x, groups=None):
        n = x.shape[0]
        xg = x.reshape(n, self.groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        if xg.shape[-1] < 8:                                        # "fewer than 8 values is too few for a variance: use the
            v = x.reshape(n, 1, -1).var(-1, keepdim=True, correction=0).expand_as(v)   # whole item's variance instead"
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


class GNSiLUFusedUNet(_GNBase):
    def forward(self, x):
        return F.silu(super().forward(x))                           # "GroupNorm is always followed by SiLU (diffusion UNets):
                                                                    #  fuse it into the layer"


class _GNSkipProjectionBackward(torch.autograd.Function):
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
        gy = (g * mults).reshape(n, G, -1)
        xh = xhat.reshape(n, G, -1)
        if gy.shape[-1] >= 32:                                      # "for large groups the mean and variance terms are
            gx = r * gy                                             #  O(1/n): skip them, it is faster"
        else:
            gx = r * (gy - gy.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True))
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardProjectionSkippedForLargeGroups(_GNBase):
    def forward(self, x):
        return _GNSkipProjectionBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


# ================================================================= RIGHT answers

def ewma_logspace_powers_gathered(values, mom):
    """The weights as powers of (1 - mom) from torch.logspace (base 1 - mom), gathered by the age t - s into a lower
    triangular matrix: mom * (1 - mom)**(t - s) for s >= 1, (1 - mom)**t for the start; out = W @ values."""
    n = len(values)
    p = torch.logspace(0, n - 1, n, base=1 - mom, dtype=values.dtype)          # (1 - mom)**k, k = 0 .. n-1
    t = torch.arange(n).view(-1, 1)
    s = torch.arange(n).view(1, -1)
    age = (t - s).clamp_min(0)
    w = p[age] * torch.where(s == 0, torch.ones((), dtype=values.dtype), torch.full((), mom, dtype=values.dtype))
    w = w * (s <= t).to(values.dtype)
    return w @ values


class LNComplexEpsImaginary(nn.Module):
    """The centred item packed as the real part and sqrt(eps) as the imaginary part of a complex tensor
    (torch.view_as_complex): the mean of |z|**2 is var + eps."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        d = x - x.mean((1, 2, 3), keepdim=True)
        z = torch.view_as_complex(torch.stack([d, torch.full_like(d, math.sqrt(self.eps))], -1).contiguous())
        std = (z.abs() ** 2).mean((1, 2, 3), keepdim=True).sqrt()
        return d / std * self.mult + self.add


class BNSolveExNormalEquations(nn.Module):
    """Each channel's mean and biased variance as the solutions of batched 1x1 normal equations n * m = sum(x) and
    n * v = sum(d**2), solved with torch.linalg.solve_ex; the running buffers updated with the solved values."""
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
            rows = x.transpose(0, 1).reshape(c, -1)                                  # (C, N*H*W)
            k = rows.shape[1]
            a = torch.full((c, 1, 1), float(k), dtype=x.dtype)
            m = torch.linalg.solve_ex(a, rows.sum(1).view(c, 1, 1))[0].view(1, c, 1, 1)
            d = x - m
            v = torch.linalg.solve_ex(a, (d * d).transpose(0, 1).reshape(c, -1).sum(1).view(c, 1, 1))[0].view(1, c, 1, 1)
            with torch.no_grad():
                self.means.mul_(1 - self.mom).add_(self.mom * m)
                self.vars.mul_(1 - self.mom).add_(self.mom * v * k / (k - 1))
        else:
            m, v = self.means, self.vars
            d = x - m
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class INPlaneLoopTorchDist(nn.Module):
    """Each (item, channel) plane in a Python loop: its spread as torch.dist(plane, its mean) (the 2-norm of the
    deviations) squared over the pixel count; the normalised planes stacked back."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        items = []
        for i in range(n):
            planes = []
            for j in range(c):
                p = x[i, j]
                m = p.mean()
                dist = torch.dist(p, m.expand_as(p))
                planes.append((p - m) / (dist * dist / (h * w) + self.eps).sqrt())
            items.append(torch.stack(planes))
        return torch.stack(items) * self.mults + self.adds


class GNNormWithEpsCoordinate(nn.Module):
    """Each group's centred values with one extra coordinate sqrt(eps * K) appended: torch.linalg.norm of that row,
    divided by sqrt(K), is sqrt(var + eps)."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n = x.shape[0]
        xg = x.reshape(n, self.groups, -1)
        k = xg.shape[-1]
        d = xg - xg.mean(-1, keepdim=True)
        extra = torch.full((n, self.groups, 1), math.sqrt(self.eps * k), dtype=x.dtype)
        std = torch.linalg.norm(torch.cat([d, extra], -1), dim=-1, keepdim=True) / math.sqrt(k)
        return (d / std).reshape(x.shape) * self.mults + self.adds


WRONG = [
    ("ewma_mom_as_logit", "check_ewma", ewma_mom_as_logit, "Treats mom as a logit and lerps with weight sigmoid(mom) ('learnable EMAs keep the rate as a logit') instead of mom itself: the weight is always between 0.5 (mom 0) and 0.731 (mom 1), so mom 0.1 smooths with 0.525, mom 0.9 with 0.711, mom 0 with 0.5 and mom 1 with 0.731: output 0, 1-value and constant streams are right (outputs; values.grad of a constant stream is wrong); every non-constant stream's outputs from output 1 on and values.grad are wrong at every mom."),
    ("ewma_backward_adjoint_truncated_to_8", "check_ewma", ewma_backward_adjoint_truncated_to_8, "A custom autograd.Function whose forward is the right lerp loop (every output right) but whose hand-written backward keeps only the next 8 outputs' contributions to each value's gradient ('the influence dies off geometrically'): values.grad[t] sums g[s] * weight for s = t .. t+7 only. Streams of up to 8 values are right everywhere, and so is mom = 1 (the dropped weights are 0); on streams of 9+ values values.grad is wrong for the early values (t <= n - 9), by the dropped tail (1 - mom)**8 * ...: large at mom 0.1 (0.43 of the tail), tiny (~1e-8) at mom 0.9."),
    ("ewma_mom_one_holds_start", "check_ewma", ewma_mom_one_holds_start, "Treats mom == 1 as 'all momentum: the average never moves' and returns values[0] repeated (values[0].expand(n)) instead of the values themselves: every mom < 1 is right (outputs and values.grad); at mom = 1 every output after the first is values[0] instead of values[t] (wrong unless the stream is constant), and values.grad puts the whole sum of g on values[0] instead of g[t] on each value (wrong even for a constant stream of 2+ values)."),
    ("ewma_signed_envelope", "check_ewma", ewma_signed_envelope, "Smooths the magnitudes (an envelope follower: mag = lerp(mag, |v|, mom), starting at |values[0]|) and gives each output the newest value's sign (mag * sign(v)): a stream of one sign (all positive or all negative) is right everywhere (outputs and values.grad); a mixed-sign stream is wrong from the first sign change on (e.g. [1, -2, 3] at mom 0.5 gives [1, -1.5, 2.25] not [1, -0.5, 1.25]), a value of exactly 0 gives output 0, and values.grad is wrong there."),
    ("ln_eps_scaled_by_mult_squared", "check_layernorm", LNEpsScaledByMultSquared, "Adds eps * mult**2 to the variance instead of eps ('eps lives in output units: scale it with the gain'): right whenever mult is +1 or -1 (a fresh layer) and, to float32 accuracy, wherever var >> eps; with another mult (0.3, 1.7) the effective eps differs: visible in float64 at eps 1e-5, clearly wrong with a large eps (0.1) or a low-variance item; mult.grad gets an extra term through eps * mult**2 (wrong even where outputs look right), training and eval alike."),
    ("ln_eval_rstd_cached", "check_layernorm", LNEvalRstdCached, "In eval computes each item's 1/sqrt(var + eps) on the first eval call (per input shape), stores it (detached) and reuses it on every later eval call of that shape ('at inference the normaliser is constant'); the means are recomputed, training clears the cache: training is right everywhere, and so is the first eval call after training (outputs and gradients); a second eval call with different data of the same shape is normalised with the first call's per-item std (wrong outputs, x.grad, mult.grad), and even the same data again gets a wrong x.grad (the variance term missing, r held constant)."),
    ("ln_rsqrt_first_order_taylor", "check_layernorm", LNRsqrtFirstOrderTaylor, "Replaces 1/sqrt(var + eps) by its first-order Taylor expansion about 1, 1.5 - 0.5 * (var + eps) ('inputs are near unit variance: no sqrt in the hot path'): right only for an item with var + eps exactly 1; already an item with var 0.5 gets 1.25 instead of 1.414, var 4 gets -0.5 (the output flips sign), so outputs and all gradients are wrong for general inputs, training and eval alike (a constant item still gives add)."),
    ("ln_count_pixels_only", "check_layernorm", LNCountPixelsOnly, "Computes the variance as the sum of squared deviations over (C, H, W) divided by H*W (the channel count left out of the count): the variance is C times too big, so each output is about (x - mean) / sqrt(C * var + eps): right for single-channel inputs (C = 1) everywhere; for C >= 2 outputs are ~1/sqrt(C) of the right ones (and eps differs in effect), outputs and gradients wrong, training and eval alike."),
    ("bn_running_update_skips_non_positive_gain", "check_batchnorm", BNRunningUpdateSkipsNonPositiveGain, "Skips the running-statistics update of every channel whose mult is <= 0 ('a channel with a non-positive gain is dead after ReLU: prune its update'): training outputs and gradients are right everywhere, and so are the running statistics and eval of channels with positive mults (a fresh layer, mults 1, is right everywhere); a channel with a zero or negative mult keeps its running mean 0 and var 1 (or whatever it had) while training, so its running statistics and eval outputs after training are wrong."),
    ("bn_eval_centred_by_item_mean", "check_batchnorm", BNEvalCentredByItemMean, "In eval centres each image by its own per-channel mean over (H, W) ('robust to brightness shifts') instead of the running mean, still dividing by sqrt(running var + eps): training outputs, gradients and running statistics are right; every eval output is wrong unless each item's channel mean equals the running mean, and eval x.grad is wrong (a centring term appears that eval must not have); a fresh layer in eval with zero-mean images is wrong too."),
    ("bn_mean_only_weight_norm_paper", "check_batchnorm", BNMeanOnlyWeightNormPaper, "Mean-only batch normalisation (Salimans & Kingma's weight-normalisation paper) applied as BatchNorm: centres with the batch mean (training) or running mean (eval), never divides by the std, never updates the running var: the running mean is right; the running var stays 1 forever (wrong after any step); training outputs and x.grad are wrong unless the channel's batch var + eps is 1 (they are not divided by sqrt(var + eps)); eval is wrong unless the running var + eps would be 1."),
    ("bn_running_update_skips_last_channel", "check_batchnorm", BNRunningUpdateSkipsLastChannel, "Updates the running statistics channel by channel in a loop range(C - 1) (off by one): training outputs and gradients are right, and so are the running mean and var of every channel but the last; the last channel's running mean and var never move from 0 and 1, so its eval output after training is wrong; a single-channel layer never updates at all; a fresh layer in eval is right."),
    ("in_adain_batch_average_style", "check_instancenorm", INAdaINBatchAverageStyle, "AdaIN with the batch's average style: after normalising each plane it multiplies by the channel's std averaged over the images (sqrt(var + eps)) and adds the channel's mean averaged over the images, then applies mults and adds: right only where the channel's image-averaged mean is 0 and image-averaged sqrt(var + eps) is 1 (planes already standardised); in general every output is wrong (a batch whose images share each channel's mean and std gets x * mults + adds back) (a batch of one gives back x * mults + adds: no normalisation at all); outputs and gradients wrong, float32 and float64."),
    ("in_std_mean_unpacked_swapped", "check_instancenorm", INStdMeanUnpackedSwapped, "Unpacks torch.std_mean(x, (2, 3)) as (mean, std) although it returns (std, mean): centres each plane by its std and divides by sqrt(mean**2 + eps): wrong outputs and gradients for practically every input (a zero-mean plane is divided by sqrt(eps) and shifted by its std; a constant plane c gives c / sqrt(c**2 + eps) * mults + adds instead of adds), float32 and float64 alike."),
    ("in_stats_of_unit_range_clamp", "check_instancenorm", INStatsOfUnitRangeClamp, "Takes each plane's mean and var from a copy clamped to [0, 1] ('pixels live in [0, 1]') and normalises the original with them: inputs entirely within [0, 1] (torch.rand images) are right everywhere (outputs and gradients); any plane with a value outside [0, 1] (randn inputs, negative or > 1 values) gets wrong statistics, so wrong outputs, and its x.grad misses the statistics' dependence on the clamped pixels."),
    ("in_eps_times_channels", "check_instancenorm", INEpsTimesChannels, "Adds eps * C (one eps per channel of the image) to each plane's variance instead of eps: right for single-channel inputs (C = 1) everywhere; with C >= 2 the effective eps is C times too big: visible in float64 at eps 1e-5, clearly wrong with eps 0.1 or a flat or low-variance plane (outputs and gradients), float32 at eps 1e-5 with var ~1 only to ~1e-5 relative."),
    ("gn_eps_times_groups", "check_groupnorm", GNEpsTimesGroups, "Adds eps * groups to each group's variance ('eps for the whole item, summed over its groups') instead of eps: right with one group (groups = 1); with 2+ groups the effective eps is groups times too big: visible in float64 at eps 1e-5, clearly wrong with eps 0.1 or a low-variance group (outputs and gradients), training and eval alike."),
    ("gn_tiny_groups_item_var_fallback", "check_groupnorm", GNTinyGroupsItemVarFallback, "When a group has fewer than 8 values (cpg * H * W < 8) uses the whole item's variance for it ('too few values for a variance'), still centring with the group mean: groups of 8+ values are right everywhere; tiny groups (e.g. 1 channel per group on a 2x2 or 1x5 image, 2 channels on 1x3) get the item's variance: outputs and gradients wrong there unless the group's variance equals the item's (a single group, groups = 1, is right)."),
    ("gn_silu_fused_unet", "check_groupnorm", GNSiLUFusedUNet, "Applies SiLU to the GroupNorm output ('GroupNorm is always followed by SiLU in diffusion UNets: fuse it'): every output is silu(y) = y * sigmoid(y) instead of y: wrong everywhere (y = 0 stays 0, positive outputs shrink by sigmoid, negatives are squashed towards 0 with a minimum of -0.278), outputs and all gradients, training and eval alike."),
    ("gn_backward_projection_skipped_for_large_groups", "check_groupnorm", GNBackwardProjectionSkippedForLargeGroups, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right everywhere) and whose hand-written backward is right for groups of fewer than 32 values, but for groups of 32+ values (cpg * H * W >= 32) drops the centring and projection terms ('they are O(1/n), skip them'): x.grad = mults * r * g there: wrong x.grad for large groups (e.g. 2 groups of 6 channels on 3x4 or 4x5 images, 1 group of 4 channels on 4x4: the per-group sums of x.grad are not zero), right for small groups (3 groups of 6 channels on 2x2, 1 group of 4 channels on 2x3)."),
]

RIGHT = [
    ("ewma_logspace_powers_gathered", "check_ewma", ewma_logspace_powers_gathered,
     "powers of (1 - mom) from torch.logspace(base = 1 - mom), gathered by age into a lower triangular weight matrix, out = W @ values."),
    ("ln_complex_eps_imaginary", "check_layernorm", LNComplexEpsImaginary,
     "the centred item as the real part and sqrt(eps) as the imaginary part of a complex tensor (torch.view_as_complex): mean |z|**2 = var + eps."),
    ("bn_solve_ex_normal_equations", "check_batchnorm", BNSolveExNormalEquations,
     "each channel's mean and biased variance as solutions of batched 1x1 normal equations with torch.linalg.solve_ex; running buffers by mul_/add_."),
    ("in_plane_loop_torch_dist", "check_instancenorm", INPlaneLoopTorchDist,
     "a Python loop over (item, channel) planes; each plane's spread from torch.dist(plane, its mean); planes stacked back."),
    ("gn_norm_with_eps_coordinate", "check_groupnorm", GNNormWithEpsCoordinate,
     "each group's centred row with an extra coordinate sqrt(eps * K); torch.linalg.norm of it over sqrt(K) is sqrt(var + eps)."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
