"""Fifty-third held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/heldout*.py (sets 2 to 41 and 43 to 50) or
       /work/heldout51, /work/heldout52.
       Every one changes a computed number: an output, a gradient, a running statistic, an eval output or a dtype.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import itertools
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


def _lerp_loop(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


# ====================================================================== EWMA (wrong)

class _EWMALastGradTwice(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values, mom):
        ctx.mom = mom
        return _lerp_loop(values, mom)

    @staticmethod
    def backward(ctx, g):
        mom = ctx.mom
        grads = torch.empty_like(g)
        carry = g[-1]                                               # the carry started from the last gradient ...
        for t in range(len(g) - 1, -1, -1):                         # ... and the loop still visits the last index
            carry = g[t] + (1 - mom) * carry
            grads[t] = carry if t == 0 else mom * carry
        return grads, None


def ewma_backward_last_grad_counted_twice(values, mom):
    return _EWMALastGradTwice.apply(values, mom)


def ewma_truncated_fir_kernel(values, mom):
    out = []                                                        # "an EWMA is a FIR filter whose taps die off: drop the
    for t in range(len(values)):                                    #  taps (and the start's weight) below 1e-3, they are
        acc = values[0] * 0                                         #  negligible, and the sum gets cheap"
        for k in range(t):
            w = mom * (1 - mom) ** k
            if w >= 1e-3:
                acc = acc + w * values[t - k]
        w0 = (1 - mom) ** t
        if w0 >= 1e-3:
            acc = acc + w0 * values[0]
        out.append(acc)
    return torch.stack(out)


class _EWMADecayAfterAdd(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values, mom):
        ctx.mom = mom
        return _lerp_loop(values, mom)

    @staticmethod
    def backward(ctx, g):
        mom = ctx.mom
        grads = torch.empty_like(g)
        carry = torch.zeros_like(g[0])
        for t in range(len(g) - 1, -1, -1):
            carry = (1 - mom) * (carry + g[t])                      # decay and add in the wrong order: the output's own
            grads[t] = carry if t == 0 else mom * carry             # gradient decayed with the carry
        return grads, None


def ewma_backward_decay_after_add(values, mom):
    return _EWMADecayAfterAdd.apply(values, mom)


def ewma_mom_clamped_open_interval(values, mom):
    mom = min(max(mom, 0.01), 0.99)                                 # "mom 0 or 1 is no average at all (a constant or the
    return _lerp_loop(values, mom)                                  #  raw stream): keep it strictly inside (0, 1)"


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


class LNMultClampedNonnegative(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "a gain must not flip the sign of the features:
        return (x - m) / (v + self.eps).sqrt() * self.mult.clamp_min(0) + self.add   # clamp it at 0"


class LNPaddedToMultipleOf8(_LNBase):
    def stats(self, x):
        n = x.shape[0]
        f = x.reshape(n, -1)                                        # "pad each item to a multiple of 8 values so the sums
        k = f.shape[1]                                              #  vectorise" (zeros, and the padded count)
        f = F.pad(f, (0, (-k) % 8))
        m = f.mean(1)
        v = ((f - m[:, None]) ** 2).mean(1)
        return m.view(n, 1, 1, 1), v.view(n, 1, 1, 1)


class LNStdFromMADGaussian(_LNBase):
    def stats(self, x):
        m = x.mean((1, 2, 3), keepdim=True)                         # "robust and cheaper than squares: the mean absolute
        s = (x - m).abs().mean((1, 2, 3), keepdim=True) * math.sqrt(math.pi / 2)   # deviation, times sqrt(pi/2), is the
        return m, s * s                                             #  std for Gaussian data"


class LNEvalInstanceStatistics(_LNBase):
    def stats(self, x):
        if self.training:
            return super().stats(x)                                 # "at test time per-channel (instance) statistics are
        return x.mean((2, 3), keepdim=True), x.var((2, 3), keepdim=True, correction=0)   # more robust to shift"


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


class BNZeroActivationsExcluded(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        mask = (x != 0).to(x.dtype)                                 # "after a ReLU the zeros are dead units, not data:
        cnt = mask.sum((0, 2, 3), keepdim=True).clamp_min(1)        #  take each channel's statistics over its nonzero
        m = (x * mask).sum((0, 2, 3), keepdim=True) / cnt           #  activations only"
        v = (((x - m) ** 2) * mask).sum((0, 2, 3), keepdim=True) / cnt
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * cnt / (cnt - 1).clamp_min(1), self.mom)
        return self.normalise(x, m, v)


class BNStatsFromHalfBatchWhenLarge(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        xs = x[:x.shape[0] // 2] if x.shape[0] >= 4 else x          # "a batch of 4+ is large: half of it gives the
        m, v = self.stats(xs)                                       #  statistics just as well"
        self.update(xs, m, v)
        return self.normalise(x, m, v)


class BNEvalReadsVarBufferAsSecondMoment(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        v = (self.vars - self.means ** 2).clamp_min(0)              # "the running buffer holds E[x^2]: the variance is
        return self.normalise(x, self.means, v)                     #  E[x^2] - E[x]^2"


class BNRunningVarAboutPreviousBatchMean(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        prev = self.__dict__.get('_prev_mean')                      # "the mean hardly moves between batches: the running
        with torch.no_grad():                                       #  variance's deviations taken about the last batch's
            c = m if prev is None or prev.shape != m.shape else prev    # mean (already at hand)"
            vv = ((x - c) ** 2).mean((0, 2, 3), keepdim=True)
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(vv * n / (n - 1), self.mom)
        self.__dict__['_prev_mean'] = m.detach().clone()


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


class INPolyphasePooledVariance(_INBase):
    def stats(self, x):
        h, w = x.shape[2:]
        if h % 2 or w % 2:
            return super().stats(x)
        m = x.mean((2, 3), keepdim=True)                            # "shift-invariant statistics (anti-aliased CNNs): the
        vs = [x[:, :, i::2, j::2].var((2, 3), keepdim=True, correction=0)   # variance as the average over the four
              for i in (0, 1) for j in (0, 1)]                      #  2x2 polyphase components"
        return m, sum(vs) / 4


class _INParamGradsAveraged(torch.autograd.Function):
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
        gy = g * mults
        gx = r * (gy - gy.mean((2, 3), keepdim=True) - xhat * (gy * xhat).mean((2, 3), keepdim=True))
        n = g.shape[0]                                              # "the parameters are shared by the images: average
        gm = (g * xhat).sum((0, 2, 3)) / n                          #  their gradient over the batch"
        ga = g.sum((0, 2, 3)) / n
        return gx, gm.view(mults.shape), ga.view(mults.shape), None


class INBackwardParamGradsAveragedOverBatch(_INBase):
    def forward(self, x):
        return _INParamGradsAveraged.apply(x, self.mults, self.adds, self.eps)


class INStatsFromNeighbouringChannel(_INBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # the statistics tensor rolled by one channel (an
        return m.roll(1, 1), v.roll(1, 1)                           # off-by-one in a loop over channels, wrapping round)


class INEpsRelativeToMeanSquare(_INBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "eps should scale with the signal: eps times each
        return m, v + self.eps * (x * x).mean((2, 3), keepdim=True) - self.eps   # image's mean square" (the layer adds
                                                                    # eps again: v + eps * mean(x^2) in all)


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


class GNGroupsRoundedToPowerOfTwo(_GNBase):
    def forward(self, x):
        c, g = x.shape[1], 1                                        # "the fused kernels want a power-of-two group count:
        while g * 2 <= self.groups and c % (g * 2) == 0:            #  take the largest one not above groups that divides
            g *= 2                                                  #  the channels"
        return self.norm(x, g) * self.mults + self.adds


class GNFixedChannelShuffle(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        gen = torch.Generator().manual_seed(0)                      # "ShuffleNet: shuffle the channels before grouping so
        self.register_buffer('perm', torch.randperm(nf, generator=gen))   # the groups mix" (one fixed permutation)

    def forward(self, x):
        inv = torch.argsort(self.perm)
        y = self.norm(x[:, self.perm])[:, inv]
        return y * self.mults + self.adds


class _GNCentringNoMults(torch.autograd.Function):
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
        gr = g.reshape(n, G, -1)                                    # the centring term built from the raw g (mults left
        gx = r * (gy - gr.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True))   # out of that one term)
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardCentringTermWithoutMults(_GNBase):
    def forward(self, x):
        return _GNCentringNoMults.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNStatsInFloat32(_GNBase):
    def norm(self, x, groups=None):
        n = x.shape[0]                                              # "float32 is plenty for statistics" (float64 inputs
        xg = x.float().reshape(n, self.groups, -1)                  #  normalised in float32, the result cast back)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape).to(x.dtype)


# ====================================================================== RIGHT answers

def ewma_itertools_accumulate(values, mom):
    """The running average as itertools.accumulate over the stream's 0-d elements (the first one is the start), each step
    a + mom * (v - a); the list stacked."""
    return torch.stack(list(itertools.accumulate(values, lambda a, v: a + mom * (v - a))))


class LNLinalgVecdotRows(nn.Module):
    """Each item flattened to a row; its mean as torch.linalg.vecdot with a row of 1/K, its variance as the vecdot of the
    centred row with itself, divided by K."""
    def __init__(self, dummy=None, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        f = x.flatten(1)
        k = f.shape[1]
        m = torch.linalg.vecdot(f, torch.full_like(f, 1 / k))
        d = f - m[:, None]
        v = torch.linalg.vecdot(d, d) / k
        return (d / (v[:, None] + self.eps).sqrt()).view_as(x) * self.mult + self.add


class BNMatrixNormChannelSlabs(nn.Module):
    """Each channel's values as an (N*H, W) slab (x.transpose(0, 1)); the mean from the slab's sum, the variance from
    torch.linalg.matrix_norm (Frobenius) of the centred slab, squared, over N*H*W; buffers by copy_ of a lerp."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            c, w = x.shape[1], x.shape[3]
            slab = x.transpose(0, 1).reshape(c, -1, w)
            k = slab.shape[1] * w
            m = slab.sum((1, 2)) / k
            v = torch.linalg.matrix_norm(slab - m.view(c, 1, 1)) ** 2 / k
            with torch.no_grad():
                self.means.copy_(torch.lerp(self.means, m.view(1, c, 1, 1), self.mom))
                self.vars.copy_(torch.lerp(self.vars, (v * k / (k - 1)).view(1, c, 1, 1), self.mom))
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INAdaptiveAvgPool1dFlat(nn.Module):
    """Each image flattened to a 1-d signal (N, C, H*W); mean and mean squared deviation by F.adaptive_avg_pool1d to one
    value."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        f = x.flatten(2)
        m = F.adaptive_avg_pool1d(f, 1)
        d = f - m
        v = F.adaptive_avg_pool1d(d * d, 1)
        return (d / (v + self.eps).sqrt()).view_as(x) * self.mults + self.adds


class GNTensorUnfoldWindows(nn.Module):
    """Each item flattened; its groups as non-overlapping windows torch.Tensor.unfold(1, K, K); statistics over the
    window axis; the windows flattened back."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        f = x.reshape(x.shape[0], -1)
        k = f.shape[1] // self.groups
        win = f.unfold(1, k, k)                                     # (N, G, K)
        m = win.mean(-1, keepdim=True)
        v = win.var(-1, keepdim=True, correction=0)
        return ((win - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


def reset_state():
    pass


WRONG = [
    ("ewma_backward_last_grad_counted_twice", "check_ewma", ewma_backward_last_grad_counted_twice, "A custom autograd.Function whose forward is the right lerp loop (every output right) but whose hand-written backward starts the adjoint carry at g[-1] and then still runs its loop from the last index, so the last output's gradient enters twice: carry_{n-1} = g[-1] + (1 - mom) * g[-1] instead of g[-1], and every earlier carry gains (1 - mom)**(n-t) * g[-1]: outputs right everywhere; values.grad right at mom 1 (the extra term is multiplied by 1 - mom = 0) and wherever g[-1] = 0; at every mom < 1 values.grad is wrong on every stream, a 1-value stream too (its grad (2 - mom) * g instead of g; e.g. out.sum() on [1, 3] at mom 0.5: [1.75, 0.75] instead of [1.5, 0.5])."),
    ("ewma_truncated_fir_kernel", "check_ewma", ewma_truncated_fir_kernel, "Computes each output as the EWMA's FIR sum but drops every tap mom * (1 - mom)**k below 1e-3 and also the start's weight (1 - mom)**t once it is below 1e-3 ('negligible'), without renormalising: right at mom 0 and mom 1 and for short streams (at mom 0.5 up to 10 values, at mom 0.9 up to 3 values, at mom 0.1 up to about 45 values); on longer streams the later outputs lose the dropped weight (up to about 1e-3 of the signal per dropped tap: a constant stream of 1.5 at mom 0.5 gives outputs ~1.4985 from output 10 on, at mom 0.9 from output 3 on), outputs and values.grad wrong there; output 0 always right."),
    ("ewma_backward_decay_after_add", "check_ewma", ewma_backward_decay_after_add, "A custom autograd.Function whose forward is the right lerp loop (every output right) but whose hand-written backward decays before adding in the wrong order: carry = (1 - mom) * (carry + g[t]) instead of carry = g[t] + (1 - mom) * carry, so every carry (and with it every value's gradient, values[0] included) comes out multiplied by (1 - mom): outputs right everywhere; values.grad right only at mom 0 (factor 1); at every mom > 0 values.grad is (1 - mom) times the right one on every stream, a 1-value stream too (e.g. out.sum() on [1, 3] at mom 0.5: [0.75, 0.25] instead of [1.5, 0.5]; at mom 1 all zeros)."),
    ("ewma_mom_clamped_open_interval", "check_ewma", ewma_mom_clamped_open_interval, "Clamps mom into [0.01, 0.99] before averaging ('mom 0 or 1 is no average at all: keep it strictly inside (0, 1)'): right for every mom in [0.01, 0.99] (0.1, 0.5, 0.9 included), for 1-value streams and for the outputs of constant streams; at mom 0 the average drifts towards the data (weight 0.01 instead of staying at values[0]) and at mom 1 it lags the stream (weight 0.99 instead of copying it): outputs from output 1 on (non-constant streams) and values.grad (2+ values) wrong at mom 0 and mom 1 (and any mom below 0.01 or above 0.99)."),
    ("ln_mult_clamped_nonnegative", "check_layernorm", LNMultClampedNonnegative, "Uses mult.clamp_min(0) as the gain ('a gain must not flip the sign of the features'): right everywhere while mult >= 0 (a fresh layer, mult 1.7); with a negative mult (-0.7) every output is just add (the normalised part multiplied by 0), x.grad is 0 and mult.grad is 0 (clamp passes no gradient below 0), training and eval alike; add.grad stays right."),
    ("ln_padded_to_multiple_of_8", "check_layernorm", LNPaddedToMultipleOf8, "Pads each flattened item with zeros to a multiple of 8 values ('so the sums vectorise') and takes the mean and variance over the padded vector (dividing by the padded count, the zeros included): right wherever C*H*W is a multiple of 8 (e.g. (2, 4, 4, 4), (4, 2, 2, 2)); for every other item size (e.g. (2, 3, 4, 5) = 60 values, 4 zeros added; (3, 1, 1, 6); (2, 3, 3, 3)) the mean is shrunk by K/K_padded and the variance picks up the zeros' deviations: outputs and gradients wrong, training and eval alike; an item that is all zeros gives add (right), a constant nonzero item does not (it gets a nonzero spread)."),
    ("ln_std_from_mad_gaussian", "check_layernorm", LNStdFromMADGaussian, "Estimates each item's std as the mean absolute deviation times sqrt(pi/2) ('robust, cheaper than squares, and equal to the std for Gaussian data') and normalises by sqrt(that**2 + eps): right only for items whose mean absolute deviation is exactly sqrt(2/pi) times their std (e.g. a two-valued +-a item is not, MAD = std there) and for constant items (output add); on practically every input outputs are wrong (by a few % per item, e.g. the output std is not 1: 0.9-1.1) and the gradients too, training and eval alike."),
    ("ln_eval_instance_statistics", "check_layernorm", LNEvalInstanceStatistics, "In eval normalises with per-channel (instance) statistics over (H, W) ('test-time instance statistics are more robust to shift') instead of the item's statistics over (C, H, W): training is right everywhere (outputs and gradients); eval is right for one-channel items (C = 1) and for items whose channels share the same mean and variance; every other eval call (a fresh layer in eval too) has wrong outputs and gradients (each channel standardised on its own)."),
    ("bn_zero_activations_excluded", "check_batchnorm", BNZeroActivationsExcluded, "In training takes each channel's mean and variance over its NONZERO values only ('after a ReLU the zeros are dead units') and normalises every value, zeros included, with them; the running buffers get that mean and that variance unbiased with the nonzero count: right for inputs without exact zeros (random normal data: training, running statistics, eval); for inputs with exact zeros (post-ReLU: F.relu(x), about half zeros) the training outputs, gradients and running mean and var are wrong, so eval after such training is wrong; eval itself uses the running buffers as usual (a fresh layer in eval is right)."),
    ("bn_stats_from_half_batch_when_large", "check_batchnorm", BNStatsFromHalfBatchWhenLarge, "For a batch of 4 or more items takes the batch statistics from its first half only (x[:N//2]; 'a large batch: half of it is enough'), both for normalising and for the running update (unbiased with the half's count); batches of 1 to 3 items are right: right everywhere for N <= 3 (training, running statistics, eval); for N >= 4 the training outputs and x.grad are wrong (the second half is normalised with the first half's statistics and gets no gradient through them), the running mean and var are wrong, and so is eval after such training; a fresh layer in eval is right."),
    ("bn_eval_reads_var_buffer_as_second_moment", "check_batchnorm", BNEvalReadsVarBufferAsSecondMoment, "In eval reads the running-var buffer as the running second moment E[x^2] and normalises with vars - means**2 (clamped at 0) where the running var itself is meant, although the update stores the (unbiased) variance: training is right everywhere (outputs, gradients, running statistics); eval is right while the running means are 0 (a fresh layer in eval, mom 0); after training on data with nonzero channel means the eval std is too small (sqrt(vars - means**2 + eps)): eval outputs and x.grad wrong (running means of ~1 and vars ~1-4 after a few steps at mom 0.5: vars - means**2 much smaller, and clamped to 0 where the mean squared exceeds the var, giving x/sqrt(eps))."),
    ("bn_running_var_about_previous_batch_mean", "check_batchnorm", BNRunningVarAboutPreviousBatchMean, "Updates the running var with the deviations taken about the PREVIOUS training batch's mean ('the mean hardly moves between batches, and it is already at hand'): mean((x - prev_mean)**2) * n/(n-1) instead of the batch's own unbiased var; the first training call (no previous batch) is right: training outputs, gradients and the running mean are right everywhere, and so is the running var after the first call; from the second training call on (batches with different means) the running var is too large (by about (mean - prev_mean)**2 per channel), so eval after 2+ training calls is wrong; a fresh layer in eval is right; mom 0 hides it (running var never moves)."),
    ("in_polyphase_pooled_variance", "check_instancenorm", INPolyphasePooledVariance, "For images with even H and W takes each image's variance as the average of the variances of its four 2x2 polyphase components x[..., i::2, j::2] ('shift-invariant statistics, as in anti-aliased CNNs') about their own means, with the image mean for centring: the between-component spread is lost, so the variance is too small; images with odd H or W (e.g. 3x5, 1x7, 5x5) use the right statistics and are right; even-sized images (e.g. 4x4, 2x2, 8x8, 4x6) have wrong outputs and gradients unless their four components share one mean (a constant image gives add, right)."),
    ("in_backward_param_grads_averaged_over_batch", "check_instancenorm", INBackwardParamGradsAveragedOverBatch, "A custom autograd.Function whose forward and x.grad are right but whose hand-written backward divides mults.grad and adds.grad by the batch size N ('the parameters are shared by the images: average their gradient') instead of summing over the images: outputs and x.grad right everywhere; mults.grad and adds.grad right for a batch of one; for N >= 2 they are 1/N of the right ones (e.g. a batch of 3: a third), training and eval."),
    ("in_stats_from_neighbouring_channel", "check_instancenorm", INStatsFromNeighbouringChannel, "Normalises each channel with the statistics of the PREVIOUS channel of the same image (the per-channel stats rolled by one along the channel axis, channel 0 taking the last channel's: an off-by-one in a loop over channels that wraps round): right for one-channel images (C = 1) and where all channels of an image share mean and var (e.g. a greyscale image copied to every channel); with 2+ channels of different statistics outputs and gradients are wrong (a constant channel next to a varying one does not give add), training and eval."),
    ("in_eps_relative_to_mean_square", "check_instancenorm", INEpsRelativeToMeanSquare, "Scales eps by each image's mean square ('eps should scale with the signal'): normalises by sqrt(var + eps * mean(x**2)) instead of sqrt(var + eps): right wherever mean(x**2) = 1 (e.g. a standardised image: mean 0, var 1) and where eps * mean(x**2) is negligible against var; visibly wrong with a large eps (0.1, 1e-3) or images with a large mean (mean 5: eps counted 25+ times): outputs and gradients wrong there; a constant image of zeros gives add (right), any other constant image gives add too (numerator 0)."),
    ("gn_groups_rounded_to_power_of_two", "check_groupnorm", GNGroupsRoundedToPowerOfTwo, "Uses the largest power of two not above groups that also divides the channel count ('the fused kernels want a power-of-two group count') instead of groups: right whenever groups is a power of two (1, 2, 4, 8 ... with C divisible by it); for GroupNorm(3, 6) it uses 2 groups, (6, 6) 2, (5, 10) 2, (3, 12) 2, (7, 7) 1, (3, 9) 1: outputs and gradients wrong there (statistics over the wrong channel sets), training and eval alike."),
    ("gn_fixed_channel_shuffle", "check_groupnorm", GNFixedChannelShuffle, "Permutes the channels with one fixed random permutation (torch.randperm with seed 0, drawn in __init__; 'ShuffleNet: shuffle channels so the groups mix') before grouping, and puts them back after: each group's statistics are taken over a scattered set of channels: right with one group and with one channel per group (groups == C), and when the permutation happens to keep every group's channel set; otherwise (e.g. GroupNorm(2, 6), (3, 6), (4, 8), (3, 12)) outputs and gradients wrong; the permutation is fixed, so the same wrong answer on every call."),
    ("gn_backward_centring_term_without_mults", "check_groupnorm", GNBackwardCentringTermWithoutMults, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right everywhere) but whose hand-written backward builds the centring term of x.grad from the raw upstream gradient: x.grad = r * (gy - mean(g) - xhat * mean(gy * xhat)) per group, gy = g * mults, where mean(gy) is meant: right wherever the mults are 1 (a fresh layer) or equal to 1 across each group, and wherever g has zero mean per group; with other mults (random gains, 1.5, -0.7) and a general upstream gradient x.grad is wrong in every configuration."),
    ("gn_stats_in_float32", "check_groupnorm", GNStatsInFloat32, "Normalises in float32 whatever the input's dtype ('float32 is plenty for statistics') and casts the result back: the output dtype is right and float32 inputs are right everywhere; for float64 inputs outputs and gradients carry float32 rounding (relative errors ~1e-7, far above float64's ~1e-15: wrong at a float64 tolerance of 1e-9), worst with a large mean against a small spread (e.g. values 1000 + 1e-3 * noise: errors of several % ); mults.grad and adds.grad come through float32 too."),
]

RIGHT = [
    ("ewma_itertools_accumulate", "check_ewma", ewma_itertools_accumulate,
     "itertools.accumulate over the stream's 0-d elements with the step a + mom * (v - a), the first element as the start; the list stacked."),
    ("ln_linalg_vecdot_rows", "check_layernorm", LNLinalgVecdotRows,
     "each item as a flat row: mean by torch.linalg.vecdot with a row of 1/K, variance by vecdot of the centred row with itself over K."),
    ("bn_matrix_norm_channel_slabs", "check_batchnorm", BNMatrixNormChannelSlabs,
     "each channel as an (N*H, W) slab of x.transpose(0, 1); variance from torch.linalg.matrix_norm (Frobenius) of the centred slab squared; buffers by copy_ of torch.lerp."),
    ("in_adaptive_avg_pool1d_flat", "check_instancenorm", INAdaptiveAvgPool1dFlat,
     "each image flattened to a 1-d signal; mean and mean squared deviation by F.adaptive_avg_pool1d to one value."),
    ("gn_tensor_unfold_windows", "check_groupnorm", GNTensorUnfoldWindows,
     "each flattened item cut into its groups by Tensor.unfold(1, K, K) (non-overlapping windows); statistics over the window axis."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
