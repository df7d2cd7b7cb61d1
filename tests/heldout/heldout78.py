"""Seventy-eighth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout77 (heldoutN.py).
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
    """No entry of this set keeps state outside its own instances."""


# ====================================================================== EWMA (wrong)

class _EWMAAgesFromStartBackward(torch.autograd.Function):
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
        mom, n = ctx.mom, g.shape[0]
        w = (1 - mom) ** torch.arange(n, dtype=g.dtype)             # closed-form adjoint: "each output s reaches back with
        s = torch.flip(torch.cumsum(torch.flip(w * g, (0,)), 0), (0,))   # weight (1 - mom)**s" -- the age counted from
        grads = mom * s                                             # the start of the stream, not from value t
        grads[0] = s[0]
        return grads, None


def ewma_backward_ages_from_stream_start(values, mom):
    return _EWMAAgesFromStartBackward.apply(values, mom)


def ewma_leftover_weight_to_newest(values, mom):
    n = values.shape[0]
    t = torch.arange(n)
    age = (t[:, None] - t[None, :]).to(values.dtype)
    w = torch.where(age >= 0, mom * (1 - mom) ** age.clamp_min(0), torch.zeros_like(age))
    w[:, 0] = 0                                                     # "the weights mom*(1-mom)**age must sum to one: the
    w = w + torch.diag((1 - mom) ** t.to(values.dtype))             #  leftover (1-mom)**t goes to the newest value"
    w[0, 0] = 1.0
    return w @ values


def ewma_mom_doubled_while_innovation_keeps_sign(values, mom):
    avg, out, prev = values[0], [values[0]], 0.0
    for v in values[1:]:
        d = v - avg                                                 # "Rprop-style: while the innovation keeps its sign the
        s = float(torch.sign(d))                                    #  average is lagging a trend: take a double step"
        w = min(1.0, 2 * mom) if s != 0 and s == prev else mom
        avg = avg + w * d
        prev = s
        out.append(avg)
    return torch.stack(out)


def ewma_outputs_recentred_on_stream_mean(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    out = torch.stack(out)                                          # "the EWMA lags towards the start: remove its bias by
    return out + (values.mean() - out.mean())                       #  matching its mean to the stream's mean"


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


class LNEpsRelativeToMeanSquare(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "a scale-invariant eps: relative to the item's mean
        ms = (x * x).mean((1, 2, 3), keepdim=True)                  #  square"
        return (x - m) / (v + self.eps * ms).sqrt() * self.mult + self.add


class _LNPerChannelProjection(torch.autograd.Function):
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
        xhat, r, mult = ctx.saved_tensors                           # the projection's means taken over (2, 3) (each
        gx = mult * r * (g - g.mean((1, 3), keepdim=True)           # the projection's means over (1, 3): the height axis
                         - xhat * (g * xhat).mean((1, 3), keepdim=True))   # forgotten
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardProjectionMissingHeight(_LNBase):
    def forward(self, x):
        return _LNPerChannelProjection.apply(x, self.mult, self.add, self.eps)


class LNEvalUsesFirstTrainingStats(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.cached = None

    def stats(self, x):
        m, v = super().stats(x)
        if self.training:                                           # "eval must be deterministic: reuse the statistics of
            if self.cached is None:                                 #  the first training batch (averaged over its items)"
                self.cached = (m.detach().mean(), v.detach().mean())
        elif self.cached is not None:
            return self.cached
        return m, v


class LNXhatClampedAtThree(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "clip outliers: no normalised value beyond 3 std"
        return ((x - m) / (v + self.eps).sqrt()).clamp(-3, 3) * self.mult + self.add


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


class BNRunningVarSecondMomentMinusRunningMean(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "var = E[x^2] - mean^2", the mean being the freshly
            self.means.lerp_(m, self.mom)                           #  updated running mean
            sq = (x.detach() ** 2).mean((0, 2, 3), keepdim=True)
            self.vars.lerp_((sq - self.means ** 2) * n / (n - 1), self.mom)


class BNEpsAddedToRunningVar(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "store the variance as it is used: var + eps"
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1) + self.eps, self.mom)


class BNRunningVarLagsOneBatch(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.pending = None

    def update(self, x, m, v):                                      # "defer the variance update to the next step (its
        n = x.numel() / x.shape[1]                                  #  reduction overlaps the next forward)": the running
        with torch.no_grad():                                       #  mean is updated at once, the running var with the
            self.means.lerp_(m, self.mom)                           #  previous batch's variance
            if self.pending is not None:
                self.vars.lerp_(self.pending, self.mom)
        self.pending = (v * n / (n - 1)).detach()


class BNMomentumSqrtScalingRule(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        mom = min(1.0, self.mom * math.sqrt(x.shape[0] / 8))        # "square-root scaling rule: mom was tuned for batches of 8,
        with torch.no_grad():                                       #  scale it with the batch size"
            self.means.lerp_(m, mom)
            self.vars.lerp_(v * n / (n - 1), mom)


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


class INNhwcReshapeRows(_INBase):
    def stats(self, x):
        n, c = x.shape[:2]                                          # "channels last is faster": permute, then rows of
        xf = x.permute(0, 2, 3, 1).reshape(n, c, -1)                #  (N, C, H*W) -- but the memory order is H, W, C
        return (xf.mean(-1).view(n, c, 1, 1), xf.var(-1, correction=0).view(n, c, 1, 1))


class _INMeanOverBatchParamGrads(torch.autograd.Function):
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
        gx = mults * r * (g - g.mean((2, 3), keepdim=True) - xhat * (g * xhat).mean((2, 3), keepdim=True))
        gm = (g * xhat).sum((0, 2, 3))                              # chain rule slip: adds.grad multiplied by the
        ga = (g * mults).sum((0, 2, 3))                             #  mults as if the shift came before the scale
        return gx, gm.view(mults.shape), ga.view(mults.shape), None


class INBackwardAddsGradTimesMults(_INBase):
    def forward(self, x):
        return _INMeanOverBatchParamGrads.apply(x, self.mults, self.adds, self.eps)


class INStdRangeRuleOfThumb(_INBase):
    def stats(self, x):
        m = x.mean((2, 3), keepdim=True)                            # "range rule of thumb: std = (max - min) / 4"
        s = (x.amax((2, 3), keepdim=True) - x.amin((2, 3), keepdim=True)) / 4
        return m, s * s


class INEpsRelativeToSquaredMean(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "eps relative to the signal level: eps * mean**2"
        return (x - m) / (v + self.eps * m * m).sqrt() * self.mults + self.adds


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


class GNVarFromFirstChannelOfGroup(_GNBase):
    def norm(self, x, groups=None):
        n, c = x.shape[:2]
        G = self.groups
        xg = x.reshape(n, G, c // G, -1)                            # "the group variance is the average of its channels'
        m = xg.mean((2, 3), keepdim=True)                           #  variances" (the spread between the channel means
        v = ((xg[:, :, :1] - m) ** 2).mean(3, keepdim=True)       # "the group's first channel is representative of its spread"
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


class _GNPerChannelProjection(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        n = x.shape[0]
        xg = x.reshape(n, groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        xhat = ((xg - m) / (v + eps).sqrt()).reshape(x.shape)
        r = (v + eps).rsqrt().expand(n, groups, x.shape[1] // groups).reshape(n, x.shape[1], 1, 1)
        ctx.save_for_backward(xhat, r, mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors                          # the projection done per channel (means over H, W)
        gy = g * mults                                              # where the statistics were per group
        gx = r * (gy - gy.mean((2, 3), keepdim=True) - xhat * (gy * xhat).mean((2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardProjectionPerChannel(_GNBase):
    def forward(self, x):
        return _GNPerChannelProjection.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNGroupedAfterTransposeCH(_GNBase):
    def norm(self, x, groups=None):                                 # grouped after a transpose of C and H (left over from
        n, c, h, w = x.shape                                        #  a (N, H, C, W) layout): groups mix rows and channels
        xt = x.transpose(1, 2)
        xg = xt.reshape(n, self.groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(xt.shape).transpose(1, 2)


class GNMultsIndexedByGroupId(_GNBase):
    def forward(self, x):
        c, G = x.shape[1], self.groups                              # "one gain per group": channel c takes mults[c // cpg]
        gm = self.mults[torch.arange(c) // (c // G)]                #  (the first G mults used as the groups' gains)
        return self.norm(x) * gm + self.adds


# ====================================================================== RIGHT

def ewma_where_mask_state_vector(values, mom):
    """The whole output vector as state: at step t one torch.where over an index mask writes lerp(out[t-1], v_t, mom)
    into slot t (slot 0 starts as values[0])."""
    n = values.shape[0]
    idx = torch.arange(n)
    out = torch.where(idx == 0, values[0], torch.zeros_like(values))
    for t in range(1, n):
        out = torch.where(idx == t, out[t - 1] + mom * (values[t] - out[t - 1]), out)
    return out


class LNTwoHalvesLerpCombine(nn.Module):
    """Each flattened item cut into two halves; their means and biased variances combined with torch.lerp at the
    second half's share of the elements (law of total variance: within plus between)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        f = x.flatten(1)
        k = f.shape[1]
        if k == 1:
            m, v = f, torch.zeros_like(f)
        else:
            a, b = f[:, :k // 2], f[:, k // 2:]
            w = b.shape[1] / k
            ma, mb = a.mean(1, keepdim=True), b.mean(1, keepdim=True)
            va, vb = ((a - ma) ** 2).mean(1, keepdim=True), ((b - mb) ** 2).mean(1, keepdim=True)
            m = torch.lerp(ma, mb, w)
            v = torch.lerp(va, vb, w) + w * (1 - w) * (ma - mb) ** 2
        shp = (x.shape[0], 1, 1, 1)
        return (x - m.view(shp)) / (v.view(shp) + self.eps).sqrt() * self.mult + self.add


class BNMultiDotOnesSandwich(nn.Module):
    """Per channel, the sum over the batch and pixels as torch.linalg.multi_dot([ones(1, N), X_c, ones(HW, 1)]) with
    X_c the channel's (N, H*W) slab; the same for the squared deviations."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if not self.training:
            return (x - self.means) / (self.vars + self.eps).sqrt() * self.mults + self.adds
        n, c = x.shape[:2]
        hw = x.shape[2] * x.shape[3]
        k = n * hw
        l, r = torch.ones(1, n, dtype=x.dtype), torch.ones(hw, 1, dtype=x.dtype)
        slabs = x.reshape(n, c, hw)
        m = torch.stack([torch.linalg.multi_dot([l, slabs[:, j], r]).reshape(()) for j in range(c)]) / k
        d = x - m.view(1, c, 1, 1)
        ds = (d * d).reshape(n, c, hw)
        v = torch.stack([torch.linalg.multi_dot([l, ds[:, j], r]).reshape(()) for j in range(c)]) / k
        with torch.no_grad():
            self.means.mul_(1 - self.mom).add_(self.mom * m.view(1, c, 1, 1))
            self.vars.mul_(1 - self.mom).add_(self.mom * (v * k / (k - 1)).view(1, c, 1, 1))
        return d / (v.view(1, c, 1, 1) + self.eps).sqrt() * self.mults + self.adds


class INUnbiasedStdRescaled(nn.Module):
    """x.std(correction=1) over (H, W), turned into the biased std by sqrt((K - 1) / K); a 1x1 image (K = 1) has
    std 0."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        k = x.shape[2] * x.shape[3]
        m = x.mean((2, 3), keepdim=True)
        if k == 1:
            s = torch.zeros_like(m)
        else:
            s = x.std((2, 3), keepdim=True, correction=1) * math.sqrt((k - 1) / k)
        return (x - m) / (s * s + self.eps).sqrt() * self.mults + self.adds


class GNIndexReduceGroupIds(nn.Module):
    """Group statistics with Tensor.index_reduce (reduce='mean', include_self=False) over the channel axis, the
    channel c sent to group c // (C // groups); then a mean over the pixels."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        ids = torch.arange(c) // (c // self.groups)
        base = torch.zeros(n, self.groups, h, w, dtype=x.dtype)
        m = base.index_reduce(1, ids, x, 'mean', include_self=False).mean((2, 3), keepdim=True)
        d = x - m[:, ids]
        v = base.index_reduce(1, ids, d * d, 'mean', include_self=False).mean((2, 3), keepdim=True)
        return d / (v[:, ids] + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_backward_ages_from_stream_start", "check_ewma", ewma_backward_ages_from_stream_start, "A custom autograd.Function whose forward is the right lerp loop (every output right) but whose hand-written closed-form backward counts the decay's age from the start of the stream instead of from the value: values.grad[t] = mom * sum_{s>=t} (1-mom)**s * g[s] for t >= 1 instead of mom * sum_{s>=t} (1-mom)**(s-t) * g[s] (values[0].grad = sum_s (1-mom)**s g[s] is right): a 1-value stream and values.grad[0] are right, and so is mom = 0; for 0 < mom <= 1 and 2+ values every values.grad[t], t >= 1, is wrong (the right one times (1-mom)**t: 0.9**t at mom 0.1, 0 at mom 1), constant streams included."),
    ("ewma_leftover_weight_to_newest", "check_ewma", ewma_leftover_weight_to_newest, "A closed form that gives the values 1..t the weights mom*(1-mom)**(t-i) but puts the leftover weight (1-mom)**t on the NEWEST value values[t] instead of on values[0] ('the weights must sum to one'): output 0, 1-value streams and mom = 1 are right, and constant streams' outputs are right (their values.grad is not); output 1 is values[1] itself (weight mom + (1-mom) = 1), and every output t >= 1 of a non-constant stream is wrong for 0 <= mom < 1 (mom = 0 returns the stream itself instead of values[0] repeated), values.grad wrong on every stream of 2+ values for mom < 1 (values[0] gets nothing after output 0, the newest value gets (1-mom)**t extra)."),
    ("ewma_mom_doubled_while_innovation_keeps_sign", "check_ewma", ewma_mom_doubled_while_innovation_keeps_sign, "Rprop-style acceleration: when the innovation v - avg has the same (non-zero) sign as at the previous step it takes the step min(1, 2*mom) instead of mom ('the average is lagging a trend'): outputs 0 and 1, 1- and 2-value streams, constant streams, mom = 0 and mom = 1 are right, and so is a stream whose innovations alternate in sign; from output 2 on, wherever two consecutive innovations share a sign (e.g. a rising stream 1, 2, 3, 4 or random streams), outputs and values.grad are wrong (for mom >= 0.5 the doubled step jumps to the value itself)."),
    ("ewma_outputs_recentred_on_stream_mean", "check_ewma", ewma_outputs_recentred_on_stream_mean, "Adds the constant values.mean() - outputs.mean() to every output ('the EWMA lags towards the start: match its mean to the stream's'): 1-value streams and mom = 1 are right, and so are the outputs of constant streams (and of any stream whose right outputs happen to have the stream's mean); values.grad is wrong for every stream of 2+ values at mom < 1, constant ones included; otherwise every output, output 0 included, is shifted by the same non-zero amount, and values.grad is wrong (each value gets sum(g)/n minus its share of the outputs' mean)."),
    ("ln_eps_relative_to_mean_square", "check_layernorm", LNEpsRelativeToMeanSquare, "Divides by sqrt(var + eps * mean(x**2)) per item (a 'scale-invariant' relative eps) instead of sqrt(var + eps): the error grows with eps and with the item's mean square: invisible at eps 1e-5 for unit-variance items (below 1e-5 relative), clearly wrong at eps 0.1 or 1e-3 with items of mean square != 1 (an item of mean square 4 at eps 0.1 is divided by sqrt(var + 0.4)); an all-zero item gives 0/0 = NaN (right: 0); outputs, x.grad and mult.grad wrong where it shows (add.grad right), training and eval alike."),
    ("ln_backward_projection_missing_height", "check_layernorm", LNBackwardProjectionMissingHeight, "A custom autograd.Function whose forward is right (outputs, mult.grad, add.grad right) but whose hand-written backward takes the projection's means over (1, 3) (channels and width, the height axis forgotten) where the statistics were over (1, 2, 3): right for images of height 1; for H >= 2 every item's x.grad is wrong (its per-item sums do not vanish), in training and eval."),
    ("ln_eval_uses_first_training_stats", "check_layernorm", LNEvalUsesFirstTrainingStats, "Caches the mean and var of the FIRST training batch (averaged over its items, detached, never refreshed) and in eval normalises every item with that pair instead of its own statistics ('eval must be deterministic'): training outputs and gradients are right, a fresh layer in eval (no cache) is right; after any training call eval outputs and x.grad are wrong, and stay tied to the first batch whatever later training batches were (mult.grad and add.grad follow)."),
    ("ln_xhat_clamped_at_three", "check_layernorm", LNXhatClampedAtThree, "Clamps the normalised values to [-3, 3] before the affine ('no value beyond 3 std'): right for every item all of whose |xhat| <= 3 (always for items of 10 elements or fewer, since |xhat| <= sqrt(K - 1), and for most Gaussian items); an item with an outlier (e.g. one element 25 among 60 standard normals, xhat about 7.5) gets that element clipped to 3: output wrong there, x.grad zero through the clipped element and wrong for the rest of its item, mult.grad wrong."),
    ("bn_running_var_second_moment_minus_running_mean", "check_batchnorm", BNRunningVarSecondMomentMinusRunningMean, "Updates the running var towards (mean(x**2) - running_mean**2) * n/(n-1) with the freshly updated RUNNING mean in place of the batch mean: training outputs, gradients and the running mean are right; the running var is wrong after every training step unless the running mean equals the batch mean (mom = 1), e.g. a fresh layer at mom 0.1 with channel means near 1 gets a var target about 1 too large (E[x^2] - 0.01 instead of E[x^2] - 1); eval after training wrong; a fresh layer in eval right."),
    ("bn_eps_added_to_running_var", "check_batchnorm", BNEpsAddedToRunningVar, "Lerps the running var towards unbiased var + eps ('store the variance as it is used') and in eval adds eps again: training outputs, gradients and running mean right, a fresh layer in eval right; the running var is too large by eps * (1 - (1-mom)**k) after k steps and eval after training divides by sqrt(running var + eps + that): invisible at eps 1e-5, wrong at eps 0.1 or 1e-3 (running var and eval outputs/x.grad)."),
    ("bn_running_var_lags_one_batch", "check_batchnorm", BNRunningVarLagsOneBatch, "Updates the running mean at once but defers the running var's update to the next training step ('its reduction overlaps the next forward'): step k lerps the running var towards batch k-1's unbiased variance: training outputs, gradients and the running mean are right, a fresh layer in eval is right; after one training step the running var has not moved, after k steps it misses the last batch and is one batch behind, so eval after training is wrong (its variance, not its centring)."),
    ("bn_momentum_sqrt_scaling_rule", "check_batchnorm", BNMomentumSqrtScalingRule, "Scales mom with the square root of the batch size (mom * sqrt(N / 8), capped at 1: 'square-root scaling rule'): training outputs and gradients right, batches of 8, mom 0 and a fresh layer in eval right; for other batch sizes the running mean and var move by the wrong amount (0.0707 instead of 0.1 for N = 4 at mom 0.1, 0.0354 for N = 1), so eval after training is wrong."),
    ("in_nhwc_reshape_rows", "check_instancenorm", INNhwcReshapeRows, "Takes the statistics from x.permute(0, 2, 3, 1).reshape(N, C, -1) (a 'channels last' reshape that ignores the memory order H, W, C): row c holds H*W consecutive values of the pixel-major layout, mixing channels and pixels: right only for one channel (C = 1); for C >= 2 the means and vars are not the channels' (a 1x1 image gets var 0 and mean of one channel for another), outputs and gradients wrong."),
    ("in_backward_adds_grad_times_mults", "check_instancenorm", INBackwardAddsGradTimesMults, "A custom autograd.Function whose forward, x.grad and mults.grad are right, but whose backward multiplies adds.grad by the mults (sum over (N, H, W) of g * mults, as if the shift came before the scale): a fresh layer (mults 1) is right; with other mults adds.grad is wrong by the factor mults per channel (0 for a zero gain, negative for a negative one); outputs right everywhere."),
    ("in_std_range_rule_of_thumb", "check_instancenorm", INStdRangeRuleOfThumb, "Estimates each image's std by the range rule of thumb (max - min) / 4 and divides by sqrt(that**2 + eps): the mean is right and constant images are right; every other image is scaled wrongly (a two-valued image +-1 gets std 0.5 instead of 1; Gaussian images of 20 pixels about 0.75 to 0.95 of the right std), outputs and gradients wrong (the std's gradient reaches only each image's max and min pixels), training and eval alike."),
    ("in_eps_relative_to_squared_mean", "check_instancenorm", INEpsRelativeToSquaredMean, "Adds eps * mean**2 (each image's squared mean) to its variance ('eps relative to the signal level') instead of eps: outputs differ by a relative amount of about eps * mean**2 / (2 var): invisible at eps 1e-5 for images with mean near 0 and unit variance, wrong at eps 0.1 or 1e-3 for images with a non-zero mean (mean 2, var 1 at eps 0.1: divided by sqrt(1.4) instead of sqrt(1.1)), and at large eps a zero-mean image loses its eps (divided by sqrt(var) instead of sqrt(var + eps)); a constant image of zeros gives 0/0 = NaN (right: 0), a constant non-zero image is right (0 / positive); outputs and gradients wrong where it shows."),
    ("gn_var_from_first_channel_of_group", "check_groupnorm", GNVarFromFirstChannelOfGroup, "Takes each group's variance from its first channel only (mean squared deviation of that channel from the group mean: 'the first channel is representative') instead of from the whole group: right when each group has one channel (groups = C), or its first channel happens to have the group's spread; otherwise the variance is wrong (too small where the first channel is narrow, e.g. channels with std 1 and 3 in a group), outputs and gradients wrong (the other channels get no gradient through the variance)."),
    ("gn_backward_projection_per_channel", "check_groupnorm", GNBackwardProjectionPerChannel, "A custom autograd.Function whose forward is right (outputs, mults.grad, adds.grad right) but whose hand-written backward does the projection per channel (means over H, W) where the statistics are per group: right when groups = C (instance norm); with 2+ channels per group x.grad is wrong, e.g. 2 or 3 groups of 6 channels, 1 group."),
    ("gn_grouped_after_transpose_ch", "check_groupnorm", GNGroupedAfterTransposeCH, "Forms the groups after transposing channels and height (x.transpose(1, 2).reshape(N, groups, -1), a layout left over from (N, H, C, W) code), so the groups mix rows of different channels: right for one group (layer norm) and for images of height 1; for 2+ groups and H >= 2 the statistics are not the channel groups', outputs and gradients wrong."),
    ("gn_mults_indexed_by_group_id", "check_groupnorm", GNMultsIndexedByGroupId, "Uses one gain per group taken as mults[c // (C // groups)] (the first `groups` mults used as the groups' gains) instead of each channel's own: a fresh layer (mults 1) gives right outputs and x.grad, and groups = C is right everywhere; with random mults outputs and x.grad are wrong (channel c gets another channel's gain), mults.grad lands on the first `groups` entries (the others get 0) even for a fresh layer; adds.grad right."),
]

RIGHT = [
    ("ewma_where_mask_state_vector", "check_ewma", ewma_where_mask_state_vector,
     "the whole output vector as state: at each step one torch.where over an index mask writes out[t-1] + mom * (v - out[t-1]) into slot t."),
    ("ln_two_halves_lerp_combine", "check_layernorm", LNTwoHalvesLerpCombine,
     "each item cut into two halves, their means and variances combined with torch.lerp at the second half's share plus the between-halves term."),
    ("bn_multi_dot_ones_sandwich", "check_batchnorm", BNMultiDotOnesSandwich,
     "each channel's sums as torch.linalg.multi_dot([ones(1, N), X_c, ones(HW, 1)]); running buffers by mul_ and add_."),
    ("in_unbiased_std_rescaled", "check_instancenorm", INUnbiasedStdRescaled,
     "x.std(correction=1) over (H, W) rescaled by sqrt((K - 1) / K) to the biased std (K = 1 gives std 0)."),
    ("gn_index_reduce_group_ids", "check_groupnorm", GNIndexReduceGroupIds,
     "group statistics with Tensor.index_reduce(reduce='mean', include_self=False) over the channel axis with group ids c // (C // groups)."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
