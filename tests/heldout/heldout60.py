"""Sixtieth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout59 (heldoutN.py).
       Every one changes a computed number, an output's shape, a gradient or a running statistic (none is a state_dict-key-only fault).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` clears the state some entries keep between calls, for repeatable checks (nothing in this set keeps
module-level state; one entry keeps a call counter on its instance; the function is there for the harnesses).
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

def ewma_cascade_two_stages(values, mom):
    m2 = 1 - math.sqrt(1 - mom)                                     # "two cascaded stages, each with 1 - sqrt(1 - mom), decay
    a = b = values[0]                                               #  as fast together as one stage with mom, and smoother"
    out = []
    for v in values:
        a = torch.lerp(a, v, m2)
        b = torch.lerp(b, a, m2)
        out.append(b)
    return torch.stack(out)


def ewma_first_output_missing(values, mom):
    avg, out = values[0], []                                        # "the first value only seeds the average": the loop
    for v in values[1:]:                                            #  starts at the second value, so output 0 is never
        avg = torch.lerp(avg, v, mom)                               #  written (n - 1 outputs)
        out.append(avg)
    return torch.stack(out) if out else values[:1]


def ewma_centred_target(values, mom):
    nxt = torch.cat([values[1:], values[-1:]])                      # "a centred average has no lag: lerp towards the mean
    target = (values + nxt) / 2                                     #  of the value and the next one (the last one alone)"
    avg, out = values[0], []
    for t in target:
        avg = torch.lerp(avg, t, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_mom_snapped_to_whole_span(values, mom):
    if mom > 0:                                                     # "like pandas: the smoothing is a span of whole values,
        span = max(1, round(2 / mom - 1))                           #  mom = 2 / (span + 1)"
        mom = 2 / (span + 1)
    avg, out = values[0], []
    for v in values:
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


class LNEvalUnbiasedVar(_LNBase):
    def stats(self, x):
        m, v = super().stats(x)
        if not self.training:                                       # "at test time use the unbiased estimate of the variance"
            k = x[0].numel()
            v = v * k / (k - 1)
        return m, v


class _LNMultGradUnbiased(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(x, xhat, r, mult)
        ctx.eps = eps
        return xhat * mult + add

    @staticmethod
    def backward(ctx, g):
        x, xhat, r, mult = ctx.saved_tensors
        dims = (1, 2, 3)
        gx = mult * r * (g - g.mean(dims, keepdim=True) - xhat * (g * xhat).mean(dims, keepdim=True))
        d = x - x.mean(dims, keepdim=True)                          # the mult's gradient recomputed with x.std() (unbiased)
        xh_u = d / (x.var(dims, keepdim=True) + ctx.eps).sqrt()
        return gx, (g * xh_u).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardMultGradUnbiasedXhat(_LNBase):
    def forward(self, x):
        return _LNMultGradUnbiased.apply(x, self.mult, self.add, self.eps)


class LNItemPairsShareStats(_LNBase):
    def stats(self, x):
        n = x.shape[0]                                              # "pair up the items: twice the values per statistic,
        m, v = super().stats(x)                                     #  steadier" (an odd last item stays alone)
        ms, vs = [], []
        for i in range(0, n, 2):
            p = x[i:i + 2]
            mp = p.mean()
            vp = ((p - mp) ** 2).mean()
            ms += [mp] * p.shape[0]
            vs += [vp] * p.shape[0]
        return torch.stack(ms).view(n, 1, 1, 1), torch.stack(vs).view(n, 1, 1, 1)


class LNTrainStdClampedNotEps(_LNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)                                        # "in training, just keep the std away from 0:
        std = v.sqrt().clamp(min=math.sqrt(self.eps))               #  clamp it at sqrt(eps) instead of adding eps"
        return (x - m) / std * self.mult + self.add


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


class _BNProjectionNoRstd(torch.autograd.Function):
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
        dims = (0, 2, 3)                                            # r multiplies the centred upstream gradient only; the
        gx = mults * (r * (g - g.mean(dims, keepdim=True))          # projection term is left without it
                      - xhat * (g * xhat).mean(dims, keepdim=True))
        return gx, (g * xhat).sum(dims).view(mults.shape), g.sum(dims).view(mults.shape), None


class BNBackwardProjectionWithoutRstd(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNProjectionNoRstd.apply(x, self.mults, self.adds, self.eps)


class BNEvalAddsInsideMults(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        return ((x - self.means) / (self.vars + self.eps).sqrt() + self.adds) * self.mults   # eval rewritten "folded":
                                                                                               # the shift inside the scale


class _BNCentringSignFlipped(torch.autograd.Function):
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
        dims = (0, 2, 3)                                            # the mean's term added where it is subtracted
        gx = mults * r * (g + g.mean(dims, keepdim=True) - xhat * (g * xhat).mean(dims, keepdim=True))
        return gx, (g * xhat).sum(dims).view(mults.shape), g.sum(dims).view(mults.shape), None


class BNBackwardCentringSignFlipped(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNCentringSignFlipped.apply(x, self.mults, self.adds, self.eps)


class _BNMultsGradFromOutput(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        y = xhat * mults + adds
        ctx.save_for_backward(xhat, r, mults, y)
        return y

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults, y = ctx.saved_tensors
        dims = (0, 2, 3)
        gx = mults * r * (g - g.mean(dims, keepdim=True) - xhat * (g * xhat).mean(dims, keepdim=True))
        return gx, (g * y).sum(dims).view(mults.shape), g.sum(dims).view(mults.shape), None   # d/dmults from the saved output


class BNBackwardMultsGradFromOutput(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNMultsGradFromOutput.apply(x, self.mults, self.adds, self.eps)


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


class INAdaLINBlend(_INBase):
    def __init__(self, nf, eps=1e-5):
        super().__init__(nf, eps)
        self.rho = 0.9                                              # "U-GAT-IT's AdaLIN: rho * IN + (1 - rho) * LN"

    def forward(self, x):
        m, v = self.stats(x)
        xi = (x - m) / (v + self.eps).sqrt()
        ml = x.mean((1, 2, 3), keepdim=True)
        vl = x.var((1, 2, 3), keepdim=True, correction=0)
        xl = (x - ml) / (vl + self.eps).sqrt()
        return (self.rho * xi + (1 - self.rho) * xl) * self.mults + self.adds


class INStatsZeroPaddedBorder(_INBase):
    def stats(self, x):
        xp = F.pad(x, (1, 1, 1, 1))                                 # "'same' padding, as the convolutions do: one ring of
        return super().stats(xp)                                    #  zeros around each image before its statistics"


class _INItemRstdBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        xhat = (x - m) * (v + eps).rsqrt()
        ri = (x.var((1, 2, 3), keepdim=True, correction=0) + eps).rsqrt()   # saved for backward: the item's rstd over
        ctx.save_for_backward(xhat, ri, mults)                              # (C, H, W), where the channel's is meant
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors
        dims = (2, 3)
        gx = mults * r * (g - g.mean(dims, keepdim=True) - xhat * (g * xhat).mean(dims, keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardRstdOfWholeItem(_INBase):
    def forward(self, x):
        return _INItemRstdBackward.apply(x, self.mults, self.adds, self.eps)


class INStatsSoftmaxWeighted(_INBase):
    def stats(self, x):
        n, c = x.shape[:2]                                          # "attention-weighted statistics: salient (large) pixels
        xf = x.reshape(n, c, -1)                                    #  count more: softmax weights over the image"
        w = torch.softmax(xf, -1)
        m = (w * xf).sum(-1, keepdim=True)
        v = (w * (xf - m) ** 2).sum(-1, keepdim=True)
        return m.view(n, c, 1, 1), v.view(n, c, 1, 1)


# ================================================================ GroupNorm (wrong)

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


class GNGroupedRMSNorm(_GNBase):
    def norm(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)                 # "grouped RMSNorm (as in Mamba-2): no centring, divide by
        ms = (xg * xg).mean(-1, keepdim=True)                       #  the root mean square of the group"
        return (xg / (ms + self.eps).sqrt()).reshape(x.shape)


class GNShiftedGroupsEveryOtherCall(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        self.calls = 0

    def norm(self, x):
        self.calls += 1                                             # "like Swin's shifted windows: every second call the
        shift = (x.shape[1] // self.groups) // 2                    #  groups are shifted by half a group, so neighbouring
        if self.calls % 2 == 0 and shift:                           #  groups exchange information"
            return super().norm(x.roll(shift, 1)).roll(-shift, 1)
        return super().norm(x)


class GNOutputViewedBackAsSquare(_GNBase):
    def norm(self, x):
        n, c = x.shape[:2]
        s = math.isqrt(x.shape[2] * x.shape[3])                     # "images are square": the normalised groups viewed back
        xg = x.reshape(n, self.groups, -1)                          #  as (N, C, s, s), s = isqrt(H * W)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(n, c, s, s)


class GNAddsGradCentredPerGroup(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        self.adds.register_hook(self._centre)                       # "a shift common to a group's channels is undone by the

    def _centre(self, g):                                           #  next normalisation: project it out of adds' gradient"
        gg = g.reshape(self.groups, -1)
        return (gg - gg.mean(1, keepdim=True)).reshape(g.shape)


# ========================================================================== RIGHT

def ewma_cdist_ages_tril(values, mom):
    """Each output a weighted sum of the values so far: ages t - k from torch.cdist of the positions, weights
    mom * (1 - mom) ** age below the diagonal (torch.tril), the start's weight (1 - mom) ** t."""
    n = values.shape[0]
    pos = torch.arange(n, dtype=values.dtype).view(n, 1)
    ages = torch.cdist(pos, pos, p=1)
    w = torch.tril(mom * (1 - mom) ** ages)
    w[:, 0] = (1 - mom) ** ages[:, 0]
    return w @ values


class LNTorchCovPerItem(nn.Module):
    """Each item's variance as torch.cov of its flattened values (correction=0), the items looped over and stacked."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        outs = []
        for item in x:
            flat = item.flatten()
            v = torch.cov(flat, correction=0)
            outs.append((item - flat.mean()) / torch.sqrt(v + self.eps))
        return torch.stack(outs) * self.mult + self.add


class BNCovDiagonalChannelRows(nn.Module):
    """The channels as the rows of a (C, N*H*W) matrix; the batch variances the diagonal of torch.cov(rows,
    correction=0), the running variance's from torch.cov(rows) (correction 1)."""
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
            m = rows.mean(1).view(1, c, 1, 1)
            v = torch.cov(rows, correction=0).diagonal().reshape(1, c, 1, 1) if c > 1 else \
                torch.cov(rows[0], correction=0).reshape(1, 1, 1, 1)
            with torch.no_grad():
                vu = torch.cov(rows).diagonal() if c > 1 else torch.cov(rows[0]).reshape(1)
                self.means.mul_(1 - self.mom).add_(self.mom * m)
                self.vars.mul_(1 - self.mom).add_(self.mom * vu.view(1, c, 1, 1))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INHuberQuadraticZone(nn.Module):
    """The mean squared deviation from F.huber_loss with a delta above every deviation (where Huber is x**2 / 2)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        d = x - x.mean((2, 3), keepdim=True)
        delta = float(d.detach().abs().max()) + 1.0
        v = 2 * F.huber_loss(d, torch.zeros_like(d), reduction='none', delta=delta).mean((2, 3), keepdim=True)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNSmoothL1QuadraticZone(nn.Module):
    """The groups as rows of an (N, G, -1) view; each group's mean squared deviation from F.smooth_l1_loss with a
    beta above every deviation (where smooth L1 is x**2 / (2 * beta))."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        d = xg - xg.mean(-1, keepdim=True)
        beta = float(d.detach().abs().max()) + 1.0
        v = 2 * beta * F.smooth_l1_loss(d, torch.zeros_like(d), reduction='none', beta=beta).mean(-1, keepdim=True)
        return (d / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


def reset_state():
    pass


WRONG = [
    ("ewma_cascade_two_stages", "check_ewma", ewma_cascade_two_stages, "Runs two cascaded averages, the second over the first's outputs, each with weight m2 = 1 - sqrt(1 - mom) ('two stages that together decay like one with mom, but smoother'): 1-value streams, constant streams, mom 0 (m2 = 0) and mom 1 (m2 = 1) are right; for 0 < mom < 1 every non-constant stream of 2+ values has wrong outputs from output 1 on (output 1 = values[0] + m2**2 * (values[1] - values[0]) instead of + mom * (...): at mom 0.5, m2 = 0.293 and the step is 0.086 of the gap instead of 0.5) and wrong values.grad."),
    ("ewma_first_output_missing", "check_ewma", ewma_first_output_missing, "Starts the loop at values[1] ('the first value only seeds the average') so the output for values[0] is never written: the result has n - 1 values (outputs[k] is the right output k + 1), a 1-value stream returns values[:1] and is right; every stream of 2+ values returns a tensor of the wrong length (shape (n - 1,) instead of (n,)), the right outputs shifted one place left, and values.grad for upstream gradients of that length."),
    ("ewma_centred_target", "check_ewma", ewma_centred_target, "Lerps towards the mean of each value and the next one ((values[t] + values[t+1]) / 2, the last value alone: 'a centred target has no lag') instead of towards values[t]: 1-value streams, constant streams and mom 0 are right; at every mom > 0 a non-constant stream of 2+ values is wrong already at output 0 (values[0] + mom * (values[1] - values[0]) / 2 instead of values[0]; the outputs look one step into the future), and values.grad is wrong; at mom 1 the outputs are the pairwise means instead of the values."),
    ("ewma_mom_snapped_to_whole_span", "check_ewma", ewma_mom_snapped_to_whole_span, "Converts mom to a whole span and back ('like pandas': span = max(1, round(2 / mom - 1)), mom = 2 / (span + 1)): right at every mom of the form 2 / (k + 1) (1, 0.5, 1/3, 0.25, 0.2, 0.1 ...) and at mom 0, and on 1-value and constant streams; at other moms the weight is changed: mom 0.9 becomes 1 (outputs = the values), 0.3 becomes 2/7 = 0.2857, 0.29 becomes 0.2857, 0.7 becomes 2/3 (span round(1.857) = 2), 0.05 stays 0.05: outputs from 1 on and values.grad wrong on every non-constant stream at those moms."),
    ("ln_eval_unbiased_var", "check_layernorm", LNEvalUnbiasedVar, "In eval divides by sqrt(var * K / (K - 1) + eps), the unbiased variance (K = C*H*W values per item: 'at test time use the unbiased estimate'), instead of the biased one: training is right everywhere; every eval output and gradient of a non-constant item is wrong, by the factor sqrt((K - 1) / K) (0.979 for K = 24, 0.9916 for K = 60; a constant item right in output; items of one value give NaN in eval)."),
    ("ln_backward_mult_grad_unbiased_xhat", "check_layernorm", LNBackwardMultGradUnbiasedXhat, "A custom autograd.Function whose forward is right (outputs right everywhere) and whose x.grad and add.grad are right, but whose hand-written mult.grad is sum(g * (x - mean) / sqrt(var_unbiased + eps)) with the unbiased variance (correction 1) instead of sum(g * xhat): mult.grad is wrong (about sqrt((K - 1) / K) of the right one, K = C*H*W: 0.98 of it for K = 24, 0.5% off for K = 60) in every configuration where it is not 0, training and eval; items of one value (C = H = W = 1) give mult.grad NaN."),
    ("ln_item_pairs_share_stats", "check_layernorm", LNItemPairsShareStats, "Normalises the items in pairs (items 0 and 1, 2 and 3, ...) with the mean and biased variance over both items of the pair ('twice the values per statistic: steadier'), an odd last item alone: a batch of one is right, and the last item of an odd batch; in every batch of 2+ items the paired items' outputs and gradients are wrong (right only when the two items have the same mean and variance), training and eval alike; the output no longer depends on each item alone (changing item 1 changes item 0's output)."),
    ("ln_train_std_clamped_not_eps", "check_layernorm", LNTrainStdClampedNotEps, "In training divides by the item's std clamped from below at sqrt(eps) instead of by sqrt(var + eps) ('just keep it away from 0'): eval (also a fresh layer in eval) is right; in training every item with var > eps is divided by sqrt(var) instead of sqrt(var + eps) (relative error about eps / (2 var): ~1e-6 at eps 1e-5, visible in float64; 1.2% for var 4 at eps 0.1), outputs and gradients; items with var < eps have x.grad without the variance term; a constant item's output is right (add) but its x.grad is NaN (the gradient of sqrt at 0)."),
    ("bn_backward_projection_without_rstd", "check_batchnorm", BNBackwardProjectionWithoutRstd, "A custom autograd.Function in training whose forward is right (outputs, running statistics, eval, mults.grad and adds.grad right) but whose hand-written backward multiplies only the centred gradient by r = 1/sqrt(var + eps): x.grad = mults * (r * (g - mean(g)) - xhat * mean(g * xhat)) per channel instead of mults * r * (g - mean(g) - xhat * mean(g * xhat)): training x.grad wrong for every channel with var + eps != 1 (the projection term r times too small or big); eval x.grad right; a constant channel is right (xhat = 0)."),
    ("bn_eval_adds_inside_mults", "check_batchnorm", BNEvalAddsInsideMults, "In eval computes ((x - running mean) / sqrt(running var + eps) + adds) * mults (the shift put inside the scale when the eval line was rewritten): training (outputs, gradients, running statistics) is right; eval outputs are off by adds * (mults - 1) per channel and eval mults.grad is sum(g * (xhat + adds)) instead of sum(g * xhat), adds.grad sum(g * mults) instead of sum(g): right only with mults 1 (a fresh layer, outputs and x.grad right; adds.grad still right) or adds 0 (then mults.grad and adds.grad wrong only if adds != 0 or mults != 1); wrong with trained or set parameters (mults 1.3, adds 0.4)."),
    ("bn_backward_centring_sign_flipped", "check_batchnorm", BNBackwardCentringSignFlipped, "A custom autograd.Function in training whose forward is right (outputs, running statistics, eval, mults.grad and adds.grad right) but whose hand-written backward adds the mean of the upstream gradient where it must subtract it: x.grad = mults * r * (g + mean(g) - xhat * mean(g * xhat)) per channel: training x.grad wrong by 2 * mults * r * mean(g) per channel, so right only where a channel's upstream gradient averages to 0 over (N, H, W); an upstream of ones gives 2 * mults * r instead of 0; eval x.grad right."),
    ("bn_backward_mults_grad_from_output", "check_batchnorm", BNBackwardMultsGradFromOutput, "A custom autograd.Function in training whose forward is right (outputs, running statistics, eval right) and whose x.grad and adds.grad are right, but whose mults.grad is sum(g * y) over (N, H, W) with y the saved output (xhat * mults + adds) instead of sum(g * xhat): training mults.grad wrong whenever mults != 1 or adds != 0 (a fresh layer, mults 1 and adds 0, is right); eval gradients right."),
    ("in_adalin_blend", "check_instancenorm", INAdaLINBlend, "U-GAT-IT's AdaLIN with rho fixed at 0.9: 0.9 * the instance-normalised input + 0.1 * the layer-normalised one (mean and biased var over (C, H, W)), then the affine: single-channel inputs (C = 1, LN = IN) are right, and items whose channels share one mean and variance; every other item's outputs and gradients are wrong (training and eval alike), by 0.1 * (IN - LN) * mults."),
    ("in_stats_zero_padded_border", "check_instancenorm", INStatsZeroPaddedBorder, "Takes each channel's mean and variance over the image padded with one ring of zeros (F.pad(x, (1, 1, 1, 1)): 'same' padding as in a convolution) and normalises the unpadded image with them: the mean is sum / ((H + 2)(W + 2)) and the variance counts the zeros: outputs and gradients wrong for every plane that is not all zeros (a constant plane of 2 gets a non-zero output), training and eval alike; the error shrinks for large images but a 4x5 plane has 42 values counted instead of 20."),
    ("in_backward_rstd_of_whole_item", "check_instancenorm", INBackwardRstdOfWholeItem, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose x.grad uses the item's rstd over (C, H, W), 1/sqrt(var_item + eps), where each channel's 1/sqrt(var_channel + eps) is meant: x.grad = mults * r_item * (g - mean(g) - xhat * mean(g * xhat)): right for single-channel inputs (C = 1) and items whose channels share one mean and variance; wrong for every other channel (off by the ratio r_item / r_channel), training and eval."),
    ("in_stats_softmax_weighted", "check_instancenorm", INStatsSoftmaxWeighted, "Takes each channel's mean and variance weighted by softmax(x) over the image ('attention-weighted statistics: salient pixels count more') instead of uniformly: constant planes and 1x1 images are right; every other plane's mean is pulled towards its largest values and its variance is wrong: outputs and gradients wrong, training and eval; the error grows with the spread of the plane (weights exp(x) / sum exp(x))."),
    ("gn_grouped_rms_norm", "check_groupnorm", GNGroupedRMSNorm, "Grouped RMSNorm (Mamba-2's gated norm) instead of GroupNorm: each group divided by sqrt(mean(x**2) + eps) over the group, with no centring: right only for groups whose mean is exactly 0; every group with a non-zero mean has wrong outputs and gradients (a constant group of 0.5 gives about 1 * mults + adds instead of adds), training and eval."),
    ("gn_shifted_groups_every_other_call", "check_groupnorm", GNShiftedGroupsEveryOtherCall, "Keeps a call counter and on every second call (2nd, 4th, ... in training or eval) rolls the channels by half a group (cpg // 2) before grouping and back after ('shifted windows like Swin'): the first call of a layer is right, and every call when there is one group or one channel per group (shift 0 or a roll inside the only group); with 2+ groups of 2+ channels the even-numbered calls' outputs and gradients are wrong (groups straddle two real groups; the first channels join the last group)."),
    ("gn_output_viewed_back_as_square", "check_groupnorm", GNOutputViewedBackAsSquare, "Views the normalised groups back as (N, C, s, s) with s = isqrt(H * W) ('images are square') instead of x.shape: square images (3x3, 4x4, 1x1, 5x5) are right everywhere; non-square images whose H*W is a perfect square (1x4, 2x8, 4x1) get an output of the wrong shape (N, C, 2, 2), (N, C, 4, 4): wrong outputs and gradients (the pixels rearranged); others (3x4, 2x5, 1x2) raise a RuntimeError (the view is invalid)."),
    ("gn_adds_grad_centred_per_group", "check_groupnorm", GNAddsGradCentredPerGroup, "Registers a hook in __init__ that subtracts from adds.grad its mean over each group's channels ('a shift common to a group is undone by the next normalisation: project it out'): outputs, x.grad and mults.grad right everywhere; adds.grad is right only where each group's channels' true adds.grads (sums of g over N, H, W) average to 0, wrong everywhere else: with one channel per group adds.grad is always 0; with an upstream of ones adds.grad is 0 instead of N*H*W."),
]

RIGHT = [
    ("ewma_cdist_ages_tril", "check_ewma", ewma_cdist_ages_tril,
     "the outputs as a lower-triangular weight matrix times the values: ages from torch.cdist of the positions, weights mom * (1 - mom) ** age (torch.tril), the start's column (1 - mom) ** t."),
    ("ln_torch_cov_per_item", "check_layernorm", LNTorchCovPerItem,
     "each item's variance as torch.cov of its flattened values with correction=0, the items looped over and stacked."),
    ("bn_cov_diagonal_channel_rows", "check_batchnorm", BNCovDiagonalChannelRows,
     "the channels as rows of a (C, N*H*W) matrix: batch variances the diagonal of torch.cov(rows, correction=0), the running variance's update the diagonal of torch.cov(rows)."),
    ("in_huber_quadratic_zone", "check_instancenorm", INHuberQuadraticZone,
     "the mean squared deviation as twice F.huber_loss against zeros with a delta above every deviation (its quadratic zone)."),
    ("gn_smooth_l1_quadratic_zone", "check_groupnorm", GNSmoothL1QuadraticZone,
     "each group's mean squared deviation as 2 * beta * F.smooth_l1_loss against zeros with a beta above every deviation (its quadratic zone)."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
