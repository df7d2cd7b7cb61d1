"""Sixty-fourth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout62 (heldoutN.py).
       Every one changes a computed number, an output's dtype, a gradient or a running statistic.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` is there for the harnesses (nothing in this set keeps module-level state).
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

def ewma_restart_on_trend_reversal(values, mom):
    avg, out = values[0], []                                        # "at a turning point the old average only lags:
    for t, v in enumerate(values):                                  #  restart it from the value where the trend reverses"
        if t >= 2 and bool((values[t] - values[t - 1]) * (values[t - 1] - values[t - 2]) < 0):
            avg = v
        else:
            avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_small_mom_linearised(values, mom):
    n = len(values)
    if mom >= 0.2:
        avg, out = values[0], []
        for v in values:
            avg = torch.lerp(avg, v, mom)
            out.append(avg)
        return torch.stack(out)
    k = torch.arange(n, dtype=values.dtype)                         # "small mom: (1 - mom)**k is 1 - k*mom to first order,
    d = (1 - k * mom).clamp_min(0)                                  #  no powers needed" (weights clamped at 0)
    out = []
    for t in range(n):
        out.append(d[t] * values[0] + mom * (d[:t].flip(0) * values[1:t + 1]).sum())
    return torch.stack(out)


def ewma_even_reflection_warmup(values, mom):
    k = min(3, len(values) - 1)                                     # "filtfilt-style padding: warm the average up on the
    pad = values[1:k + 1].flip(0)                                   #  first values mirrored in front of the stream, so
    avg = pad[0] if k > 0 else values[0]                            #  that it does not start cold"
    for v in pad[1:]:
        avg = torch.lerp(avg, v, mom)
    out = []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_one_euro_speed_adaptive(values, mom):
    avg, out = values[0], [values[0]]                               # "the One-Euro filter: raise the cutoff with the speed
    for t in range(1, len(values)):                                 #  of the signal, so fast moves are followed with less
        v = values[t]                                               #  lag (r = mom/(1-mom) times 1 + |dv|)"
        if mom >= 1:
            avg = v
        else:
            s = 1 + (v - values[t - 1]).abs()
            avg = avg + mom * s / (1 - mom + mom * s) * (v - avg)
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


class LNEpsPerChannelSummed(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "eps is per channel: an item of C channels gets C eps"
        return (x - m) / (v + self.eps * x.shape[1]).sqrt() * self.mult + self.add


class LNChannelTilesOfFour(_LNBase):
    def forward(self, x):
        outs = []                                                   # "wide items: normalise 4 channels at a time so each
        for xs in x.split(4, dim=1):                                #  tile stays in cache"
            outs.append(super().forward(xs))
        return torch.cat(outs, 1)


class LNOutputGradAveragedOverItems(_LNBase):
    def forward(self, x):
        y = super().forward(x)
        if y.requires_grad:                                         # "the loss sums over the items: average the gradient
            n = x.shape[0]                                          #  over the batch here so that it does not depend on
            y.register_hook(lambda g: g / n)                        #  the batch size"
        return y


class LNEvalComputedInFloat64(_LNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        xd = x.double()                                             # "inference in double for reproducible outputs"
        m, v = xd.mean((1, 2, 3), keepdim=True), xd.var((1, 2, 3), keepdim=True, correction=0)
        return (xd - m) / (v + self.eps).sqrt() * self.mult.double() + self.add.double()


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


class BNModeFromGradEnabled(_BNBase):
    def forward(self, x):
        if torch.is_grad_enabled():                                 # "training is when autograd is on; inference runs
            m, v = self.stats(x)                                    #  under torch.no_grad"
            self.update(x, m, v)
            return self.normalise(x, m, v)
        return self.normalise(x, self.means, self.vars)


class BNTaskNormInstanceBlend(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        mb, vb = self.stats(x)                                      # "TaskNorm-I: small batches are unreliable, blend the
        self.update(x, mb, vb)                                      #  batch moments with each image's own moments,
        n = x.shape[0]                                              #  alpha = N / (N + 1)"
        a = n / (n + 1)
        mi = x.mean((2, 3), keepdim=True)
        vi = x.var((2, 3), keepdim=True, correction=0)
        m = a * mb + (1 - a) * mi
        v = a * (vb + (mb - m) ** 2) + (1 - a) * (vi + (mi - m) ** 2)
        return self.normalise(x, m, v)


class BNLeaveOneItemOutStats(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        mb, vb = self.stats(x)
        self.update(x, mb, vb)
        n = x.shape[0]
        if n == 1:
            return self.normalise(x, mb, vb)
        s1 = x.sum((0, 2, 3), keepdim=True)                         # "an image must not see itself in its statistics:
        s2 = (x * x).sum((0, 2, 3), keepdim=True)                   #  normalise each image with the moments of the
        k = x.shape[2] * x.shape[3]                                 #  other images of the batch"
        o1 = s1 - x.sum((2, 3), keepdim=True)
        o2 = s2 - (x * x).sum((2, 3), keepdim=True)
        cnt = (n - 1) * k
        m = o1 / cnt
        v = o2 / cnt - m * m
        return self.normalise(x, m, v)


class BNOnePixelFastPathMomentumComplement(_BNBase):
    def forward(self, x):
        if x.shape[2] * x.shape[3] != 1:
            return super().forward(x)
        return F.batch_norm(x, self.means.view(-1), self.vars.view(-1), self.mults.view(-1), self.adds.view(-1),
                            self.training, 1 - self.mom, self.eps)   # "1x1 images are plain features: F.batch_norm,
                                                                    #  whose momentum is the decay (1 - mom)"


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


class INReductionDimsRangeOneShort(_INBase):
    def stats(self, x):
        dims = tuple(range(2, x.dim() - 1))                         # "the spatial dims: from 2 to the end" written one short
        return x.mean(dims, keepdim=True), x.var(dims, keepdim=True, correction=0)   # (over H only, per column)


class INNonSquareResizedForStats(_INBase):
    def stats(self, x):
        h, w = x.shape[2:]
        if h != w:                                                  # "the statistics kernel wants square planes: resize
            s = max(h, w)                                           #  (bilinear) to a square first"
            x = F.interpolate(x, size=(s, s), mode='bilinear', align_corners=False)
        return super().stats(x)


class INTrainEpsAddedToStd(_INBase):
    def forward(self, x):
        m, v = self.stats(x)
        if self.training:                                           # training: eps added to the std (to keep the division
            return (x - m) / (v.sqrt() + self.eps) * self.mults + self.adds   # safe), eval: eps inside the sqrt
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INCentredPerPixelAcrossChannels(_INBase):
    def stats(self, x):                                             # the mean taken over dim 1 (read as the pixels), the
        return x.mean(1, keepdim=True), x.var((2, 3), keepdim=True, correction=0)   # variance over (2, 3)


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x, correction=0):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=correction)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class GNEpsPerPixelSummed(_GNBase):
    def forward(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)                 # "eps is per pixel: summed over the image plane"
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        e = self.eps * x.shape[2] * x.shape[3]
        return ((xg - m) / (v + e).sqrt()).reshape(x.shape) * self.mults + self.adds


class GNBatchOfOneAsLayerNorm(_GNBase):
    def forward(self, x):
        if x.shape[0] == 1:                                         # "with a single image GroupNorm is just LayerNorm over
            return F.layer_norm(x, x.shape[1:], eps=self.eps) * self.mults + self.adds   # the image"
        return super().forward(x)


class GNMultsInitScaledByGroups(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        with torch.no_grad():                                       # "Fixup-style init: start the gains at 1/sqrt(G) so
            self.mults.fill_(1 / math.sqrt(groups))                 #  the residual branch starts small"


class GNEvalUnbiasedGroupVar(_GNBase):
    def forward(self, x):
        return self.norm(x, correction=0 if self.training else 1) * self.mults + self.adds   # eval: the unbiased
                                                                                              # estimate of the group var


# ========================================================================== RIGHT

class _EWMAAdjoint(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values, mom):
        ctx.mom = mom
        avg, out = values[0], []
        for v in values:
            avg = avg + mom * (v - avg)
            out.append(avg)
        return torch.stack(out)

    @staticmethod
    def backward(ctx, g):
        mom, n = ctx.mom, g.shape[0]
        gv = torch.empty_like(g)
        carry = torch.zeros_like(g[0])
        for t in range(n - 1, -1, -1):
            carry = g[t] + (1 - mom) * carry
            gv[t] = mom * carry
        gv[0] = carry                                                # values[0] seeds the average: the whole carry
        return gv, None


def ewma_adjoint_autograd_function(values, mom):
    """The lerp loop as an autograd.Function whose backward is the adjoint recursion
    carry_t = g_t + (1 - mom) carry_{t+1}, grad_t = mom carry_t (t >= 1), grad_0 = carry_0."""
    return _EWMAAdjoint.apply(values, mom)


class LNHypotNormEps(nn.Module):
    """sqrt(var + eps) as torch.hypot(||d||, sqrt(K * eps)) / sqrt(K), ||d|| the vector_norm of the centred item."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        k = x[0].numel()
        d = x - x.mean((1, 2, 3), keepdim=True)
        nrm = torch.linalg.vector_norm(d.flatten(1), dim=1)
        s = torch.hypot(nrm, torch.full_like(nrm, math.sqrt(k * self.eps))) / math.sqrt(k)
        return d / s.view(-1, 1, 1, 1) * self.mult + self.add


class BNLawOfTotalVariance(nn.Module):
    """Per-image channel moments first; the batch mean as the mean of the image means and the batch variance as the
    mean of the image variances plus the variance of the image means (equal-sized images)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            im = x.mean((2, 3), keepdim=True)
            iv = ((x - im) ** 2).mean((2, 3), keepdim=True)
            m = im.mean(0, keepdim=True)
            v = iv.mean(0, keepdim=True) + ((im - m) ** 2).mean(0, keepdim=True)
            n = x.shape[0] * x.shape[2] * x.shape[3]
            with torch.no_grad():
                self.means.copy_((1 - self.mom) * self.means + self.mom * m)
                self.vars.copy_((1 - self.mom) * self.vars + self.mom * v * (n / (n - 1)))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INAvgPool1dFlatPlanes(nn.Module):
    """Each plane flattened to a (N*C, 1, H*W) signal; its mean and mean squared deviation by F.avg_pool1d with a
    kernel as long as the plane."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        s = x.reshape(n * c, 1, h * w)
        m = F.avg_pool1d(s, h * w)
        d = s - m
        v = F.avg_pool1d(d * d, h * w)
        return (d / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


class GNSparseMembershipMM(nn.Module):
    """Per-channel sums, then group sums by torch.sparse.mm with a sparse (G, C) membership matrix; the group
    moments spread back to the channels by the transposed matrix."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        cpg = c // self.groups
        idx = torch.stack([torch.arange(c) // cpg, torch.arange(c)])
        memb = torch.sparse_coo_tensor(idx, torch.ones(c, dtype=x.dtype), (self.groups, c))
        k = cpg * h * w
        cs = x.sum((2, 3)).T                                         # (C, N)
        gm = torch.sparse.mm(memb, cs) / k                           # (G, N)
        m = torch.sparse.mm(memb.t(), gm).T.reshape(n, c, 1, 1)
        d = x - m
        gv = torch.sparse.mm(memb, (d * d).sum((2, 3)).T) / k
        v = torch.sparse.mm(memb.t(), gv).T.reshape(n, c, 1, 1)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_restart_on_trend_reversal", "check_ewma", ewma_restart_on_trend_reversal, "Restarts the average at the value wherever the stream's trend reverses ((v[t] - v[t-1]) * (v[t-1] - v[t-2]) < 0: 'at a turning point the old average only lags'): streams of 1 or 2 values, constant streams, monotone streams and mom 1 are right; on any stream with a turning point (e.g. [1, -2, 3, 0.5]) at mom < 1 the output at the reversal is the value itself instead of lerp(avg, v, mom), every later output inherits it, and values.grad is wrong (the reversal value gets the whole carry, the earlier values none of it)."),
    ("ewma_small_mom_linearised", "check_ewma", ewma_small_mom_linearised, "For mom < 0.2 replaces the decay (1 - mom)**k by its first-order approximation max(0, 1 - k*mom) in the closed form out_t = d_t * values[0] + mom * sum_s d_{t-s} * values[s] ('small mom: no powers needed'): mom >= 0.2 (0.3, 0.5, 0.9, 1) is right everywhere, and so are mom 0, 1-value streams and outputs 0 and 1 at any mom; for 0 < mom < 0.2 (0.1, 0.05) every output from 2 on is wrong (the weights no longer sum to 1: a constant stream of 1.5 gives 1.5 * (1 - mom**2) at output 2, 1.485 at mom 0.1) and values.grad too."),
    ("ewma_even_reflection_warmup", "check_ewma", ewma_even_reflection_warmup, "filtfilt-style warm-up: the average is seeded with values[k] and run over values[k-1], ..., values[1] (the first k = min(3, n-1) values after the start, mirrored) before the stream, instead of starting at values[0]: 1-value streams and mom 1 are right; constant streams have right outputs but wrong values.grad at mom < 1 (gradient leaks to values[1..k]); every other stream of 2+ values at mom < 1 has wrong outputs from output 0 on (output 0 is lerp(warm average, values[0], mom), not values[0]) and wrong values.grad."),
    ("ewma_one_euro_speed_adaptive", "check_ewma", ewma_one_euro_speed_adaptive, "One-Euro-style adaptive weight: at each step t >= 1 the weight is mom * s / (1 - mom + mom * s) with s = 1 + |v[t] - v[t-1]| (the cutoff raised with the signal's speed) instead of mom: right at mom 0, mom 1, on 1-value streams and on constant streams (outputs and values.grad, since |0| has zero derivative); on every stream with a change at 0 < mom < 1 the weight is larger than mom where the stream moves ([1, 3] at mom 0.5 gives output 1 = 1 + 2 * 0.75 = 2.5 instead of 2) and outputs and values.grad are wrong."),
    ("ln_eps_per_channel_summed", "check_layernorm", LNEpsPerChannelSummed, "Adds eps * C to each item's variance instead of eps ('eps per channel, an item of C channels gets C of them'): one-channel items (C = 1) are right everywhere and constant items give add; with C >= 2 outputs and x.grad, mult.grad are too small in training and eval, clearly with eps 0.1 or 1e-3 (C = 3, eps 0.1: sqrt(v + 0.3) instead of sqrt(v + 0.1)), and still about 1e-5 relative with eps 1e-5 and unit variance (visible in float64)."),
    ("ln_channel_tiles_of_four", "check_layernorm", LNChannelTilesOfFour, "Normalises each item in tiles of 4 channels (x.split(4, dim=1), each tile with its own mean and var: 'keeps the tile in cache') instead of over all the item's channels at once: right for items with at most 4 channels (C = 1..4) in every dtype and mode; with 5+ channels (C = 5, 6, 8) outputs and all gradients are wrong in training and eval whenever the tiles' moments differ (a channel-wise shifted input shows it)."),
    ("ln_output_grad_averaged_over_items", "check_layernorm", LNOutputGradAveragedOverItems, "Registers a hook on the output that divides the upstream gradient by the batch size ('average the loss over the items here'): outputs (training and eval) right everywhere, and every gradient right for a batch of one; for N >= 2 x.grad, mult.grad and add.grad are all the right ones divided by N (1/2, 1/4 ...), in training and eval alike."),
    ("ln_eval_computed_in_float64", "check_layernorm", LNEvalComputedInFloat64, "In eval computes in double and returns the float64 result ('reproducible inference'): training is right everywhere and so is eval on float64 inputs; eval on float32 inputs returns a float64 tensor (values right to float32 precision, dtype wrong; x.grad of a float32 input still float32), so a float32 layer in eval leaks float64 into the next layer."),
    ("bn_mode_from_grad_enabled", "check_batchnorm", BNModeFromGradEnabled, "Decides training vs inference by torch.is_grad_enabled() instead of self.training: calls in training mode with grad enabled and eval calls under torch.no_grad are right; an eval call with grad enabled (the usual eval call with a backward) normalises with the batch statistics and moves the running mean and var; a training call under torch.no_grad (e.g. computing statistics without a graph) uses the running statistics and does not update them: outputs, running statistics and x.grad wrong there."),
    ("bn_tasknorm_instance_blend", "check_batchnorm", BNTaskNormInstanceBlend, "TaskNorm-I in training: normalises each image with the blend a = N/(N+1) of the batch moments and the image's own moments (mean a*mb + (1-a)*mi, variance the blend of the two moments about that mean) instead of the batch moments: the running statistics (from the batch moments) and eval are right, and so is a fresh layer in eval; a batch of one is right (its own moments are the batch's); with N >= 2 every training output and gradient is wrong (each image pulled towards instance normalisation with weight 1/(N+1)) unless every image has the same channel moments."),
    ("bn_leave_one_item_out_stats", "check_batchnorm", BNLeaveOneItemOutStats, "In training normalises each image with the mean and biased var of the other images of the batch (leave-one-out, 'an image must not see itself') instead of the whole batch's: running statistics (from the whole batch) and eval are right, and training with a batch of one (falls back to the batch); with N >= 2 training outputs and x.grad, mults.grad are wrong (with N = 2 each image is normalised by the other's moments)."),
    ("bn_one_pixel_fast_path_momentum_complement", "check_batchnorm", BNOnePixelFastPathMomentumComplement, "For 1x1 images takes a fast path, F.batch_norm on the layer's buffers, passing momentum = 1 - mom (the wrong convention: F.batch_norm's momentum is already the weight of the new batch): images larger than 1x1 are right everywhere; training on 1x1 images gives right outputs and gradients but moves the running mean and var with weight 1 - mom (0.9 instead of 0.1, 0.5 at mom 0.5 where it happens to agree, 0 at mom 1), so the running statistics and eval after such steps are wrong (except at mom 0.5)."),
    ("in_reduction_dims_range_one_short", "check_instancenorm", INReductionDimsRangeOneShort, "The spatial dims written tuple(range(2, x.dim() - 1)) = (2,), one short: each plane's mean and var taken over H only, one per column, instead of over (H, W): right where W = 1 (e.g. (2, 3, 5, 1)); with W >= 2 every output and gradient is wrong in training and eval (each column normalised on its own; a 1-row image, H = 1, gives adds everywhere)."),
    ("in_non_square_resized_for_stats", "check_instancenorm", INNonSquareResizedForStats, "Takes each plane's mean and var from a copy bilinearly resized to a square (max(H, W) on both sides, align_corners=False: 'the statistics kernel wants square planes'): square images (4x4, 5x5) are right everywhere; non-square ones with 2+ rows and columns (3x5, 2x7, 2x3) get statistics from the interpolated copy: outputs and gradients wrong (means shifted, variances off); 1-row images (1x7) happen to be right (the copy only repeats the row)."),
    ("in_train_eps_added_to_std", "check_instancenorm", INTrainEpsAddedToStd, "In training divides by std + eps instead of sqrt(var + eps) (eval is right): outputs and gradients in training differ from PyTorch, noticeably with eps 0.1 or 1e-3 and with small variances (planes of std 0.01: 0.01 + 1e-5 vs sqrt(1e-4 + 1e-5)), still detectably in float64 with eps 1e-5; a constant plane gives adds in both; eval is right everywhere."),
    ("in_centred_per_pixel_across_channels", "check_instancenorm", INCentredPerPixelAcrossChannels, "Centres each pixel by its mean over the channels (x.mean(1): dim 1 taken for the pixels) while the variance is each plane's own over (2, 3): right only where every plane's mean equals the pixel-wise channel mean (never for real data); a one-channel input gives adds everywhere (x - x = 0); outputs and gradients wrong in every other configuration (training and eval alike)."),
    ("gn_eps_per_pixel_summed", "check_groupnorm", GNEpsPerPixelSummed, "Adds eps * H * W to the group variance instead of eps ('eps is per pixel, summed over the plane'): right for 1x1 images, and indistinguishable only where eps * H * W stays tiny against the variance; with eps 0.1 or 1e-3 on 3x4 or larger images (eps 1.2 or 0.012 added) every output and x.grad is wrong (too small), in training and eval, for every number of groups; with eps 1e-5 the error is about 6e-5 relative at 3x4 (visible in float64) and a constant group still gives adds."),
    ("gn_batch_of_one_as_layer_norm", "check_groupnorm", GNBatchOfOneAsLayerNorm, "For a batch of one normalises the image as a whole (F.layer_norm over (C, H, W), 'with a single image GroupNorm is LayerNorm') instead of per group: batches of 2+ are right everywhere, and so is a batch of one with G = 1; a batch of one with G >= 2 (training or eval, e.g. GN(3, 6) on (1, 6, 4, 5) with channel-wise different moments) gets outputs and gradients normalised with the whole image's mean and var instead of each group's."),
    ("gn_mults_init_scaled_by_groups", "check_groupnorm", GNMultsInitScaledByGroups, "Initialises the gains at 1/sqrt(G) instead of 1 ('Fixup-style small residual start'): right for G = 1 and whenever the mults are set explicitly (the normalisation itself is right); a fresh layer with G >= 2 scales every output by 1/sqrt(G) (0.707 at G = 2, 0.577 at G = 3) and x.grad likewise; mults.grad and adds.grad right."),
    ("gn_eval_unbiased_group_var", "check_groupnorm", GNEvalUnbiasedGroupVar, "In eval divides by the unbiased group variance (correction 1) instead of the biased one: training is right everywhere; eval outputs and x.grad are scaled by about sqrt((K-1)/K) (K = cpg*H*W values per group: 0.87 for K = 4, 0.97 for K = 20), wrong in every eval configuration with a non-constant group; a group of one value gives NaN in eval."),
]

RIGHT = [
    ("ewma_adjoint_autograd_function", "check_ewma", ewma_adjoint_autograd_function,
     "a torch.autograd.Function whose forward is the update loop avg + mom * (v - avg) and whose backward is the hand-written adjoint recursion (carry, mom * carry, the whole carry for the seed)."),
    ("ln_hypot_norm_eps", "check_layernorm", LNHypotNormEps,
     "sqrt(var + eps) as torch.hypot of the centred item's torch.linalg.vector_norm and sqrt(K * eps), divided by sqrt(K)."),
    ("bn_law_of_total_variance", "check_batchnorm", BNLawOfTotalVariance,
     "per-image channel moments first, combined by the law of total variance (mean of image variances plus variance of image means); running buffers written with copy_ of the explicit (1 - mom) * old + mom * new."),
    ("in_avg_pool1d_flat_planes", "check_instancenorm", INAvgPool1dFlatPlanes,
     "every plane flattened to a (N*C, 1, H*W) signal; mean and mean squared deviation by F.avg_pool1d with a kernel as long as the plane."),
    ("gn_sparse_membership_mm", "check_groupnorm", GNSparseMembershipMM,
     "per-channel sums summed into groups by torch.sparse.mm with a sparse (G, C) membership matrix and spread back with its transpose."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
