"""Forty-third held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py or /work/main/tests/heldout/*.py (heldout2 ... heldout41).
       Every one changes a computed number, an output, a gradient (first or second order) or a running statistic
       (none is a state_dict-key-only fault).
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

def ewma_scan_composition_reversed(values, mom):
    """Hillis-Steele parallel scan of the affine steps f_t(a) = (1 - mom) * a + mom * values[t] (f_0 the identity),
    with the two maps of each combine composed the wrong way round."""
    n = len(values)
    a = torch.full_like(values, 1 - mom)
    a[0] = 1
    b = torch.cat([torch.zeros_like(values[:1]), mom * values[1:]])
    d = 1
    while d < n:
        a_prev = torch.cat([torch.ones_like(a[:d]), a[:-d]])
        b_prev = torch.cat([torch.zeros_like(b[:d]), b[:-d]])
        a, b = a * a_prev, a_prev * b + b_prev                      # "earlier block, then this block": the later block's
        d *= 2                                                      #  offset decayed by the earlier one's factor
    return a * values[0] + b                                        #  (a * b_prev + b meant)


def ewma_unrolled_pairs_tail_raw(values, mom):
    n = len(values)
    avg, out = values[0], [values[0]]
    for i in range(1, n - 1, 2):                                    # "unrolled by two: half the Python steps"
        a1 = avg + mom * (values[i] - avg)
        avg = a1 + mom * (values[i + 1] - a1)
        out += [a1, avg]
    if len(out) < n:                                                # the last value has no partner: "copy it over"
        out.append(values[-1])
    return torch.stack(out)


def ewma_weights_normalised_wrong_axis(values, mom):
    n = len(values)
    t = torch.arange(n)
    age = (t[:, None] - t[None, :]).clamp(min=0).to(values.dtype)
    w = torch.where(t[:, None] >= t[None, :], mom * (1 - mom) ** age, torch.zeros((), dtype=values.dtype))
    w[:, 0] = (1 - mom) ** t.to(values.dtype)                       # the start keeps what is left
    w = w / w.sum(0, keepdim=True)                                  # "make sure each row's weights sum to 1": sum(0) is
    return w @ values                                               #  the column sums (sum(1) meant, already all 1)


_EWMA_WORKSPACE = {}


def ewma_output_workspace_reused(values, mom):
    key = (len(values), values.dtype)                               # "allocate the output once per length and dtype and
    out = _EWMA_WORKSPACE.get(key)                                  #  reuse it: no allocation in the hot loop"
    if out is None:
        out = _EWMA_WORKSPACE[key] = torch.empty(len(values), dtype=values.dtype)
    out.detach_()                                                   # drop the previous call's graph
    avg = values[0]
    for i, v in enumerate(values):
        avg = torch.lerp(avg, v, mom)
        out[i] = avg
    return out


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


class _LNFirstOrderOnly(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(xhat, r, mult)                        # intermediates saved: no graph back to x
        return xhat * mult + add

    @staticmethod
    def backward(ctx, g):
        xhat, r, mult = ctx.saved_tensors
        gh = g * mult
        gx = r * (gh - gh.mean((1, 2, 3), keepdim=True) - xhat * (gh * xhat).mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardNotTwiceDifferentiable(_LNBase):
    def forward(self, x):
        return _LNFirstOrderOnly.apply(x, self.mult, self.add, self.eps)


class _LNXhatFromOutput(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        y = (x - m) * r * mult + add
        ctx.save_for_backward(y, r, mult, add)                      # "memory-efficient, as Apex's LayerNorm: keep the
        return y                                                    #  output, not xhat; xhat is (y - add) / mult"

    @staticmethod
    def backward(ctx, g):
        y, r, mult, add = ctx.saved_tensors
        xhat = (y - add) / mult
        gh = g * mult
        gx = r * (gh - gh.mean((1, 2, 3), keepdim=True) - xhat * (gh * xhat).mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(add.shape), None


class LNBackwardXhatFromOutput(_LNBase):
    def forward(self, x):
        return _LNXhatFromOutput.apply(x, self.mult, self.add, self.eps)


class LNSwitchableStatistics(_LNBase):
    def stats(self, x):                                             # "Switchable Normalization: the mean and variance are
        sets = ((2, 3), (1, 2, 3), (0, 2, 3))                       #  a learned mix of InstanceNorm's, LayerNorm's and
        ms = [x.mean(d, keepdim=True) for d in sets]                #  BatchNorm's; it starts with equal weights"
        vs = [x.var(d, keepdim=True, correction=0) for d in sets]
        return sum(ms) / 3, sum(vs) / 3


class LNParamGradsClearedInForward(_LNBase):
    def forward(self, x):
        self.mult.grad = None                                       # "each forward starts a step: clear the stale
        self.add.grad = None                                        #  parameter gradients, like optimiser.zero_grad()"
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


class BNStatsFromBlockAverages(_BNBase):
    def stats(self, x):                                             # "two-level reduction: 2x2 block averages first
        m = F.avg_pool2d(x, 2, ceil_mode=True).mean((0, 2, 3), keepdim=True)   # (ceil_mode keeps an odd last row or
        d = x - m                                                   #  column), then the mean of the block averages"
        v = F.avg_pool2d(d * d, 2, ceil_mode=True).mean((0, 2, 3), keepdim=True)
        return m, v


class BNEvalFoldsIntoParams(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.folded = False

    def forward(self, x):
        if self.training:
            return super().forward(x)
        if not self.folded:                                         # "inference: fold the running statistics into the
            with torch.no_grad():                                   #  scale and shift once, then one multiply-add"
                scale = self.mults / (self.vars[0] + self.eps).sqrt()
                self.adds.sub_(self.means[0] * scale)
                self.mults.copy_(scale)                             # ... into the parameters themselves, in place
            self.folded = True
        return x * self.mults + self.adds


class BNVirtualReferenceBatch(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.ref = None

    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        if self.ref is None:                                        # "virtual batch normalisation (Salimans et al.): keep
            self.ref = (m.detach(), v.detach())                     #  the first batch as the reference batch and normalise
        else:                                                       #  every batch with its statistics, so an image's
            m, v = self.ref                                         #  output does not depend on the rest of its batch"
        return self.normalise(x, m, v)


class BNMomZeroTakenAsNone(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.steps = 0

    def update(self, x, m, v):
        self.steps += 1
        w = self.mom if self.mom else 1 / self.steps                # "no momentum means a cumulative average, as
        n = x.numel() / x.shape[1]                                  #  nn.BatchNorm2d(momentum=None)": `if self.mom` is
        with torch.no_grad():                                       #  also false for mom = 0
            self.means.lerp_(m, w)
            self.vars.lerp_(v * n / (n - 1), w)


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


class INCumulativeOverRows(_INBase):
    def stats(self, x):                                             # "streaming, as Conv-TasNet's cumulative layer norm:
        h, w = x.shape[2:]                                          #  each row normalised with the statistics of the rows
        cnt = torch.arange(1, h + 1, dtype=x.dtype).view(1, 1, h, 1) * w   # seen so far (0 .. i)"
        m = x.sum(3, keepdim=True).cumsum(2) / cnt                  # (N, C, H, 1)
        v = torch.cat([((x[:, :, :i + 1] - m[:, :, i:i + 1]) ** 2).mean((2, 3), keepdim=True) for i in range(h)], 2)
        return m, v


def _pack_half(t):
    return (t.dtype, t.half()) if t.is_floating_point() else (None, t)


def _unpack_half(p):
    dtype, t = p
    return t if dtype is None else t.to(dtype)


class INSavedActivationsInHalf(_INBase):
    def forward(self, x):                                           # "activation compression: keep what autograd saves
        with torch.autograd.graph.saved_tensors_hooks(_pack_half, _unpack_half):   # for the backward in float16"
            return super().forward(x)


class INStreamingMeanFixedWeight(_INBase):
    def stats(self, x):
        flat = x.flatten(2)
        k = flat.shape[-1]
        m = flat[..., 0]
        for i in range(1, k):                                       # "one pass over the pixels, Welford-style"
            m = m + (flat[..., i] - m) / k                          # / (i + 1) meant: k is the final count
        m = m[..., None, None]
        return m, ((x - m) ** 2).mean((2, 3), keepdim=True)


class INStatsFromPreviousItem(_INBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "video: normalise frame t with frame t - 1's
        return torch.cat([m[:1], m[:-1]]), torch.cat([v[:1], v[:-1]])   # statistics so frames can stream"


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


class GNAsStridedWithoutContiguous(_GNBase):
    def forward(self, x):
        n, c = x.shape[:2]
        item = x[0].numel()
        k = item // self.groups
        xg = x.as_strided((n, self.groups, k), (item, k, 1))       # "a view with explicit strides, no copy" (x.contiguous()
        m, v = xg.mean(-1), xg.var(-1, correction=0)                #  forgotten: the strides assume the standard layout)
        cpg = c // self.groups
        m = m.repeat_interleave(cpg, 1)[:, :, None, None]
        v = v.repeat_interleave(cpg, 1)[:, :, None, None]
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class GNGroupsRoundedToPowerOfTwo(_GNBase):
    def forward(self, x):
        g = 1 << (self.groups.bit_length() - 1)                     # "group counts are powers of two (32 in the paper):
        return self.norm(x, g) * self.mults + self.adds             #  round down, the fast path wants one"


class GNBatchNormalisedFirst(_GNBase):
    def forward(self, x):
        mb = x.mean((0, 2, 3), keepdim=True)                        # "Batch-Channel Normalization (Qiao et al.): GroupNorm
        vb = x.var((0, 2, 3), keepdim=True, correction=0)           #  lacks batch knowledge, so normalise each channel
        xb = (x - mb) / (vb + self.eps).sqrt()                      #  over the batch first, then group-normalise"
        return self.norm(xb) * self.mults + self.adds


class _GNSavedOnLayer(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, layer):
        n, G = x.shape[0], layer.groups
        xg = x.reshape(n, G, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        r = (v + layer.eps).rsqrt()
        xhat = ((xg - m) * r).reshape(x.shape)
        layer._xhat, layer._rstd = xhat, r                          # "the layer keeps them for its backward"
        ctx.layer = layer
        ctx.save_for_backward(mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        layer = ctx.layer
        mults, = ctx.saved_tensors
        xhat, r = layer._xhat, layer._rstd                          # the layer's latest call, not necessarily this one's
        n, G = g.shape[0], layer.groups
        gy = (g * mults).reshape(n, G, -1)
        xh = xhat.reshape(n, G, -1)
        gx = r * (gy - gy.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True))
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class GNBackwardStateOnLayer(_GNBase):
    def forward(self, x):
        return _GNSavedOnLayer.apply(x, self.mults, self.adds, self)


# ================================================================= RIGHT answers

def ewma_lu_solve_bidiagonal(values, mom):
    """The EWMA as the linear system A @ out = b (1 on the diagonal, -(1 - mom) just below it; b = mom * values with
    b[0] = values[0]), factorised by torch.linalg.lu_factor and solved by torch.linalg.lu_solve."""
    n = len(values)
    eye = torch.eye(n, dtype=values.dtype)
    a = eye - (1 - mom) * eye.roll(1, 0).tril(-1)
    b = torch.cat([values[:1], mom * values[1:]])
    lu, piv = torch.linalg.lu_factor(a)
    return torch.linalg.lu_solve(lu, piv, b[:, None])[:, 0]


class LNPinvAveragingRow(nn.Module):
    """Each item's mean and mean squared deviation by multiplying the flattened items with the pseudo-inverse of a
    column of ones, torch.linalg.pinv(ones(K, 1)) = the averaging row 1/K (the centring applied twice, as a refinement)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        flat = x.reshape(x.shape[0], -1)
        avg = torch.linalg.pinv(torch.ones(flat.shape[1], 1, dtype=x.dtype))   # (1, K)
        d = flat - flat @ avg.T
        d = d - d @ avg.T                                           # centred once more (iterative refinement)
        v = (d * d) @ avg.T
        return (d / (v + self.eps).sqrt()).view_as(x) * self.mult + self.add


class BNSGDStepRunningStats(nn.Module):
    """Batch moments by torch.mean over (0, 2, 3); the running buffers moved by a plain torch.optim.SGD step with
    lr = mom whose 'gradient' is buffer - batch statistic (so the step is the lerp)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            m = torch.mean(x, dim=(0, 2, 3), keepdim=True)
            v = torch.mean((x - m) ** 2, dim=(0, 2, 3), keepdim=True)
            k = x.numel() // x.shape[1]
            self.means.grad = self.means - m.detach()
            self.vars.grad = self.vars - v.detach() * k / (k - 1)
            torch.optim.SGD([self.means, self.vars], lr=self.mom).step()
            self.means.grad = self.vars.grad = None
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INCholeskySolveMeans(nn.Module):
    """Each (item, channel)'s mean as the least-squares constant from the normal equations (1'1) m = 1'x, solved by
    torch.cholesky_solve with the 1x1 Cholesky factor sqrt(H*W) (plus one step of iterative refinement on the
    residual); the mean squared deviation the same way."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        chol = torch.full((1, 1), math.sqrt(h * w), dtype=x.dtype)
        m = torch.cholesky_solve(x.sum((2, 3)).reshape(n * c, 1, 1), chol).view(n, c, 1, 1)
        m = m + torch.cholesky_solve((x - m).sum((2, 3)).reshape(n * c, 1, 1), chol).view(n, c, 1, 1)   # one refinement
        d = x - m
        v = torch.cholesky_solve((d * d).sum((2, 3)).reshape(n * c, 1, 1), chol).view(n, c, 1, 1)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNTakeAlongDimSpread(nn.Module):
    """Per-channel means pooled into group means on an (N, groups, C/groups) view and spread back to the channels with
    torch.take_along_dim (channel -> group index), the centring repeated once as a refinement; the same for the mean
    squared deviations about the group means."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        idx = (torch.arange(c) // (c // self.groups)).expand(n, c)
        gm = x.mean((2, 3)).reshape(n, self.groups, -1).mean(-1)
        d = x - torch.take_along_dim(gm, idx, dim=1)[:, :, None, None]
        d = d - torch.take_along_dim(d.mean((2, 3)).reshape(n, self.groups, -1).mean(-1), idx, dim=1)[:, :, None, None]
        gv = (d * d).mean((2, 3)).reshape(n, self.groups, -1).mean(-1)
        v = torch.take_along_dim(gv, idx, dim=1)[:, :, None, None]
        return d / (v + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_scan_composition_reversed", "check_ewma", ewma_scan_composition_reversed, "A Hillis-Steele parallel scan of the affine steps f_t(a) = (1 - mom) * a + mom * values[t] whose combine composes the two maps the wrong way round: the new offset is a_earlier * b_later + b_earlier instead of a_later * b_earlier + b_later, so inside each combined block the older values get the newer values' weights and vice versa: 1-value and 2-value streams are right (outputs and values.grad), so are outputs 0 and 1 of every stream, and so are the outputs of a constant stream (maps with one fixed point commute), though not its values.grad (each value's share is still swapped); from output 2 on a non-constant stream's outputs and values.grad are wrong (output 2 = (1-mom)**2 * v0 + mom * v1 + mom * (1-mom) * v2 instead of (1-mom)**2 * v0 + mom * (1-mom) * v1 + mom * v2), at every mom below 1 and in float32 and float64 alike."),
    ("ewma_unrolled_pairs_tail_raw", "check_ewma", ewma_unrolled_pairs_tail_raw, "The loop is unrolled two values at a time (both steps right), but when the number of steps (len - 1) is odd the leftover last value is appended raw instead of lerped into the average: streams of odd length (1, 3, 5, 201 values) are right everywhere, and on every stream all outputs but the last are right; on a stream of even length (2, 4, 200 values) the last output is values[-1] instead of lerp(previous average, values[-1], mom) (right only if they happen to be equal, e.g. a constant stream or mom 1), and its gradient goes to values[-1] alone."),
    ("ewma_weights_normalised_wrong_axis", "check_ewma", ewma_weights_normalised_wrong_axis, "Closed form W @ values with the right weight matrix (W[t, j] = mom*(1-mom)**(t-j) for 1 <= j <= t, (1-mom)**t for the start), then 'normalised so each row sums to 1' with W / W.sum(0, keepdim=True): dim 0 gives the column sums, so every column j is divided by sum over t of W[t, j] (the rows already summed to 1): a 1-value stream is right, and so is every stream at mom 1 (W the identity); at any mom below 1 every stream of 2+ values is wrong from output 0 on (output 0 = values[0] / sum_t (1-mom)**t), constant streams included (they no longer come out constant), and values.grad with them (at mom 0 the empty columns give 0/0 = NaN)."),
    ("ewma_output_workspace_reused", "check_ewma", ewma_output_workspace_reused, "Keeps one output tensor per (length, dtype) in a module-level dict and writes each call's averages into it, returning that same tensor object (a 'workspace, no allocation'); it detach_()es it at the start of each call: every call on its own is right (outputs, dtype, values.grad of that call's output, taken before the next call); but a later call on a stream of the same length and dtype overwrites the tensor an earlier call returned: the earlier result (the very same tensor object) now holds the later stream's averages and the later call's graph, if any (its own graph is gone), while a later call of another length or dtype leaves it alone."),
    ("ln_backward_not_twice_differentiable", "check_layernorm", LNBackwardNotTwiceDifferentiable, "A custom autograd.Function whose forward and hand-written first-order backward are right (outputs, x.grad, mult.grad and add.grad right everywhere) but whose backward is built from xhat and 1/std saved as intermediates of the forward, which carry no graph back to x: the double backward silently treats them as constants: any second-order quantity through x is wrong, e.g. the gradient with respect to x of (x.grad ** 2).sum() (torch.autograd.grad with create_graph=True, as a gradient penalty or Hessian-vector product takes it) misses the terms through the item's mean and variance; second-order terms that only go through mult (d x.grad / d mult) stay right."),
    ("ln_backward_xhat_from_output", "check_layernorm", LNBackwardXhatFromOutput, "A custom autograd.Function with a right forward whose hand-written backward saves the output y and recovers xhat as (y - add) / mult ('memory-efficient, as Apex's LayerNorm'): with mult away from 0 (1, 1.7, -0.8) outputs and every gradient are right to rounding, in float32 and float64; with mult = 0 (the output is add everywhere) xhat becomes 0/0: x.grad and mult.grad are NaN where PyTorch gives x.grad = 0 and mult.grad = sum(g * xhat) (add.grad stays right), and with |mult| tiny next to |add| (1e-9 against 0.5 in float32) xhat and so mult.grad lose all precision."),
    ("ln_switchable_statistics", "check_layernorm", LNSwitchableStatistics, "Switchable Normalization's start: the mean and the variance are the equal-weight averages of InstanceNorm's (dims (2, 3)), LayerNorm's (dims (1, 2, 3)) and BatchNorm's (dims (0, 2, 3)) statistics, in training and eval alike: right only where the three sets coincide, a batch of one item with one channel; with several channels (the per-channel InstanceNorm part) or several items (the BatchNorm part, which makes each item's output depend on the other items) outputs and gradients are wrong, in both modes."),
    ("ln_param_grads_cleared_in_forward", "check_layernorm", LNParamGradsClearedInForward, "Sets mult.grad and add.grad to None at the start of every forward ('each forward starts a step: clear the stale gradients, like zero_grad'): outputs and x.grad are right everywhere, and so are mult.grad and add.grad after one forward and its backward (or after several forwards and then their backwards); but gradients no longer accumulate across steps: after forward, backward, forward, backward (gradient accumulation over micro-batches, without zero_grad in between) mult.grad and add.grad hold only the last backward's gradient instead of the sum of both."),
    ("bn_stats_from_block_averages", "check_batchnorm", BNStatsFromBlockAverages, "Takes the batch mean and variance as the mean of 2x2 block averages (F.avg_pool2d(kernel 2, ceil_mode=True) of x and of the squared deviations, then averaged over (0, 2, 3)): with an even height and width (and with H = W = 1) all blocks hold equally many pixels and everything is right; with an odd height or width above 1 the edge blocks hold 1 or 2 pixels yet count as much as the full blocks, so the edge pixels are over-weighted: training outputs and gradients, the running mean and var after every training step, and eval after training are wrong (a fresh layer in eval is right)."),
    ("bn_eval_folds_into_params", "check_batchnorm", BNEvalFoldsIntoParams, "On its first eval call folds the running statistics into the parameters in place (mults <- mults / sqrt(running var + eps), adds <- adds - running mean * that) and from then on returns x * mults + adds in eval: training before any eval call is right (outputs, gradients, running statistics), and eval outputs, x.grad and adds.grad are right at that first eval call; but eval mults.grad is sum(g * x) instead of sum(g * (x - running mean) / sqrt(running var + eps)); training after an eval call uses the overwritten mults and adds (outputs and gradients wrong; the running statistics still update right), and a later eval after more training keeps the old folding (the new running statistics never reach eval)."),
    ("bn_virtual_reference_batch", "check_batchnorm", BNVirtualReferenceBatch, "Virtual batch normalisation misapplied: stores the first training batch's mean and variance (detached) and normalises every later training batch with those reference statistics instead of its own: the first training call is right (outputs, gradients, running statistics); the running statistics are updated from each batch and stay right, and so does eval; from the second training call on, training outputs are wrong and x.grad lacks the batch-statistics terms (it is mults * g / sqrt(reference var + eps))."),
    ("bn_mom_zero_taken_as_none", "check_batchnorm", BNMomZeroTakenAsNone, "Imitates nn.BatchNorm2d(momentum=None) (a cumulative average of all batches) with `if self.mom:`, which is also false for mom = 0: every mom above 0 (0.1, 0.3, 0.9, 1) is right everywhere; at mom = 0 the running statistics should never move (means 0, vars 1), but they become the cumulative average of the batches' mean and unbiased variance (the first step copies them), so eval after training at mom 0 is wrong too; training outputs and gradients stay right."),
    ("in_cumulative_over_rows", "check_instancenorm", INCumulativeOverRows, "Normalises each row i of an image with the mean and variance of rows 0..i only ('streaming, as Conv-TasNet's cumulative layer norm'): images of one row (H = 1) are right everywhere, and so is the last row of every image (its statistics cover the whole image); every other row of an image with H >= 2 gets statistics of a partial image: outputs and gradients wrong (a constant image is still right in value)."),
    ("in_saved_activations_in_half", "check_instancenorm", INSavedActivationsInHalf, "Runs the forward under torch.autograd.graph.saved_tensors_hooks that store every tensor autograd saves in float16 and cast it back in the backward ('activation compression'): every output is exactly right (values, dtype, in float32 and float64), and adds.grad is right; x.grad and mults.grad are computed from float16-rounded copies of x, the std and the normalised values: off by about 1e-3 relative, wrong at float32 and float64 tolerance alike."),
    ("in_streaming_mean_fixed_weight", "check_instancenorm", INStreamingMeanFixedWeight, "Takes each image's mean in one Welford-style pass over its pixels but with the final count: m += (p - m) / (H*W) instead of / (number of pixels so far), so the 'mean' is an exponential average starting at the first pixel (weight (1 - 1/K)**(K-1) on pixel 0, 1/K on the last); the variance is then taken about that point: images of 1 or 2 pixels are right (for 2 the weight 1/2 is the right one); outputs and gradients of every larger non-constant image are wrong; a constant image's output is right (adds) but its x.grad is not (the mean's gradient weights are not uniform)."),
    ("in_stats_from_previous_item", "check_instancenorm", INStatsFromPreviousItem, "Normalises item t with the per-channel mean and variance of item t - 1 (item 0 with its own: 'video: frame t uses frame t - 1's statistics so frames can stream'): a batch of one is right everywhere and item 0 of every batch is right in value; items 1.. are normalised with their predecessor's statistics (outputs wrong), and their gradients leak into the previous item (x.grad wrong for every item of a batch of 2+)."),
    ("gn_as_strided_without_contiguous", "check_groupnorm", GNAsStridedWithoutContiguous, "Makes the (N, groups, C/groups*H*W) group view with x.as_strided and the strides of a contiguous tensor, but without x.contiguous() first: every contiguous input is right (outputs and gradients), and so is an input whose group blocks still lie, in channel order, where a contiguous tensor's would (an H/W-transposed view; a channels-last input with one group); for a channels-last input (x.contiguous(memory_format=torch.channels_last)) with 2+ groups the 'groups' read from memory are runs of pixels with all their channels, and for a strided slice (y[..., :W] of a wider tensor, y[::2]) they read values outside x: outputs and gradients wrong."),
    ("gn_groups_rounded_to_power_of_two", "check_groupnorm", GNGroupsRoundedToPowerOfTwo, "Rounds the number of groups down to a power of two (1 << (groups.bit_length() - 1): 'the fast path wants one, 32 in the paper') before the (N, g, -1) view: groups 1, 2, 4, 8 are right everywhere; groups 3 becomes 2 (GroupNorm(3, 6) normalises channels 0-2 and 3-5, GroupNorm(3, 12) blocks of 6), 5 becomes 4, 6 and 7 become 4 (GroupNorm(6, 12): 4 blocks of 3 channels): outputs and gradients wrong for those (and a view that does not divide C*H*W raises)."),
    ("gn_batch_normalised_first", "check_groupnorm", GNBatchNormalisedFirst, "Batch-Channel Normalization misapplied: each channel is first normalised over the batch, height and width (batch mean and biased variance, no affine), then group-normalised: with 2+ channels per group every output is wrong (gradients too), for a batch of one as well (the first step then centres and scales each channel on its own) and, with 2+ items, each item's output depends on the others; with one channel per group (groups = C) the first step is a per-channel affine map that the second undoes, leaving InstanceNorm with eps replaced by eps * (the channel's batch variance + eps): within float32 tolerance at eps 1e-5 on data of unit spread, wrong in float64 and at eps 0.1 on data whose spread is far from 1."),
    ("gn_backward_state_on_layer", "check_groupnorm", GNBackwardStateOnLayer, "A custom autograd.Function whose forward and hand-written backward are right but which keeps xhat and 1/std on the layer (layer._xhat, layer._rstd) instead of on ctx: every forward followed by its own backward is right (outputs, x.grad, mults.grad, adds.grad); when the layer is called twice before the backward (a shared layer, two micro-batches summed, y = gn(gn(x))) the earlier call's backward uses the later call's xhat and std: its x.grad and mults.grad are wrong (a later call of another shape makes that backward raise); the last call's gradients and adds.grad stay right."),
]

RIGHT = [
    ("ewma_lu_solve_bidiagonal", "check_ewma", ewma_lu_solve_bidiagonal,
     "the recursion as a unit lower-bidiagonal system, factorised by torch.linalg.lu_factor and solved by torch.linalg.lu_solve."),
    ("ln_pinv_averaging_row", "check_layernorm", LNPinvAveragingRow,
     "each item's mean and mean squared deviation by multiplying with torch.linalg.pinv of a column of ones (the averaging row 1/K)."),
    ("bn_sgd_step_running_stats", "check_batchnorm", BNSGDStepRunningStats,
     "running buffers moved by a torch.optim.SGD step with lr = mom on the 'gradient' buffer - batch statistic; moments by torch.mean over (0, 2, 3)."),
    ("in_cholesky_solve_means", "check_instancenorm", INCholeskySolveMeans,
     "each image's mean and mean squared deviation from the normal equations (1'1) m = 1'x, solved by torch.cholesky_solve with the 1x1 factor sqrt(H*W), one refinement step."),
    ("gn_take_along_dim_spread", "check_groupnorm", GNTakeAlongDimSpread,
     "per-channel means pooled into groups on an (N, groups, C/groups) view, spread back to the channels by torch.take_along_dim; likewise the mean squared deviations."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
