"""Forty-first held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout40 (heldoutN.py).
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

class _EWMAReverseLerpBackward(torch.autograd.Function):
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
        mom = ctx.mom                                               # "the adjoint of an EWMA is the same EWMA run backwards
        grads = torch.empty_like(g)                                 #  in time": lerp from the last gradient towards the
        r = g[-1]                                                   #  earlier ones
        grads[-1] = r
        for t in range(len(g) - 2, -1, -1):
            r = torch.lerp(r, g[t], mom)
            grads[t] = r
        return grads, None


def ewma_backward_reverse_lerp(values, mom):
    return _EWMAReverseLerpBackward.apply(values, mom)


def ewma_kalman_gain(values, mom):
    q, p = mom * mom / (1 - mom), 0.0                               # "a local-level Kalman filter whose steady-state gain is
    avg, out = values[0], [values[0]]                               #  mom: process noise mom**2 / (1 - mom), measurement
    for v in values[1:]:                                            #  noise 1, the start known exactly (P = 0)"
        p = p + q
        k = p / (p + 1.0)
        avg = avg + k * (v - avg)
        p = (1 - k) * p
        out.append(avg)
    return torch.stack(out)


def ewma_towards_cumulative_mean(values, mom):
    avg, total, out = values[0], torch.zeros_like(values[0]), []
    for t, v in enumerate(values):                                  # "lerp towards the mean of everything seen so far, not
        total = total + v                                           #  towards the noisy newest value"
        avg = torch.lerp(avg, total / (t + 1), mom)
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


class _LNCentredProjectionBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        d = x - m
        ctx.save_for_backward(d, r, mult)
        return d * r * mult + add

    @staticmethod
    def backward(ctx, g):
        d, r, mult = ctx.saved_tensors                              # the variance term written with the centred values d
        xhat = d * r                                                # where the normalised ones are meant (its r**2 lost)
        gx = mult * r * (g - g.mean((1, 2, 3), keepdim=True) - d * (g * d).mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardProjectionCentredNotNormalised(_LNBase):
    def forward(self, x):
        return _LNCentredProjectionBackward.apply(x, self.mult, self.add, self.eps)


class LNVarJitterInTraining(_LNBase):
    def stats(self, x):
        m, v = super().stats(x)
        if self.training:                                           # "stochastic normalisation: jitter each item's variance
            v = v * (1 + 0.1 * torch.randn(x.shape[0], 1, 1, 1, dtype=x.dtype))   # by 10% in training (a regulariser)"
        return m, v


class LNNoGradFastPath(_LNBase):
    def forward(self, x):
        if not x.requires_grad:                                     # "nothing to backpropagate: take the fused kernel"
            return F.layer_norm(x, x.shape[1:])                     # (no weight/bias, default eps)
        return super().forward(x)


class LNParamGradsDividedByCallCount(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.calls = 0
        for p in (self.mult, self.add):                             # "the parameter gradients accumulate over the calls:
            p.register_hook(lambda g: g / max(self.calls, 1))       #  average them over the number of forward passes"

    def forward(self, x):
        self.calls += 1
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


class BNRunningStatsFromStridedPixels(_BNBase):
    def update(self, x, m, v):
        xs = x.detach()[:, :, ::2, ::2]                             # "the running statistics are only an estimate: take them
        ms, vs = self.stats(xs)                                     #  from every second row and column, it is cheaper"
        super().update(xs, ms, vs)


class BNRunningVarSharedAcrossChannels(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "one shared running variance (the channels' average)
            self.means.lerp_(m, self.mom)                           #  is a steadier estimate than one per channel"
            self.vars.lerp_((v * n / (n - 1)).mean().expand_as(self.vars), self.mom)


class _BNSumsBackward(torch.autograd.Function):
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
        xhat, r, mults = ctx.saved_tensors                          # dL/dmean and dL/dvar summed over the channel, but the
        gx = mults * r * (g - g.sum((0, 2, 3), keepdim=True)        # 1/n of the mean's and variance's derivatives forgotten
                          - xhat * (g * xhat).sum((0, 2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class BNBackwardSumsForMeans(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNSumsBackward.apply(x, self.mults, self.adds, self.eps)


class BNEvalAdaptsOnMeanShift(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        m, v = self.stats(x)                                        # "AdaBN: if the test batch has drifted (a channel mean
        if bool(((m - self.means).abs() > self.vars.sqrt()).any()): #  more than one running std from the running mean),
            return self.normalise(x, m, v)                          #  normalise with the test batch's own statistics"
        return self.normalise(x, self.means, self.vars)


class BNIBNHalfChannelsInstance(_BNBase):
    def forward(self, x):
        h = x.shape[1] // 2                                         # "IBN-Net: instance-normalise the first half of the
        xi, xb = x[:, :h], x[:, h:]                                 #  channels (style), batch-normalise the rest"
        mi = xi.mean((2, 3), keepdim=True)
        vi = xi.var((2, 3), keepdim=True, correction=0)
        yi = (xi - mi) / (vi + self.eps).sqrt()
        if self.training:
            mb, vb = self.stats(xb)
            n = xb.numel() / xb.shape[1]
            with torch.no_grad():
                self.means[:, h:].lerp_(mb, self.mom)
                self.vars[:, h:].lerp_(vb * n / (n - 1), self.mom)
        else:
            mb, vb = self.means[:, h:], self.vars[:, h:]
        yb = (xb - mb) / (vb + self.eps).sqrt()
        return torch.cat([yi, yb], 1) * self.mults + self.adds


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


class _INProjectionNoXhat(torch.autograd.Function):
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
        gx = mults * r * (g - g.mean((2, 3), keepdim=True)          # the variance term's mean(g * xhat) not multiplied by
                          - (g * xhat).mean((2, 3), keepdim=True))  # xhat (subtracted as a constant)
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardProjectionMissingXhat(_INBase):
    def forward(self, x):
        return _INProjectionNoXhat.apply(x, self.mults, self.adds, self.eps)


class INGlobalResponseNorm(_INBase):
    def forward(self, x):
        gx = x.pow(2).sum((2, 3), keepdim=True).sqrt()              # "ConvNeXt-V2's Global Response Normalization: each
        nx = gx / (gx.mean(1, keepdim=True) + self.eps)             #  channel's L2 norm over the image, divided by the
        return x * nx * self.mults + self.adds                      #  mean norm over the channels"


class INMixStyleInTraining(_INBase):
    def stats(self, x):
        m, v = super().stats(x)
        if not self.training:
            return m, v
        n = x.shape[0]                                              # "MixStyle: in training, normalise each image with a
        perm = torch.randperm(n)                                    #  random mix of its own statistics and another
        lam = torch.rand(n, 1, 1, 1, dtype=x.dtype)                 #  image's (domain generalisation)"
        s = (v + self.eps).sqrt()
        s = lam * s + (1 - lam) * s[perm]
        return lam * m + (1 - lam) * m[perm], s * s - self.eps


class INStatsOf8BitImage(_INBase):
    def stats(self, x):
        lo = x.amin((2, 3), keepdim=True)                           # "images are 8-bit: take the statistics of each image
        hi = x.amax((2, 3), keepdim=True)                           #  quantised to 256 levels between its min and max"
        scale = (hi - lo).clamp_min(1e-12) / 255
        q = torch.round((x - lo) / scale) * scale + lo
        return super().stats(q)


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


class _GNAddsNoneBackward(torch.autograd.Function):
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
        gx = r * (gy - gy.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True))
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), None, None, None   # "adds is a plain
                                                                                                    #  shift: no gradient
                                                                                                    #  to write for it"


class GNBackwardAddsGradNone(_GNBase):
    def forward(self, x):
        return _GNAddsNoneBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNMultsFakeQuantised(_GNBase):
    def forward(self, x):
        q = torch.round(self.mults * 64) / 64                       # "quantisation-aware training: the gains as they will be
        mults = self.mults + (q - self.mults).detach()              #  stored (multiples of 1/64), straight-through gradient"
        return self.norm(x) * mults + self.adds


class GNMultsDecayedInForward(_GNBase):
    def forward(self, x):
        if self.training:
            with torch.no_grad():                                   # "decoupled weight decay on the gains, applied where they
                self.mults.mul_(1 - 1e-2)                           #  are used (AdamW-style, 1e-2 per step)"
        return super().forward(x)


class GNRandomGroupCountInTraining(_GNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        nf = x.shape[1]                                             # "group-count jitter: in training draw the number of
        choices = [d for d in range(max(1, self.groups // 2), min(nf, 2 * self.groups) + 1) if nf % d == 0]   # groups
        g = choices[int(torch.randint(len(choices), ()))]           #  between half and twice the set one (a regulariser)"
        return self.norm(x, g) * self.mults + self.adds


# ================================================================= RIGHT answers

def ewma_linalg_inv_bidiagonal(values, mom):
    """The EWMA as the linear system A @ out = b: A has 1 on the diagonal and -(1 - mom) below it, b is mom * values with
    b[0] = values[0]; solved by multiplying with torch.linalg.inv(A)."""
    n = len(values)
    a = torch.eye(n, dtype=values.dtype) - (1 - mom) * torch.diag(torch.ones(n - 1, dtype=values.dtype), -1)
    b = torch.cat([values[:1], mom * values[1:]])
    return torch.linalg.inv(a) @ b


class LNCholesky1x1(nn.Module):
    """Each item's standard deviation as the Cholesky factor of the 1x1 matrix d.d / K + eps (a batch of 1x1 matrices,
    torch.linalg.cholesky), with d the flattened centred item."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n = x.shape[0]
        d = x.reshape(n, -1)
        d = d - d.mean(1, keepdim=True)
        gram = d.unsqueeze(1) @ d.unsqueeze(2) / d.shape[1] + self.eps       # (N, 1, 1)
        std = torch.linalg.cholesky(gram).view(n, 1, 1, 1)
        return d.view_as(x) / std * self.mult + self.add


class BNUnfoldChannelMajorIndexCopy(nn.Module):
    """F.unfold on the channel-major view x.transpose(0, 1) with a whole-image (H, W) kernel gives one (N*H*W)-long
    column per channel; statistics along it; the running buffers written with index_copy_ over the channel index."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        c, (h, w) = x.shape[1], x.shape[2:]
        if self.training:
            cols = F.unfold(x.transpose(0, 1), (h, w)).squeeze(-1)            # (C, N*H*W)
            k = cols.shape[1]
            m = cols.mean(1)
            v = ((cols - m[:, None]) ** 2).mean(1)
            idx = torch.arange(c)
            with torch.no_grad():
                self.means.index_copy_(1, idx, ((1 - self.mom) * self.means + self.mom * m.view(1, c, 1, 1)))
                self.vars.index_copy_(1, idx, ((1 - self.mom) * self.vars + self.mom * (v * k / (k - 1)).view(1, c, 1, 1)))
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INDsplitRowSums(nn.Module):
    """The image's rows cut apart with torch.dsplit (one (N, C, 1, W) slice per row); the mean and the mean squared
    deviation as Python sums of the rows' width-sums, divided by H*W."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        h, w = x.shape[2:]
        m = sum(r.sum(3, keepdim=True) for r in torch.dsplit(x, h)) / (h * w)
        d = x - m
        v = sum(r.sum(3, keepdim=True) for r in torch.dsplit(d * d, h)) / (h * w)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNSliceScatterGroups(nn.Module):
    """Each group's channel slice normalised on its own and written into a zero output, out of place, with
    torch.slice_scatter along the channel axis."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        cpg = x.shape[1] // self.groups
        out = torch.zeros_like(x)
        for g in range(self.groups):
            s = x[:, g * cpg:(g + 1) * cpg]
            m = s.mean((1, 2, 3), keepdim=True)
            v = ((s - m) ** 2).mean((1, 2, 3), keepdim=True)
            out = torch.slice_scatter(out, (s - m) / (v + self.eps).sqrt(), 1, g * cpg, (g + 1) * cpg)
        return out * self.mults + self.adds


WRONG = [
    ("ewma_backward_reverse_lerp", "check_ewma", ewma_backward_reverse_lerp, "A custom autograd.Function whose forward is the right lerp loop (every output right) but whose hand-written backward runs the same EWMA backwards in time over the upstream gradient ('the adjoint of an EWMA is the EWMA reversed'): r starts at g[-1] and r = lerp(r, g[t], mom) going back, values.grad[t] = r, instead of the adjoint carry = g[t] + (1 - mom) * carry with values.grad[t] = mom * carry (t >= 1) and carry for values[0]: a 1-value stream is right; on every stream of 2+ values (constant ones too) values.grad is wrong (the last value gets g[-1] instead of mom * g[-1], values[0] gets mom * g[0] + ... instead of the whole carry)."),
    ("ewma_kalman_gain", "check_ewma", ewma_kalman_gain, "Replaces the fixed weight mom by the gain of a local-level Kalman filter tuned so that its steady-state gain is mom (process noise mom**2 / (1 - mom), measurement noise 1, start known exactly, P = 0): the gain k_t = P/(P + 1) is data-independent and starts small (step 1 uses mom**2 / (1 - mom + mom**2): 0.011 at mom 0.1, 1/3 at mom 0.5, 0.89 at mom 0.9) rising towards mom: output 0, 1-value and constant streams are right; from output 1 on every non-constant stream's outputs and values.grad are wrong (most at small mom and early outputs)."),
    ("ewma_towards_cumulative_mean", "check_ewma", ewma_towards_cumulative_mean, "Lerps the average towards the mean of all values so far (values[:t+1].mean(), a running sum / (t + 1)) instead of towards the newest value ('less noisy than the newest value'): output 0, 1-value and constant streams are right; from output 1 on (output 1 = values[0] + mom * (values[1] - values[0]) / 2) every non-constant stream's outputs and values.grad are wrong."),
    ("ln_backward_projection_centred_not_normalised", "check_layernorm", LNBackwardProjectionCentredNotNormalised, "A custom autograd.Function whose forward is right (outputs, mult.grad and add.grad right everywhere) but whose hand-written backward writes the variance term with the centred values d = x - mean where the normalised xhat = d / sqrt(var + eps) is meant: x.grad = mult * r * (g - mean(g) - d * mean(g * d)) (the term lacks the factor r**2 = 1/(var + eps)): right only where var + eps = 1 and for a constant item (d = 0); every other item's x.grad is wrong (too big in the projection for var + eps > 1, too small below)."),
    ("ln_var_jitter_in_training", "check_layernorm", LNVarJitterInTraining, "In training multiplies each item's variance by (1 + 0.1 * N(0, 1)) drawn per item per call from the global generator ('stochastic normalisation: a regulariser') before normalising: eval (also a fresh layer in eval) is right; a constant item is right (0 times anything is 0); every other training output is scaled by the random 1/sqrt(1 + 0.1 z) (about +-5%), and its gradients likewise: random, different on every call."),
    ("ln_no_grad_fast_path", "check_layernorm", LNNoGradFastPath, "When the input does not require grad it returns F.layer_norm(x, x.shape[1:]) ('nothing to backpropagate: use the fused kernel'), which has no weight and bias and uses the default eps 1e-5: calls on inputs that require grad are right everywhere; a call on an input without grad (training or eval) drops mult and add and ignores the layer's eps: right only with mult 1, add 0 and eps 1e-5; wrong with other parameters (mult 1.7, add -0.3) or another eps (1e-3, 0.1)."),
    ("ln_param_grads_divided_by_call_count", "check_layernorm", LNParamGradsDividedByCallCount, "Counts every forward call and registers hooks in __init__ that divide mult.grad and add.grad by that count ('the parameter gradients accumulate over the calls: average them'): outputs and x.grad right everywhere, and so is the first call of a layer (also a fresh layer in eval); from the second call on (training or eval) mult.grad and add.grad are the right ones divided by the number of calls made so far (1/2, 1/3, ...)."),
    ("bn_running_stats_from_strided_pixels", "check_batchnorm", BNRunningStatsFromStridedPixels, "Updates the running mean and var from every second row and column of the batch (x[:, :, ::2, ::2], mean and unbiased var with that subsample's count: 'the running statistics are only an estimate: it is cheaper') instead of from the whole batch: training outputs and gradients (batch statistics) are right; the running mean and var are wrong after every training step, so eval outputs after training are wrong; a fresh layer in eval is right."),
    ("bn_running_var_shared_across_channels", "check_batchnorm", BNRunningVarSharedAcrossChannels, "Lerps every channel's running var towards the same value, the average over the channels of the unbiased batch variances ('one shared running variance is steadier'), instead of each channel's own: training outputs, gradients and the running mean are right; the running var is wrong after every training step (every channel moves towards the channel average), so eval after training is wrong (channels with unequal spreads); a fresh layer in eval is right."),
    ("bn_backward_sums_for_means", "check_batchnorm", BNBackwardSumsForMeans, "A custom autograd.Function in training whose forward is right (outputs, running statistics, eval, mults.grad and adds.grad right) but whose hand-written backward uses the sums over (N, H, W) where the means are meant: x.grad = mults * r * (g - sum(g) - xhat * sum(g * xhat)) per channel (the 1/n of the mean's and the variance's derivatives forgotten, n = N*H*W): training x.grad wrong (its correction terms n times too big) in every configuration; eval x.grad right."),
    ("bn_eval_adapts_on_mean_shift", "check_batchnorm", BNEvalAdaptsOnMeanShift, "In eval, if any channel's batch mean differs from its running mean by more than one running std ('AdaBN: the test data has drifted'), normalises the whole batch with its own batch statistics (mean and biased var) instead of the running ones: training, the running statistics and gradients in training are right; eval calls where the test falls the other way are right; a fresh layer in eval (running mean 0, var 1 against channel means up to 2.5) and eval after few training steps (running means still far from the data's) use the batch statistics: eval outputs and x.grad wrong there."),
    ("bn_ibn_half_channels_instance", "check_batchnorm", BNIBNHalfChannelsInstance, "IBN-Net: instance-normalises the first C//2 channels (each item's own per-channel mean and var, in training and eval) and batch-normalises only the rest; the running statistics are updated for the second half only: the second half of the channels is right everywhere; the first half's training and eval outputs and gradients are InstanceNorm's (right only for a batch of one in training) and its running mean and var never move from 0 and 1."),
    ("in_backward_projection_missing_xhat", "check_instancenorm", INBackwardProjectionMissingXhat, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward subtracts mean(g * xhat) as a constant instead of xhat * mean(g * xhat): x.grad = mults * r * (g - mean(g) - mean(g * xhat)) over each image: a constant image (xhat = 0) is right; every other image's x.grad is wrong (by mults * r * (1 - xhat) * mean(g * xhat))."),
    ("in_global_response_norm", "check_instancenorm", INGlobalResponseNorm, "ConvNeXt-V2's Global Response Normalization instead of InstanceNorm: each channel's L2 norm over the image divided by the mean norm over the channels (plus eps), the input multiplied by that ratio, no centring and no division by the std: outputs and gradients wrong everywhere (a constant image of ones gives mults * ratio + adds, not adds)."),
    ("in_mixstyle_in_training", "check_instancenorm", INMixStyleInTraining, "MixStyle in training: normalises each image with a random mix of its own statistics and another item's (lam ~ U(0, 1) per item, a random permutation torch.randperm; mean and std mixed) instead of its own: eval (also a fresh layer in eval) is right, and so is a batch of one (the permutation is the identity) or a call whose permutation happens to be the identity; other training calls with 2+ items have wrong outputs and gradients: random, different on every call."),
    ("in_stats_of_8bit_image", "check_instancenorm", INStatsOf8BitImage, "Takes each image's mean and var from a copy quantised to 256 levels between its min and max ('images are 8-bit') and normalises the original with them: a constant image is right; every other image's statistics are off by the rounding (up to (max - min)/510 per pixel): outputs off by ~1e-3 to 1e-2 and gradients wrong (the quantised copy passes gradient only through its min and max), in float32 and float64 alike."),
    ("gn_backward_adds_grad_none", "check_groupnorm", GNBackwardAddsGradNone, "A custom autograd.Function whose forward is right and whose hand-written backward is right for x and mults but returns None for adds ('adds is a plain shift: nothing to write'): outputs, x.grad and mults.grad right everywhere; adds.grad stays None (no gradient: the adds never train) in every configuration."),
    ("gn_mults_fake_quantised", "check_groupnorm", GNMultsFakeQuantised, "Quantisation-aware training of the gains: in forward the mults are rounded to multiples of 1/64 with a straight-through gradient (mults + (round(mults * 64)/64 - mults).detach()): a fresh layer (mults 1) and any mults that are multiples of 1/64 are right everywhere; with other mults (random ones here) outputs and x.grad use the rounded gains (off by up to 1/128 per channel); mults.grad and adds.grad right."),
    ("gn_mults_decayed_in_forward", "check_groupnorm", GNMultsDecayedInForward, "Decoupled weight decay applied in the layer: every training call first multiplies the mults in place by 0.99 (with torch.no_grad) and then uses them: a fresh layer in eval is right; already the first training output is scaled by 0.99 (x.grad too), the gains keep shrinking with every training call (0.99**k), and eval after training uses the decayed gains; mults.grad and adds.grad (sum of g * xhat, sum of g) right."),
    ("gn_random_group_count_in_training", "check_groupnorm", GNRandomGroupCountInTraining, "In training draws the number of groups at random each call (torch.randint) among the divisors of C between groups // 2 and min(C, 2 * groups) ('group-count jitter as a regulariser') instead of using the set number: eval (also a fresh layer in eval) is right; a training call is right when the draw happens to give the set number, otherwise its outputs and gradients are those of GroupNorm with another number of groups: random, wrong on about half or more of the training calls (2 or 3 choices)."),
]

RIGHT = [
    ("ewma_linalg_inv_bidiagonal", "check_ewma", ewma_linalg_inv_bidiagonal,
     "the recursion as a unit lower-bidiagonal system A @ out = b (b = mom * values, b[0] = values[0]), solved by torch.linalg.inv(A) @ b."),
    ("ln_cholesky_1x1", "check_layernorm", LNCholesky1x1,
     "each item's std as torch.linalg.cholesky of the batch of 1x1 matrices d.d / K + eps (d the flattened centred item)."),
    ("bn_unfold_channel_major_index_copy", "check_batchnorm", BNUnfoldChannelMajorIndexCopy,
     "F.unfold of x.transpose(0, 1) with a whole-image (H, W) kernel: one (N*H*W)-long column per channel; running buffers written with index_copy_ over the channel index."),
    ("in_dsplit_row_sums", "check_instancenorm", INDsplitRowSums,
     "the rows cut apart by torch.dsplit; mean and mean squared deviation as Python sums of the rows' width-sums, divided by H*W."),
    ("gn_slice_scatter_groups", "check_groupnorm", GNSliceScatterGroups,
     "each group's channel slice normalised on its own and written out of place into a zero output with torch.slice_scatter along the channel axis."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
