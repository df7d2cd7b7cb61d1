"""Thirty-third held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout32 (heldoutN.py).
       Every one changes a computed number, a dtype's accuracy or a gradient (none is a state_dict-key-only fault).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


def _lerp_loop(values, mom, start):
    avg, out = start, []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


# ====================================================================== EWMA (wrong)

class _EWMAFnCarryNoDecay(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values, mom):
        ctx.mom = mom
        with torch.no_grad():
            return _lerp_loop(values, mom, values[0])

    @staticmethod
    def backward(ctx, g):
        # "each value moves every later average by mom": the gradient carried back from the later outputs without the
        # (1 - mom) decay per step (a reverse cumulative sum); values[0], the start, is in every output with weight 1
        carry = g.flip(0).cumsum(0).flip(0)
        grad = ctx.mom * carry
        grad[0] = carry[0]
        return grad, None


def ewma_backward_carry_no_decay(values, mom):
    return _EWMAFnCarryNoDecay.apply(values, mom)


def ewma_updates_through_data(values, mom):
    avg = values[0].clone()
    out = []
    for v in values:
        avg.data.copy_(torch.lerp(avg.data, v.data, mom))           # "update the running value through .data, like a buffer:
        out.append(avg.clone())                                     #  the graph does not grow with the stream"
    return torch.stack(out)


def ewma_repeats_dropped(values, mom):
    keep = torch.ones(len(values), dtype=torch.bool)
    keep[1:] = values[1:] != values[:-1]                            # "a repeated reading is the sensor not updating:
    avg, out = values[0], []                                        #  drop it before averaging"
    for v in values[keep]:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_half_mom_fast_path(values, mom):
    avg, out = values[0], []
    for v in values:
        if mom == 0.5:
            avg = avg + v / 2                                       # "mom 0.5 is just the midpoint": (avg + v) / 2 meant
        else:
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

    def norm(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt()


class _LNFnProjectionSignFlipped(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xh = (x - m) * r
        ctx.save_for_backward(xh, r, mult)
        return xh * mult + add

    @staticmethod
    def backward(ctx, g):
        xh, r, mult = ctx.saved_tensors
        gh = g * mult
        dx = r * (gh - gh.mean((1, 2, 3), keepdim=True) + xh * (gh * xh).mean((1, 2, 3), keepdim=True))   # - meant
        return dx, (g * xh).sum(), g.sum(), None


class LNBackwardProjectionSignFlipped(_LNBase):
    def forward(self, x):
        return _LNFnProjectionSignFlipped.apply(x, self.mult, self.add, self.eps)


class LNChannelMeansRemovedFirst(_LNBase):
    def forward(self, x):
        x = x - x.mean((0, 2, 3), keepdim=True)                     # "remove each channel's offset first (over the batch),
        return self.norm(x) * self.mult + self.add                  #  so no channel dominates the item's statistics"


class LNMeanAccumulatedFloat32(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True, dtype=torch.float32)   # "a float32 accumulator is safe (for half input)"
        d = x - m                                                   # float64 input: centred with a float32-rounded mean
        v = (d * d).mean((1, 2, 3), keepdim=True)
        return d / (v + self.eps).sqrt() * self.mult + self.add


class _LNFnParamGradsSwapped(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xh = (x - m) * r
        ctx.save_for_backward(xh, r, mult)
        return xh * mult + add

    @staticmethod
    def backward(ctx, g):
        xh, r, mult = ctx.saved_tensors
        gh = g * mult
        dx = r * (gh - gh.mean((1, 2, 3), keepdim=True) - xh * (gh * xh).mean((1, 2, 3), keepdim=True))
        dadd, dmult = g.sum(), (g * xh).sum()
        return dx, dadd, dmult, None                                # returned as (dx, dadd, dmult): (dx, dmult, dadd) meant


class LNBackwardParamGradsSwapped(_LNBase):
    def forward(self, x):
        return _LNFnParamGradsSwapped.apply(x, self.mult, self.add, self.eps)


# ================================================================= BatchNorm (wrong)

class _BNBase(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)

    def normalise(self, x, m, v):
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds

    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            self.update(x, m, v)
            return self.normalise(x, m, v)
        return self.normalise(x, self.means, self.vars)


class BNRunningMeanSubSignFlipped(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.sub_(self.mom * (m - self.means))            # sub_(mom * (means - m)) meant: moves away from m
            self.vars.sub_(self.mom * (self.vars - v * n / (n - 1)))


class BNInputGradCentredHook(_BNBase):
    def forward(self, x):
        if x.requires_grad:                                         # "BatchNorm's output ignores a shift of a channel, so the
            x.register_hook(lambda g: g - g.mean((0, 2, 3), keepdim=True))   # input gradient has zero mean per channel"
        return super().forward(x)


class BNGhostBatchesOfTwo(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        self.update(x, m, v)                                        # running statistics from the whole batch
        outs = []
        for xs in x.split(2, 0):                                    # "ghost batches of 2 images regularise like small batches"
            ms = xs.mean((0, 2, 3), keepdim=True)
            vs = xs.var((0, 2, 3), keepdim=True, correction=0)
            outs.append(self.normalise(xs, ms, vs))
        return torch.cat(outs)


class BNRunningReseededAfterEval(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self._reseed = False

    def train(self, mode=True):
        if mode and not self.training:
            self._reseed = True                                     # "after validation the running statistics are stale:
        return super().train(mode)                                  #  restart them from the next training batch"

    def update(self, x, m, v):
        if self._reseed:
            n = x.numel() / x.shape[1]
            with torch.no_grad():
                self.means.copy_(m)
                self.vars.copy_(v * n / (n - 1))
            self._reseed = False
        else:
            super().update(x, m, v)


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class _RsqrtPowerSlip(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        r = a.rsqrt()
        ctx.save_for_backward(r)
        return r

    @staticmethod
    def backward(ctx, g):
        r, = ctx.saved_tensors
        return -0.5 * r * r * g                                     # d a**-0.5 / da = -0.5 a**-1.5 = -0.5 r**3 meant


class INRsqrtBackwardPowerSlip(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        d = x - m
        v = (d * d).mean((2, 3), keepdim=True)
        return d * _RsqrtPowerSlip.apply(v + self.eps) * self.mults + self.adds   # "a fused rsqrt with its own backward"


class INRowsViewedBackChannelMajor(_INBase):
    def forward(self, x):
        n, c, h, w = x.shape
        rows = x.reshape(n * c, h * w)                              # one row per (item, channel): right
        m = rows.mean(1, keepdim=True)
        v = rows.var(1, keepdim=True, correction=0)
        y = (rows - m) / (v + self.eps).sqrt()
        y = y.view(c, n, h, w).transpose(0, 1)                      # "rows are channel by channel": view(n, c, h, w) meant
        return y * self.mults + self.adds


class INLeaveOneOutStats(_INBase):
    def forward(self, x):
        k = x.shape[2] * x.shape[3]
        s1 = x.sum((2, 3), keepdim=True)
        s2 = (x * x).sum((2, 3), keepdim=True)
        m = (s1 - x) / (k - 1)                                      # "a pixel must not normalise itself: the mean and
        v = (s2 - x * x) / (k - 1) - m * m                          #  variance of the OTHER pixels of its image"
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INStatsOfRectifiedInput(_INBase):
    def forward(self, x):
        xr = x.clamp(min=0)                                         # "the layer follows a ReLU: take the statistics of the
        m = xr.mean((2, 3), keepdim=True)                           #  activations as the ReLU leaves them"
        v = xr.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x, groups=None):
        g = self.groups if groups is None else groups
        xg = x.reshape(x.shape[0], g, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


class GNFlippedGroupsAffineReversed(_GNBase):
    def forward(self, x):
        xf = x.flip(1)                                              # "PyTorch counts groups from the last channel"
        y = self.norm(xf) * self.mults + self.adds                  # scaled and shifted while still flipped:
        return y.flip(1)                                            # channel c gets mults[C-1-c], adds[C-1-c]


class GNBetweenChannelSpreadDetached(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        G = self.groups
        cm = x.mean((2, 3))                                         # channel means (n, c)
        cv = x.var((2, 3), correction=0)                            # channel variances about their own means
        gm = cm.view(n, G, -1).mean(-1)
        between = cm.view(n, G, -1).var(-1, correction=0).detach()  # "the spread between channel means is a constant offset"
        gv = cv.view(n, G, -1).mean(-1) + between                   # law of total variance
        sp = lambda t: t.repeat_interleave(c // G, 1).view(n, c, 1, 1)
        return (x - sp(gm)) / (sp(gv) + self.eps).sqrt() * self.mults + self.adds


class GNBetweenLayerAndInstanceAveraged(_GNBase):
    def forward(self, x):
        c = x.shape[1]
        t = (self.groups - 1) / (c - 1) if c > 1 else 1.            # "GroupNorm runs from LayerNorm (1 group) to InstanceNorm
        y = (1 - t) * self.norm(x, 1) + t * self.norm(x, c)         #  (C groups): blend the two by where groups lies"
        return y * self.mults + self.adds


class GNEpsInHalf(_GNBase):
    def forward(self, x):
        eps = torch.tensor(self.eps, dtype=torch.float16)           # "eps as a half constant, so half activations stay half"
        xg = x.reshape(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + eps).sqrt()).reshape(x.shape) * self.mults + self.adds   # 0-d: the result keeps x's dtype


# ================================================================= RIGHT answers

def ewma_neumann_squaring(values, mom):
    """The recurrence as (I - A) out = b with A = (1 - mom) times the sub-diagonal shift and b = [values[0], mom * values[1:]];
    (I - A)^-1 = (I + A)(I + A^2)(I + A^4)... (A is nilpotent), built by repeated squaring, then one matrix-vector product."""
    n = len(values)
    A = torch.diag(torch.full((n - 1,), 1 - mom, dtype=values.dtype), -1)
    inv = torch.eye(n, dtype=values.dtype)
    P, span = A, 1
    while span < n:
        inv = inv + inv @ P
        P = P @ P
        span *= 2
    b = torch.cat([values[:1], mom * values[1:]])
    return inv @ b


@torch.jit.script
def _ln_scripted(x: torch.Tensor, eps: float) -> torch.Tensor:
    dims = [1, 2, 3]
    m = torch.mean(x, dims, keepdim=True)
    d = x - m
    v = torch.mean(d * d, dims, keepdim=True)
    return d / torch.sqrt(v + eps)


class LNTorchScript(nn.Module):
    """The normalisation as a TorchScript function (torch.jit.script, typed Tensor/float signature), the scalar
    mult and add applied outside it."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        return _ln_scripted(x, float(self.eps)) * self.mult + self.add


class BNMvSetBuffers(nn.Module):
    """Channel rows (C, N*H*W) times a vector of ones by torch.mv (divided by k) for the means and mean squared deviations; the
    running statistics written back by re-pointing the buffers at the blended tensors with Tensor.set_."""
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
            ones = torch.ones(k, dtype=x.dtype)
            m = torch.mv(rows, ones) / k
            d = rows - m[:, None]
            v = torch.mv(d * d, ones) / k
            with torch.no_grad():
                new_m = (self.means * (1 - self.mom) + m.view(1, c, 1, 1) * self.mom).clone()
                new_v = (self.vars * (1 - self.mom) + v.view(1, c, 1, 1) * (k / (k - 1)) * self.mom).clone()
                self.means.set_(new_m)
                self.vars.set_(new_v)
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


def _pair_tree_sum(t):
    "Sum over the last dim by adding neighbouring pairs until one value is left (an odd leftover carried to the next round)."
    while t.shape[-1] > 1:
        k = t.shape[-1]
        paired = t[..., : k - k % 2].unflatten(-1, (k // 2, 2)).sum(-1)
        t = torch.cat([paired, t[..., k - k % 2:]], -1)
    return t[..., 0]


class INPairTreeSums(nn.Module):
    """Each image's sums by a pairwise tree reduction over its flattened pixels (neighbours added in pairs, round by
    round, an odd leftover carried), for x and for the squared deviations, divided by H*W."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        flat = x.reshape(n, c, h * w)
        m = (_pair_tree_sum(flat) / (h * w)).view(n, c, 1, 1)
        d = x - m
        v = (_pair_tree_sum((d * d).reshape(n, c, h * w)) / (h * w)).view(n, c, 1, 1)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNConv1dPoolTransposeSpread(nn.Module):
    """Per-channel means (N, 1, C) pooled into group means by F.conv1d with a 1/(C/groups) kernel and stride C/groups,
    spread back to the channels by F.conv_transpose1d with a kernel of ones and the same stride (for the mean and the
    mean squared deviation about it)."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        cpg = c // self.groups
        pool_k = torch.full((1, 1, cpg), 1 / cpg, dtype=x.dtype)
        spread_k = torch.ones(1, 1, cpg, dtype=x.dtype)

        def group_avg(per_channel):                                 # (N, C) -> (N, C): each channel gets its group's average
            g = F.conv1d(per_channel.unsqueeze(1), pool_k, stride=cpg)
            return F.conv_transpose1d(g, spread_k, stride=cpg).squeeze(1)

        m = group_avg(x.mean((2, 3))).view(n, c, 1, 1)
        d = x - m
        v = group_avg((d * d).mean((2, 3))).view(n, c, 1, 1)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_backward_carry_no_decay", "check_ewma", ewma_backward_carry_no_decay, "A custom autograd.Function whose forward is the right lerp loop (every output right) but whose hand-written backward carries the gradient back from the later outputs WITHOUT the (1 - mom) decay per step ('each value moves every later average by mom'): values.grad[t] = mom * (g[t] + g[t+1] + ... + g[n-1]) for t >= 1 and values.grad[0] = g[0] + ... + g[n-1], instead of mom * sum_{s>=t} (1-mom)**(s-t) * g[s] and sum_s (1-mom)**s * g[s]: a 1-value stream is right; on every longer stream values.grad is wrong (also on a constant stream), the more so the longer the stream."),
    ("ewma_updates_through_data", "check_ewma", ewma_updates_through_data, "Keeps the running average in a clone of values[0] and updates it in place through .data (avg.data.copy_(lerp(avg.data, v.data, mom)): 'like a buffer, so the graph does not grow'), appending avg.clone() each step: every output value is right and a 1-value stream is right everywhere, but autograd sees every output as a copy of values[0]: values.grad[0] = g[0] + ... + g[n-1] and every other value gets 0, instead of the EWMA's weights."),
    ("ewma_repeats_dropped", "check_ewma", ewma_repeats_dropped, "Drops every value equal to the one before it before a right lerp loop ('a repeated reading is the sensor not updating'): streams with no two equal neighbours are right everywhere (every random stream); a stream with repeats returns fewer averages than values (a constant stream returns one output, values[0], instead of n), so its outputs (their number) and gradients are wrong."),
    ("ewma_half_mom_fast_path", "check_ewma", ewma_half_mom_fast_path, "Special-cases mom == 0.5 as 'just the midpoint' but writes avg + v / 2 ((avg + v) / 2 meant; / binds first): every momentum other than 0.5 is right everywhere; at mom 0.5 each step keeps the whole old average and adds half the new value (avg_t = avg_{t-1} + v_t/2, output 0 = 1.5 * values[0]), so outputs and gradients are wrong (the outputs grow with the stream); a stream of zeros would be right."),
    ("ln_backward_projection_sign_flipped", "check_layernorm", LNBackwardProjectionSignFlipped, "A custom autograd.Function whose forward, mult.grad and add.grad are right, but whose hand-written input gradient adds the projection term instead of subtracting it: x.grad = r * (gh - mean(gh) + xhat * mean(gh * xhat)) (gh = g * mult, r = 1/sqrt(var + eps)) where - xhat * mean(gh * xhat) is meant: x.grad is off by 2 * r * xhat * mean(gh * xhat) per item, wrong on every input (right only where g * xhat sums to 0 over an item, e.g. a constant item)."),
    ("ln_channel_means_removed_first", "check_layernorm", LNChannelMeansRemovedFirst, "Subtracts each channel's mean over the batch, height and width (x.mean((0, 2, 3)), BatchNorm's centring) from the input first ('remove each channel's offset so no channel dominates'), then layer-normalises the result per item: each item's statistics are those of the channel-centred input, so outputs and gradients are wrong on every input whose channels have different means (a batch of one too: its channels' own means are removed)."),
    ("ln_mean_accumulated_float32", "check_layernorm", LNMeanAccumulatedFloat32, "Takes the item mean with x.mean((1, 2, 3), dtype=torch.float32) ('a float32 accumulator is safe', written for half input), then centres and takes the variance in x's dtype: float32 input is right everywhere; float64 input is centred with a float32-rounded mean (error about 1e-7 of the mean), so float64 outputs (and gradients) are off by about |mean| * 1e-7 / std: they carry float32 rounding though their dtype is float64."),
    ("ln_backward_param_grads_swapped", "check_layernorm", LNBackwardParamGradsSwapped, "A custom autograd.Function whose forward and input gradient are right, but whose hand-written backward returns the parameter gradients in the wrong order, (dx, dadd, dmult) for the inputs (x, mult, add): mult.grad is sum(g) (add's gradient) and add.grad is sum(g * xhat) (mult's gradient): outputs and x.grad are right everywhere; mult.grad and add.grad are swapped on every input (equal only where sum(g) == sum(g * xhat))."),
    ("bn_running_mean_sub_sign_flipped", "check_batchnorm", BNRunningMeanSubSignFlipped, "Moves the running statistics with buf.sub_(mom * (batch - buf)) (sign slip; sub_(mom * (buf - batch)) meant) for the mean, while the var line is right: training outputs, gradients and the running var are right, but the running mean moves AWAY from the batch mean (means <- (1 + mom) * means - mom * m: -mom * m after one step from 0), so it and every eval output after training are wrong; a fresh layer in eval is right."),
    ("bn_input_grad_centred_hook", "check_batchnorm", BNInputGradCentredHook, "Registers a hook on the input that subtracts each channel's mean from its gradient (g - g.mean((0, 2, 3)): 'BatchNorm's output ignores a shift of a channel, so the input gradient has zero mean per channel'): true in training (the hook changes nothing there: outputs, gradients and running statistics right), but false in eval, where the running statistics are constants: every eval-mode input gradient (a fresh layer in eval too) loses its per-channel mean, g * mults / sqrt(running var + eps) minus its channel average; eval outputs and the mults/adds gradients are right."),
    ("bn_ghost_batches_of_two", "check_batchnorm", BNGhostBatchesOfTwo, "In training normalises each chunk of 2 images (x.split(2)) with that chunk's own mean and variance ('ghost batches regularise') instead of the whole batch's, while the running statistics are updated from the whole batch (right): batches of 1 or 2 images are right everywhere; a training batch of 3+ images is normalised per 2-image chunk, so its outputs and gradients are wrong; the running statistics and eval are right."),
    ("bn_running_reseeded_after_eval", "check_batchnorm", BNRunningReseededAfterEval, "Overrides train(mode) to flag a switch from eval back to training, and the first training step after it copies the batch's mean and unbiased variance into the running buffers ('after validation the running statistics are stale: restart them') instead of lerping with mom: every step before the first eval call is right, and so are all outputs and gradients; the running statistics after the first training step that follows an eval call are wrong (the batch's own), and so are the eval outputs after it."),
    ("in_rsqrt_backward_power_slip", "check_instancenorm", INRsqrtBackwardPowerSlip, "Divides by a hand-written rsqrt (a custom autograd.Function, 'fused') whose forward is right but whose backward returns -0.5 * r**2 * g (power rule slip: d a**-0.5/da = -0.5 * a**-1.5 = -0.5 * r**3 meant): outputs and the mults/adds gradients are right, but the path through the variance in x.grad is scaled by sqrt(var + eps), so x.grad is wrong wherever var + eps is not 1 (in training and eval alike)."),
    ("in_rows_viewed_back_channel_major", "check_instancenorm", INRowsViewedBackChannelMajor, "Normalises the right rows (x.reshape(N*C, H*W), one per item and channel) but views them back with .view(C, N, H, W).transpose(0, 1) ('rows go channel by channel'; .view(N, C, H, W) meant): row i*C + c (item i, channel c) lands at item (i*C + c) % N, channel (i*C + c) // N: a batch of one is right; for 2+ items the normalised images are moved to other items and channels (and scaled by their mults/adds), so outputs and gradients are wrong."),
    ("in_leave_one_out_stats", "check_instancenorm", INLeaveOneOutStats, "Normalises each pixel with the mean and variance of the OTHER H*W - 1 pixels of its image ('a pixel must not normalise itself': (sum - x)/(k - 1) and (sum of squares - x**2)/(k - 1) - mean**2) instead of all H*W: outputs and gradients are wrong on every image that is not constant (each pixel's deviation is exaggerated, extreme pixels most); a constant image gives the right output (adds) but a wrong input gradient."),
    ("in_stats_of_rectified_input", "check_instancenorm", INStatsOfRectifiedInput, "Takes each image's mean and variance from x.clamp(min=0) ('the layer follows a ReLU: statistics of the activations as the ReLU leaves them') but normalises the unclamped x: images with no negative value are right everywhere; any image with a negative value is centred and scaled with the wrong mean and variance (outputs and gradients wrong; negative values get no gradient through the statistics)."),
    ("gn_flipped_groups_affine_reversed", "check_groupnorm", GNFlippedGroupsAffineReversed, "Flips the channels ('PyTorch counts groups from the last channel'), normalises the groups, applies mults and adds while still flipped, then flips back: the groups are the right sets (flipped contiguous groups are the contiguous groups), but channel c is scaled and shifted by mults[C-1-c] and adds[C-1-c], so the mults/adds gradients come out reversed (mults.grad[c] is channel C-1-c's): with a fresh layer (all mults 1, adds 0) outputs and x.grad are right but mults.grad and adds.grad are in reversed channel order (wrong unless symmetric); with trained (unequal) parameters the outputs and x.grad are wrong too."),
    ("gn_between_channel_spread_detached", "check_groupnorm", GNBetweenChannelSpreadDetached, "Builds each group's variance by the law of total variance (mean of the channel variances + variance of the channel means) but detaches the between-channel term ('the spread between channel means is a constant offset'): outputs and the mults/adds gradients are right everywhere, and one channel per group (groups == C) is right everywhere; with 2+ channels per group x.grad misses the path through the spread of the channel means, so it is wrong."),
    ("gn_between_layer_and_instance_averaged", "check_groupnorm", GNBetweenLayerAndInstanceAveraged, "Reads the GroupNorm paper's picture as a slider: blends the LayerNorm result (1 group) and the InstanceNorm result (C groups) with weight t = (groups - 1)/(C - 1) on the InstanceNorm one ('groups lie between the two') instead of normalising each group: 1 group and C groups are right everywhere; any group count in between (2 of 4 or 6 or 8 channels, 3 of 6, ...) gives wrong outputs and gradients."),
    ("gn_eps_in_half", "check_groupnorm", GNEpsInHalf, "Makes eps a float16 tensor (torch.tensor(eps, dtype=torch.float16): 'so half activations stay half'), which rounds it (1e-5 -> 1.0014e-5, 1e-3 -> 1.00040e-3, 0.1 -> 0.099976) while the 0-d tensor leaves the result in x's dtype: outputs and gradients are off by the rounding of eps (relative 1.4e-3 at 1e-5, 4e-4 at 1e-3, 2.4e-4 at 0.1): float64 results are wrong at every eps (slightly at 1e-5, on groups of small variance); in float32 ordinary groups are right at eps 1e-5 and 1e-3 and wrong at 0.1, and a constant group's input gradient (which scales with 1/sqrt(eps)) is wrong at every eps."),
]

RIGHT = [
    ("ewma_neumann_squaring", "check_ewma", ewma_neumann_squaring,
     "the recurrence as (I - A) out = b with A = (1 - mom) times the sub-diagonal shift, b = [values[0], mom * values[1:]]; (I - A)^-1 = (I + A)(I + A^2)(I + A^4)... (A nilpotent) by repeated squaring, then one matrix-vector product."),
    ("ln_torchscript", "check_layernorm", LNTorchScript,
     "the normalisation as a torch.jit.script function (typed Tensor/float signature, dims as a List[int]), mult and add applied outside it."),
    ("bn_mv_set_buffers", "check_batchnorm", BNMvSetBuffers,
     "channel rows (C, N*H*W) times a vector of ones by torch.mv, divided by k, for the means and mean squared deviations; running statistics written back by re-pointing the buffers at the blended tensors with Tensor.set_."),
    ("in_pair_tree_sums", "check_instancenorm", INPairTreeSums,
     "each image's sums by a pairwise tree reduction over its flattened pixels (neighbours added in pairs round by round, an odd leftover carried), for x and the squared deviations, divided by H*W."),
    ("gn_conv1d_pool_transpose_spread", "check_groupnorm", GNConv1dPoolTransposeSpread,
     "per-channel means (N, 1, C) pooled into group means by F.conv1d with a 1/(C/groups) kernel and stride C/groups, spread back to the channels by F.conv_transpose1d with a kernel of ones and the same stride."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
