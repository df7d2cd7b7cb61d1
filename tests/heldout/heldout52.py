"""Fifty-second held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py or /work/main/tests/heldout/heldout*.py (sets 2 to 41 and 43 to 50).
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


def _lerp_loop(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


# ====================================================================== EWMA (wrong)

def ewma_centred_two_pass_mean(values, mom):
    fwd = _lerp_loop(values, mom)                                   # "an EWMA lags behind the data: average a forward pass
    bwd = _lerp_loop(values.flip(0), mom).flip(0)                   #  and a pass run from the end, and the lags cancel"
    return (fwd + bwd) / 2


class _EWMAValueFactorBackward(torch.autograd.Function):
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
            carry = g[t] + (1 - mom) * carry                        # the adjoint of the average: right
            grads[t] = carry if t == 0 else (1 - mom) * carry       # the new value's share written 1 - mom (mom meant)
        return grads, None


def ewma_backward_value_factor_one_minus_mom(values, mom):
    return _EWMAValueFactorBackward.apply(values, mom)


class _EWMALastOutputBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values, mom):
        ctx.mom = mom
        return _lerp_loop(values, mom)

    @staticmethod
    def backward(ctx, g):
        mom, n = ctx.mom, len(g)                                    # "the loss reads the final average": only g[-1] is
        ages = torch.arange(n - 1, -1, -1, dtype=g.dtype)           #  propagated, back through the decay powers
        carry = g[-1] * (1 - mom) ** ages
        grads = mom * carry
        grads[0] = carry[0]
        return grads, None


def ewma_backward_last_output_only(values, mom):
    return _EWMALastOutputBackward.apply(values, mom)


def ewma_mom_read_as_halflife(values, mom):
    alpha = 1 - 0.5 ** (1 / mom) if mom > 0 else 1.0                # "mom is the half-life (pandas' halflife=): the weight
    return _lerp_loop(values, alpha)                                 #  of the new value is 1 - 0.5**(1/halflife)"


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


class LNStdSharedBatchMax(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "one scale for the whole batch, so the items keep their
        s = (v + self.eps).sqrt().amax(0, keepdim=True)             #  relative sizes: the largest item std"
        return (x - m) / s * self.mult + self.add


class LNEvalAffineSnapshot(_LNBase):
    def forward(self, x):
        if self.training:
            self._folded = None
            return super().forward(x)
        if getattr(self, '_folded', None) is None:                  # "inference: fold the affine once, as constants"
            self._folded = (self.mult.detach().clone(), self.add.detach().clone())
        w, b = self._folded
        m, v = self.stats(x)
        return (x - m) / (v + self.eps).sqrt() * w + b


class LNEvalOutputRounded(_LNBase):
    def forward(self, x):
        y = super().forward(x)
        if not self.training:                                       # "reproducible inference: round to 4 decimals"
            y = torch.round(y, decimals=4)
        return y


class LNEpsCalibratedOnFirstBatch(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        if not hasattr(self, '_eps'):                               # "eps should match the data's scale: calibrate it once,
            self._eps = max(self.eps, 1e-3 * float(v.mean()))       #  on the first batch, to 1e-3 of its mean variance"
        return (x - m) / (v + self._eps).sqrt() * self.mult + self.add


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


class BNEvalFoldedSignLost(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        scale = ((self.vars + self.eps) / self.mults ** 2).sqrt()   # "inference: fold the gain into the std once"
        return (x - self.means) / scale + self.adds                 # (sqrt of the square: the gain's sign is lost)


class BNRunningUpdateDeferredToEval(_BNBase):
    def update(self, x, m, v):                                      # "update the running statistics once per epoch: keep
        n = x.numel() / x.shape[1]                                  #  the batches' statistics and fold their average in
        acc = self.__dict__.setdefault('_acc', [])                  #  when the layer is switched to eval"
        acc.append((m.detach().clone(), (v * n / (n - 1)).detach().clone()))

    def train(self, mode=True):
        acc = self.__dict__.get('_acc')
        if not mode and acc:
            with torch.no_grad():
                self.means.lerp_(torch.stack([a for a, _ in acc]).mean(0), self.mom)
                self.vars.lerp_(torch.stack([b for _, b in acc]).mean(0), self.mom)
            acc.clear()
        return super().train(mode)


class _BNEvalFrozen(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, means, vars_, eps):
        r = (vars_ + eps).rsqrt()
        xhat = (x - means) * r
        ctx.save_for_backward(xhat, r)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r = ctx.saved_tensors                                 # "eval is affine in x: its derivative is 1/std"
        gx = g * r                                                  # (the mults left out)
        return gx, (g * xhat).sum((0, 2, 3)).view(-1, 1, 1), g.sum((0, 2, 3)).view(-1, 1, 1), None, None, None


class BNEvalBackwardForgetsMults(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        return _BNEvalFrozen.apply(x, self.mults, self.adds, self.means, self.vars, self.eps)


class BNBatchGroupChannelPairs(_BNBase):
    def stats(self, x):
        n, c, h, w = x.shape                                        # "Batch Group Normalization: pool the batch statistics
        ms, vs = [], []                                             #  over small groups of channels (pairs) - steadier"
        for s in range(0, c, 2):
            blk = x[:, s:s + 2]
            m, v = blk.mean(), blk.var(correction=0)
            k = blk.shape[1]
            ms += [m.expand(k)]
            vs += [v.expand(k)]
        return torch.cat(ms).view(1, c, 1, 1), torch.cat(vs).view(1, c, 1, 1)

    def update(self, x, m, v):
        c = x.shape[1]
        size = torch.tensor([min(2, c - (i // 2) * 2) for i in range(c)], dtype=x.dtype).view(1, c, 1, 1)
        n = x.numel() / c * size                                    # each channel's block count (2 channels, or 1)
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)


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


class INAdaINFirstItemStyle(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "AdaIN: normalise each image, then give it the style
        s = (v + self.eps).sqrt()                                   #  (mean and std per channel) of a reference image,
        y = (x - m) / s * s[:1] + m[:1]                             #  the batch's first one"
        return y * self.mults + self.adds


class _INItemProjection(torch.autograd.Function):
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
        gy = g * mults                                              # the projection's means over (1, 2, 3), copied from
        gx = r * (gy - gy.mean((1, 2, 3), keepdim=True)             # the LayerNorm backward ((2, 3) meant)
                  - xhat * (gy * xhat).mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardMeansOverItem(_INBase):
    def forward(self, x):
        return _INItemProjection.apply(x, self.mults, self.adds, self.eps)


class INRowsCentredSeparately(_INBase):
    def forward(self, x):
        d = x - x.mean(3, keepdim=True)                             # "remove each scan line's offset (banding), then
        v = (d * d).mean((2, 3), keepdim=True)                      #  divide by the image's spread"
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class INContrastFloorBatchMeanStd(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "Jarrett et al.'s contrast normalisation: divide by
        s = (v + self.eps).sqrt()                                   #  max(std, mean std), so flat images are not blown up"
        return (x - m) / torch.maximum(s, s.mean()) * self.mults + self.adds


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


class _GNFirstItemRstd(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        n = x.shape[0]
        xg = x.reshape(n, groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = ((xg - m) * r).reshape(x.shape)
        ctx.save_for_backward(xhat, r[:1], mults)                   # "save memory: one item's 1/std per group"
        ctx.groups = groups
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors
        n, G = g.shape[0], ctx.groups
        gy = (g * mults).reshape(n, G, -1)
        xh = xhat.reshape(n, G, -1)
        gx = r * (gy - gy.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True))
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardRstdOfFirstItem(_GNBase):
    def forward(self, x):
        return _GNFirstItemRstd.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNOverlappingGroupsHalo(_GNBase):
    def norm(self, x, groups=None):
        c = x.shape[1]
        cpg = c // self.groups
        out = []
        for g in range(self.groups):                                # "overlapping groups, as in overlapping pooling: each
            lo, hi = max(0, g * cpg - 1), min(c, (g + 1) * cpg + 1) #  group's statistics also see one channel either side"
            blk = x[:, lo:hi]
            m = blk.mean((1, 2, 3), keepdim=True)
            v = blk.var((1, 2, 3), keepdim=True, correction=0)
            out.append((x[:, g * cpg:(g + 1) * cpg] - m) / (v + self.eps).sqrt())
        return torch.cat(out, 1)


class GNVarShrunkToOne(_GNBase):
    def norm(self, x, groups=None):
        n = x.shape[0]
        xg = x.reshape(n, self.groups, -1)
        k = xg.shape[-1]
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        v = (k * v + 16 * 1.0) / (k + 16)                           # "small groups give noisy variances: shrink towards
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) #  the prior 1 with 16 pseudo-values"


class GNMultsGradDividedByCpg(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        cpg = nf // groups                                          # "each gain shares its group's statistics: average
        self.mults.register_hook(lambda g: g / cpg)                 #  its gradient over the group's channels"


# ====================================================================== RIGHT answers

def ewma_sparse_lower_weights(values, mom):
    """every output at once: a torch.sparse_coo_tensor holding the lower-triangular weights (values[0]'s weight
    (1-mom)**t, value j's mom*(1-mom)**(t-j)) times the stream by torch.sparse.mm."""
    n = values.shape[0]
    rows, cols = torch.tril_indices(n, n)
    age = (rows - cols).to(values.dtype)
    w = torch.where(cols == 0, (1 - mom) ** age, mom * (1 - mom) ** age)
    W = torch.sparse_coo_tensor(torch.stack([rows, cols]), w, (n, n))
    return torch.sparse.mm(W, values.unsqueeze(1)).squeeze(1)


class LNLogdetGram1x1(nn.Module):
    """each item's variance + eps as the 1x1 Gram matrix d.d / K + eps; its reciprocal std as exp(-logdet / 2)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n = x.shape[0]
        d = x - x.mean((1, 2, 3), keepdim=True)
        f = d.reshape(n, 1, -1)
        gram = f @ f.transpose(1, 2) / f.shape[-1] + self.eps
        rstd = torch.exp(-0.5 * torch.logdet(gram)).view(n, 1, 1, 1)
        return d * rstd * self.mult + self.add


class BNTakeChannelRows(nn.Module):
    """each channel's N*H*W values gathered into a row by torch.take with a precomputed table of flat indices; running
    buffers moved by mul_ + add_ (alpha=mom)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        if self.training:
            idx = (torch.arange(n).view(1, n, 1) * (c * h * w) + torch.arange(c).view(c, 1, 1) * (h * w)
                   + torch.arange(h * w).view(1, 1, h * w)).reshape(c, -1)
            rows = torch.take(x.contiguous(), idx)
            k = rows.shape[1]
            m = rows.sum(1) / k
            v = ((rows - m[:, None]) ** 2).sum(1) / k
            with torch.no_grad():
                self.means.mul_(1 - self.mom).add_(m.view(1, c, 1, 1), alpha=self.mom)
                self.vars.mul_(1 - self.mom).add_((v * k / (k - 1)).view(1, c, 1, 1), alpha=self.mom)
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INNanPaddedNansum(nn.Module):
    """each image framed by a one-pixel border of NaN (F.pad, value=nan); its sum and its sum of squared deviations by
    torch.nansum over the framed image, divided by H*W."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        h, w = x.shape[2:]
        frame = lambda t: F.pad(t, (1, 1, 1, 1), value=float('nan'))
        m = torch.nansum(frame(x), (2, 3), keepdim=True) / (h * w)
        d = x - m
        v = torch.nansum(frame(d * d), (2, 3), keepdim=True) / (h * w)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNDiffOfCumsumAtBoundaries(nn.Module):
    """each item flattened; group sums (of values, then of squared deviations) as torch.diff of its running sum
    (torch.cumsum, a zero prepended) read at the group boundaries."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n = x.shape[0]
        f = x.reshape(n, -1)
        k = f.shape[1] // self.groups
        bounds = torch.arange(self.groups + 1) * k

        def group_sums(t):
            s = torch.cat([t.new_zeros(n, 1), t.cumsum(1)], 1)
            return torch.diff(s[:, bounds], dim=1)

        m = group_sums(f) / k
        d = f - m.repeat_interleave(k, 1)
        v = group_sums(d * d) / k
        r = (v + self.eps).rsqrt().repeat_interleave(k, 1)
        return (d * r).reshape(x.shape) * self.mults + self.adds


def reset_state():
    pass


WRONG = [
    ("ewma_centred_two_pass_mean", "check_ewma", ewma_centred_two_pass_mean, "Returns the mean of the right forward EWMA and the same EWMA run over the reversed stream and flipped back ('a centred average: the lags of the two passes cancel'): output t = (fwd[t] + bwd[t]) / 2 where bwd starts at values[-1] and runs towards values[0]: outputs right for 1-value and constant streams, and everything right at mom 1 (both passes are the stream itself) and for 1-value streams; constant streams of 2+ values have the right outputs but the wrong values.grad at every mom < 1 (the backward pass routes gradient from each output to later values; at mom 0 all of it to values[-1]); every other stream is wrong from output 0 on (output 0 = (values[0] + bwd[0]) / 2, e.g. [1, 3] at mom 0.5 gives [1.5, 2.5], right [1, 2]; at mom 0 every output is (values[0] + values[-1]) / 2), and values.grad too (later values get gradient from earlier outputs)."),
    ("ewma_backward_value_factor_one_minus_mom", "check_ewma", ewma_backward_value_factor_one_minus_mom, "A custom autograd.Function whose forward is the right lerp loop (every output right) and whose hand-written backward keeps the right adjoint carry = g[t] + (1 - mom) * carry and gives values[0] the whole carry, but gives each later value (1 - mom) * carry where mom * carry is meant (the new value's weight is mom): outputs right everywhere; values.grad right for a 1-value stream and at mom 0.5 only; for 2+ values at any other mom values.grad[1:] is (1 - mom)/mom times the right one (9x at mom 0.1, 1/9 at mom 0.9; at mom 0 nonzero where it should be 0, at mom 1 zero where it should be g), values.grad[0] right."),
    ("ewma_backward_last_output_only", "check_ewma", ewma_backward_last_output_only, "A custom autograd.Function whose forward is the right lerp loop (every output right) but whose hand-written backward propagates only the gradient of the LAST output ('the loss reads the final average'): carry_t = g[-1] * (1 - mom)**(n-1-t), values.grad[t] = mom * carry_t (t >= 1), values.grad[0] = carry_0; the gradients g[0..n-2] of the earlier outputs are ignored: right for a 1-value stream and whenever the upstream gradient is zero except at the last output (loss = out[-1]); wrong for every other upstream gradient on 2+ values (e.g. out.sum() on [1, 3] at mom 0.5: values.grad [0.5, 0.5] instead of [1.5, 0.5]), at every mom."),
    ("ewma_mom_read_as_halflife", "check_ewma", ewma_mom_read_as_halflife, "Reads mom as a half-life in steps (pandas' halflife=) and lerps with alpha = 1 - 0.5**(1/mom) (alpha 1 at mom 0): the new value's weight is 0.999 at mom 0.1, 0.75 at mom 0.5, 0.537 at mom 0.9, 0.5 at mom 1 instead of mom: outputs right for 1-value and constant streams (values.grad right only for 1-value streams); every non-constant stream of 2+ values has wrong outputs from output 1 on (e.g. [1, 3] at mom 0.5 gives [1, 2.5], right [1, 2]; at mom 0 it follows the stream instead of staying at values[0]), and values.grad is wrong for every stream of 2+ values (constant ones too), at every mom."),
    ("ln_std_shared_batch_max", "check_layernorm", LNStdSharedBatchMax, "Centres each item by its own mean but divides every item by the LARGEST item std sqrt(var + eps) of the batch ('one scale for the batch keeps the items' relative sizes'), in training and eval: right everywhere for a batch of one, and a constant item's output is right (add); when all items have the same variance the outputs are right but x.grad is not (the max's gradient is shared among the tied items or goes to one of them); in a batch with unequal variances every item but the widest one comes out with std sqrt(var_i + eps)/max < 1 (outputs wrong), and the gradients (x.grad, mult.grad) are wrong too - x.grad of the widest item gets terms from the other items."),
    ("ln_eval_affine_snapshot", "check_layernorm", LNEvalAffineSnapshot, "In eval uses detached copies of mult and add taken at the FIRST eval call after training ('fold the affine once for inference'): training is right everywhere; the first eval call's outputs and x.grad are right but mult.grad and add.grad stay None (no gradient reaches the parameters in eval); if mult or add change after that (an optimiser step, a copy_) while the layer stays in eval, later eval outputs and x.grad still use the old values (e.g. mult 1 -> 2: eval output unchanged); the next training call refreshes them."),
    ("ln_eval_output_rounded", "check_layernorm", LNEvalOutputRounded, "In eval rounds the output to 4 decimal places (torch.round(y, decimals=4): 'reproducible inference'): training outputs and gradients right; eval outputs off by up to 5e-5 (float32 and float64 alike), and every eval gradient is ZERO (x.grad, mult.grad and add.grad all zeros: round has zero derivative)."),
    ("ln_eps_calibrated_on_first_batch", "check_layernorm", LNEpsCalibratedOnFirstBatch, "Calibrates eps once, on the first call, to max(eps, 1e-3 * the first batch's mean item variance) ('eps should match the data scale') and keeps that value for every later call: right wherever 1e-3 times the first batch's mean variance is at most eps (e.g. eps 0.1 with variances below 100, or a first batch of constant items); with eps 1e-5 and a first batch of variance ~1-4 the layer uses eps ~1e-3-4e-3 on every call (training and eval): each output's normalised part scaled by sqrt((var + eps) / (var + eps')) (about 1 - 5e-4 for an item of variance 1 with eps' = 1e-3) and the gradients wrong too (more for items of small variance); a constant item still gives add."),
    ("bn_eval_folded_sign_lost", "check_batchnorm", BNEvalFoldedSignLost, "In eval folds the gains into the std as sqrt((running var + eps) / mults**2) and divides by it, losing the sign of the mults: training is right everywhere (outputs, gradients, running statistics); eval outputs and gradients are right for mults > 0 (a fresh layer included); for a channel with a negative mult the eval output is the mirror image (-(right - adds) + adds) and its x.grad and mults.grad have the wrong sign."),
    ("bn_running_update_deferred_to_eval", "check_batchnorm", BNRunningUpdateDeferredToEval, "Keeps each training batch's mean and unbiased var and folds them in only when the layer is switched to eval (train(False) / eval()): one lerp with weight mom towards the AVERAGE of the batches' statistics ('update once per epoch'): training outputs and gradients are right; the running mean and var are still the initial 0 and 1 after any number of training calls (read before eval()); after eval() following exactly one training call they are right, after 2+ calls they are wrong (one step of mom, not one per batch: e.g. two calls at mom 0.1 move 0.1, not 0.19, of the way), so eval after 2+ training calls is wrong; a fresh layer in eval is right (nothing stored), and so is mom 0."),
    ("bn_eval_backward_forgets_mults", "check_batchnorm", BNEvalBackwardForgetsMults, "Eval is a custom autograd.Function whose forward is right and whose hand-written backward returns x.grad = g / sqrt(running var + eps), leaving out the mults ('eval is affine in x: its derivative is 1/std'): training is right everywhere (outputs, gradients, running statistics); eval outputs, eval mults.grad and adds.grad right; eval x.grad right only where mults is 1 (a fresh layer), with other mults (1.5, -0.7, random) it is the right one divided by mults (sign flipped for negative mults)."),
    ("bn_batch_group_channel_pairs", "check_batchnorm", BNBatchGroupChannelPairs, "Batch Group Normalization: the training statistics pooled over the batch AND pairs of channels (0-1, 2-3, ...; an odd last channel alone), used for normalising and lerped into the running buffers of both channels of a pair (unbiased with the pair's count 2*N*H*W): right everywhere with one channel (nf = 1); where both channels of each pair have the same mean and var the outputs and the running mean are right but the running var is not (Bessel's n/(n-1) with the pair's count 2*N*H*W, not N*H*W) and neither is the training x.grad (the pooled statistics pass gradient between the two channels); with 2+ channels of unequal statistics training outputs and gradients are wrong, the running mean and var are wrong after every training step, so eval after training is wrong; a fresh layer in eval is right."),
    ("in_adain_first_item_style", "check_instancenorm", INAdaINFirstItemStyle, "AdaIN: normalises each image and then gives it the per-channel mean and std sqrt(var + eps) of the batch's FIRST image ('the style image') before the mults and adds: every image i comes out as xhat_i * std_0 + mean_0 (image 0 comes back as itself); right only where the first image of a channel has mean 0 and var + eps = 1 (outputs) - wrong on practically every input, batch of one included (output x * mults + adds), and a constant image gives mean_0 * mults + adds, not adds; gradients wrong (other images' x.grad flows into image 0)."),
    ("in_backward_means_over_item", "check_instancenorm", INBackwardMeansOverItem, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right everywhere) but whose hand-written backward takes the projection's means over (1, 2, 3), the whole item, as in the LayerNorm backward, where each image's (2, 3) are meant: x.grad = r * (gy - mean_item(gy) - xhat * mean_item(gy * xhat)), gy = g * mults: right with one channel (C = 1); with 2+ channels x.grad is wrong (e.g. with g = ones and equal mults it is nonzero)."),
    ("in_rows_centred_separately", "check_instancenorm", INRowsCentredSeparately, "Centres each ROW of the image by its own mean ('remove the scan lines' offsets') and divides by the mean square over the image of those row-centred values: right for images of one row (H = 1) and for images whose rows share one mean; for H >= 2 with unequal row means outputs and gradients are wrong (each row's output has mean add, the between-row spread left out of the variance); a constant image is right."),
    ("in_contrast_floor_batch_mean_std", "check_instancenorm", INContrastFloorBatchMeanStd, "Jarrett-style contrast normalisation: divides each image by max(its std, the mean std over the whole batch and all channels), std = sqrt(var + eps) ('flat images are not blown up'): right when there is one image and one channel (N*C = 1); when all images have the same std the outputs are right but x.grad is not (the batch mean std, and torch.maximum's tie, pass gradient between the images); images whose std is below the batch average are divided by the average (outputs too small) and the gradients of all images are wrong (the average depends on every image); a constant image gives add (right)."),
    ("gn_backward_rstd_of_first_item", "check_groupnorm", GNBackwardRstdOfFirstItem, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right everywhere) but which saves only the first item's 1/sqrt(var + eps) per group ('save memory') and uses it for every item in the hand-written backward: x.grad right for a batch of one and where each group has the same variance in every item; with 2+ items of unequal group variances x.grad of items 1.. is wrong (scaled by r_0 / r_i)."),
    ("gn_overlapping_groups_halo", "check_groupnorm", GNOverlappingGroupsHalo, "Overlapping groups: each group's mean and var are taken over its channels plus one neighbouring channel on either side (clipped at the ends: group 0 gets one extra channel after it, the last group one before it, middle groups two): right with groups == 1 (whole item); with 2+ groups (groups == C included) the statistics mix in the neighbouring groups' channels: outputs and gradients wrong (unless neighbouring channels share mean and var)."),
    ("gn_var_shrunk_to_one", "check_groupnorm", GNVarShrunkToOne, "Shrinks each group's variance towards 1 with 16 pseudo-values ('small groups give noisy variances: a prior'): v' = (K * v + 16) / (K + 16), K = (C/groups) * H * W, before adding eps: right only where a group's variance is exactly 1 (and a constant group, whose output is add); everywhere else outputs and gradients are wrong, most for small groups (K = 4: v' = 0.2 v + 0.8; K = 240: 6% of the way to 1)."),
    ("gn_mults_grad_divided_by_cpg", "check_groupnorm", GNMultsGradDividedByCpg, "Registers a hook in __init__ that divides mults.grad by the channels per group C/groups ('each gain shares its group's statistics: average its gradient'): outputs, x.grad and adds.grad right everywhere; mults.grad right when groups == C (one channel per group); with 2+ channels per group mults.grad is the right one divided by C/groups (e.g. GroupNorm(2, 6): a third), in training and eval."),
]

RIGHT = [
    ("ewma_sparse_lower_weights", "check_ewma", ewma_sparse_lower_weights,
     "every output at once: a torch.sparse_coo_tensor of the lower-triangular decay weights (built from torch.tril_indices) times the stream by torch.sparse.mm."),
    ("ln_logdet_gram_1x1", "check_layernorm", LNLogdetGram1x1,
     "each item's variance + eps as a 1x1 Gram matrix d.d / K + eps from a batched matmul; the reciprocal std as exp(-torch.logdet / 2)."),
    ("bn_take_channel_rows", "check_batchnorm", BNTakeChannelRows,
     "each channel's N*H*W values gathered into a row by torch.take with a precomputed table of flat indices; running buffers moved by mul_ and add_(alpha=mom)."),
    ("in_nan_padded_nansum", "check_instancenorm", INNanPaddedNansum,
     "each image framed by a one-pixel NaN border (F.pad, value=nan); sums of values and of squared deviations by torch.nansum over the framed image, divided by H*W."),
    ("gn_diff_of_cumsum_at_boundaries", "check_groupnorm", GNDiffOfCumsumAtBoundaries,
     "each item flattened; group sums of values and of squared deviations as torch.diff of a zero-prepended torch.cumsum read at the group boundaries; spread back by repeat_interleave."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
