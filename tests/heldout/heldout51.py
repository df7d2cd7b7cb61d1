"""Fifty-first held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py or /work/main/tests/heldout/*.py (sets 2 to 41 and 43 to 50).
       Every one changes a computed number: an output, a gradient, a running statistic, an eval output or a dtype.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
No entry keeps state outside its own layer object; reset_state() is kept for the scripts' convenience.
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

class _EWMAPowerRatioBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values, mom):
        ctx.mom = mom
        ctx.save_for_backward(values)
        avg, out = values[0], []
        for v in values:
            avg = torch.lerp(avg, v, mom)
            out.append(avg)
        return torch.stack(out)

    @staticmethod
    def backward(ctx, g):
        (values,) = ctx.saved_tensors                               # "vectorised backward: d out_t / d v_s is
        mom, n = ctx.mom, g.shape[0]                                #  mom (1-mom)^t / (1-mom)^s for s >= 1 and
        p = torch.pow(torch.full((n,), 1 - mom, dtype=g.dtype), torch.arange(n, dtype=g.dtype))  # (1-mom)^t for s = 0"
        w = torch.tril(mom * p[:, None] / p[None, :])               # [t, s]: ratio of two powers
        w[:, 0] = p
        return w.t() @ g, None


def ewma_backward_power_ratios(values, mom):
    return _EWMAPowerRatioBackward.apply(values, mom)


def ewma_mom_raised_for_short_streams(values, mom):
    n = values.shape[0]
    mom = max(mom, 2 / (n + 1))                                     # "a window 1/mom longer than the stream never warms
    avg, out = values[0], []                                        #  up: use at least pandas' span weight 2/(n+1)"
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


class _EWMAChunkedBackward(torch.autograd.Function):
    CHUNK = 16

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
        mom, n, C = ctx.mom, g.shape[0], _EWMAChunkedBackward.CHUNK
        grads = torch.zeros_like(g)
        for end in range(n, 0, -C):                                 # "the adjoint, a chunk of 16 at a time from the end"
            carry = torch.zeros_like(g[0])                          # (the carry restarted at every chunk: the one from the
            for t in range(end - 1, max(end - C, 0) - 1, -1):       #  later chunk not passed on)
                carry = g[t] + (1 - mom) * carry
                grads[t] = mom * carry if t > 0 else carry
        return grads, None


def ewma_backward_chunk_carry_reset(values, mom):
    return _EWMAChunkedBackward.apply(values, mom)


def ewma_shifted_by_first_value(values, mom):
    start = values[0]                                               # "average the deviations from the first value (smaller
    avg, out = values[0] - start, []                                #  numbers, less rounding) and add the first value back"
    for v in values:                                                # (added back as a plain number: .item())
        avg = torch.lerp(avg, v - start, mom)
        out.append(avg + start.item())
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


class LNOneValueItemsPassedThrough(_LNBase):
    def forward(self, x):
        if x[0].numel() == 1:                                       # "an item of one value has nothing to normalise:
            return x * self.mult + self.add                         #  pass it through the affine"
        return super().forward(x)


class LNParamRolesSwappedInForward(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # the two parameters used in each other's place
        return (x - m) / (v + self.eps).sqrt() * self.add + self.mult


class LNFloatPowerStd(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        s = torch.float_power(v + self.eps, 0.5)                    # "float_power: the accurate power" (always float64)
        return (x - m) / s * self.mult + self.add


class LNZeroMultShortcut(_LNBase):
    def forward(self, x):
        if float(self.mult) == 0.0:                                 # "a zero gain wipes the normalised values out:
            return self.add.expand_as(x) + 0 * x.sum()              #  skip the statistics, the output is just add"
        return super().forward(x)


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


class BNScaleOnlyNoCentring(_BNBase):
    def normalise(self, x, m, v):                                   # "do not centre: subtracting the mean throws away the
        return x / (v + self.eps).sqrt() * self.mults + self.adds   #  sign pattern ReLU needs; only rescale"


class _BNBatchCountBackward(torch.autograd.Function):
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
        n = g.shape[0]                                              # "the statistics are over the batch: divide the sums
        gx = mults * r * (g - g.sum((0, 2, 3), keepdim=True) / n    #  by the batch size" (N*H*W meant)
                          - xhat * (g * xhat).sum((0, 2, 3), keepdim=True) / n)
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class BNBackwardSumsOverBatchSize(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNBatchCountBackward.apply(x, self.mults, self.adds, self.eps)


class BNRunningStatsResetOnNewBatchSize(_BNBase):
    def update(self, x, m, v):
        if getattr(self, 'last_n', None) not in (None, x.shape[0]):   # "statistics gathered at another batch size do not
            self.means.zero_()                                      #  fit this one: start the running averages again"
            self.vars.fill_(1.)
        self.last_n = x.shape[0]
        super().update(x, m, v)


class BNTrainingCentredByUpdatedRunningMean(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)                                        # "moving-average centring (as in MABN): centre with the
        self.update(x, m, v)                                        #  just-updated running mean, it is steadier than one
        return self.normalise(x, self.means, v)                     #  batch's mean"; scale by the batch's std


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


class INMeanAddedBack(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "normalise the contrast only; keep each image's own
        return ((x - m) / (v + self.eps).sqrt() + m) * self.mults + self.adds   #  brightness (its mean) as it was"


class _INRowMeansBackward(torch.autograd.Function):
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
        xhat, r, mults = ctx.saved_tensors                          # both correction means taken along each row (dim -1)
        gx = mults * r * (g - g.mean(-1, keepdim=True)              # instead of over the whole image (dims 2, 3)
                          - xhat * (g * xhat).mean(-1, keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardMeansAlongRows(_INBase):
    def forward(self, x):
        return _INRowMeansBackward.apply(x, self.mults, self.adds, self.eps)


class INScaledTo8BitRangeFirst(_INBase):
    def forward(self, x):
        return super().forward(x / 255)                             # "pixel values are 0..255: bring them to 0..1 first"


class INCentredInputFastPath(_INBase):
    def forward(self, x):
        m, v = self.stats(x)
        if bool((m.abs() < 1e-3).all()):                            # "already centred (every mean about 0): skip the
            v = x.pow(2).mean((2, 3), keepdim=True)                 #  subtraction, use the mean square"
            return x / (v + self.eps).sqrt() * self.mults + self.adds
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class GNGroupsInterleaved(_GNBase):
    def norm(self, x):
        n, c, h, w = x.shape                                        # channel c put in group c % groups (the channels dealt
        xg = x.reshape(n, c // self.groups, self.groups, h, w)      # out like cards) instead of c // (C / groups)
        m = xg.mean((1, 3, 4), keepdim=True)
        v = xg.var((1, 3, 4), keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


class _GNProjNoMultsBackward(torch.autograd.Function):
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
        gr = g.reshape(n, G, -1)
        xh = xhat.reshape(n, G, -1)                                 # the projection's mean(gy * xhat) written with the raw
        gx = r * (gy - gy.mean(-1, keepdim=True) - xh * (gr * xh).mean(-1, keepdim=True))   # g (mults left out there)
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardProjectionWithoutMults(_GNBase):
    def forward(self, x):
        return _GNProjNoMultsBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNStreamingMeanWeightOffByOne(_GNBase):
    def norm(self, x):
        n, c, h, w = x.shape
        cpg = c // self.groups
        sm = x.reshape(n, self.groups, cpg, h * w).mean(-1)         # channel means (N, G, cpg)
        m = sm[:, :, 0]
        for k in range(1, cpg):                                     # streaming mean over the group's channels with weight
            m = torch.lerp(m, sm[:, :, k], 1 / k)                   # 1/k (1/(k+1) meant): channel 0 drops out
        xg = x.reshape(n, self.groups, -1)
        m = m[..., None]
        v = ((xg - m) ** 2).mean(-1, keepdim=True)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


class GNChannelsPrescaledByOwnStd(_GNBase):
    def forward(self, x):
        s = (x.var((2, 3), keepdim=True, correction=0) + self.eps).sqrt()   # "give every channel the same weight in its
        return self.norm(x / s) * self.mults + self.adds            #  group: scale each to unit spread first"


# ====================================================================== RIGHT answers

def ewma_index_copy_out_of_place(values, mom):
    """The outputs collected in a zero tensor with out-of-place Tensor.index_copy, one step at a time."""
    out = torch.zeros_like(values)
    avg = values[0]
    for t in range(values.shape[0]):
        avg = avg + mom * (values[t] - avg)
        out = out.index_copy(0, torch.tensor([t]), avg.reshape(1))
    return out


class LNTotalVarianceChannelSlabs(nn.Module):
    """Each channel slab's mean and variance; the item's mean as a running torch.lerp over the slabs (weight 1/(c+1)),
    its variance by the law of total variance (mean of the slab variances plus the spread of the slab means)."""
    def __init__(self, dummy=None, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        c = x.shape[1]
        sm = x.mean((2, 3), keepdim=True)                           # (N, C, 1, 1)
        sv = ((x - sm) ** 2).mean((2, 3), keepdim=True)
        m = sm[:, :1]
        for k in range(1, c):
            m = torch.lerp(m, sm[:, k:k + 1], 1 / (k + 1))
        v = sv.mean(1, keepdim=True) + ((sm - m) ** 2).mean(1, keepdim=True)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class BNGramDiagonalCentred(nn.Module):
    """Channel rows (C, N*H*W); the per-channel sums of squared deviations read off the diagonal of the C x C Gram
    matrix of the centred rows (torch.mm(d, d.T).diagonal()); buffers moved with torch.Tensor.addcmul_."""
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
            rows = x.transpose(0, 1).reshape(c, -1)
            k = rows.shape[1]
            mu = rows.sum(1, keepdim=True) / k
            d = rows - mu
            var = torch.mm(d, d.t()).diagonal() / k
            m, v = mu.view(1, c, 1, 1), var.view(1, c, 1, 1)
            with torch.no_grad():
                w = torch.full_like(self.means, self.mom)
                self.means.mul_(1 - self.mom).addcmul_(w, m)
                self.vars.mul_(1 - self.mom).addcmul_(w, v * (k / max(k - 1, 1)))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INRowLerpTotalVariance(nn.Module):
    """Row by row: the image mean as a running torch.lerp of the row means (weight 1/(i+1)); the variance by the law
    of total variance over the rows (mean of the row variances plus the mean squared spread of the row means)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        h = x.shape[2]
        rm = x.mean(3, keepdim=True)                                # (N, C, H, 1)
        rv = ((x - rm) ** 2).mean(3, keepdim=True)
        m = rm[:, :, :1]
        for i in range(1, h):
            m = torch.lerp(m, rm[:, :, i:i + 1], 1 / (i + 1))
        v = rv.mean(2, keepdim=True) + ((rm - m) ** 2).mean(2, keepdim=True)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class GNWhereMaskedGroups(nn.Module):
    """One boolean channel mask per group; each group's sums taken with torch.where(mask, x, 0) and the statistics
    put back on the group's channels with torch.where as well."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        cpg = c // self.groups
        ch = torch.arange(c).view(1, c, 1, 1)
        cnt = cpg * h * w
        m_full = torch.zeros_like(x[:, :, :1, :1])
        v_full = torch.zeros_like(x[:, :, :1, :1])
        for g in range(self.groups):
            mask = (ch // cpg) == g
            mg = torch.where(mask, x, torch.zeros_like(x)).sum((1, 2, 3), keepdim=True) / cnt
            dg = torch.where(mask, x - mg, torch.zeros_like(x))
            vg = (dg * dg).sum((1, 2, 3), keepdim=True) / cnt
            m_full = torch.where(mask, mg, m_full)
            v_full = torch.where(mask, vg, v_full)
        return (x - m_full) / (v_full + self.eps).sqrt() * self.mults + self.adds


def reset_state():
    pass


WRONG = [
    ("ewma_backward_power_ratios", "check_ewma", ewma_backward_power_ratios, "A custom autograd.Function whose forward is the right lerp loop (outputs right everywhere) but whose hand-written backward builds the Jacobian in closed form with each weight as a RATIO of two powers, mom * (1-mom)**t / (1-mom)**s (and (1-mom)**t for values[0]): algebraically right, so values.grad is right for 0 <= mom < 1 on short streams (and for 1-value streams at any mom); at mom 1 the ratios are 0/0: values.grad is NaN on every stream of 2+ values; in float32 the powers underflow on long streams (mom 0.9: (0.1)**t below 1e-38 from t ~ 38, mom 0.5 from t ~ 150): values.grad becomes wrong / NaN there (a 200-value float32 stream at mom 0.5 or 0.9), while float64 stays right up to a few hundred values."),
    ("ewma_mom_raised_for_short_streams", "check_ewma", ewma_mom_raised_for_short_streams, "Replaces mom by max(mom, 2 / (n + 1)) for a stream of n values (pandas' span weight: 'a window longer than the stream never warms up'): 1-value streams, mom 1 and every stream with n >= 2/mom - 1 are right (a short constant stream has right outputs but a wrong values.grad) (at mom 0.1 streams of 19+ values, at mom 0.5 streams of 3+); shorter streams use a larger weight: at mom 0.1 a 7-value stream is averaged with 0.25, at mom 0.5 a 2-value stream with 2/3 (outputs from output 1 on, and values.grad, wrong); never wrong at mom >= 2/3."),
    ("ewma_backward_chunk_carry_reset", "check_ewma", ewma_backward_chunk_carry_reset, "A custom autograd.Function whose forward is the right lerp loop (outputs right everywhere) but whose hand-written backward runs the adjoint in chunks of 16 values from the end and restarts the carry at 0 in each chunk (the carry from the later chunk is not passed on): streams of up to 16 values have the right values.grad; on longer streams every value before the last chunk of 16 misses the gradient flowing back from the later outputs (e.g. on 40 values, values 0..23 wrong; values.grad[0] too small); right at mom 1 (nothing flows back), wrong at mom 0 (values[0] should get the sum of all upstream gradients)."),
    ("ewma_shifted_by_first_value", "check_ewma", ewma_shifted_by_first_value, "Averages the deviations v - values[0] (values[0] as a tensor, in the graph) and adds the first value back as values[0].item() ('smaller numbers, less rounding'): every output value and dtype is right, and so is values.grad[t] for t >= 1, but the added-back start is a Python float cut from the graph while the subtracted one is not, so values.grad[0] loses the part through the add-back: it is the right one minus the sum of the upstream gradients (with g = ones on a 1-value stream 0 instead of 1, on an n-value stream (1-mom)**t summed minus n); wrong on every stream."),
    ("ln_one_value_items_passed_through", "check_layernorm", LNOneValueItemsPassedThrough, "When each item holds a single value (C*H*W == 1) returns x * mult + add without normalising ('one value: nothing to normalise'): every item of 2+ values is right; one-value items (shape (N, 1, 1, 1)) should give add (the value minus its own mean is 0) and x.grad 0, but give x * mult + add and x.grad = mult * g; mult.grad is sum(g * x) instead of 0."),
    ("ln_param_roles_swapped_in_forward", "check_layernorm", LNParamRolesSwappedInForward, "Uses the two parameters in each other's place: xhat * add + mult instead of xhat * mult + add: a fresh layer (mult 1, add 0) outputs a constant 1 (x.grad 0, mult.grad = sum(g), add.grad = sum(g * xhat)); right only when mult == add; wrong outputs and gradients for every other pair of parameters."),
    ("ln_float_power_std", "check_layernorm", LNFloatPowerStd, "Takes the std with torch.float_power(var + eps, 0.5) ('the accurate power'), which always computes and returns float64: float64 input is right everywhere; float32 input gives a float64 output (values right to float32 rounding, but the dtype is wrong); x.grad, mult.grad and add.grad keep their float32 dtype and values."),
    ("ln_zero_mult_shortcut", "check_layernorm", LNZeroMultShortcut, "When mult is exactly 0 returns add expanded to x's shape (plus 0 * x.sum() to keep the graph) without normalising ('a zero gain wipes everything out: skip the statistics'): outputs and x.grad are right everywhere (y = add, x.grad = 0 when mult is 0) and every layer with mult != 0 is right; with mult exactly 0 mult is not in the graph: mult.grad stays None (no gradient) instead of sum(g * xhat), so a zeroed gain can never train back (add.grad right)."),
    ("bn_scale_only_no_centring", "check_batchnorm", BNScaleOnlyNoCentring, "Divides by the batch std (training) or the running std (eval) but never subtracts the mean ('centring throws away the sign pattern ReLU needs'): running mean and var are updated right (buffers right); training and eval outputs are x / sqrt(var + eps) * mults + adds: right only for channels whose mean is 0; for other channels outputs, x.grad and mults.grad are wrong (outputs off by mults * mean / std); adds.grad right."),
    ("bn_backward_sums_over_batch_size", "check_batchnorm", BNBackwardSumsOverBatchSize, "A custom autograd.Function in training whose forward is right (outputs, running statistics, eval, mults.grad and adds.grad right) but whose hand-written backward divides the channel sums of g and g * xhat by the batch size N instead of by N*H*W: x.grad = mults * r * (g - sum(g)/N - xhat * sum(g * xhat)/N): right when H*W = 1 (1x1 images), wrong (correction terms H*W times too big) for every larger image in training; eval x.grad right."),
    ("bn_running_stats_reset_on_new_batch_size", "check_batchnorm", BNRunningStatsResetOnNewBatchSize, "Resets the running mean to 0 and var to 1 whenever a training batch has another batch size than the previous one ('statistics gathered at another batch size do not fit this one'), then lerps as usual: training outputs and gradients are right, and so are the running statistics (and eval) as long as every training batch has the same size; after a change of batch size (4, then 2) the running stats forget everything before it: running mean and var wrong, eval after training wrong; a fresh layer in eval right."),
    ("bn_training_centred_by_updated_running_mean", "check_batchnorm", BNTrainingCentredByUpdatedRunningMean, "In training centres with the just-updated running mean (moving-average centring, 'steadier than one batch's mean', as in MABN) and scales with the batch's own variance: the running statistics and eval are right; training outputs are off by (batch mean - running mean) / std, i.e. wrong unless the running mean already equals the batch mean (at mom 1 it does: right), and the training gradient misses the path through the batch mean (x.grad wrong, mults.grad wrong); adds.grad right."),
    ("in_mean_added_back", "check_instancenorm", INMeanAddedBack, "Normalises only the contrast and adds each image's own channel mean back before the affine ('keep the brightness as it was'): images whose channel means are 0 are right; for every other image the outputs are shifted by mults * mean (per image and channel) and x.grad gains mults * g.mean() per channel, while adds.grad stays right and mults.grad gains sum(g * mean)."),
    ("in_backward_means_along_rows", "check_instancenorm", INBackwardMeansAlongRows, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward takes the two correction means (of g and of g * xhat) along each row (the last dim) instead of over the whole image (H and W): right for images of one row (H = 1), wrong x.grad for every image of 2+ rows."),
    ("in_scaled_to_8bit_range_first", "check_instancenorm", INScaledTo8BitRangeFirst, "Divides the input by 255 before instance-normalising ('pixel values are 0..255: bring them to 0..1'): the normalised values are those of x with eps replaced by 255**2 * eps (65025 times larger, 0.65 at eps 1e-5): right only where eps is negligible against the variance times 65025 (huge spreads); for ordinary inputs (std 1 to 3) outputs are too small in magnitude by a visible factor (about 0.8 for std 1 at eps 1e-5, much more at eps 0.1) and x.grad and mults.grad are wrong; constant images right (add)."),
    ("in_centred_input_fast_path", "check_instancenorm", INCentredInputFastPath, "When every image channel mean of the batch is below 1e-3 in magnitude ('already centred') skips the centring and divides x by the root mean square: any batch with a channel mean of 1e-3 or more is right; on (nearly) centred batches the outputs are right to within |mean|/std (exact for exactly centred ones) but x.grad misses the centring term (-mean(g) per image and channel): x.grad wrong there (mults.grad and adds.grad right up to the tiny mean)."),
    ("gn_groups_interleaved", "check_groupnorm", GNGroupsInterleaved, "Puts channel c into group c % groups (channels dealt out like cards: view (N, C/groups, groups, H, W), statistics over dims 1, 3, 4) instead of the block of C/groups neighbouring channels: right with one group or with one channel per group (groups == C); with 1 < groups < C (2 of 6, 3 of 6, 3 of 12, 4 of 8, 5 of 10) the groups hold other channels, so outputs and gradients are wrong unless the channels share statistics."),
    ("gn_backward_projection_without_mults", "check_groupnorm", GNBackwardProjectionWithoutMults, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward writes the variance projection with the raw upstream g where g * mults is meant: x.grad = r * (g*mults - mean(g*mults) - xhat * mean(g * xhat)) per group: right while mults are all 1 (a fresh layer); with other mults (random ones, or after training) x.grad is wrong in every group configuration."),
    ("gn_streaming_mean_weight_off_by_one", "check_groupnorm", GNStreamingMeanWeightOffByOne, "Takes each group's mean as a streaming lerp over its channels' means with weight 1/k (1/(k+1) meant) for channel k = 1, 2, ...: channel 0's mean is overwritten by channel 1's and drops out, so the group mean is the mean of channels 1..cpg-1 (the variance is then taken about that mean over the whole group): right with one channel per group (groups == C) and for groups whose channels share one mean; with 2+ channels per group (1 of 4, 2 of 6, 3 of 12 ...) outputs and gradients wrong."),
    ("gn_channels_prescaled_by_own_std", "check_groupnorm", GNChannelsPrescaledByOwnStd, "Divides each channel by its own std (sqrt(var over H, W + eps)) before group-normalising ('every channel the same weight in its group'): with one channel per group the result equals GroupNorm's up to eps (right for eps small against the variance; off at eps 0.1); with 2+ channels per group the group statistics are those of the rescaled channels: outputs and gradients wrong unless the channels of a group already have equal spreads."),
]

RIGHT = [
    ("ewma_index_copy_out_of_place", "check_ewma", ewma_index_copy_out_of_place,
     "the outputs collected in a zero tensor by out-of-place Tensor.index_copy, one step at a time."),
    ("ln_total_variance_channel_slabs", "check_layernorm", LNTotalVarianceChannelSlabs,
     "per-channel slab moments; item mean as a running torch.lerp over slabs (weight 1/(c+1)); item variance by the law of total variance."),
    ("bn_gram_diagonal_centred", "check_batchnorm", BNGramDiagonalCentred,
     "sums of squared deviations read off the diagonal of the C x C Gram matrix of the centred channel rows; buffers moved with addcmul_."),
    ("in_row_lerp_total_variance", "check_instancenorm", INRowLerpTotalVariance,
     "image mean as a running torch.lerp over the row means; variance by the law of total variance over the rows."),
    ("gn_where_masked_groups", "check_groupnorm", GNWhereMaskedGroups,
     "one boolean channel mask per group: group sums with torch.where(mask, x, 0), statistics spread back with torch.where."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
