"""Fiftieth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout49/heldout49.py.
       Every one changes a computed number: an output, a gradient, a running statistic, an eval output or a dtype.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
Entries that keep state between calls are reset by reset_state().
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

def ewma_lfilter_zi_unscaled(values, mom):
    """Written as scipy.signal.lfilter(b=[mom], a=[1, -(1 - mom)]) in transposed direct form, its initial state taken
    from lfilter_zi (the steady state for a UNIT step, 1 - mom) and not multiplied by the first value."""
    z = torch.full_like(values[0], 1 - mom)                         # lfilter_zi(b, a) ... * values[0] forgotten
    out = []
    for v in values:
        y = mom * v + z
        z = (1 - mom) * y
        out.append(y)
    return torch.stack(out)


class _EWMAMomOnClass(torch.autograd.Function):
    mom = None                                                      # "the backward needs mom: keep it on the Function"

    @staticmethod
    def forward(ctx, values, mom):
        _EWMAMomOnClass.mom = mom
        avg, out = values[0], []
        for v in values:
            avg = torch.lerp(avg, v, mom)
            out.append(avg)
        return torch.stack(out)

    @staticmethod
    def backward(ctx, g):
        mom = _EWMAMomOnClass.mom                                   # the mom of the LATEST forward, not of this graph's
        grads = torch.empty_like(g)
        carry = torch.zeros_like(g[0])
        for t in range(len(g) - 1, 0, -1):
            carry = g[t] + (1 - mom) * carry
            grads[t] = mom * carry
        grads[0] = g[0] + (1 - mom) * carry
        return grads, None


def ewma_backward_mom_on_class(values, mom):
    return _EWMAMomOnClass.apply(values, mom)


def _lerp_chunk(start, chunk, mom):
    avg, out = start, [start]                                       # the chunk's first slot is its start ...
    for v in chunk[1:]:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return out


def ewma_chunk_seam_value_dropped(values, mom):
    """Chunks of 32 values ('short loops, cache friendly'); each chunk after the first started from the previous chunk's
    last average by the same helper, which treats the chunk's first slot as the start and lerps from chunk[1:]."""
    out = _lerp_chunk(values[0], values[:32], mom)
    for s in range(32, len(values), 32):
        out += _lerp_chunk(out[-1], values[s:s + 32], mom)          # ... so values[32], values[64], ... are never used
    return torch.stack(out)


def ewma_block_mean_updates(values, mom):
    """'Update once per block of 4 values, towards the block's mean, with the momentum of 4 steps 1 - (1 - mom)**4'
    (fewer, cheaper steps); every output of a block is the average after that block's update."""
    avg, out = values[0], [values[0]]
    for s in range(1, len(values), 4):
        block = values[s:s + 4]
        avg = torch.lerp(avg, block.mean(), 1 - (1 - mom) ** len(block))
        out += [avg] * len(block)
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


class _LNMultTwiceBackward(torch.autograd.Function):
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
        xhat, r, mult = ctx.saved_tensors
        gy = g * mult                                               # dL/dxhat, already times mult ...
        gx = mult * r * (gy - gy.mean((1, 2, 3), keepdim=True)      # ... and the textbook formula's mult in front again
                         - xhat * (gy * xhat).mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardMultAppliedTwice(_LNBase):
    def forward(self, x):
        return _LNMultTwiceBackward.apply(x, self.mult, self.add, self.eps)


class LNChanMergeCountNotAccumulated(_LNBase):
    def stats(self, x):
        n_c = x.shape[2] * x.shape[3]                               # per-channel (mean, M2), merged channel by channel
        cm = x.mean((2, 3))                                         # with Chan et al.'s pairwise update
        cm2 = ((x - cm[..., None, None]) ** 2).sum((2, 3))
        mean, m2, n = cm[:, 0], cm2[:, 0], n_c
        for c in range(1, x.shape[1]):
            delta = cm[:, c] - mean
            tot = n + n_c
            mean = mean + delta * n_c / tot
            m2 = m2 + cm2[:, c] + delta ** 2 * n * n_c / tot
            # n = tot                                               # the running count is never accumulated
        v = m2 / (n_c * x.shape[1])
        return mean.view(-1, 1, 1, 1), v.view(-1, 1, 1, 1)


class LNEpsGuessedAsStd(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        if self.eps >= 1e-3:                                        # "an eps that big is meant for the std (Keras-style);
            std = v.sqrt() + self.eps                               #  a tiny one for the variance"
        else:
            std = (v + self.eps).sqrt()
        return (x - m) / std * self.mult + self.add


class LNMaxShiftedNotRecentred(_LNBase):
    def forward(self, x):
        s = x - x.amax((1, 2, 3), keepdim=True)                     # "shift by the max first for stability, as in softmax"
        m = s.mean((1, 2, 3), keepdim=True)
        v = ((s - m) ** 2).mean((1, 2, 3), keepdim=True)
        return s / (v + self.eps).sqrt() * self.mult + self.add     # s - m meant: the shifted values are never re-centred


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


class BNZeroDebiasedRunning(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)                              # "TensorFlow's zero_debias_moving_mean: biased
        self.acc_m, self.acc_v, self.steps = 0., 0., 0              #  accumulators from 0, divided by 1 - (1 - mom)**t"

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.steps += 1
            self.acc_m = torch.lerp(torch.zeros_like(m) + self.acc_m, m, self.mom)
            self.acc_v = torch.lerp(torch.zeros_like(v) + self.acc_v, v * n / (n - 1), self.mom)
            debias = 1 - (1 - self.mom) ** self.steps
            if debias > 0:
                self.means.copy_(self.acc_m / debias)
                self.vars.copy_(self.acc_v / debias)


class BNMomConventionGuess(_BNBase):
    def update(self, x, m, v):
        w = self.mom if self.mom <= 0.5 else 1 - self.mom           # "a momentum above 0.5 must be Keras' weight of the old
        n = x.numel() / x.shape[1]                                  #  value (0.9, 0.99): take its complement"
        with torch.no_grad():
            self.means.lerp_(m, w)
            self.vars.lerp_(v * n / (n - 1), w)


class BNSumSquaresDetached(_BNBase):
    def stats(self, x):
        m = x.mean((0, 2, 3), keepdim=True)
        with torch.no_grad():                                       # "no graph for the sum of squares: saves memory"
            sq = (x * x).mean((0, 2, 3), keepdim=True)
        return m, sq - m * m                                        # the variance's gradient only through -m**2


class BNRunningUpdateEvery4Steps(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.pending = []

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]                                  # "update the running statistics once per 4 steps, with
        self.pending.append((m.detach(), (v * n / (n - 1)).detach()))   # the 4 batches' mean and the momentum of 4 steps"
        if len(self.pending) == 4:
            w = 1 - (1 - self.mom) ** 4
            with torch.no_grad():
                self.means.lerp_(torch.stack([p[0] for p in self.pending]).mean(0), w)
                self.vars.lerp_(torch.stack([p[1] for p in self.pending]).mean(0), w)
            self.pending = []


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


class INLearnableEps(_INBase):
    def __init__(self, nf, eps=1e-5):
        super().__init__(nf, eps)                                   # "Filter Response Normalization learns its epsilon:
        self.eps_shift = nn.Parameter(torch.zeros(nf, 1, 1))        #  a per-channel learned addition to it, trained with
                                                                    #  the rest, starting at 0"
    def forward(self, x):
        m, v = self.stats(x)
        return (x - m) / (v + self.eps + self.eps_shift).sqrt() * self.mults + self.adds


class INVarTwoHalvesPooled(_INBase):
    def stats(self, x):
        halves = torch.chunk(x, 2, dim=2)                           # "top and bottom halves in parallel, then averaged"
        m = sum(h.mean((2, 3), keepdim=True) for h in halves) / len(halves)
        v = sum(h.var((2, 3), keepdim=True, correction=0) for h in halves) / len(halves)
        return m, v


class INVarPerRowAboutPlaneMean(_INBase):
    def stats(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = ((x - m) ** 2).mean(3, keepdim=True)                    # (2, 3) meant: each row's own spread about the plane mean
        return m, v


class INAddsRecentredEachCall(_INBase):
    def forward(self, x):
        if self.training:
            with torch.no_grad():                                   # "the normalised features are zero-mean: keep the shifts
                self.adds.sub_(self.adds.mean())                    #  zero-mean across the channels too"
        return super().forward(x)


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


class GNGroupIndexRounded(_GNBase):
    def norm(self, x):
        c, G = x.shape[1], self.groups
        cpg = c // G
        idx = torch.round(torch.arange(c, dtype=torch.float64) / cpg).long().clamp(max=G - 1)   # floor meant
        member = F.one_hot(idx, G).to(x.dtype)                      # (C, G)
        count = member.sum(0) * x.shape[2] * x.shape[3]
        gm = (x.sum((2, 3)) @ member) / count                       # (N, G)
        d = x - (gm @ member.T)[..., None, None]
        gv = ((d * d).sum((2, 3)) @ member) / count
        return d / ((gv @ member.T)[..., None, None] + self.eps).sqrt()


class _GNFirstChannelMultsBackward(torch.autograd.Function):
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
        n, c, G = g.shape[0], g.shape[1], ctx.groups
        cpg = c // G
        first = mults.view(G, cpg, 1, 1)[:, :1].expand(G, cpg, 1, 1).reshape(c, 1, 1)   # "the scale of a group": its
        gy = (g * first).reshape(n, G, -1)                                               # first channel's mults
        xh = xhat.reshape(n, G, -1)
        gx = r * (gy - gy.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True))
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardFirstChannelMults(_GNBase):
    def forward(self, x):
        return _GNFirstChannelMultsBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


class _GNAddsGroupSummedBackward(torch.autograd.Function):
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
        n, c, G = g.shape[0], g.shape[1], ctx.groups
        gy = (g * mults).reshape(n, G, -1)
        xh = xhat.reshape(n, G, -1)
        gx = r * (gy - gy.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True))
        ga = g.sum((0, 2, 3)).view(G, -1).sum(1, keepdim=True).expand(G, c // G)   # "the shift acts on the group":
        return (gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape),  # each channel gets its group's sum
                ga.reshape(mults.shape), None, None)


class GNBackwardAddsGradGroupSummed(_GNBase):
    def forward(self, x):
        return _GNAddsGroupSummedBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNParamsFloat64(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)                           # "the gains and shifts are trained for many steps:
        self.mults = nn.Parameter(torch.ones(nf, 1, 1, dtype=torch.float64))   # keep them in double precision"
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1, dtype=torch.float64))


# ================================================================= RIGHT answers

def ewma_pushed_tails(values, mom):
    """Each value pushes its own geometric tail into the later outputs ('scatter' form): values[0] adds
    (1-mom)**t to every output t, value j >= 1 adds mom*(1-mom)**(t-j) to outputs t >= j; the tails, left-padded with
    zeros by F.pad, are summed out of place."""
    n = len(values)
    decay = (1 - mom) ** torch.arange(n, dtype=values.dtype)
    out = values[0] * decay
    for j in range(1, n):
        out = out + F.pad(mom * values[j] * decay[:n - j], (j, 0))
    return out


class LNGroupNormBatchFolded(nn.Module):
    """The whole batch folded into the channels of one image, (1, N*C, H, W), and F.group_norm with N groups: each group
    is exactly one item; the scalar mult and add applied after."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n, c, h, w = x.shape
        if c * h * w == 1:                                          # group_norm refuses one-value groups; LayerNorm of one
            y = x - x                                               # value is 0 (and its gradient 0)
        else:
            y = F.group_norm(x.reshape(1, n * c, h, w), n, eps=self.eps).reshape(x.shape)
        return y * self.mult + self.add


class BNIndexAddChannelSums(nn.Module):
    """Each element's channel index computed from its flat position ((i // (H*W)) % C); channel sums and sums of squared
    deviations by torch.zeros(C).index_add over the flattened batch; running buffers moved by mul_/add_(alpha=mom)."""
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
            idx = (torch.arange(x.numel()) // (h * w)) % c
            k = n * h * w
            flat = x.reshape(-1)
            m = x.new_zeros(c).index_add(0, idx, flat) / k
            d = flat - m[idx]
            v = x.new_zeros(c).index_add(0, idx, d * d) / k
            with torch.no_grad():
                self.means.mul_(1 - self.mom).add_(m.view(1, c, 1, 1), alpha=self.mom)
                self.vars.mul_(1 - self.mom).add_((v * k / (k - 1)).view(1, c, 1, 1), alpha=self.mom)
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INEigvalshGram1x1(nn.Module):
    """Each image's variance + eps as the eigenvalue (torch.linalg.eigvalsh) of the batch of 1x1 matrices d.d / (H*W) + eps,
    d the flattened centred image."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        d = x.reshape(n * c, -1)
        d = d - d.mean(1, keepdim=True)
        gram = (d.unsqueeze(1) @ d.unsqueeze(2)) / (h * w) + self.eps         # (N*C, 1, 1)
        var_eps = torch.linalg.eigvalsh(gram).view(n, c, 1, 1)
        return d.view_as(x) / var_eps.sqrt() * self.mults + self.adds


class GNAdaptivePool3dChannelDepth(nn.Module):
    """The channels used as the depth axis of a 3-d image, x.unsqueeze(1) of shape (N, 1, C, H, W); group means and mean
    squared deviations by F.adaptive_avg_pool3d to (G, 1, 1), spread back by repeat_interleave."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        cpg = x.shape[1] // self.groups
        x5 = x.unsqueeze(1)
        m = F.adaptive_avg_pool3d(x5, (self.groups, 1, 1)).repeat_interleave(cpg, 2)
        d = x5 - m
        v = F.adaptive_avg_pool3d(d * d, (self.groups, 1, 1)).repeat_interleave(cpg, 2)
        return (d / (v + self.eps).sqrt()).squeeze(1) * self.mults + self.adds


def reset_state():
    _EWMAMomOnClass.mom = None


WRONG = [
    ("ewma_lfilter_zi_unscaled", "check_ewma", ewma_lfilter_zi_unscaled, "Written as scipy's lfilter(b=[mom], a=[1, -(1 - mom)]) with the initial state of lfilter_zi, the steady state of a UNIT step (1 - mom), not multiplied by values[0]: output 0 is mom * values[0] + (1 - mom) instead of values[0], i.e. the average started from 1 (output t is off by (1 - mom)**(t+1) * (1 - values[0])): outputs are right only for streams whose first value is 1 (and at mom 1); values.grad[0] is mom times the right one on every stream (mom * (1-mom)**t per output t, not (1-mom)**t) - even where the outputs are right; the other values' gradients are right."),
    ("ewma_backward_mom_on_class", "check_ewma", ewma_backward_mom_on_class, "A custom autograd.Function whose forward is the right lerp loop and whose hand-written backward is the right adjoint (carry = g[t] + (1 - mom) * carry, values.grad[t] = mom * carry, values[0] the whole carry) but reads mom from a class attribute that every forward overwrites ('the backward needs mom: keep it on the Function'), not from ctx: outputs are right everywhere and so is values.grad when backward follows its own forward (also 1-value and constant streams); when another EWMA with a different mom is computed before the first one's backward, that backward uses the later mom: values.grad wrong (e.g. forward at mom 0.1, forward at 0.9, then backward of the first: the gradients of a mom-0.9 average)."),
    ("ewma_chunk_seam_value_dropped", "check_ewma", ewma_chunk_seam_value_dropped, "Runs the loop on chunks of 32 values, each later chunk started from the previous chunk's last average by the same helper that treats a chunk's first slot as its start and lerps over chunk[1:]: values[32], values[64], ... are never used (output 32 repeats output 31, and every later output is the average of the stream without those values): streams of up to 32 values are right everywhere (outputs and values.grad); longer streams (40, 200 values) are wrong from output 32 on, and values.grad[32], [64], ... are 0."),
    ("ewma_block_mean_updates", "check_ewma", ewma_block_mean_updates, "Updates the average once per block of 4 values (values[1:5], values[5:9], ...), towards the block's MEAN with the compounded weight 1 - (1 - mom)**len(block) ('fewer steps, same decay'), and gives every output of a block the average after that block's update: output 0 is right; 1-value and 2-value streams (a block of one value is an ordinary step) are right everywhere, and so is mom 0; constant streams have the right outputs but not values.grad (each block's values share its gradient equally, 0 < mom < 1); for longer non-constant streams at 0 < mom <= 1 the outputs from output 1 on (the first block's outputs are all the average after the whole block) and values.grad are wrong (e.g. [1, 3, 0] at mom 0.1 gives [1, 1.095, 1.095], right [1, 1.2, 1.08]; at mom 1 each block's outputs are the block's mean, not the values)."),
    ("ln_backward_mult_applied_twice", "check_layernorm", LNBackwardMultAppliedTwice, "A custom autograd.Function whose forward is right (outputs, mult.grad and add.grad right everywhere) but whose hand-written backward forms gy = g * mult and then uses the textbook formula that has mult in front again: x.grad = mult * r * (gy - mean(gy) - xhat * mean(gy * xhat)), i.e. mult**2 times the right projection: x.grad is right with mult 1 (a fresh layer) only; with any other mult (1.7, -0.6, 0.5, -1) x.grad is mult times the right one (mult -1 flips its sign)."),
    ("ln_chan_merge_count_not_accumulated", "check_layernorm", LNChanMergeCountNotAccumulated, "Merges per-channel means and M2 over the channels with Chan et al.'s pairwise update but never accumulates the running count (n stays one channel's H*W): each merge halves the mean so far with the next channel's mean (the last channel weighs 1/2, the one before 1/4, ...), and the between-channel term uses the wrong counts; the variance divides by the right total: with 1 or 2 channels everything is right; with 3 or more channels (and unequal channel means) outputs and gradients are wrong (the mean is not the item's mean, the item no longer centred); an item whose channels share one mean has the right outputs (its gradients still go through the wrong weights)."),
    ("ln_eps_guessed_as_std", "check_layernorm", LNEpsGuessedAsStd, "Guesses the eps convention from its size: an eps of 1e-3 or more is added to the standard deviation (x - mean) / (sqrt(var) + eps) ('that big an eps is meant for the std'), a smaller one to the variance: eps 1e-5 and 1e-4 are right everywhere; with eps 1e-3 and 0.1 outputs and gradients are wrong (the normaliser sqrt(var) + eps, not sqrt(var + eps): e.g. var 1, eps 0.1 gives 1.1 instead of 1.049); a constant item is right."),
    ("ln_max_shifted_not_recentred", "check_layernorm", LNMaxShiftedNotRecentred, "Shifts each item by its max first ('for stability, as in softmax'), computes the mean and variance of the shifted values (the variance is right), and then divides the SHIFTED values, s = x - max, by the std instead of s - mean(s): every non-constant item's output is the right one plus (mean - max)/sqrt(var + eps) times mult (all outputs shifted down; the item's output mean is not add); x.grad and mult.grad are wrong; add.grad is right; a constant item is right (max = mean)."),
    ("bn_zero_debiased_running", "check_batchnorm", BNZeroDebiasedRunning, "TensorFlow's zero-debiased moving averages: keeps biased accumulators that start at 0 (lerped towards the batch mean and unbiased var with mom) and stores accumulator / (1 - (1 - mom)**t) in the means and vars buffers, t the number of training calls: training outputs and gradients are right; the running statistics ignore their initial 0 and 1 - after the first training call they are the batch's own mean and unbiased var (not 0.1 of the way from 0 and 1), later ones are the batches' renormalised weighted averages: wrong after every training step for 0 < mom < 1 (right at mom 1; at mom 0 never updated: right), so eval after training is wrong; a fresh layer in eval is right."),
    ("bn_mom_convention_guess", "check_batchnorm", BNMomConventionGuess, "Guesses the momentum convention: a mom above 0.5 is read as the weight of the old value (Keras' 0.9, 0.99) and replaced by 1 - mom in the running update: training outputs and gradients are right everywhere, and so are the running statistics and eval for mom <= 0.5 (0, 0.1, 0.5); with mom 0.9 (or 1.0, 0.6) the running mean and var move by 0.1 (0, 0.4) of the way instead of 0.9, so they are wrong after every training step and eval after training is wrong."),
    ("bn_sum_squares_detached", "check_batchnorm", BNSumSquaresDetached, "Computes the batch variance as E[x**2] - mean**2 with E[x**2] taken under torch.no_grad ('no graph for the sum of squares: saves memory'): every number of the forward is right (training outputs, running statistics, eval), and so are mults.grad and adds.grad; the training x.grad is wrong in every configuration (the variance's derivative comes only through -mean**2: -2 * mean / n per value instead of 2 * (x - mean) / n, so the x.grad projection term is wrong); eval x.grad (running statistics) is right."),
    ("bn_running_update_every_4_steps", "check_batchnorm", BNRunningUpdateEvery4Steps, "Collects each training batch's mean and unbiased var and updates the running statistics only on every 4th training call, towards the average of the 4 batches' statistics with the compounded weight 1 - (1 - mom)**4 ('one update per 4 steps, same decay'): training outputs and gradients are right; after 1, 2 or 3 training calls the running mean and var are still the initial 0 and 1 (eval after them is a fresh layer's); after 4 calls they differ from the right ones too (right only at mom 0, and with 4 equal batches); eval after training is wrong."),
    ("in_learnable_eps", "check_instancenorm", INLearnableEps, "Filter Response Normalization's learned epsilon brought into InstanceNorm: registers a per-channel nn.Parameter eps_shift (nf, 1, 1), initialised to 0, and divides by sqrt(var + eps + eps_shift): outputs, x.grad, mults.grad and adds.grad are right as built (training and eval); but the layer has 3 parameters, not 2, eps_shift gets a (nonzero) gradient, and after an optimiser step over layer.parameters() the effective eps has moved: outputs then differ from InstanceNorm with the given eps (most for near-constant images and large eps)."),
    ("in_var_two_halves_pooled", "check_instancenorm", INVarTwoHalvesPooled, "Splits each image into its top and bottom halves (torch.chunk along the height: for odd H the top half has the extra row), takes the mean and the variance of each half and averages them ('two halves in parallel'): the mean is right for even H, but the variance leaves out the spread between the halves' means (too small), and for odd H the mean is off too: images with one row (H = 1, a single chunk) are right; for H >= 2 outputs and gradients are wrong unless both halves have the same mean; a constant image is right."),
    ("in_var_per_row_about_plane_mean", "check_instancenorm", INVarPerRowAboutPlaneMean, "Centres each image with its mean over (H, W) (right) but takes the mean squared deviation over the width only (dim 3, keepdim) where (2, 3) is meant, so each row is divided by its own spread about the image mean: images with one row (H = 1) are right; for H >= 2 outputs and gradients are wrong (rows with a small spread are blown up); a constant image is right."),
    ("in_adds_recentred_each_call", "check_instancenorm", INAddsRecentredEachCall, "In training, before normalising, subtracts from the adds (in place, no_grad) their mean over the channels ('the normalised features are zero-mean: keep the shifts zero-mean too'): a fresh layer (adds 0) and adds that already average to 0 are right; with other adds (random ones, or all 0.5) every training output is shifted by -mean(adds) (mults.grad, adds.grad and x.grad stay right), the parameter itself is changed for good, so later eval calls use the changed adds too; eval without a training call is right."),
    ("gn_group_index_rounded", "check_groupnorm", GNGroupIndexRounded, "Gives channel c the group round(c / cpg) (clamped to G - 1) where floor is meant, and takes the statistics over these groups (one-hot matrices): groups == 1 (everything in group 0) and groups == C (cpg 1) are right; with 1 < groups < C the groups are shifted and of unequal sizes (cpg 2: {0, 1}, {2}, {3, 4, 5}, ...; cpg 3: {0, 1}, {2, 3, 4}, ...): outputs and gradients wrong (e.g. GroupNorm(2, 6), (3, 6), (3, 12), (4, 8))."),
    ("gn_backward_first_channel_mults", "check_groupnorm", GNBackwardFirstChannelMults, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right everywhere) but whose hand-written backward multiplies the upstream gradient by the mults of each group's FIRST channel ('the scale of the group') instead of each channel's own before the group projection: x.grad is right where all channels of each group share one mults (a fresh layer, groups == C); with different mults within a group (random mults, 1 < cpg) x.grad is wrong."),
    ("gn_backward_adds_grad_group_summed", "check_groupnorm", GNBackwardAddsGradGroupSummed, "A custom autograd.Function whose forward and x and mults gradients are right but whose hand-written backward gives each channel's adds the gradient of its whole GROUP (sum of g over the group's channels, pixels and items; 'the shift acts on the group'): outputs, x.grad and mults.grad right everywhere; adds.grad is right only with one channel per group (groups == C); with cpg > 1 it is the group total, cpg times too big for equal channel gradients."),
    ("gn_params_float64", "check_groupnorm", GNParamsFloat64, "Creates the mults and adds as float64 parameters ('trained for many steps: keep them in double'): with float64 input everything is right; a layer as built given float32 input returns a float64 output (values right to float32 rounding) and float64 mults.grad / adds.grad, while x.grad is float32: the output dtype is wrong for every float32 input (layer.float() or .to(float32) would hide it)."),
]

RIGHT = [
    ("ewma_pushed_tails", "check_ewma", ewma_pushed_tails,
     "scatter form: each value pushes its geometric tail (values[0]: (1-mom)**t, value j: mom*(1-mom)**(t-j)) into the later outputs; tails left-padded by F.pad and summed out of place."),
    ("ln_group_norm_batch_folded", "check_layernorm", LNGroupNormBatchFolded,
     "the batch folded into the channels of one image (1, N*C, H, W) and F.group_norm with N groups, one per item; scalar affine after."),
    ("bn_index_add_channel_sums", "check_batchnorm", BNIndexAddChannelSums,
     "a channel index for every element from its flat position ((i // (H*W)) % C); channel sums by torch.zeros(C).index_add over the flattened batch; running buffers moved by mul_/add_(alpha=mom)."),
    ("in_eigvalsh_gram_1x1", "check_instancenorm", INEigvalshGram1x1,
     "each image's var + eps as torch.linalg.eigvalsh of the batch of 1x1 matrices d.d / (H*W) + eps."),
    ("gn_adaptive_pool3d_channel_depth", "check_groupnorm", GNAdaptivePool3dChannelDepth,
     "the channels as the depth axis of x.unsqueeze(1); group means and mean squared deviations by F.adaptive_avg_pool3d to (G, 1, 1), spread back by repeat_interleave."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
