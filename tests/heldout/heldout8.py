"""Eighth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout7 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import itertools
import torch
import torch.nn as nn
import torch.nn.functional as F


# ====================================================================== EWMA (wrong)

def ewma_conv1d_kernel_not_flipped(values, mom):
    n = len(values)
    k = mom * (1 - mom) ** torch.arange(n, dtype=values.dtype)     # k[age] = weight of a value `age` steps old ...
    d = values - values[0]
    pad = F.pad(d.view(1, 1, -1), (n - 1, 0))
    return values[0] + F.conv1d(pad, k.view(1, 1, -1)).view(-1)     # ... but conv1d is a cross-correlation: k.flip(0) meant


def ewma_halfway(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = (avg + v) / 2                                        # "the average of the old average and the new value": mom unused
        out.append(avg)
    return torch.stack(out)


def ewma_matmul_transposed(values, mom):
    n = len(values)
    t = torch.arange(n, dtype=values.dtype)
    W = torch.tril(mom * (1 - mom) ** (t[:, None] - t[None, :]).clamp(min=0))   # W[t, j]: weight of value j in output t (right)
    W[:, 0] = (1 - mom) ** t
    return values @ W                                              # row vector times W is W.T @ values: W @ values meant


def ewma_forgets_decay(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = avg + mom * v                                        # the (1 - mom) on the old average dropped: avg + mom * (v - avg) meant
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNPowHalfPrecedence(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps) ** 1/2 * self.mult + self.add     # ** binds first: (x - m) / (v + eps) / 2, not ** (1/2)


class LNVarPerChannel(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)                      # (2, 3) on this line: each channel's own variance
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNFrozenMult(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.mult = nn.Parameter(torch.tensor(1.), requires_grad=False)   # copied from a "freeze the scale" snippet

    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNFloorDivideCount(_LNBase):
    def forward(self, x):
        n = x[0].numel()
        m = x.sum((1, 2, 3), keepdim=True) // n                           # // (a counting habit): floor division, / meant
        v = ((x - m) ** 2).sum((1, 2, 3), keepdim=True) // n
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


# ================================================================= BatchNorm (wrong)

class _BNBase(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))


class BNUpdatesPerItem(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            with torch.no_grad():
                for xi in x.split(1):                                     # one update per item of the batch, with that item's stats
                    k = xi.numel() / xi.shape[1]
                    self.means.lerp_(xi.mean((0, 2, 3), keepdim=True), self.mom)
                    self.vars.lerp_(xi.var((0, 2, 3), keepdim=True, correction=0) * k / (k - 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNEvalViewOneShort(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(nf))                    # kept flat, as PyTorch keeps them
        self.register_buffer('vars', torch.ones(nf))

    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3))
            v = x.var((0, 2, 3), correction=0)
            n = x.numel() / x.shape[1]
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
            m, v = m[:, None, None], v[:, None, None]
        else:
            m, v = self.means[:, None], self.vars[:, None]               # (nf, 1): one None short of [:, None, None]
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNBesselOnWeight(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            n = x.numel() / x.shape[1]
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v, self.mom * n / (n - 1))                # the factor landed on the weight: lerp_(v * n / (n - 1), mom) meant
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNFoldedShiftUnscaled(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            n = x.numel() / x.shape[1]
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars
        scale = self.mults / (v + self.eps).sqrt()
        return x * scale + (self.adds - m)                                # the lesson's folded form, with m * scale written as m


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INEpsOnSumOfSquares(_INBase):
    def forward(self, x):
        k = x.shape[2] * x.shape[3]
        m = x.sum((2, 3), keepdim=True) / k
        v = (((x - m) ** 2).sum((2, 3), keepdim=True) + self.eps) / k    # eps added to the sum, then divided with it
        return (x - m) / v.sqrt() * self.mults + self.adds


class INTransposeNotUndone(_INBase):
    def forward(self, x):
        n, c, h, w = x.shape
        cols = x.reshape(n * c, h * w).t()                                # one column per (item, channel)
        m = cols.mean(0, keepdim=True)
        v = cols.var(0, keepdim=True, correction=0)
        return ((cols - m) / (v + self.eps).sqrt()).reshape(n, c, h, w) * self.mults + self.adds   # .t() back forgotten


class INSumNotReset(_INBase):
    def forward(self, x):
        n, c, h, w = x.shape
        out = x.clone()
        for i in range(n):
            total = 0.                                                    # reset per item, but not per channel
            for j in range(c):
                total = total + x[i, j].sum()
                m = total / (h * w)
                v = ((x[i, j] - m) ** 2).mean()
                out[i, j] = (x[i, j] - m) / (v + self.eps).sqrt()
        return out * self.mults + self.adds


class INAddsSubtracted(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mults - self.adds   # sign slip: + self.adds meant


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNChunkDefaultDim(_GNBase):
    def forward(self, x):
        outs = []
        for xg in x.chunk(self.groups):                                   # chunk's default dim is 0 (items): dim=1 meant
            outs.append((xg - xg.mean()) / (xg.var(correction=0) + self.eps).sqrt())
        return torch.cat(outs) * self.mults + self.adds


class GNWritesViaData(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        cpg = c // self.groups
        out = x.clone()
        for g in range(self.groups):
            xs = x[:, g * cpg:(g + 1) * cpg]
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            out.data[:, g * cpg:(g + 1) * cpg] = (xs - m) / (v + self.eps).sqrt()   # .data: autograd never sees the write
        return out * self.mults + self.adds


class GNReshapeWithoutPermute(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xl = x.reshape(n, h * w, self.groups, c // self.groups)          # channels-last shape, but x.permute(0, 2, 3, 1) forgotten
        m = xl.mean((1, 3), keepdim=True)
        v = xl.var((1, 3), keepdim=True, correction=0)
        return ((xl - m) / (v + self.eps).sqrt()).reshape(n, c, h, w) * self.mults + self.adds


class GNForgetsSuperInit(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        self.groups, self.eps = groups, eps                               # super().__init__() never called
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


WRONG = [
    ("ewma_conv1d_kernel_not_flipped", "check_ewma", ewma_conv1d_kernel_not_flipped,
     "Closed form by F.conv1d with the kernel k[age] = mom*(1-mom)^age not flipped (conv1d is a cross-correlation), left-padded by n-1, on the deviations from values[0]: output t gives value j (1 <= j <= t) weight mom*(1-mom)^(n-1-t+j), so the ages run backwards and depend on the stream's length; values[0] keeps what is left; right for one value."),
    ("ewma_halfway", "check_ewma", ewma_halfway,
     "avg = (avg + v) / 2: each step is the midpoint of the old average and the new value, so the weight of the newest value is 1/2 whatever mom is; right at mom 0.5 only (and for one value)."),
    ("ewma_matmul_transposed", "check_ewma", ewma_matmul_transposed,
     "Builds the right weight matrix W (W[t, j] = weight of value j in output t) but returns values @ W (= W.T @ values): output t is sum over j >= t of W[j, t] * values[j], i.e. mom*(1-mom)^(j-t) on values t, t+1, ..., and output 0 is sum_j (1-mom)^j values[j]; right for one value."),
    ("ewma_forgets_decay", "check_ewma", ewma_forgets_decay,
     "avg = avg + mom * v: the old average keeps weight 1 (the - mom * avg dropped), so output t = values[0] + mom * (values[0] + ... + values[t]); output 0 is (1 + mom) * values[0], and the outputs grow without bound."),
    ("ln_pow_half_precedence", "check_layernorm", LNPowHalfPrecedence,
     "Writes (x - m) / (v + eps) ** 1/2: ** binds first and / goes left to right, so it is ((x - m) / (v + eps)) / 2: the centred values divided by 2 * (v + eps), twice the variance plus eps, not by sqrt(v + eps)."),
    ("ln_var_per_channel", "check_layernorm", LNVarPerChannel,
     "Subtracts each item's mean over (1, 2, 3) but divides by each channel's own std over (2, 3) (the variance about the channel's mean, not the item's); right only where an item's channels share one mean and spread."),
    ("ln_frozen_mult", "check_layernorm", LNFrozenMult,
     "mult = nn.Parameter(torch.tensor(1.), requires_grad=False): outputs and the input's gradient are right, but mult never gets a gradient (mult.grad is None), so an optimiser never changes it; add is right."),
    ("ln_floor_divide_count", "check_layernorm", LNFloorDivideCount,
     "Divides the sums by the count with // (floor division): the mean it subtracts is floor(mean) and the variance floor(mean squared deviation about it); the output is not centred, its spread is wrong (it divides by sqrt(eps) alone when that floor is 0), and backward raises RuntimeError 'derivative for aten::floor_divide is not implemented'."),
    ("bn_updates_per_item", "check_batchnorm", BNUpdatesPerItem,
     "Training output is right, but the running stats are lerped once per item of the batch towards that item's own channel mean and unbiased variance (over H*W), N lerps per step; right for batch 1."),
    ("bn_eval_view_one_short", "check_batchnorm", BNEvalViewOneShort,
     "Running stats kept flat (nf,), rightly viewed as (nf, 1, 1) in training, but as self.means[:, None] (nf, 1) in eval: they line up with height and width, so eval raises RuntimeError unless H == C (then wrong stats per row); training and the running stats are right."),
    ("bn_bessel_on_weight", "check_batchnorm", BNBesselOnWeight,
     "vars.lerp_(v, mom * n / (n - 1)): Bessel's factor multiplies the lerp weight instead of the batch variance, so the running var moves mom*n/(n-1) of the way to the biased variance: the part added (mom * v * n/(n-1)) is right, but it keeps 1 - mom*n/(n-1) of the old running var instead of 1 - mom (one step from 1 is mom/(n-1) too low); training output and running mean are right."),
    ("bn_folded_shift_unscaled", "check_batchnorm", BNFoldedShiftUnscaled,
     "The lesson's folded form x * scale + (adds - m * scale) with m * scale written as m: returns x * mults / sqrt(v + eps) - m + adds, in training and eval; the running stats are right."),
    ("in_eps_on_sum_of_squares", "check_instancenorm", INEpsOnSumOfSquares,
     "Adds eps to the sum of squared deviations and then divides by H*W: the effective eps is eps/(H*W), not eps; invisible at small eps, wrong at eps 0.1."),
    ("in_transpose_not_undone", "check_instancenorm", INTransposeNotUndone,
     "Takes the statistics down the columns of x.reshape(N*C, H*W).t() (right sets), then reshapes the (H*W, N*C) result straight back to (N, C, H, W) without .t(): the normalised values land in the wrong places (scrambled across items and channels); right only for a single pixel or one (item, channel)."),
    ("in_sum_not_reset", "check_instancenorm", INSumNotReset,
     "Loops over items and channels with the running sum reset per item but not per channel: channel j's mean is the sum of channels 0..j divided by H*W, and its variance is the mean squared deviation about that wrong mean; channel 0 is right."),
    ("in_adds_subtracted", "check_instancenorm", INAddsSubtracted,
     "Returns xn * mults - adds (sign slip): right while adds is 0 (a fresh layer's output), but the shift goes the wrong way for any other adds and adds gets the negated gradient."),
    ("gn_chunk_default_dim", "check_groupnorm", GNChunkDefaultDim,
     "x.chunk(groups) with chunk's default dim 0: splits the batch into chunks of ceil(N/groups) items and normalises each chunk over all its values (items, channels, positions together): one group normalises the whole batch as one set; when groups >= N each chunk is one item (LayerNorm over the item, whatever groups is)."),
    ("gn_writes_via_data", "check_groupnorm", GNWritesViaData,
     "Writes each normalised group into out.data[...] (out a clone of x): the output and mults/adds gradients are right, but autograd sees out as x itself, so the input's gradient is gout * mults (as if there were no normalisation)."),
    ("gn_reshape_without_permute", "check_groupnorm", GNReshapeWithoutPermute,
     "Reshapes (N, C, H, W) straight to (N, H*W, groups, C//groups) without permuting to channels-last: each set is the values of an item whose flat offset mod C falls in one block of C//groups, not a group of channels; one group: right (LayerNorm over the item)."),
    ("gn_forgets_super_init", "check_groupnorm", GNForgetsSuperInit,
     "__init__ never calls super().__init__(): building the layer raises AttributeError 'cannot assign parameter before Module.__init__() call' at self.mults = nn.Parameter(...)."),
]


# ================================================================= RIGHT answers

def ewma_accumulate(values, mom):
    """itertools.accumulate folding torch.lerp over the stream (its first output is values[0] itself)."""
    return torch.stack(list(itertools.accumulate(values, lambda avg, v: torch.lerp(avg, v, mom))))


class LNGroupNormOneGroup(nn.Module):
    """F.group_norm with a single group (no affine), then the scalar mult and add."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        return torch.addcmul(self.add, F.group_norm(x, 1, eps=self.eps), self.mult)


class BNChannelLoop(nn.Module):
    """A Python loop over channels: each channel's values flattened and summed, the running buffers written element by
    element, and the channels stacked back on dim 1."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        chans = []
        for c in range(x.shape[1]):
            xc = x[:, c]
            if self.training:
                flat = xc.reshape(-1)
                k = flat.numel()
                mu = flat.sum() / k
                var = (flat - mu).square().sum() / k
                with torch.no_grad():
                    self.means[0, c, 0, 0] = (1 - self.mom) * self.means[0, c, 0, 0] + self.mom * mu
                    self.vars[0, c, 0, 0] = (1 - self.mom) * self.vars[0, c, 0, 0] + self.mom * var * k / (k - 1)
            else:
                mu, var = self.means[0, c, 0, 0], self.vars[0, c, 0, 0]
            chans.append((xc - mu) / torch.sqrt(var + self.eps) * self.mults[c] + self.adds[c])
        return torch.stack(chans, 1)


class INWelford(nn.Module):
    """Welford's streaming mean and sum of squared deviations, one pixel at a time."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        pix = x.flatten(2).unbind(-1)
        mean, m2 = torch.zeros_like(pix[0]), torch.zeros_like(pix[0])
        for k, p in enumerate(pix, 1):
            d = p - mean
            mean = mean + d / k
            m2 = m2 + d * (p - mean)
        var = m2 / len(pix)
        return (x - mean[..., None, None]) / (var[..., None, None] + self.eps).sqrt() * self.mults + self.adds


class GNInstanceNormGroupedView(nn.Module):
    """torch.instance_norm on the (N, groups, C/groups*H*W) view: each (item, group) row is one 'instance'."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        # torch.instance_norm (not F.instance_norm, which refuses a row of one value, e.g. GroupNorm(C, C) on 1x1 input)
        y = torch.instance_norm(x.reshape(x.shape[0], self.groups, -1), None, None, None, None, True, 0., self.eps, False)
        return y.reshape(x.shape) * self.mults + self.adds


RIGHT = [
    ("ewma_accumulate", "check_ewma", ewma_accumulate,
     "itertools.accumulate folding torch.lerp over the stream, stacked."),
    ("ln_group_norm_one_group", "check_layernorm", LNGroupNormOneGroup,
     "F.group_norm(x, 1, eps=eps) (one group = the whole item), then torch.addcmul(add, ., mult)."),
    ("bn_channel_loop", "check_batchnorm", BNChannelLoop,
     "a Python loop over channels, sums of each flattened channel, running buffers written element by element, torch.stack(chans, 1)."),
    ("in_welford", "check_instancenorm", INWelford,
     "Welford's streaming mean and M2, one pixel at a time over x.flatten(2).unbind(-1)."),
    ("gn_instance_norm_grouped_view", "check_groupnorm", GNInstanceNormGroupedView,
     "torch.instance_norm (use_input_stats=True, no affine) on the 3-d (N, groups, C/groups*H*W) view, reshaped back, per-channel mults and adds."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
