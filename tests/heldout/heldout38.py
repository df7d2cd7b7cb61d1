"""Thirty-eighth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout37 (heldoutN.py).
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

def ewma_shift_register_mom(values, mom):
    k = max(0, round(math.log2(1 / mom)))                           # "fixed-point EWMA, as on a microcontroller:
    a = 2.0 ** -k                                                   #  avg += (v - avg) >> k, with 2**-k the nearest to mom"
    avg, out = values[0], []
    for v in values:
        avg = avg + (v - avg) * a
        out.append(avg)
    return torch.stack(out)


def ewma_straight_through_grad(values, mom):
    with torch.no_grad():                                           # "the average is only a smoothed copy of the stream:
        avg, out = values[0], []                                    #  run it without autograd and pass the gradient straight
        for v in values:                                            #  through to the values"
            avg = torch.lerp(avg, v, mom)
            out.append(avg)
        out = torch.stack(out)
    return out + (values - values.detach())


def ewma_closed_form_autocast(values, mom):
    n = len(values)
    t = torch.arange(n)
    age = t[:, None] - t[None, :]
    W = torch.where(age >= 0, mom * (1 - mom) ** age.clamp(min=0).to(values.dtype), torch.zeros((), dtype=values.dtype))
    W[:, 0] = (1 - mom) ** t.to(values.dtype)                       # the start value's weight (1-mom)**t
    with torch.autocast('cpu', dtype=torch.bfloat16):               # "mixed precision for the n*n product, as in training"
        out = W @ values
    return out.to(values.dtype)


def ewma_sign_step(values, mom):
    avg, out = values[0], []
    for v in values:                                                # "a robust EWMA (streaming median): step mom towards each
        avg = avg + mom * torch.sign(v - avg)                       #  new value, whatever its distance, so outliers cannot pull"
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


class LNParamsResetOnNewShape(_LNBase):
    def forward(self, x):
        shape = tuple(x.shape[1:])
        if getattr(self, 'seen_shape', None) not in (None, shape):  # "a new normalized_shape needs its own affine (as
            self.mult = nn.Parameter(torch.ones((), dtype=x.dtype))  #  nn.LayerNorm(normalized_shape) would build one)"
            self.add = nn.Parameter(torch.zeros((), dtype=x.dtype))
        self.seen_shape = shape
        return super().forward(x)


class LNGiniScale(_LNBase):
    def stats(self, x):
        flat = x.flatten(1)
        k = flat.shape[1]
        m = flat.mean(1)
        gmd = (flat[:, :, None] - flat[:, None, :]).abs().sum((1, 2)) / (k * (k - 1))   # "a robust spread: Gini's mean
        s = gmd * math.sqrt(math.pi) / 2                                                 #  difference, sqrt(pi)/2 * GMD = sigma"
        return m.view(-1, 1, 1, 1), (s * s).view(-1, 1, 1, 1)


class LNNonNegativeNotCentred(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        nonneg = (x.flatten(1).amin(1) >= 0).view(-1, 1, 1, 1)     # "an item with no negative value comes after a ReLU:
        ms = (x * x).mean((1, 2, 3), keepdim=True)                  #  centring it would destroy the sparsity, RMS-normalise it"
        out = torch.where(nonneg, x / (ms + self.eps).sqrt(), (x - m) / (v + self.eps).sqrt())
        return out * self.mult + self.add


class LNDropoutOnNormalised(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        xhat = F.dropout((x - m) / (v + self.eps).sqrt(), p=0.1, training=self.training)   # "regularise the sublayer, as in
        return xhat * self.mult + self.add                                                  #  a Transformer block"


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


class BNRunningVarMomSquared(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "a variance scales with the square of the data, so its
            self.means.lerp_(m, self.mom)                           #  momentum must be squared too"
            self.vars.lerp_(v * n / (n - 1), self.mom ** 2)


class BNRunningStatsPerSize(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.size_stats = {}

    def forward(self, x):
        key = tuple(x.shape[2:])                                    # "statistics depend on the resolution (train/test
        if not self.size_stats:                                     #  discrepancy): keep running statistics per input size"
            self.size_stats[key] = (self.means, self.vars)
        if key not in self.size_stats:
            self.size_stats[key] = (torch.zeros_like(self.means), torch.ones_like(self.vars))
        rm, rv = self.size_stats[key]
        if self.training:
            m, v = self.stats(x)
            n = x.numel() / x.shape[1]
            with torch.no_grad():
                rm.lerp_(m, self.mom)
                rv.lerp_(v * n / (n - 1), self.mom)
            return self.normalise(x, m, v)
        return self.normalise(x, rm, rv)


class BNTrainGradThroughRunning(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        frozen = self.normalise(x, self.means, self.vars)           # "backprop through the batch statistics is noisy: take the
        return frozen + (self.normalise(x, m, v) - frozen).detach() #  gradient of a frozen BN, keep the batch-normalised output"


class BNRunningStatsBfloat16(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "running statistics need 3 significant digits: keep the
            self.means.copy_(torch.lerp(self.means, m, self.mom).bfloat16())       #  averages in bfloat16, half the memory"
            self.vars.copy_(torch.lerp(self.vars, v * n / (n - 1), self.mom).bfloat16())


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


class INSeparableRowColVar(_INBase):
    def stats(self, x):
        m = x.mean((2, 3), keepdim=True)
        rows = x.mean(3, keepdim=True)                              # "separable statistics, two 1-D passes: the image's variance
        cols = x.mean(2, keepdim=True)                              #  is that of its row means plus that of its column means"
        v = ((rows - m) ** 2).mean(2, keepdim=True) + ((cols - m) ** 2).mean(3, keepdim=True)
        return m, v


class INZeroPadToSquare(_INBase):
    def stats(self, x):
        h, w = x.shape[2:]
        s = max(h, w)
        p = F.pad(x, (0, s - w, 0, s - h))                          # "make the image square first, so one code path serves
        return p.mean((2, 3), keepdim=True), p.var((2, 3), keepdim=True, correction=0)   #  every image"


class INUnitSpreadShortcut(_INBase):
    def forward(self, x):
        m, v = self.stats(x)
        s = (v + self.eps).sqrt()
        s = torch.where((s - 1).abs() < 0.1, torch.ones_like(s), s)   # "an image already at unit spread (within 10%)
        return (x - m) / s * self.mults + self.adds                   #  only needs centring: skip the division"


class INStatsAtFirstResolution(_INBase):
    def stats(self, x):
        if not hasattr(self, 'first_size'):
            self.first_size = tuple(x.shape[2:])                    # "compare like with like: statistics always at the size
        xs = x if tuple(x.shape[2:]) == self.first_size else \
            F.interpolate(x, size=self.first_size, mode='bilinear', align_corners=False)   #  the layer first saw"
        return xs.mean((2, 3), keepdim=True), xs.var((2, 3), keepdim=True, correction=0)


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def finish(self, x, xg, m, v):
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds

    def forward(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        return self.finish(x, xg, xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0))


class GNStatsWeightedByMults(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        g = self.groups
        xg = x.reshape(n, g, c // g, h * w)
        wt = self.mults.abs().reshape(1, g, c // g, 1)              # "weight each channel's share of the group statistics by
        wt = wt / wt.sum(2, keepdim=True)                           #  its gain, so they describe what the layer outputs"
        m = (xg.mean(3, keepdim=True) * wt).sum(2, keepdim=True)
        v = (((xg - m) ** 2).mean(3, keepdim=True) * wt).sum(2, keepdim=True)
        return self.finish(x, xg, m, v)


class GNOutlierChannelDropped(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        g, cpg = self.groups, c // self.groups
        xg = x.reshape(n, g, cpg, h * w)
        if cpg < 3:
            return self.finish(x, xg, xg.mean((2, 3), keepdim=True), xg.var((2, 3), keepdim=True, correction=0))
        cm = xg.mean(3)                                             # "with 3+ channels, leave out the channel whose mean is
        far = (cm - cm.mean(2, keepdim=True)).abs().argmax(2, keepdim=True)   #  farthest from the group's: one odd channel
        keep = torch.ones_like(cm, dtype=torch.bool).scatter(2, far, False)   #  should not set the whole group's scale"
        kf = keep[..., None].to(x.dtype)
        cnt = kf.sum(2, keepdim=True) * (h * w)
        m = (xg * kf).sum((2, 3), keepdim=True) / cnt
        v = (((xg - m) ** 2) * kf).sum((2, 3), keepdim=True) / cnt
        return self.finish(x, xg, m, v)


class GNVarAcrossChannelsPerPixel(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.reshape(n, self.groups, c // self.groups, h * w)
        m = xg.mean((2, 3), keepdim=True)                           # "a group is a set of channels: its spread is the spread
        v = xg.var(2, keepdim=True, correction=0).mean(3, keepdim=True)   #  across its channels, at each pixel, averaged"
        return self.finish(x, xg, m, v)


class GNEpsRaisedToSmallestVar(_GNBase):
    def forward(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        pos = v.detach()[v.detach() > 0]
        if pos.numel():                                             # "a scale-aware eps: never below a thousandth of the
            self.eps = max(self.eps, 1e-3 * pos.min().item())       #  smallest group variance the layer has seen"
        return self.finish(x, xg, m, v)


# ================================================================= RIGHT answers

def ewma_cumprod_decay_matrix(values, mom):
    """Closed form whose weights come from torch.cumprod down the rows of a matrix holding 1 - mom below the diagonal and
    ones elsewhere: column k then holds (1-mom)**(t-k) from row k on; torch.tril masks the future, the start column keeps
    the bare powers and the others are multiplied by mom."""
    n = len(values)
    D = torch.tril(torch.full((n, n), 1 - mom, dtype=values.dtype), diagonal=-1) + torch.triu(torch.ones(n, n, dtype=values.dtype))
    P = torch.tril(torch.cumprod(D, 0))
    W = P * mom
    W[:, 0] = P[:, 0]
    return W @ values


class LNInnerProducts(nn.Module):
    """Each item's sum and sum of squared deviations by torch.inner: the flattened items against a vector of ones, and
    the deviations against themselves (the diagonal of the N x N result), each divided by K."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        flat = x.flatten(1)
        k = flat.shape[1]
        m = torch.inner(flat, flat.new_ones(k)) / k
        d = flat - m[:, None]
        v = torch.inner(d, d).diagonal() / k
        return (d / (v[:, None] + self.eps).sqrt()).view_as(x) * self.mult + self.add


class BNBaddbmmMoments(nn.Module):
    """Each channel's batch sums by torch.baddbmm of (C, 1, K) rows with a (C, K, 1) column of ones, divided by K; the
    running buffers moved towards the batch statistics by buffer.sub_(mom * (buffer - stat)) under no_grad."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            c = x.shape[1]
            rows = x.transpose(0, 1).reshape(c, 1, -1)
            k = rows.shape[2]
            ones = rows.new_ones(c, k, 1)
            zero = rows.new_zeros(c, 1, 1)
            m = torch.baddbmm(zero, rows, ones) / k
            d = rows - m
            v = torch.baddbmm(zero, d * d, ones) / k
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
            with torch.no_grad():
                self.means.sub_(self.mom * (self.means - m))
                self.vars.sub_(self.mom * (self.vars - v * k / (k - 1)))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INTraces(nn.Module):
    """Each image's sum as torch.trace(ones(W, H) @ image) and its sum of squared deviations as torch.trace(D @ D.T),
    image by image, each divided by H*W."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        J = x.new_ones(w, h)
        imgs = x.reshape(-1, h, w)
        m = torch.stack([torch.trace(J @ im) for im in imgs]) / (h * w)
        d = imgs - m[:, None, None]
        v = torch.stack([torch.trace(dd @ dd.T) for dd in d]) / (h * w)
        xhat = d / (v[:, None, None] + self.eps).sqrt()
        return xhat.view(n, c, h, w) * self.mults + self.adds


class GNNarrowDot(nn.Module):
    """Each (item, group) slice taken by torch.narrow along the channels; its sum and sum of squared deviations by
    torch.dot (with a ones vector, then with itself), divided by the group's count; the slices put back by torch.cat."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        cpg = c // self.groups
        items = []
        for i in range(n):
            parts = []
            for gi in range(self.groups):
                s = torch.narrow(x[i], 0, gi * cpg, cpg)
                flat = s.reshape(-1)
                k = flat.numel()
                m = torch.dot(flat, flat.new_ones(k)) / k
                d = s - m
                v = torch.dot(d.reshape(-1), d.reshape(-1)) / k
                parts.append(d / (v + self.eps).sqrt())
            items.append(torch.cat(parts, 0))
        return torch.stack(items) * self.mults + self.adds


WRONG = [
    ("ewma_shift_register_mom", "check_ewma", ewma_shift_register_mom, "Fixed-point ('shift register') EWMA: replaces mom by the nearest power of two, 2**-k with k = round(log2(1/mom)), and updates avg += (v - avg) * 2**-k ('avg += (v - avg) >> k, as on a microcontroller'): at mom 0.5 (k = 1) everything is right, and 1-value and constant streams are right; mom 0.1 becomes 1/8, mom 0.3 becomes 1/4 and mom 0.9 becomes 1 (k = 0: every output is the raw value), so outputs and values.grad are wrong on every other stream of 2+ values."),
    ("ewma_straight_through_grad", "check_ewma", ewma_straight_through_grad, "Computes the right lerp loop under torch.no_grad and returns out + (values - values.detach()) ('the average is a smoothed copy of the stream: pass the gradient straight through'): every output is right, but values.grad is the incoming gradient itself (identity Jacobian) instead of the EWMA's transposed weights applied to it: wrong on every stream of 2+ values, constant streams included; a 1-value stream is right."),
    ("ewma_closed_form_autocast", "check_ewma", ewma_closed_form_autocast, "Closed form W @ values (the right weight matrix) computed inside torch.autocast('cpu', dtype=torch.bfloat16) ('mixed precision for the n*n product'), then cast back to the values' dtype: autocast leaves float64 alone, so float64 streams are right everywhere; on float32 streams the product runs in bfloat16 (8-bit mantissa): outputs off by up to ~1e-2 relative and values.grad off likewise (the dtype is right); a 1-value float32 stream can come out right only if its value is exact in bfloat16."),
    ("ewma_sign_step", "check_ewma", ewma_sign_step, "'Robust EWMA' / streaming median: avg = avg + mom * sign(v - avg), a fixed step of mom towards each new value whatever its distance, instead of mom times the gap: 1-value and constant streams' outputs are right (sign(0) = 0); on any other stream the average creeps by exactly mom per step, so outputs are wrong, and values.grad gets nothing through sign (only values[0], through the start, gets gradient: every output's gradient goes to it)."),
    ("ln_params_reset_on_new_shape", "check_layernorm", LNParamsResetOnNewShape, "Remembers the (C, H, W) of the last call and, when a call has another shape, replaces mult and add by new parameters 1 and 0 ('a new normalized_shape needs its own affine, as nn.LayerNorm(normalized_shape) would build'): with the parameters at their initial 1 and 0 everything is right; with other values (mult 1.7, add -0.3) every call after a change of size (the eval call on another size, and the calls after it, even back at the first size) uses mult 1 and add 0: outputs, x.grad and the parameter gradients wrong there (and the trained values are lost)."),
    ("ln_gini_scale", "check_layernorm", LNGiniScale, "Replaces each item's standard deviation by the normal-theory estimate from Gini's mean difference, sqrt(pi)/2 * mean over pairs i != j of |x_i - x_j| ('a robust spread'), and uses its square as the variance: the means are right; a constant item's output (add) and gradients are right; every other item is scaled by the wrong spread (for data that is not normal the estimate differs from the standard deviation): outputs and gradients wrong."),
    ("ln_nonnegative_not_centred", "check_layernorm", LNNonNegativeNotCentred, "When an item has no negative value ('it comes after a ReLU: centring would destroy the sparsity') RMS-normalises it, x / sqrt(mean(x**2) + eps), without subtracting its mean: items with any negative value are right everywhere; an item whose values are all >= 0 (here the constant item of ones, whose output should be add) is not centred: its output is about mult + add instead of add, and its gradients are wrong."),
    ("ln_dropout_on_normalised", "check_layernorm", LNDropoutOnNormalised, "Applies F.dropout(p=0.1) to the normalised values in training mode before the affine step ('regularise the sublayer, as in a Transformer block'): eval mode (including a fresh layer put straight into eval) is right; in training about 10% of the normalised values are zeroed (output add there) and the rest multiplied by 1/0.9, at random (global generator), so training outputs and every gradient are wrong and differ from call to call."),
    ("bn_running_var_mom_squared", "check_batchnorm", BNRunningVarMomSquared, "Updates the running variance with momentum mom**2 instead of mom ('a variance scales with the square of the data, so its momentum must be squared'): training outputs, gradients and the running mean are right; the running var moves mom**2 of the way towards the batch's unbiased variance (0.01 at mom 0.1, 0.09 at mom 0.3), so it stays near its initial 1: the running var and every eval output after training are wrong (a fresh layer in eval is right)."),
    ("bn_running_stats_per_input_size", "check_batchnorm", BNRunningStatsPerSize, "Keeps separate running statistics per input spatial size (a dict keyed by (H, W); the first size seen uses the registered buffers, any other size gets a new pair starting at mean 0 and var 1: 'statistics depend on the resolution'): training and eval at the first size are right, buffers included; an eval call on another size is normalised with that size's own, never-trained statistics (mean 0, var 1 before any training at that size) instead of the running averages: output and x.grad wrong there."),
    ("bn_train_grad_through_running", "check_batchnorm", BNTrainGradThroughRunning, "In training returns normalise(x, running stats) + (normalise(x, batch stats) - normalise(x, running stats)).detach() ('backprop through the batch statistics is noisy: take the gradient of a frozen BN'), the running stats being the ones just updated: training outputs, running statistics, eval and adds.grad are right, but in training x.grad is g * mults / sqrt(running var + eps) (no terms from the batch mean and variance) and mults.grad is sum(g * (x - running mean) / sqrt(running var + eps)) instead of sum(g * xhat)."),
    ("bn_running_stats_bfloat16", "check_batchnorm", BNRunningStatsBfloat16, "Rounds each updated running mean and running var to bfloat16 (copy_(torch.lerp(buffer, stat, mom).bfloat16()): 'running statistics need 3 significant digits, half the memory') before storing them in the buffers: training outputs and gradients are right; the buffers carry bfloat16 rounding (relative errors up to ~4e-3) in float32 and float64 alike, so the running statistics and every eval output after training are off by that much (a fresh layer in eval is right: 0 and 1 are exact)."),
    ("in_separable_row_col_var", "check_instancenorm", INSeparableRowColVar, "Computes each image's variance as the variance of its row means plus the variance of its column means ('separable statistics in two 1-D passes'), which leaves out the interaction (residual) spread, so it is much too small; the means are right: constant images are right (output adds, gradients right); every other image is scaled by the wrong spread: outputs and gradients wrong."),
    ("in_zero_pad_to_square", "check_instancenorm", INZeroPadToSquare, "Zero-pads each image on the bottom/right to a square of side max(H, W) before taking its mean and variance ('one code path for every image'): square images are right everywhere; for non-square images (here 4x5, 3x2, 2x6, 3x5, and the eval call on another size) the padding zeros enter the statistics (mean pulled towards 0, variance changed): outputs and gradients wrong, constant images included (their mean is no longer the constant)."),
    ("in_unit_spread_shortcut", "check_instancenorm", INUnitSpreadShortcut, "When an image's sqrt(var + eps) lies within 0.1 of 1 ('already at unit spread: only centre it') divides by 1 instead of by sqrt(var + eps): images whose spread is outside 0.9..1.1 are right; the others (a data-dependent subset) are off by up to ~10% in outputs, and their x.grad lacks the variance term (the divisor is treated as a constant 1)."),
    ("in_stats_at_first_resolution", "check_instancenorm", INStatsAtFirstResolution, "Remembers the (H, W) of the first call and, for an input of another size, takes the statistics from a copy bilinearly resized to that first size (F.interpolate, align_corners=False: 'statistics always at the size the layer first saw'): every call at the first size is right; a call on another size (here the eval call on (H+1, W+2)) uses the resized copy's mean and variance instead of the image's own: outputs and gradients wrong there."),
    ("gn_stats_weighted_by_mults", "check_groupnorm", GNStatsWeightedByMults, "Weights each channel's share of its group's mean and variance by |mults| normalised over the group ('so the statistics describe what the layer outputs') instead of equal weights: one channel per group is right in outputs; with 2+ channels per group outputs are right while the mults are all equal (a fresh layer) but mults.grad is not (the mults now enter the statistics); with unequal mults the group mean and variance are weighted averages: outputs, x.grad and mults.grad wrong."),
    ("gn_outlier_channel_dropped", "check_groupnorm", GNOutlierChannelDropped, "In groups of 3 or more channels leaves out of the group's mean and variance the channel whose mean is farthest from the group's mean of channel means ('one odd channel should not set the group's scale'), then normalises all the group's channels with those statistics: groups of 1 or 2 channels are right everywhere; groups of 3+ channels (here 6 channels in 2 groups, 8 in 2, 4 in 1, 8 in 1, 6 in 1) get the statistics of the remaining channels: outputs and gradients wrong (a constant group's output is still adds, but the left-out channel's x.grad lacks the mean term)."),
    ("gn_var_across_channels_per_pixel", "check_groupnorm", GNVarAcrossChannelsPerPixel, "Centres each group on its mean but takes as its variance the variance across the group's channels at each pixel, averaged over the pixels ('a group is a set of channels: its spread is the spread across them'), which leaves out the spread between pixels: with one channel per group the variance is 0 and every value is divided by sqrt(eps) (huge outputs); with 2+ channels per group the variance is wrong: outputs and gradients wrong on every non-constant group."),
    ("gn_eps_raised_to_smallest_var", "check_groupnorm", GNEpsRaisedToSmallestVar, "On every call raises self.eps to at least 1e-3 times the smallest positive group variance in the batch and keeps it ('a scale-aware eps, never below a thousandth of the smallest group variance seen'): eps only grows and persists across calls (also into eval); where 1e-3 * smallest variance exceeds the given eps (always at eps 1e-5, sometimes at 1e-3, not at 0.1) outputs and gradients are computed with the larger eps: wrong from the first call, and later calls (another size, eval) inherit the raised eps."),
]

RIGHT = [
    ("ewma_cumprod_decay_matrix", "check_ewma", ewma_cumprod_decay_matrix,
     "closed form whose weights come from torch.cumprod down the rows of a matrix with 1-mom below the diagonal and ones elsewhere, masked by torch.tril (start column the bare powers, the rest times mom)."),
    ("ln_inner_products", "check_layernorm", LNInnerProducts,
     "each item's sum and sum of squared deviations by torch.inner (items against a ones vector; deviations against themselves, the diagonal), divided by K."),
    ("bn_baddbmm_moments", "check_batchnorm", BNBaddbmmMoments,
     "each channel's batch sums by torch.baddbmm of (C, 1, K) rows with a (C, K, 1) column of ones, divided by K; running buffers moved by buffer.sub_(mom * (buffer - stat))."),
    ("in_traces", "check_instancenorm", INTraces,
     "each image's sum as torch.trace(ones(W, H) @ image) and sum of squared deviations as torch.trace(D @ D.T), image by image, divided by H*W."),
    ("gn_narrow_dot", "check_groupnorm", GNNarrowDot,
     "each (item, group) slice by torch.narrow along the channels; its sums by torch.dot (ones vector, then itself) divided by the count; slices reassembled by torch.cat and torch.stack."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
