"""Fifty-fourth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout51, /work/heldout52 (heldoutN.py).
       Every one changes a computed number, a gradient or a running statistic (none is a state_dict-key-only fault).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` clears the state some entries keep between calls (a class-level buffer), for repeatable checks.
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

class _EWMATransposeBackward(torch.autograd.Function):
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
        mom = ctx.mom                                               # "out solves A @ out = b with A = I - (1-mom) * shift,
        gb = g.clone()                                              #  b = (v0, mom*v1, ...): the adjoint is A transposed"
        gb[:-1] = g[:-1] - (1 - mom) * g[1:]                        # (A^-T is meant, not A^T)
        grads = mom * gb
        grads[0] = gb[0]
        return grads, None


def ewma_backward_transpose_not_inverse(values, mom):
    return _EWMATransposeBackward.apply(values, mom)


class _EWMACarryOnClass(torch.autograd.Function):
    carry = None                                                    # "one carry buffer for all calls: no allocation in the loop"

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
        cls, mom = _EWMACarryOnClass, ctx.mom
        if cls.carry is None or cls.carry.dtype != g.dtype:
            cls.carry = torch.zeros((), dtype=g.dtype)              # zeroed only when (re)created, never between calls
        c = cls.carry
        grads = torch.empty_like(g)
        for t in range(len(g) - 1, 0, -1):
            c.mul_(1 - mom).add_(g[t])
            grads[t] = mom * c
        c.mul_(1 - mom).add_(g[0])
        grads[0] = c
        return grads, None


def ewma_backward_carry_kept_on_class(values, mom):
    return _EWMACarryOnClass.apply(values, mom)


_CALLS = {'ewma': 0}


def ewma_mom_decayed_per_call(values, mom):
    k = _CALLS['ewma']                                              # "anneal the smoothing like a learning rate: each call
    _CALLS['ewma'] = k + 1                                          #  is one epoch, mom decays by 1% per call"
    mom = mom * 0.99 ** k
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_start_only_seed_renormalised(values, mom):
    out = [values[0]]                                               # "values[0] is only the seed: the average is the
    num = torch.zeros_like(values[0])                               #  weighted mean of the values after it, with weights
    den = torch.zeros_like(values[0])                               #  mom*(1-mom)**age normalised to sum to one"
    for v in values[1:]:
        num = (1 - mom) * num + mom * v
        den = (1 - mom) * den + mom
        out.append(num / den)
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


class _LNEpsOutsideBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        xhat = (x - m) * (v + eps).rsqrt()
        ctx.save_for_backward(xhat, v, mult)
        ctx.eps = eps
        return xhat * mult + add

    @staticmethod
    def backward(ctx, g):
        xhat, v, mult = ctx.saved_tensors
        r = 1 / (v.sqrt() + ctx.eps)                                # the textbook 1/(sigma + eps): eps outside the root
        gx = mult * r * (g - g.mean((1, 2, 3), keepdim=True) - xhat * (g * xhat).mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardRstdEpsOutsideSqrt(_LNBase):
    def forward(self, x):
        return _LNEpsOutsideBackward.apply(x, self.mult, self.add, self.eps)


class LNParamGradsHeavyBallHook(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.prev = {}
        for name, p in (('mult', self.mult), ('add', self.add)):   # "the affine gradients are noisy: smooth them with a
            p.register_hook(lambda g, name=name: self._smooth(name, g))   # heavy-ball term, g + 0.9 * previous"

    def _smooth(self, name, g):
        out = g + 0.9 * self.prev[name] if name in self.prev else g
        self.prev[name] = out.detach()
        return out


class LNTrimmedMeanCentre(_LNBase):
    def stats(self, x):
        flat = x.flatten(1)
        n = flat.shape[1]
        k = int(0.1 * n)                                            # "robust centring: the 10% trimmed mean of each item
        s = flat.sort(1).values                                     #  (10% cut off at each end), spread about it"
        c = s[:, k:n - k].mean(1).view(-1, 1, 1, 1)
        return c, ((x - c) ** 2).mean((1, 2, 3), keepdim=True)


class LNVarDofPerChannel(_LNBase):
    def stats(self, x):
        m = x.mean((1, 2, 3), keepdim=True)                         # "each channel's mean uses up one degree of freedom":
        n = x[0].numel()                                            #  sum of squares divided by n - C
        return m, ((x - m) ** 2).sum((1, 2, 3), keepdim=True) / (n - x.shape[1])


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


class BNEpsRelativeToRunningVar(_BNBase):
    def forward(self, x):
        eps = self.eps * self.vars.clone()                          # "eps in the channel's own units: eps * running var"
        if self.training:
            m, v = self.stats(x)
            y = (x - m) / (v + eps).sqrt() * self.mults + self.adds
            self.update(x, m, v)
            return y
        return (x - self.means) / (self.vars + eps).sqrt() * self.mults + self.adds


class _BNEvalFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, means, vars_, eps):
        r = (vars_ + eps).rsqrt()
        bm = x.mean((0, 2, 3), keepdim=True)                        # one saved xhat for the backward, from the batch
        bv = x.var((0, 2, 3), keepdim=True, correction=0)
        ctx.save_for_backward((x - bm) * (bv + eps).rsqrt(), r, mults)
        return (x - means) * r * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat_b, r, mults = ctx.saved_tensors
        return (g * mults * r, (g * xhat_b).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape),
                None, None, None)


class BNEvalMultsGradFromBatchXhat(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        return _BNEvalFunction.apply(x, self.mults, self.adds, self.means, self.vars, self.eps)


class BNRunningUpdateSkippedWhenClose(_BNBase):
    def update(self, x, m, v):
        with torch.no_grad():                                       # "converged: skip the update once every channel's
            close = ((m - self.means).abs() < 0.5 * self.vars.sqrt()).all()   # batch mean is within half a running std"
        if not bool(close):
            super().update(x, m, v)


class _BNUncentredVarTerm(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(x, xhat, r, mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        x, xhat, r, mults = ctx.saved_tensors                       # variance term with mean(g * x) where mean(g * (x - m))
        gx = mults * r * (g - g.mean((0, 2, 3), keepdim=True)       # is meant
                          - xhat * r * (g * x).mean((0, 2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class BNBackwardVarTermUncentredInput(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNUncentredVarTerm.apply(x, self.mults, self.adds, self.eps)


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


class INDuplicateItemsComputedOnce(_INBase):
    def forward(self, x):
        n = x.shape[0]
        if n > 1 and torch.equal(x, x[:1].expand_as(x)):           # "a batch of copies of one image: normalise it once and
            return super().forward(x[:1]).expand(n, -1, -1, -1)    #  broadcast"
        return super().forward(x)


class _INMultsGradTotal(torch.autograd.Function):
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
        gm = (g * xhat).sum().expand(mults.shape).clone()          # the reduction's dims forgotten: one total for all
        return gx, gm, g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardMultsGradTotalBroadcast(_INBase):
    def forward(self, x):
        return _INMultsGradTotal.apply(x, self.mults, self.adds, self.eps)


class INMultsClampedInForward(_INBase):
    def forward(self, x):
        with torch.no_grad():                                       # "a negative gain flips a feature: keep the gains
            self.mults.clamp_(min=0)                                #  non-negative (projected in place on every call)"
        return super().forward(x)


class INStatsFromCentreSquareCrop(_INBase):
    def stats(self, x):
        h, w = x.shape[2:]
        s = min(h, w)                                               # "statistics from the centred square crop: the image
        t, l = (h - s) // 2, (w - s) // 2                           #  content, not the letterbox"
        return super().stats(x[:, :, t:t + s, l:l + s])


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x, xs=None):
        n, G = x.shape[0], self.groups
        xg = x.reshape(n, G, -1)
        src = xg if xs is None else xs.reshape(n, G, -1)
        m, v = src.mean(-1, keepdim=True), src.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class GNAddsCentredWithinGroup(_GNBase):
    def forward(self, x):
        G, C = self.groups, self.adds.shape[0]                      # "the group's mean is removed by the normalisation
        a = self.adds.view(G, C // G)                               #  anyway: only the adds' deviations within a group
        adds = (a - a.mean(1, keepdim=True)).view(C, 1, 1)          #  matter"
        return self.norm(x) * self.mults + adds


class GNEvalStatsFromStridedPixels(_GNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        return self.norm(x, x[:, :, ::2, ::2]) * self.mults + self.adds   # "fast inference: every second row and column"


class _GNInterleavedBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        n = x.shape[0]
        xg = x.reshape(n, groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        xhat = ((xg - m) * (v + eps).rsqrt()).reshape(x.shape)
        ctx.save_for_backward(x, xhat, mults)
        ctx.groups, ctx.eps = groups, eps
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        x, xhat, mults = ctx.saved_tensors
        n, C, H, W = x.shape
        G = ctx.groups                                              # the backward groups channel c with c % G (a view
        xi = x.reshape(n, C // G, G, H * W).transpose(1, 2).reshape(n, G, -1)   # (n, C/G, G, HW)), the forward with c // (C/G)
        gy = (g * mults).reshape(n, C // G, G, H * W).transpose(1, 2).reshape(n, G, -1)
        m, v = xi.mean(-1, keepdim=True), xi.var(-1, keepdim=True, correction=0)
        r = (v + ctx.eps).rsqrt()
        xh = (xi - m) * r
        gx = r * (gy - gy.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True))
        gx = gx.reshape(n, G, C // G, H * W).transpose(1, 2).reshape(x.shape)
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardGroupsInterleaved(_GNBase):
    def forward(self, x):
        return _GNInterleavedBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNShiftedGroupsSwin(_GNBase):
    def forward(self, x):
        h = x.shape[1] // self.groups // 2                          # "shifted windows (Swin): roll the channels by half a
        xs = torch.roll(x, -h, 1)                                   #  group so the groups straddle the boundaries and
        return torch.roll(self.norm(xs), h, 1) * self.mults + self.adds   # information flows between them", rolled back


# ================================================================= RIGHT answers

def ewma_lstsq_bidiagonal(values, mom):
    """The EWMA as the square system A @ out = b (A = I - (1-mom) * subdiagonal shift, b = mom * values with b[0] =
    values[0]) solved by least squares with torch.linalg.lstsq (exact: A is invertible)."""
    n = len(values)
    a = torch.eye(n, dtype=values.dtype) - (1 - mom) * torch.diag(torch.ones(n - 1, dtype=values.dtype), -1)
    b = torch.cat([values[:1], mom * values[1:]])
    return torch.linalg.lstsq(a, b.unsqueeze(1)).solution.squeeze(1)


class LNEpsExtraCoordinateNorm(nn.Module):
    """The denominator sqrt(var + eps) as the Euclidean norm of the item's centred values divided by sqrt(n), with
    sqrt(eps) appended as one more coordinate (torch.linalg.vector_norm of the concatenation)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        flat = x.flatten(1)
        d = flat - flat.mean(1, keepdim=True)
        extra = torch.full((x.shape[0], 1), math.sqrt(self.eps), dtype=x.dtype)
        den = torch.linalg.vector_norm(torch.cat([d / math.sqrt(flat.shape[1]), extra], 1), dim=1, keepdim=True)
        return (d / den).view(x.shape) * self.mult + self.add


class BNUnbindChannelsStdMean(nn.Module):
    """Each channel cut out with unbind(1) and summarised with torch.std_mean(correction=0); the running buffers written
    channel by channel from Python lists with torch.stack."""
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
        chans = x.unbind(1)
        n = chans[0].numel()
        sm = [torch.std_mean(c, correction=0) for c in chans]
        s = torch.stack([a for a, _ in sm]).view(1, -1, 1, 1)
        m = torch.stack([b for _, b in sm]).view(1, -1, 1, 1)
        with torch.no_grad():
            new_m = [(1 - self.mom) * rm + self.mom * b for rm, (_, b) in zip(self.means.flatten(), sm)]
            new_v = [(1 - self.mom) * rv + self.mom * a * a * n / (n - 1) for rv, (a, _) in zip(self.vars.flatten(), sm)]
            self.means.copy_(torch.stack(new_m).view_as(self.means))
            self.vars.copy_(torch.stack(new_v).view_as(self.vars))
        return (x - m) / (s * s + self.eps).sqrt() * self.mults + self.adds


class INAvgPool1dFlatPixels(nn.Module):
    """Each image flattened to a 1-d signal (N*C, 1, H*W); mean and mean squared deviation by F.avg_pool1d with a kernel
    as long as the signal."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        s = x.reshape(n * c, 1, h * w)
        m = F.avg_pool1d(s, h * w)
        v = F.avg_pool1d((s - m) ** 2, h * w)
        return ((s - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNMatrixNormBlocks(nn.Module):
    """Each group a (channels-per-group, H*W) block; its spread as torch.linalg.matrix_norm (Frobenius) of the centred
    block divided by sqrt(block size)."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        b = x.reshape(n, self.groups, c // self.groups, h * w)
        d = b - b.mean((2, 3), keepdim=True)
        v = torch.linalg.matrix_norm(d, keepdim=True) ** 2 / (b.shape[2] * b.shape[3])
        return (d / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


def reset_state():
    _EWMACarryOnClass.carry = None
    _CALLS['ewma'] = 0


WRONG = [
    ("ewma_backward_transpose_not_inverse", "check_ewma", ewma_backward_transpose_not_inverse, "A custom autograd.Function whose forward is the right lerp loop (every output right) but whose hand-written backward applies A transposed where A inverse transposed is meant (out solves A @ out = b, A = I - (1-mom) * lower shift, b = (v0, mom*v1, ...)): gb[t] = g[t] - (1-mom) * g[t+1] (gb[-1] = g[-1]), values.grad[t] = mom * gb[t] for t >= 1 and values.grad[0] = gb[0], instead of the carried sums: 1-value streams and mom = 1 are right; on every stream of 2+ values with mom < 1 values.grad is wrong (e.g. [1, 3] at mom 0.5 with g = 1: [0.5, 0.5] instead of [1.5, 0.5]); outputs right everywhere."),
    ("ewma_backward_carry_kept_on_class", "check_ewma", ewma_backward_carry_kept_on_class, "A custom autograd.Function whose forward is right and whose hand-written reverse loop is right, but the carry is one class-level 0-d buffer (updated in place with mul_/add_) that is zeroed only when first created or when the dtype changes, never between backward calls: the first backward (per dtype) and any stream at mom = 1 are right; every later backward starts from the previous call's final carry (values[0]'s old gradient), so values.grad[t] gets an extra mom * (1-mom)**(n-t) * leftover (values[0]: (1-mom)**n * leftover): wrong from the second backward on; outputs always right."),
    ("ewma_mom_decayed_per_call", "check_ewma", ewma_mom_decayed_per_call, "Keeps a call counter at module level and uses mom * 0.99**k on the k-th call (k = 0, 1, ...: 'anneal the smoothing like a learning rate, one epoch per call'): the first call is right everywhere, and so are 1-value streams, mom = 0 and the outputs of constant streams on any call (their values.grad is not: the weights shift between the values); from the second call on every non-constant stream of 2+ values with mom > 0 has wrong outputs and values.grad (mom 1 becomes 0.99, 0.9801, ...), more wrong the more calls were made."),
    ("ewma_start_only_seed_renormalised", "check_ewma", ewma_start_only_seed_renormalised, "Treats values[0] as a seed only: output 0 = values[0], but output t >= 1 is the mean of values[1..t] weighted mom*(1-mom)**age and renormalised to sum 1 (values[0] gets no weight), instead of keeping the weight (1-mom)**t on values[0]: 1-value streams and mom = 1 are right, and so are the outputs of constant streams (their values.grad is not: values[0] gets only g[0]); with 0 < mom < 1 every non-constant stream of 2+ values is wrong from output 1 on (output 1 = values[1] exactly, whatever mom), and values.grad[0] is 1 * g[0] only; at mom = 0 outputs from 1 on are NaN (0/0)."),
    ("ln_backward_rstd_eps_outside_sqrt", "check_layernorm", LNBackwardRstdEpsOutsideSqrt, "A custom autograd.Function whose forward is right (outputs, mult.grad and add.grad right everywhere) but whose hand-written backward uses r = 1/(sqrt(var) + eps) (eps outside the root) where the forward used 1/sqrt(var + eps): x.grad = mult * r * (g - mean(g) - xhat * mean(g * xhat)) with that r: wrong by the ratio sqrt(var + eps)/(sqrt(var) + eps): tiny for var ~ 1 and eps 1e-5 (about 5e-6 relative, visible only in float64), large with eps 1e-3 or 0.1 (e.g. 5% at var 1, eps 0.1), for low-variance items, and huge for a constant item (1/eps instead of 1/sqrt(eps) times g - mean(g))."),
    ("ln_param_grads_heavy_ball_hook", "check_layernorm", LNParamGradsHeavyBallHook, "Registers hooks in __init__ that add 0.9 times the previous (smoothed) gradient to mult.grad and add.grad ('heavy-ball smoothing of the noisy affine gradients'), the state kept on the layer: outputs and x.grad right everywhere, and the first backward of a layer (training or eval) is right; from the second backward on mult.grad and add.grad are g + 0.9 * previous smoothed gradient (e.g. twice the same call gives 1.9 times the right gradients)."),
    ("ln_trimmed_mean_centre", "check_layernorm", LNTrimmedMeanCentre, "Centres each item on its 10% trimmed mean (sorted values, int(0.1 * n) cut off at each end) and takes the spread as the mean squared deviation about that centre, instead of the mean and the variance: items with fewer than 10 values (nothing trimmed) are right everywhere, and constant items have right outputs (but x.grad wrong: the centre's derivative falls on the untrimmed values only); every other item whose trimmed mean differs from its mean (any skewed item, e.g. random data of 20+ values) has wrong outputs (shifted and scaled) and gradients, training and eval alike."),
    ("ln_var_dof_per_channel", "check_layernorm", LNVarDofPerChannel, "Divides each item's sum of squared deviations by n - C (C = channels, 'each channel's mean uses up a degree of freedom') instead of n: the outputs are scaled by sqrt((n - C)/n) (with eps aside): with one channel it is the unbiased (n - 1) variance, with H*W = 1 it divides by 0 (outputs become add, x.grad 0 or NaN); every configuration is wrong, most for small images (e.g. C=3, 2x2: sqrt(9/12)); constant items are right."),
    ("bn_eps_relative_to_running_var", "check_batchnorm", BNEpsRelativeToRunningVar, "Adds eps * running var (the buffer before this call's update) to the variance instead of eps, in training and in eval ('eps in the channel's own units'): the running statistics are updated right, and a fresh layer (running var 1) is right in eval and on its first training call; once the running var has moved off 1, training and eval outputs and gradients are wrong: by about eps * (running var - 1) / (2 var) relative, visible in float64 at eps 1e-5 and plainly at eps 0.1 or for channels whose running var is far from 1."),
    ("bn_eval_mults_grad_from_batch_xhat", "check_batchnorm", BNEvalMultsGradFromBatchXhat, "In eval a custom autograd.Function whose forward is right (running statistics) and whose x.grad and adds.grad are right, but whose mults.grad is sum(g * xhat) with xhat normalised by the eval batch's own mean and biased var instead of the running ones: training (outputs, gradients, running statistics) is right, eval outputs, x.grad and adds.grad are right; eval mults.grad is wrong whenever the batch statistics differ from the running ones (a fresh layer in eval on data not of mean 0 and var 1, or after training)."),
    ("bn_running_update_skipped_when_close", "check_batchnorm", BNRunningUpdateSkippedWhenClose, "Skips the whole running update (mean and var) of a training step when every channel's batch mean lies within half a running std (0.5 * sqrt(running var)) of its running mean ('the statistics have converged'): training outputs and gradients are right; steps whose batch means are off by more are updated right; on data of mean within half a std of 0 the first steps of a fresh layer are skipped (running mean and var stay 0 and 1), and on shifted data the updates stop once the running mean is near the batch means, so the running var (and eval after it) is wrong from then on."),
    ("bn_backward_var_term_uncentred_input", "check_batchnorm", BNBackwardVarTermUncentredInput, "A custom autograd.Function in training whose forward is right (outputs, running statistics, eval, mults.grad and adds.grad right) but whose hand-written backward writes the variance term as xhat * r * mean(g * x) (the raw input) instead of xhat * r * mean(g * (x - mean)): x.grad is off by mults * r**2 * xhat * mean_c * mean(g) per channel: right for channels of batch mean 0 or where the upstream gradient has channel mean 0; wrong in training for shifted data (e.g. channel means 1 with g = 1: x.grad should be 0 and is not); eval x.grad right."),
    ("in_duplicate_items_computed_once", "check_instancenorm", INDuplicateItemsComputedOnce, "When every item of a batch of 2+ equals the first (torch.equal), normalises the first and expands it over the batch ('a batch of copies: compute once'): outputs, mults.grad and adds.grad are right everywhere; batches of distinct items are right; on a batch of identical items x.grad is wrong: item 0 gets the sum of all items' gradients and the other items get 0 (and the output is an expanded, non-writable view)."),
    ("in_backward_mults_grad_total_broadcast", "check_instancenorm", INBackwardMultsGradTotalBroadcast, "A custom autograd.Function whose forward is right and whose x.grad and adds.grad are right, but mults.grad is the total sum(g * xhat) over all dimensions given to every channel (the reduction's dims (0, 2, 3) forgotten): right with one channel; with 2+ channels every channel's mults.grad is the sum over the channels instead of its own."),
    ("in_mults_clamped_in_forward", "check_instancenorm", INMultsClampedInForward, "Clamps the mults in place to be non-negative (under no_grad) at the start of every call ('a negative gain flips a feature'): a fresh layer and non-negative mults are right everywhere (mults.grad and adds.grad right too); with a negative gain the channel's output becomes adds (gain 0), its x.grad 0, and the parameter itself is overwritten with 0 for good."),
    ("in_stats_from_centre_square_crop", "check_instancenorm", INStatsFromCentreSquareCrop, "Takes each image's mean and var from its centred square crop (side min(H, W)) and normalises the whole image with them: square images are right everywhere; non-square images (e.g. 4x5, 1x7, 2x3) have wrong outputs and gradients (for 1xW only the middle pixel: var 0, the output divided by sqrt(eps)), training and eval alike; constant images have right outputs (x.grad of a non-square one is not: the mean's derivative falls on the crop only)."),
    ("gn_adds_centred_within_group", "check_groupnorm", GNAddsCentredWithinGroup, "Uses the adds minus their mean over each group's channels ('the normalisation removes the group's mean anyway') instead of the adds: outputs are right while the adds have mean 0 in every group (a fresh layer); adds.grad is wrong whenever a group has 2+ channels (each channel gets its own sum(g) minus the group's average: the projection), already on a fresh layer; with one channel per group (groups = C) the adds are ignored entirely (outputs wrong for nonzero adds, adds.grad 0); with other adds the outputs are wrong; x.grad and mults.grad right."),
    ("gn_eval_stats_from_strided_pixels", "check_groupnorm", GNEvalStatsFromStridedPixels, "In eval takes each group's mean and var from every second row and column (x[:, :, ::2, ::2], 'fast inference') and normalises the whole group with them: training is right everywhere, and eval of 1x1 images; eval outputs and gradients on larger images (H or W > 1) are wrong, a fresh layer in eval included."),
    ("gn_backward_groups_interleaved", "check_groupnorm", GNBackwardGroupsInterleaved, "A custom autograd.Function whose forward groups contiguous channels (outputs, mults.grad and adds.grad right) but whose hand-written backward recomputes the statistics and the projection with channel c in group c % G (an interleaving view (n, C/G, G, HW)): groups = 1 and groups = C (one channel per group) are right; with 1 < groups < C x.grad is wrong (e.g. GroupNorm(2, 4), (3, 6), (5, 10))."),
    ("gn_shifted_groups_swin", "check_groupnorm", GNShiftedGroupsSwin, "Rolls the channels by half a group (cpg // 2) before grouping and rolls the result back ('shifted windows, as in Swin: groups straddling the boundaries'), so each group is made of the second half of one contiguous group and the first half of the next (the last wrapping round to channel 0): one group, or one channel per group (shift 0), is right everywhere; with 1 < groups < C and 2+ channels per group (GroupNorm(2, 6), (3, 6), (2, 4), (5, 10)) outputs and gradients are wrong, training and eval alike, unless the channels' statistics happen to agree."),
]

RIGHT = [
    ("ewma_lstsq_bidiagonal", "check_ewma", ewma_lstsq_bidiagonal,
     "the recursion as the square bidiagonal system A @ out = b, solved with torch.linalg.lstsq."),
    ("ln_eps_extra_coordinate_norm", "check_layernorm", LNEpsExtraCoordinateNorm,
     "sqrt(var + eps) as torch.linalg.vector_norm of the centred item / sqrt(n) with sqrt(eps) appended as an extra coordinate."),
    ("bn_unbind_channels_std_mean", "check_batchnorm", BNUnbindChannelsStdMean,
     "channels cut apart with unbind(1), torch.std_mean(correction=0) per channel, running buffers rebuilt from Python lists with torch.stack and copy_."),
    ("in_avg_pool1d_flat_pixels", "check_instancenorm", INAvgPool1dFlatPixels,
     "each image as a 1-d signal (N*C, 1, H*W); mean and mean squared deviation by F.avg_pool1d with a signal-long kernel."),
    ("gn_matrix_norm_blocks", "check_groupnorm", GNMatrixNormBlocks,
     "each group a (C/G, H*W) block; the variance as torch.linalg.matrix_norm (Frobenius) squared of the centred block over its size."),
]
KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
