"""Seventy-seventh held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, meant to differ from those listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py and /work/heldout43 ... /work/heldout76.
       Every one changes a computed number (an output, a gradient, a running statistic, an eval output, a dtype).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` clears the one piece of module-level state (the call counter of ewma_mom_warmed_up_over_first_calls).
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')

_CALLS = {'n': 0}


def reset_state():
    _CALLS['n'] = 0


# ====================================================================== EWMA (wrong)

def ewma_state_averaged_with_lagged_state(values, mom):
    prev = avg = values[0]                                          # "average the last two states before each update: a
    out = []                                                        #  steadier base than the newest state alone"
    for v in values:
        new = torch.lerp((avg + prev) / 2, v, mom)
        prev, avg = avg, new
        out.append(new)
    return torch.stack(out)


def _ewma_weights(n, mom, dtype):
    t = torch.arange(n, dtype=dtype)
    age = t[:, None] - t[None, :]
    w = torch.where(age >= 0, mom * (1 - mom) ** age.clamp_min(0), torch.zeros((), dtype=dtype))
    w[:, 0] = (1 - mom) ** t                                        # the start's weight
    return w


class _EWMAPrunedBackward(torch.autograd.Function):
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
        w = _ewma_weights(g.shape[0], ctx.mom, g.dtype)
        w = torch.where(w.abs() < 1e-6, torch.zeros_like(w), w)    # "weights under 1e-6 do not matter: prune them
        return w.t() @ g, None                                      #  (a sparse backward)"


def ewma_backward_tiny_weights_pruned(values, mom):
    return _EWMAPrunedBackward.apply(values, mom)


def ewma_mom_warmed_up_over_first_calls(values, mom):
    _CALLS['n'] += 1                                                # "warm the smoothing up over the first ten calls,
    w = mom * min(1.0, _CALLS['n'] / 10)                            #  like a learning-rate warm-up"
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


def ewma_alpha_beta_tracker(values, mom):
    beta = mom * mom / (2 - mom)                                    # "an alpha-beta tracker (critically damped) follows
    avg, vel, out = values[0], torch.zeros_like(values[0]), [values[0]]   # a trend without the EWMA's lag"
    for v in values[1:]:
        pred = avg + vel
        r = v - pred
        avg = pred + mom * r
        vel = vel + beta * r
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


class _LNUncentredBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        ctx.save_for_backward(x, r, mult)                           # "save x and rstd, recompute xhat in backward"
        return (x - m) * r * mult + add

    @staticmethod
    def backward(ctx, g):
        x, r, mult = ctx.saved_tensors
        xhat = x * r                                                # the mean forgotten in the recomputation
        gx = mult * r * (g - g.mean((1, 2, 3), keepdim=True) - xhat * (g * xhat).mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardXhatRecomputedUncentred(_LNBase):
    def forward(self, x):
        return _LNUncentredBackward.apply(x, self.mult, self.add, self.eps)


class _LNPixelProjectionBackward(torch.autograd.Function):
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
        xhat, r, mult = ctx.saved_tensors                           # both projection means over the channels at each
        gx = mult * r * (g - g.mean(1, keepdim=True) - xhat * (g * xhat).mean(1, keepdim=True))   # pixel (dim 1)
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardProjectionPerPixelOverChannels(_LNBase):
    def forward(self, x):
        return _LNPixelProjectionBackward.apply(x, self.mult, self.add, self.eps)


class LNVarPooledOverBatchItems(_LNBase):
    def stats(self, x):
        m = x.mean((1, 2, 3), keepdim=True)                         # "each item's own mean, but one variance for the
        v = x.var((1, 2, 3), keepdim=True, correction=0)            #  whole batch (the items' average) is steadier"
        return m, v.mean(0, keepdim=True)


class LNFloat64ViaFloat32Kernel(_LNBase):
    def forward(self, x):
        if x.dtype == torch.float64:                                # "the fused kernel is fastest in float32: run it
            y = F.layer_norm(x.float(), x.shape[1:], eps=self.eps).to(x.dtype)   # there and cast back"
            return y * self.mult + self.add
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


class BNMomCompoundedPerImageRow(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        w = 1 - (1 - self.mom) ** x.shape[2]                        # "the batch is H rows of evidence: one momentum step
        with torch.no_grad():                                       #  per image row"
            self.means.lerp_(m, w)
            self.vars.lerp_(v * n / (n - 1), w)


class _BNRunningCentredBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps, running_mean):
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        ctx.save_for_backward(x, r, mults, running_mean)
        return (x - m) * r * mults + adds

    @staticmethod
    def backward(ctx, g):
        x, r, mults, rm = ctx.saved_tensors
        xhat = (x - rm) * r                                         # recomputed with the (just updated) running mean
        gx = mults * r * (g - g.mean((0, 2, 3), keepdim=True) - xhat * (g * xhat).mean((0, 2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class BNBackwardCentredWithRunningMean(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNRunningCentredBackward.apply(x, self.mults, self.adds, self.eps, self.means.detach().clone())


class BNRunningStatsPlainAttributes(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        nn.Module.__init__(self)
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.means = torch.zeros(1, nf, 1, 1)                       # plain tensors, not buffers: .to()/.double() leave
        self.vars = torch.ones(1, nf, 1, 1)                         # them float32

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # (cast to the tensors' own dtype to make lerp_ work)
            self.means.lerp_(m.to(self.means.dtype), self.mom)
            self.vars.lerp_((v * n / (n - 1)).to(self.vars.dtype), self.mom)


class BNUpdateSkippedOnFirstBatchAfterEval(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.warmup = False

    def train(self, mode=True):
        if mode and not self.training:                              # "the first batch after evaluation is a warm-up:
            self.warmup = True                                      #  don't let it move the running statistics"
        return super().train(mode)

    def update(self, x, m, v):
        if self.warmup:
            self.warmup = False
            return
        super().update(x, m, v)


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


class INStatsFromCheckerboardPixels(_INBase):
    def stats(self, x):
        h, w = x.shape[2:]                                          # "neighbouring pixels are correlated: the 'black'
        mask = ((torch.arange(h)[:, None] + torch.arange(w)[None, :]) % 2 == 0).to(x.dtype)   # squares are enough"
        k = mask.sum()
        m = (x * mask).sum((2, 3), keepdim=True) / k
        return m, (((x - m) * mask) ** 2).sum((2, 3), keepdim=True) / k


class _INChannelCentringBackward(torch.autograd.Function):
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
        gy = g * mults                                              # the centring term's mean over the item's channels and
        gx = r * (gy - gy.mean((1, 2, 3), keepdim=True)             # pixels, the variance term's over the pixels
                  - xhat * (gy * xhat).mean((2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardCentringOverAllChannels(_INBase):
    def forward(self, x):
        return _INChannelCentringBackward.apply(x, self.mults, self.adds, self.eps)


class INXhatGradMaskedBeyond2p5Sigma(_INBase):
    def forward(self, x):
        m, v = self.stats(x)
        xhat = (x - m) / (v + self.eps).sqrt()
        if xhat.requires_grad:                                      # "outlier pixels should not steer training: stop the
            keep = (xhat.detach().abs() <= 2.5).to(xhat.dtype)      #  gradient beyond 2.5 sigma"
            xhat.register_hook(lambda g: g * keep)
        return xhat * self.mults + self.adds


class INStatsPaddedToMultipleOfFour(_INBase):
    def stats(self, x):
        h, w = x.shape[2:]                                          # "pad to multiples of 4 for the fast kernels"
        xp = F.pad(x, (0, (-w) % 4, 0, (-h) % 4))
        return xp.mean((2, 3), keepdim=True), xp.var((2, 3), keepdim=True, correction=0)


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


class _GNPixelCentringBackward(torch.autograd.Function):
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
        cpg = g.shape[1] // G
        gy = (g * mults).reshape(n, G, cpg, -1)
        xh = xhat.reshape(n, G, cpg, -1)
        rr = r.reshape(n, G, 1, 1)                                  # centring: mean over the group's channels at each
        gx = rr * (gy - gy.mean(2, keepdim=True) - xh * (gy * xh).mean((2, 3), keepdim=True))   # pixel, not the group
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardCentringPerPixelOverGroupChannels(_GNBase):
    def forward(self, x):
        return _GNPixelCentringBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNMultsGradHeavyBallHook(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        self.velocity = None
        self.mults.register_hook(self._momentum)                    # "gains train better with momentum in the gradient"

    def _momentum(self, g):
        self.velocity = g if self.velocity is None else g + 0.9 * self.velocity
        return self.velocity


class GNOneChannelGroupsNotCentred(_GNBase):
    def norm(self, x, groups=None):
        if self.groups == x.shape[1]:                               # "one channel per group follows a conv with a bias:
            ms = x.pow(2).mean((2, 3), keepdim=True)                #  no need to centre, scale by the RMS"
            return x / (ms + self.eps).sqrt()
        return super().norm(x, groups)


class GNEpsRelativeToGroupMeanSquare(_GNBase):
    def norm(self, x, groups=None):
        xg = x.reshape(x.shape[0], self.groups, -1)                 # "a scale-free eps: relative to the group's mean square"
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps * xg.pow(2).mean(-1, keepdim=True)).sqrt()).reshape(x.shape)


# ====================================================================== RIGHT answers

def ewma_select_scatter_out(values, mom):
    """Outputs written out of place into a zero tensor with torch.select_scatter, one time step at a time."""
    out = torch.zeros_like(values)
    avg = values[0]
    for t in range(values.shape[0]):
        avg = avg + mom * (values[t] - avg)
        out = torch.select_scatter(out, avg, 0, t)
    return out


class LNMvOnesOverK(nn.Module):
    """Each item flattened into a row; mean and mean squared deviation as torch.mv with a constant 1/K vector."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        rows = x.reshape(x.shape[0], -1)
        k = rows.shape[1]
        avg = torch.full((k,), 1.0 / k, dtype=x.dtype)
        d = rows - torch.mv(rows, avg)[:, None]
        v = torch.mv(d * d, avg)[:, None]
        return (d * torch.rsqrt(v + self.eps) * self.mult + self.add).reshape(x.shape)


class BNSegmentReduceChannelMeans(nn.Module):
    """Channel-major values (C * N*H*W, flat) reduced with torch.segment_reduce('mean') and equal segment lengths."""
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
            flat = x.transpose(0, 1).reshape(-1)
            k = flat.numel() // c
            lengths = torch.full((c,), k, dtype=torch.long)
            m = torch.segment_reduce(flat, 'mean', lengths=lengths)
            d = flat - m.repeat_interleave(k)
            v = torch.segment_reduce(d * d, 'mean', lengths=lengths)
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
            with torch.no_grad():
                self.means.mul_(1 - self.mom).add_(m, alpha=self.mom)
                self.vars.mul_(1 - self.mom).add_(v * (k / (k - 1)), alpha=self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INScatterAddPlaneIds(nn.Module):
    """Every pixel's value scatter_add-ed into its (item, channel) plane's slot; the sums divided by H*W."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        flat = x.reshape(-1)
        ids = torch.arange(n * c).repeat_interleave(h * w)
        zeros = torch.zeros(n * c, dtype=x.dtype)
        m = zeros.scatter_add(0, ids, flat) / (h * w)
        d = flat - m[ids]
        v = zeros.scatter_add(0, ids, d * d) / (h * w)
        xhat = (d / (v[ids] + self.eps).sqrt()).reshape(x.shape)
        return xhat * self.mults + self.adds


class GNRepeatInterleaveSpread(nn.Module):
    """Per-group mean and rstd from a 5-d (N, G, C/G, H, W) view, spread to the channels with repeat_interleave."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        cpg = c // self.groups
        x5 = x.reshape(n, self.groups, cpg, *x.shape[2:])
        m = x5.mean((2, 3, 4))
        v = ((x5 - m[:, :, None, None, None]) ** 2).mean((2, 3, 4))
        r = (v + self.eps).rsqrt()
        mc = m.repeat_interleave(cpg, dim=1)[:, :, None, None]
        rc = r.repeat_interleave(cpg, dim=1)[:, :, None, None]
        return (x - mc) * rc * self.mults + self.adds


WRONG = [
    ("ewma_state_averaged_with_lagged_state", "check_ewma", ewma_state_averaged_with_lagged_state, "Each update lerps from the average of the last two states ((avg_t-1 + avg_t-2)/2, the start counted twice at first) towards the new value instead of from the last state: outputs 0 and 1, 1- and 2-value streams and mom 0 and 1 are right everywhere, and constant streams' outputs are right; from output 2 on every non-constant stream at 0 < mom < 1 has wrong outputs (output 2 = lerp((out1 + out0)/2, v2, mom)), and values.grad is wrong on every stream of 3+ values at 0 < mom < 1 (constant ones too)."),
    ("ewma_backward_tiny_weights_pruned", "check_ewma", ewma_backward_tiny_weights_pruned, "A custom autograd.Function whose forward is the right lerp loop (outputs right everywhere) and whose backward multiplies the upstream gradient by the transposed weight matrix with every weight of magnitude below 1e-6 set to zero ('a sparse backward'): values.grad is right whenever no weight falls below 1e-6 (short streams, small mom, mom 0 and 1); wrong (by up to 1e-6 * |g| per dropped weight) where a weight mom*(1-mom)**age or the start's (1-mom)**t is below 1e-6: e.g. mom 0.9 and 8+ values ((0.1)**6 * 0.9), mom 0.5 and 21+ values; visible in float64, not at float32 tolerance."),
    ("ewma_mom_warmed_up_over_first_calls", "check_ewma", ewma_mom_warmed_up_over_first_calls, "Counts its calls in module-level state and uses mom * min(1, calls / 10) as the weight ('warm the smoothing up over the first calls'): from the tenth call on (since import or reset_state()) everything is right; on calls 1 to 9 the weight is mom/10 ... 9*mom/10: 1-value streams, constant streams' outputs and mom 0 are right there, every other stream's outputs and values.grad are wrong (the same call repeated gives different results)."),
    ("ewma_alpha_beta_tracker", "check_ewma", ewma_alpha_beta_tracker, "An alpha-beta (trend-following) tracker with alpha = mom and beta = mom**2/(2 - mom): a velocity starting at 0 is added to the prediction before each update: outputs 0 and 1, 1- and 2-value streams and mom 0 and 1 are right everywhere, and constant streams' outputs are right; from output 2 on every non-constant stream at 0 < mom < 1 overshoots along the trend (outputs wrong: a linear ramp is tracked with less lag than the EWMA's), and values.grad is wrong on every stream of 3+ values at 0 < mom < 1 (constant ones too)."),
    ("ln_backward_xhat_recomputed_uncentred", "check_layernorm", LNBackwardXhatRecomputedUncentred, "A custom autograd.Function with a right forward (outputs and add.grad right everywhere) whose backward recomputes xhat as x * rstd without subtracting the item's mean: x.grad and mult.grad are wrong for every item whose mean is not 0 (both right only where each item has mean exactly 0, e.g. inputs centred per item); the error grows with the item's mean."),
    ("ln_backward_projection_per_pixel_over_channels", "check_layernorm", LNBackwardProjectionPerPixelOverChannels, "A custom autograd.Function with a right forward (outputs, mult.grad and add.grad right everywhere) whose backward takes both projection means, mean(g) and mean(g * xhat), over the channels at each pixel (dim 1) instead of over the whole item (C, H, W): x.grad is right for 1x1 images (one pixel per item) and wrong for every item of 2+ pixels, in training and eval."),
    ("ln_var_pooled_over_batch_items", "check_layernorm", LNVarPooledOverBatchItems, "Centres each item by its own mean but divides every item by one shared variance, the average over the batch of the items' variances ('steadier'): a batch of one is right, and so are batches whose items all have the same variance; otherwise each item's output is scaled by sqrt((var_i + eps)/(mean var + eps)) (wrong outputs and gradients, which now also couple the items: x.grad of one item depends on the others), in training and eval alike."),
    ("ln_float64_via_float32_kernel", "check_layernorm", LNFloat64ViaFloat32Kernel, "For float64 inputs runs F.layer_norm on x.float() and casts the result back to float64 (then the affine): float32 inputs are right everywhere and float64 outputs have the right dtype, but float64 outputs and x.grad carry float32 rounding (errors ~1e-7 relative, far above float64 precision), and mult.grad inherits them (add.grad, the sum of the upstream gradient, stays right)."),
    ("bn_mom_compounded_per_image_row", "check_batchnorm", BNMomCompoundedPerImageRow, "Uses 1 - (1 - mom)**H (one momentum step per image row) as the lerp weight of the running mean and var instead of mom: training outputs and gradients are right, a fresh layer in eval is right, and images of height 1 (and mom 0 and 1) are right; with H >= 2 the running statistics move too fast after every training step (H=3, mom 0.1: weight 0.271), so eval after training is wrong."),
    ("bn_backward_centred_with_running_mean", "check_batchnorm", BNBackwardCentredWithRunningMean, "A custom autograd.Function in training with a right forward (outputs, running statistics, eval and adds.grad right) whose backward recomputes xhat for the variance term and for mults.grad with the just-updated running mean instead of the batch mean: training x.grad and mults.grad wrong wherever the running mean differs from the batch mean (always, except mom 1 where they coincide); eval gradients right."),
    ("bn_running_stats_plain_attributes", "check_batchnorm", BNRunningStatsPlainAttributes, "Keeps the running mean and var as plain float32 tensor attributes instead of registered buffers: .double()/.to(float64) leaves them float32 (and they are not in state_dict): a float32 layer is right everywhere and so are training outputs and gradients; in a float64 layer the running statistics stay float32 (wrong dtype, float32 rounding of the updates) and every float64 eval output and its x.grad differ from float64 BatchNorm at ~1e-8 relative (even a fresh layer: sqrt(1 + eps) taken in float32)."),
    ("bn_update_skipped_on_first_batch_after_eval", "check_batchnorm", BNUpdateSkippedOnFirstBatchAfterEval, "Treats the first training batch after a switch from eval back to train (a train() call on a layer in eval mode) as a warm-up that does not update the running statistics: a layer trained from construction, without an eval() in between, is right everywhere (train() on a layer already training changes nothing); after eval() then train() the first batch's outputs and gradients are right but its running mean and var update is skipped, so the running statistics and every later eval output are wrong."),
    ("in_stats_from_checkerboard_pixels", "check_instancenorm", INStatsFromCheckerboardPixels, "Takes each image's mean and var from the pixels where h + w is even (a checkerboard, about half of them: 'neighbours are correlated') and normalises all pixels with them: 1x1 images are right (their one pixel is on the board) and so are constant images; every other image's outputs and gradients are wrong (the odd squares get no gradient through the statistics), in training and eval."),
    ("in_backward_centring_over_all_channels", "check_instancenorm", INBackwardCentringOverAllChannels, "A custom autograd.Function with a right forward (outputs, mults.grad and adds.grad right) whose backward subtracts the mean of mults*g over the item's channels and pixels (1, 2, 3) instead of over each channel's pixels (2, 3) (the variance term is right): x.grad is right for one-channel inputs and where every channel's mean of mults*g happens to be equal; wrong for every other input with 2+ channels (x.grad per plane no longer sums to 0)."),
    ("in_xhat_grad_masked_beyond_2p5_sigma", "check_instancenorm", INXhatGradMaskedBeyond2p5Sigma, "A hook on xhat zeroes its gradient where |xhat| > 2.5 ('outliers should not steer training'): outputs, mults.grad and adds.grad are right everywhere, and x.grad is right for every plane with no pixel beyond 2.5 standard deviations (all planes of 7 or fewer pixels, whose |xhat| <= sqrt(HW - 1) < 2.5; random normal planes of 20 pixels often have one); a plane with such an outlier (e.g. one pixel at 25 among normal noise) gets the wrong x.grad in all its pixels (the outlier's share of the projection is lost)."),
    ("in_stats_padded_to_multiple_of_four", "check_instancenorm", INStatsPaddedToMultipleOfFour, "Zero-pads each image to H and W multiples of 4 before taking its mean and var (the zeros counted): images whose H and W are multiples of 4 are right everywhere; any other size (3x5, 2x5, 1x7 ...) gets a mean pulled towards 0 and a wrong var: outputs and gradients wrong (a constant image of 2 is no longer mapped to adds)."),
    ("gn_backward_centring_per_pixel_over_group_channels", "check_groupnorm", GNBackwardCentringPerPixelOverGroupChannels, "A custom autograd.Function with a right forward (outputs, mults.grad and adds.grad right) whose backward takes the centring term's mean of mults*g over the group's channels at each pixel separately instead of over the whole group (channels and pixels); the variance term is right: x.grad is right for 1x1 images (one pixel) and wrong for every image of 2+ pixels, in every group count."),
    ("gn_mults_grad_heavy_ball_hook", "check_groupnorm", GNMultsGradHeavyBallHook, "A hook registered on mults in __init__ keeps a velocity across backward calls and returns g + 0.9 * previous velocity as mults.grad ('momentum in the gradient'): outputs, x.grad and adds.grad are right everywhere and the first backward of a layer gives the right mults.grad; from the second backward on mults.grad is the current gradient plus 0.9 times the accumulated earlier ones (state across calls)."),
    ("gn_one_channel_groups_not_centred", "check_groupnorm", GNOneChannelGroupsNotCentred, "When the number of groups equals the number of channels (one channel per group) divides each channel by its root mean square sqrt(mean(x**2) + eps) without subtracting the mean: every group count below C is right everywhere; with groups == C outputs and gradients are wrong for every channel whose mean is not 0 (a constant channel of 3 gives mults + adds instead of adds)."),
    ("gn_eps_relative_to_group_mean_square", "check_groupnorm", GNEpsRelativeToGroupMeanSquare, "Adds eps times the group's mean square (mean of x**2) to the group variance instead of eps ('a scale-free eps'): outputs right only for groups whose mean square is exactly 1 (their x.grad still wrong: the added eps*mean(x**2) has a derivative); every other group's outputs and gradients are off (by ~eps*(ms - 1)/(2 var) relative: visible in float64 at eps 1e-5, large at eps 0.1 or for groups with a large mean, e.g. a channel offset of 3)."),
]

RIGHT = [
    ("ewma_select_scatter_out", "check_ewma", ewma_select_scatter_out,
     "the average written out of place into a zero tensor with torch.select_scatter at each time step (avg + mom * (v - avg))."),
    ("ln_mv_ones_over_k", "check_layernorm", LNMvOnesOverK,
     "items as rows; mean and mean squared deviation as torch.mv with a constant 1/K vector, rsqrt."),
    ("bn_segment_reduce_channel_means", "check_batchnorm", BNSegmentReduceChannelMeans,
     "channel-major flat values reduced with torch.segment_reduce('mean') over equal segment lengths; running buffers with mul_/add_(alpha)."),
    ("in_scatter_add_plane_ids", "check_instancenorm", INScatterAddPlaneIds,
     "each pixel scatter_add-ed into its (item, channel) plane id's slot; sums / (H*W) gathered back by the ids."),
    ("gn_repeat_interleave_spread", "check_groupnorm", GNRepeatInterleaveSpread,
     "per-group mean and rstd from a 5-d (N, G, C/G, H, W) view, spread to the channels with repeat_interleave."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
