"""Seventy-ninth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout78 (heldoutN.py).
       Every one changes a computed number: an output, a gradient, a running statistic or an eval output.
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

def ewma_outputs_held_between_every_third(values, mom):
    avg, shown, out = values[0], values[0], []
    for t, v in enumerate(values):                                  # "a display refreshed every third step: the average
        avg = torch.lerp(avg, v, mom)                               #  runs every step, the output is sampled and held"
        if t % 3 == 0:
            shown = avg
        out.append(shown)
    return torch.stack(out)


def ewma_mom_decayed_like_learning_rate(values, mom):
    avg, out = values[0], []
    for t, v in enumerate(values):                                  # "like a learning rate, the step size decays with time:
        w = mom / (1 + 0.1 * (t - 1)) if t >= 1 else mom           #  mom / (1 + 0.1 (t - 1))"
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


class _EWMAFirstCountedTwice(torch.autograd.Function):
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
        mom = ctx.mom
        grads = torch.empty_like(g)
        carry = torch.zeros_like(g[0])
        for t in range(len(g) - 1, 0, -1):
            carry = g[t] + (1 - mom) * carry
            grads[t] = mom * carry
        carry = g[0] + (1 - mom) * carry                            # the whole carry reaches values[0] (the seed) ...
        grads[0] = carry + g[0]                                     # ... and "values[0] is also the first value": g[0] again
        return grads, None


def ewma_backward_first_value_grad_counted_twice(values, mom):
    return _EWMAFirstCountedTwice.apply(values, mom)


def ewma_innovation_clipped_at_stream_std(values, mom):
    s = 2 * values.std(correction=0)                                # "robust: no step larger than two standard deviations
    avg, out = values[0], []                                        #  of the stream"
    for v in values:
        avg = avg + mom * (v - avg).clamp(-s, s)
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


class LNEpsTimesBatchSize(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "eps is per batch: one eps for every item"
        return (x - m) / (v + self.eps * x.shape[0]).sqrt() * self.mult + self.add


class LNInputGradRescaledByItemStdHook(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        if x.requires_grad:                                         # "undo the 1/std in the input gradient so that items of
            s = (v + self.eps).sqrt().detach()                      #  every scale learn at the same speed"
            x.register_hook(lambda g: g * s)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNVarCountFromWholeBatchNumel(_LNBase):
    def stats(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = ((x - m) ** 2).sum((1, 2, 3), keepdim=True) / x.numel()  # the count of the whole batch, not of one item
        return m, v


class LNEpsOnlyInEval(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "eps only guards eval: training batches never have a
        e = self.eps if not self.training else 0.0                  #  zero variance"
        return (x - m) / (v + e).sqrt() * self.mult + self.add


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


class _BNEvalNoEpsBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, means, vars_, eps):
        ctx.save_for_backward(x, mults, means, vars_)
        ctx.eps = eps
        return (x - means) / (vars_ + eps).sqrt() * mults + adds

    @staticmethod
    def backward(ctx, g):
        x, mults, means, vars_ = ctx.saved_tensors                 # "in eval the layer is an affine map: x.grad is
        gx = g * mults / vars_.sqrt()                               #  g * mults / running std" (eps forgotten here)
        xhat = (x - means) / (vars_ + ctx.eps).sqrt()
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None, None


class BNEvalBackwardRstdWithoutEps(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        return _BNEvalNoEpsBackward.apply(x, self.mults, self.adds, self.means, self.vars, self.eps)


class BNRunningVarPooledWithinRowHalves(_BNBase):
    def update(self, x, m, v):
        h = x.shape[2]
        if h >= 2:                                                  # "to save memory, the running variance from the top and
            xd = x.detach()                                         #  bottom halves separately, averaged"
            v = (xd[:, :, :h // 2].var((0, 2, 3), keepdim=True, correction=0)
                 + xd[:, :, h // 2:].var((0, 2, 3), keepdim=True, correction=0)) / 2
        super().update(x, m, v)


class _BNMeanTermNMinusOne(torch.autograd.Function):
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
        n = g.numel() // g.shape[1]                                 # the mean term's sum divided by n - 1 ("the unbiased
        gx = mults * r * (g - g.sum((0, 2, 3), keepdim=True) / (n - 1)   #  count") where its mean (1/n) is meant
                          - xhat * (g * xhat).mean((0, 2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class BNBackwardMeanTermOverNMinusOne(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNMeanTermNMinusOne.apply(x, self.mults, self.adds, self.eps)


class BNRunningMeanTrimmed(_BNBase):
    def update(self, x, m, v):
        c = x.shape[1]
        cols = x.detach().transpose(0, 1).reshape(c, -1).sort(1).values   # "the running mean should be robust: a 10%
        k = int(0.1 * cols.shape[1])                                        #  trimmed mean of each channel"
        mt = cols[:, k:cols.shape[1] - k].mean(1).view(1, c, 1, 1)
        super().update(x, mt, v)


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


class _INMultsGradRaw(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(x, xhat, r, mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        x, xhat, r, mults = ctx.saved_tensors
        gx = mults * r * (g - g.mean((2, 3), keepdim=True) - xhat * (g * xhat).mean((2, 3), keepdim=True))
        return gx, (g * x).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None   # "dy/dmults = x"


class INBackwardMultsGradFromRawInput(_INBase):
    def forward(self, x):
        return _INMultsGradRaw.apply(x, self.mults, self.adds, self.eps)


class INVarAboutItemMean(_INBase):
    def stats(self, x):
        m = x.mean((2, 3), keepdim=True)
        mi = x.mean((1, 2, 3), keepdim=True)                        # spread measured about the item's mean (all channels)
        return m, ((x - mi) ** 2).mean((2, 3), keepdim=True)


class INEvalReusesLastTrainingStats(_INBase):
    def stats(self, x):
        m, v = super().stats(x)
        if self.training:                                           # "keep the last training statistics for eval, as
            self._last = (m.detach(), v.detach())                   #  BatchNorm does"
        elif getattr(self, '_last', None) is not None and self._last[0].shape == m.shape:
            return self._last
        return m, v


class INBesselWithChannelCount(_INBase):
    def stats(self, x):
        m, v = super().stats(x)
        c = x.shape[1]                                              # Bessel's correction with the wrong count: C / (C - 1)
        return m, v * c / (c - 1)


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def stats(self, xg):
        return xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)

    def forward(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m, v = self.stats(xg)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


class GNUnbiasedVarRescaledByChannelCount(_GNBase):
    def stats(self, xg):
        cpg = self.mults.shape[0] // self.groups                    # "torch.var is unbiased: undo it with (k - 1) / k",
        return xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True) * (cpg - 1) / cpg   # k taken as channels per group


class _GNProjectionMultsOutside(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        xg = x.reshape(x.shape[0], groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = ((xg - m) * r).reshape(x.shape)
        ctx.save_for_backward(xhat, r, mults)
        ctx.groups = groups
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors
        n, G = g.shape[0], ctx.groups
        shp = (n, G, -1)
        gm = (g * mults).reshape(shp)
        proj = (g * xhat).reshape(shp).mean(-1, keepdim=True)      # the projection's mean taken of g * xhat and the mults
        mc = (torch.ones_like(g) * mults).reshape(shp)               # each value's own channel gain
        gx = r * (gm - gm.mean(-1, keepdim=True) - mc * xhat.reshape(shp) * proj)
        return (gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape),
                None, None)                                         # ... applied per channel outside it


class GNBackwardProjectionMultsOutsideMean(_GNBase):
    def forward(self, x):
        return _GNProjectionMultsOutside.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNBetweenChannelTermDividedByCpg(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xc = x.reshape(n, self.groups, c // self.groups, h * w)     # law of total variance, the between-channel term
        cm = xc.mean(-1, keepdim=True)                              # averaged over the channels a second time
        cv = xc.var(-1, keepdim=True, correction=0)
        m = cm.mean(2, keepdim=True)
        v = cv.mean(2, keepdim=True) + ((cm - m) ** 2).mean(2, keepdim=True) / (c // self.groups)
        return ((xc - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


class _GNMultsGradChannelXhat(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        xg = x.reshape(x.shape[0], groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = ((xg - m) * r).reshape(x.shape)
        ctx.save_for_backward(x, xhat, r, mults)
        ctx.groups, ctx.eps = groups, eps
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        x, xhat, r, mults = ctx.saved_tensors
        n, G = x.shape[0], ctx.groups
        gg = (g * mults).reshape(n, G, -1)
        xh = xhat.reshape(n, G, -1)
        gx = r * (gg - gg.mean(-1, keepdim=True) - xh * (gg * xh).mean(-1, keepdim=True))
        xc = (x - x.mean((2, 3), keepdim=True)) / (x.var((2, 3), keepdim=True, correction=0) + ctx.eps).sqrt()
        return (gx.reshape(x.shape), (g * xc).sum((0, 2, 3)).view(mults.shape),   # each channel's own xhat for mults.grad
                g.sum((0, 2, 3)).view(mults.shape), None, None)


class GNBackwardMultsGradFromChannelXhat(_GNBase):
    def forward(self, x):
        return _GNMultsGradChannelXhat.apply(x, self.mults, self.adds, self.groups, self.eps)


# ====================================================================== RIGHT answers

def ewma_while_narrow_cat_grow(values, mom):
    """A while loop growing the output with torch.cat; each value read as a 1-long torch.narrow slice."""
    out = values.narrow(0, 0, 1)
    avg, t = out[0], 1
    while t < values.shape[0]:
        avg = torch.lerp(avg, values.narrow(0, t, 1)[0], mom)
        out = torch.cat([out, avg.unsqueeze(0)])
        t += 1
    return out


class LNChannelsLastFused(nn.Module):
    """The item permuted channels-last, F.layer_norm over its (H, W, C) trailing shape, permuted back."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        xl = x.permute(0, 2, 3, 1)
        y = F.layer_norm(xl, xl.shape[1:], eps=self.eps).permute(0, 3, 1, 2)
        return y * self.mult + self.add


class BNAddbmmChannelSums(nn.Module):
    """Channel sums by torch.addbmm: the items' (C, H*W) slabs times a ones column, summed over the batch by addbmm."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            n, c = x.shape[:2]
            slabs = x.flatten(2)
            k = slabs.shape[0] * slabs.shape[2]
            ones, zero = x.new_ones(n, slabs.shape[2], 1), x.new_zeros(c, 1)
            m = (torch.addbmm(zero, slabs, ones) / k).view(1, c, 1, 1)
            d = (x - m).flatten(2)
            v = (torch.addbmm(zero, d * d, ones) / k).view(1, c, 1, 1)
            with torch.no_grad():
                self.means.mul_(1 - self.mom).add_(m * self.mom)
                self.vars.mul_(1 - self.mom).add_(v * (k / (k - 1)) * self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INShiftedByCornerPixel(nn.Module):
    """Shifted-data moments: the image shifted by its top-left pixel, mean and variance from the shifted first and second
    moments, the shift added back to the mean."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        k = x[:, :, :1, :1]
        y = x - k
        s1 = y.mean((2, 3), keepdim=True)
        v = (y * y).mean((2, 3), keepdim=True) - s1 * s1
        return (y - s1) / (v + self.eps).sqrt() * self.mults + self.adds


class GNWhereGroupMasks(nn.Module):
    """One boolean channel mask per group; masked sums by torch.where, the output assembled group by group with
    torch.where."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        c = x.shape[1]
        ids = torch.arange(c) // (c // self.groups)
        out = torch.zeros_like(x)
        for g in range(self.groups):
            mask = (ids == g).view(1, c, 1, 1)
            cnt = int(mask.sum()) * x.shape[2] * x.shape[3]
            m = torch.where(mask, x, 0.).sum((1, 2, 3), keepdim=True) / cnt
            d = torch.where(mask, x - m, 0.)
            v = (d * d).sum((1, 2, 3), keepdim=True) / cnt
            out = torch.where(mask, d / (v + self.eps).sqrt(), out)
        return out * self.mults + self.adds


WRONG = [
    ("ewma_outputs_held_between_every_third", "check_ewma", ewma_outputs_held_between_every_third, "The average is updated by the right lerp at every step, but the output is refreshed only at steps 0, 3, 6, ... and held (the last refreshed average repeated) in between ('a display sampled every third step'): output 0, a 1-value stream and mom 0 are right everywhere; constant streams give the right outputs but a wrong values.grad (the held steps' gradients land on the wrong values); on every other stream outputs 1 and 2 repeat values[0] (instead of lerp(values[0], values[1], mom) ...), outputs 4, 5, 7, 8, ... repeat the average of step 3, 6, ...: outputs wrong from output 1 on, and values.grad wrong (the held steps' upstream gradients land on the wrong values; values after the last refresh, e.g. values[1] and values[2] of a 3-value stream, get no gradient at all), at every mom in (0, 1] including mom 1."),
    ("ewma_mom_decayed_like_learning_rate", "check_ewma", ewma_mom_decayed_like_learning_rate, "The weight decays like a learning-rate schedule: step t >= 1 uses lerp weight mom / (1 + 0.1 (t - 1)) instead of mom ('the step size decays with time'): outputs 0 and 1 (and so 1- and 2-value streams, outputs and values.grad) and mom 0 are right; constant streams give the right outputs but a wrong values.grad (the weights given to each value differ); from output 2 on every non-constant stream with mom > 0 is wrong (step 2 weighs the new value mom/1.1, step 11 mom/2: the average lags more and more), including mom 1 (output 2 = lerp(values[1], values[2], 1/1.1), not values[2]); values.grad wrong likewise."),
    ("ewma_backward_first_value_grad_counted_twice", "check_ewma", ewma_backward_first_value_grad_counted_twice, "A custom autograd.Function whose forward is the right lerp loop (every output right) and whose hand-written backward is the right adjoint for values[1:] (mom * carry) but adds the upstream gradient g[0] to values[0] a second time ('values[0] is the seed and also the first value'): values.grad[0] = carry_0 + g[0] instead of carry_0 = g[0] + (1 - mom) * carry_1: every output and values.grad[1:] right everywhere; values.grad[0] too large by g[0] on every stream (also a 1-value stream: 2 g[0]; also constant streams, mom 0 and mom 1); right only where g[0] = 0 (e.g. a loss on the last output only)."),
    ("ewma_innovation_clipped_at_stream_std", "check_ewma", ewma_innovation_clipped_at_stream_std, "Clips every innovation v - avg to +-2 times the (biased) standard deviation of the WHOLE stream before the step ('robust: no step larger than two standard deviations'; the clip even uses future values): constant and 1-value streams, mom 0 and smooth streams whose innovations all stay within 2 std (e.g. a random-normal stream where |v - avg| < 2 std, or a slow ramp) are right; a stream with a jump or an outlier (e.g. nine zeros then 10: std 3, the last step is mom * 6 instead of mom * 10; or [0, 0, 0, 0, 100]) gives wrong outputs from the clipped step on, and values.grad is wrong (the clipped step passes no gradient to v and avg but passes some to every value through the std)."),
    ("ln_eps_times_batch_size", "check_layernorm", LNEpsTimesBatchSize, "Adds eps times the batch size N to each item's variance ('eps is per batch') instead of eps: a batch of one item is right everywhere (training and eval alike); with 2+ items every item's output and gradients use var + N * eps: wrong outputs, x.grad and mult.grad (add.grad stays right: the sum of g), clearly at a large eps (eps 0.1, N 4: var + 0.4), tiny (relative ~N*eps/2, ~1e-5) at eps 1e-5 but still beyond float64 round-off; a constant item (d = 0) gives add either way."),
    ("ln_input_grad_rescaled_by_item_std_hook", "check_layernorm", LNInputGradRescaledByItemStdHook, "When the input requires grad, registers a hook on x that multiplies its gradient by the item's sqrt(var + eps) ('undo the 1/std so that items of every scale learn at the same speed'): outputs (training and eval), mult.grad and add.grad right everywhere; x.grad (training and eval) is the right one times each item's sqrt(var + eps): right only for items with var + eps = 1; wrong for items of another spread (e.g. scale 2: x.grad 2x too big, a constant item: x.grad times sqrt(eps))."),
    ("ln_var_count_from_whole_batch_numel", "check_layernorm", LNVarCountFromWholeBatchNumel, "Divides each item's sum of squared deviations by x.numel() (the whole batch's count N*C*H*W) instead of by the item's count C*H*W: each item's variance is N times too small: a batch of one item is right everywhere; with N >= 2 every non-constant item's outputs are about sqrt(N) times too large (the output std is sqrt(N) instead of 1) and x.grad and mult.grad are wrong, in training and eval; add.grad and constant items (output add) right."),
    ("ln_eps_only_in_eval", "check_layernorm", LNEpsOnlyInEval, "Adds eps to the variance only in eval ('training batches never have zero variance'): eval (also a fresh layer in eval) is right; training divides by sqrt(var) without eps: training outputs, x.grad and mult.grad slightly wrong at eps 1e-5 (relative ~eps/(2 var)) and clearly at a large eps (eps 0.1 or 1 with unit-variance items); a constant item in training gives NaN (0/0) instead of add."),
    ("bn_eval_backward_rstd_without_eps", "check_batchnorm", BNEvalBackwardRstdWithoutEps, "In eval a custom autograd.Function whose forward is right (eval outputs right) and whose hand-written backward gives x.grad = g * mults / sqrt(running var) (eps forgotten: 'eval is an affine map'), mults.grad and adds.grad right: training (outputs, gradients, running statistics) right everywhere, eval outputs and eval parameter gradients right; eval x.grad too large by sqrt((running var + eps) / running var): clearly at a large eps (0.1 on a fresh layer: times sqrt(1.1)) or small running variances, by ~eps/2 relative at eps 1e-5 (beyond float64 round-off); a channel whose running var is 0 (e.g. after mom 1 on a constant channel) gets inf x.grad."),
    ("bn_running_var_pooled_within_row_halves", "check_batchnorm", BNRunningVarPooledWithinRowHalves, "For images with H >= 2 takes the running var's batch variance as the average of the biased variances of the top rows [:H//2] and the bottom rows [H//2:] ('to save memory'), then Bessel n/(n-1): the between-halves part of the variance is lost (and odd H weighs the halves equally): training outputs, gradients and the running mean are right; the running var is wrong whenever the two halves' means differ (random data: slightly, a vertical gradient image: clearly) or H is odd, so eval after training is wrong; images with H = 1 are right; a fresh layer in eval is right."),
    ("bn_backward_mean_term_over_n_minus_one", "check_batchnorm", BNBackwardMeanTermOverNMinusOne, "A custom autograd.Function in training whose forward is right (outputs, running statistics, eval, mults.grad and adds.grad right) but whose hand-written backward divides the mean term's sum by n - 1 ('the unbiased count') where the mean (1/n) is meant: x.grad = mults * r * (g - sum(g)/(n-1) - xhat * mean(g * xhat)) per channel, n = N*H*W: training x.grad wrong by mults * r * sum(g)/(n(n-1)) in every channel whose upstream gradient does not sum to zero (most for small n: n = 2 doubles the mean term); eval x.grad right; right where sum(g) = 0 over each channel."),
    ("bn_running_mean_trimmed", "check_batchnorm", BNRunningMeanTrimmed, "Updates the running mean with each channel's 10% trimmed mean (sort the n = N*H*W values, drop int(0.1 n) lowest and highest) instead of the plain mean ('robust'): training outputs, gradients and the running var are right; with n < 10 values per channel (e.g. batch 1 of 3x3) nothing is dropped and everything is right; with n >= 10 and skewed or asymmetric data (e.g. relu'd or exponential values, or a big outlier) the running mean is wrong after every training step and eval after training is wrong; symmetric data changes it only slightly (still beyond round-off); a fresh layer in eval is right."),
    ("in_backward_mults_grad_from_raw_input", "check_instancenorm", INBackwardMultsGradFromRawInput, "A custom autograd.Function whose forward is right (outputs right) and whose hand-written backward gives x.grad and adds.grad right but mults.grad = sum over (N, H, W) of g * x, the raw input ('dy/dmults = x'), instead of g * xhat: outputs, x.grad and adds.grad right everywhere; mults.grad wrong in every configuration except an input that is already normalised per image (mean 0, var 1 - eps); e.g. a zero-mean image of std 2: twice too large, an image of mean 3 gets 3 * sum(g) extra."),
    ("in_var_about_item_mean", "check_instancenorm", INVarAboutItemMean, "Centres each (item, channel) image by its own mean but measures its spread about the item's mean over all channels (mean of (x - item_mean)**2 over (H, W)): one-channel inputs are right, and so are items whose channel means are all equal; with C >= 2 and channel means that differ (e.g. offsets per channel) each channel's variance is increased by (channel mean - item mean)**2: outputs too small and x.grad, mults.grad wrong (x.grad also leaks across channels through the item mean); a constant image's output is still adds but its gradient is wrong."),
    ("in_eval_reuses_last_training_stats", "check_instancenorm", INEvalReusesLastTrainingStats, "Remembers the per-(item, channel) mean and var of the last training call (detached) and in eval, if the input has the same (N, C) as that call, normalises with those remembered statistics instead of the input's own ('keep the last training statistics for eval, as BatchNorm does'): training is right everywhere, a fresh layer in eval is right, and eval on an input of another batch size or channel count is right; eval after training on a same-(N, C) input with other values gives wrong outputs, and even on the very same input eval x.grad is wrong (the remembered statistics carry no gradient: x.grad = mults * rstd * g)."),
    ("in_bessel_with_channel_count", "check_instancenorm", INBesselWithChannelCount, "Multiplies each image's biased variance by C / (C - 1), C the number of channels ('Bessel's correction', with the wrong count), instead of leaving it biased: every non-constant image's outputs, x.grad and mults.grad are wrong (3 channels: variance times 1.5, outputs 1/sqrt(1.5) too small); one channel gives C/(C-1) = 1/0: variance inf (NaN for a constant image) and outputs equal to adds with zero x.grad; constant images with C >= 2 are right (output adds)."),
    ("gn_unbiased_var_rescaled_by_channel_count", "check_groupnorm", GNUnbiasedVarRescaledByChannelCount, "Takes the group variance with torch.var's default unbiased estimate and 'undoes' Bessel with (k - 1)/k where k is the number of channels per group instead of the number of values per group (k = C/groups * H*W): right only for 1x1 images with 2+ channels per group (k = C/groups); otherwise the variance is wrong: one channel per group (groups = C) multiplies it by 0 (outputs blown up to (x - m)/sqrt(eps); 1x1 images with groups = C give NaN), 2 channels per group by about 1/2, 4 by about 3/4: outputs, x.grad, mults.grad wrong; a constant group gives adds (NaN with one value per group)."),
    ("gn_backward_projection_mults_outside_mean", "check_groupnorm", GNBackwardProjectionMultsOutsideMean, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) and whose hand-written backward keeps the mults inside the centring term's group mean (mean(g * mults)) but takes the projection term's group mean of g * xhat without them and multiplies each channel by its own mults afterwards: x.grad = r * (gm - mean(gm) - mults_c * xhat * mean(g * xhat)) per (item, group), gm = g * mults, instead of r * (gm - mean(gm) - xhat * mean(gm * xhat)): right when the mults are equal within every group (a fresh layer, any layer with one channel per group); with 2+ channels per group and unequal mults (e.g. random mults) x.grad is wrong; outputs and parameter gradients right everywhere."),
    ("gn_between_channel_term_divided_by_cpg", "check_groupnorm", GNBetweenChannelTermDividedByCpg, "Computes the group variance by the law of total variance but averages the between-channel term twice: var = mean of the channel variances + mean over the group's channels of (channel mean - group mean)**2 / cpg (cpg channels per group): groups = C (one channel per group) is right, and so are groups whose channels have equal means; with 2+ channels per group and channel means that differ (e.g. offsets per channel) the variance is too small: outputs too large, x.grad and mults.grad wrong (adds.grad right)."),
    ("gn_backward_mults_grad_from_channel_xhat", "check_groupnorm", GNBackwardMultsGradFromChannelXhat, "A custom autograd.Function whose forward is right (outputs right) and whose hand-written backward gives x.grad and adds.grad right but computes mults.grad = sum over (N, H, W) of g * each channel's own normalised values ((x - channel mean)/sqrt(channel var + eps), InstanceNorm's xhat) instead of the group-normalised xhat the forward used: outputs, x.grad, adds.grad right everywhere; mults.grad right when groups = C (the two xhats coincide) and wrong with 2+ channels per group whose channel statistics differ (e.g. channels of different offsets or spreads)."),
]

RIGHT = [
    ("ewma_while_narrow_cat_grow", "check_ewma", ewma_while_narrow_cat_grow,
     "a while loop growing the output with torch.cat; each value read as a 1-long torch.narrow slice."),
    ("ln_channels_last_fused", "check_layernorm", LNChannelsLastFused,
     "the input permuted channels-last, F.layer_norm over the (H, W, C) trailing shape of each item, permuted back."),
    ("bn_addbmm_channel_sums", "check_batchnorm", BNAddbmmChannelSums,
     "channel sums by torch.addbmm (the items' (C, H*W) slabs times a ones column, summed over the batch); buffers moved by mul_/add_."),
    ("in_shifted_by_corner_pixel", "check_instancenorm", INShiftedByCornerPixel,
     "shifted-data moments: the image shifted by its top-left pixel, mean and variance from the shifted first and second moments."),
    ("gn_where_group_masks", "check_groupnorm", GNWhereGroupMasks,
     "one boolean channel mask per group; masked sums and the output assembled group by group with torch.where."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
