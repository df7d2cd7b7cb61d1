"""Seventh held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout6 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


# ====================================================================== EWMA (wrong)

def ewma_newest_first(values, mom):
    rev = values.flip(0)                                       # "the newest value comes first": averaged from the other end ...
    avg, out = rev[0], []
    for v in rev:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out).flip(0)                            # ... and flipped back into the stream's order


def ewma_closed_form_age_plus_one(values, mom):
    n = len(values)
    t = torch.arange(n, dtype=values.dtype)
    age = (t[:, None] - t[None, :]).clamp(min=0) + 1           # ages counted from 1: the newest value is "one step old"
    W = torch.tril(mom * (1 - mom) ** age)
    W[:, 0] = (1 - mom) ** t                                   # what is left of values[0]
    return W @ values


def ewma_cumsum_no_decay(values, mom):
    t = torch.arange(len(values), dtype=values.dtype)
    rest = torch.cat([values.new_zeros(1), torch.cumsum(values[1:], 0)])   # the values after the first, summed
    return (1 - mom) ** t * values[0] + mom * rest             # values[0] decays, the later ones were meant to as well


def ewma_cat_zero_dim(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.cat(out)                                      # cat of 0-d tensors: torch.stack meant


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNEpsAddedToOutput(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return ((x - m) / v.sqrt() + self.eps) * self.mult + self.add     # meant / (v.sqrt() + eps): eps is added to the result


class LNRMSNorm(_LNBase):
    def forward(self, x):
        ms = x.pow(2).mean((1, 2, 3), keepdim=True)                       # RMSNorm from an LLM codebase: no centring at all
        return x / (ms + self.eps).sqrt() * self.mult + self.add


class LNForcesFloat32(_LNBase):
    def forward(self, x):
        x = x.float()                                                     # "to be safe with half inputs": float64 comes down too
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNLoopBoundChannels(_LNBase):
    def forward(self, x):
        out = x.clone()
        for i in range(x.shape[1]):                                       # shape[1] (channels) where shape[0] (items) was meant
            xi = x[i]
            out[i] = (xi - xi.mean()) / (xi.var(correction=0) + self.eps).sqrt()
        return out * self.mult + self.add


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

    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            self.update(x, m, v)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNEvalBatchVar(_BNBase):
    def forward(self, x):
        v = x.var((0, 2, 3), keepdim=True, correction=0)                  # taken before the if, so eval uses it too
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            self.update(x, m, v)
        else:
            m = self.means                                                # only the mean is swapped for the running one
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNBesselOnMeanToo(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m * n / (n - 1), self.mom)                   # the Bessel factor copied onto the mean line
            self.vars.lerp_(v * n / (n - 1), self.mom)


class BNSkipsUpdateBatchOne(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            if len(x) > 1:                                                # "no variance from a single sample": skips batches of 1
                self.update(x, m, v)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNStatsDimsZeroTwo(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2), keepdim=True)                              # (0, 2): the width left out, (0, 2, 3) meant
            v = x.var((0, 2), keepdim=True, correction=0)
            self.update(x, m, v)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INDimsOneTwo(_INBase):
    def forward(self, x):
        m = x.mean((1, 2), keepdim=True)                                  # "dims 1 and 2 are height and width": the batch dim forgotten
        v = x.var((1, 2), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INNormaliseUnderNoGrad(_INBase):
    def forward(self, x):
        with torch.no_grad():                                             # "normalising has no parameters to learn"
            m = x.mean((2, 3), keepdim=True)
            v = x.var((2, 3), keepdim=True, correction=0)
            xn = (x - m) / (v + self.eps).sqrt()
        return xn * self.mults + self.adds


class INMultsBatchAxis(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        xn = (x - m) / (v + self.eps).sqrt()
        return xn * self.mults[..., None] + self.adds[..., None]          # (nf, 1, 1, 1): the new axis at the wrong end; [None] meant


class INOutAliasesInput(_INBase):
    def forward(self, x):
        out = x                                                           # x.clone() meant: out *is* x
        for c in range(x.shape[1]):
            xc = x[:, c]
            m = xc.mean((1, 2), keepdim=True)
            v = xc.var((1, 2), keepdim=True, correction=0)
            out[:, c] = (xc - m) / (v + self.eps).sqrt()
        return out * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNLoopSliceWidthGroups(_GNBase):
    def forward(self, x):
        out = x.clone()
        for g in range(self.groups):
            sl = slice(g * self.groups, (g + 1) * self.groups)            # steps of `groups` channels: c // groups meant
            xs = x[:, sl]
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            out[:, sl] = (xs - m) / (v + self.eps).sqrt()
        return out * self.mults + self.adds


class GNVarDimsMissingChannel(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, c // self.groups, h, w)
        m = xg.mean((2, 3, 4), keepdim=True)
        v = xg.var((3, 4), keepdim=True, correction=0)                    # (3, 4) on this line: each channel's own variance
        return ((xg - m) / (v + self.eps).sqrt()).view(n, c, h, w) * self.mults + self.adds


class GNNHWCUnpack(_GNBase):
    def forward(self, x):
        n, h, w, c = x.shape                                              # channels-last habit: h is C, w is H, c is W here
        xg = x.view(n, self.groups, c // self.groups, h, w)
        m = xg.mean((2, 3, 4), keepdim=True)
        v = xg.var((2, 3, 4), keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(n, h, w, c) * self.mults + self.adds


class GNFunctionalEpsDropped(_GNBase):
    def forward(self, x):
        return F.group_norm(x, self.groups, self.mults.view(-1), self.adds.view(-1))   # eps=self.eps never passed


WRONG = [
    ("ewma_newest_first", "check_ewma", ewma_newest_first,
     "Treats the stream as newest-first: runs the lerp loop over values.flip(0), starting from the last value, and flips the result back, so output t averages values t, t+1, ..., n-1 (weight mom on values[t]); only the last output is a value itself (values[-1]); right for one value."),
    ("ewma_closed_form_age_plus_one", "check_ewma", ewma_closed_form_age_plus_one,
     "Closed form whose ages start at 1: value j (j >= 1) gets weight mom*(1-mom)^(t-j+1) instead of mom*(1-mom)^(t-j), values[0] the right (1-mom)^t; the newest value gets mom*(1-mom), and the weights sum to less than 1 (every weight after values[0] is (1-mom) times too small); output 0 is right."),
    ("ewma_cumsum_no_decay", "check_ewma", ewma_cumsum_no_decay,
     "(1-mom)^t * values[0] + mom * (cumsum of values[1..t]): values[0] decays, but every later value keeps weight mom whatever its age; right for streams of 1 and 2 values, wrong from the third output on."),
    ("ewma_cat_zero_dim", "check_ewma", ewma_cat_zero_dim,
     "Joins the 0-d averages with torch.cat instead of torch.stack: raises RuntimeError 'zero-dimensional tensor (at position 0) cannot be concatenated' on every input."),
    ("ln_eps_added_to_output", "check_layernorm", LNEpsAddedToOutput,
     "((x - m) / v.sqrt() + eps): parentheses slip, eps is added to the normalised output instead of the std (or variance): every output is shifted by +eps (times mult), and there is no eps under the division (NaN for a constant item)."),
    ("ln_rmsnorm", "check_layernorm", LNRMSNorm,
     "RMSNorm: divides x by sqrt(mean(x^2) + eps) over each item: never subtracts the mean, and the spread it divides by is the root mean square (about 0), not the std."),
    ("ln_forces_float32", "check_layernorm", LNForcesFloat32,
     "Casts x to float32 first (x = x.float()): float64 input gives a float32 output with float32 precision; float32 input is right."),
    ("ln_loop_bound_channels", "check_layernorm", LNLoopBoundChannels,
     "Loops over items with range(x.shape[1]) (the channel count) instead of range(len(x)): IndexError when there are fewer items than channels, items past C left raw when more; right when N == C."),
    ("bn_eval_batch_var", "check_batchnorm", BNEvalBatchVar,
     "Computes the batch variance before the if, and in eval only replaces the mean: eval subtracts the running mean but divides by the eval batch's own (biased) std; training and the running stats are right."),
    ("bn_bessel_on_mean_too", "check_batchnorm", BNBesselOnMeanToo,
     "The Bessel factor n/(n-1) copied onto the running mean's line: the running mean follows the batch mean times n/(n-1) (n = values per channel); training output and running var are right, eval is off."),
    ("bn_skips_update_batch_one", "check_batchnorm", BNSkipsUpdateBatchOne,
     "Skips the running-stats update when the batch has 1 item (len(x) > 1 guard), though there are H*W values per channel: with batch 1 the running stats never change; right for batch > 1."),
    ("bn_stats_dims_zero_two", "check_batchnorm", BNStatsDimsZeroTwo,
     "Batch statistics over dims (0, 2) instead of (0, 2, 3) (the width left out): m is (1, C, 1, W), so the in-place self.means.lerp_(m, mom) raises RuntimeError on the first training step (unless W == 1)."),
    ("in_dims_one_two", "check_instancenorm", INDimsOneTwo,
     "Statistics over dims (1, 2), counting from the channel dim as if there were no batch dim: one set per item and column (the channels and the height), not per item and channel over (2, 3)."),
    ("in_normalise_under_no_grad", "check_instancenorm", INNormaliseUnderNoGrad,
     "Computes the whole normalisation (stats and (x - m)/std) under torch.no_grad(), applying only mults and adds outside: the output is right and mults/adds get gradients, but the input gets none (x.grad is None)."),
    ("in_mults_batch_axis", "check_instancenorm", INMultsBatchAxis,
     "Scales by self.mults[..., None] and self.adds[..., None], shape (C, 1, 1, 1): they line up with the batch, so batch 1 gives an output of shape (C, C, H, W), and other batches raise RuntimeError (unless N == C)."),
    ("in_out_aliases_input", "check_instancenorm", INOutAliasesInput,
     "out = x (no clone), then writes each normalised channel into out[:, c]: it overwrites the caller's input in place (raises RuntimeError when x is a leaf that requires grad); without grad its output is right but x is changed."),
    ("gn_loop_slice_width_groups", "check_groupnorm", GNLoopSliceWidthGroups,
     "Loops over groups slicing channels g*groups : (g+1)*groups (steps of `groups`, not c // groups): sets of `groups` channels, later slices empty or channels left raw; right only when groups == c // groups (e.g. 2 groups of 4 channels)."),
    ("gn_var_dims_missing_channel", "check_groupnorm", GNVarDimsMissingChannel,
     "On the (n, groups, c//groups, h, w) view the mean is over (2, 3, 4) but the variance over (3, 4): it subtracts the group's mean and divides by each channel's own std (about the channel's mean); right with one channel per group."),
    ("gn_nhwc_unpack", "check_groupnorm", GNNHWCUnpack,
     "Unpacks n, h, w, c = x.shape (channels-last order): views (n, groups, W // groups, C, H); the sets are right when groups divides the width, and it raises RuntimeError when it doesn't."),
    ("gn_functional_eps_dropped", "check_groupnorm", GNFunctionalEpsDropped,
     "F.group_norm(x, groups, weight, bias) without eps=self.eps: always uses the default 1e-5; right at eps 1e-5, wrong for any other eps."),
]


# ================================================================= RIGHT answers

def ewma_batch_norm_running_mean(values, mom):
    """The running_mean buffer of F.batch_norm (training, momentum=mom) fed one value at a time as a 2-row, 1-channel batch."""
    rm, rv = values[:1].clone(), torch.ones_like(values[:1])
    out = []
    for v in values:
        F.batch_norm(v.reshape(1, 1).expand(2, 1), rm, rv, training=True, momentum=mom)
        out.append(rm[0].clone())
    return torch.stack(out)


class _LNFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        dims = tuple(range(1, x.ndim))
        d = x - x.mean(dims, keepdim=True)
        inv = (d.square().mean(dims, keepdim=True) + eps).rsqrt()
        xhat = d * inv
        ctx.save_for_backward(xhat, inv, mult)
        return xhat * mult + add

    @staticmethod
    def backward(ctx, g):
        xhat, inv, mult = ctx.saved_tensors
        dims = tuple(range(1, g.ndim))
        gh = g * mult
        gx = inv * (gh - gh.mean(dims, keepdim=True) - xhat * (gh * xhat).mean(dims, keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNAutogradFunction(nn.Module):
    """A custom torch.autograd.Function with the backward pass written by hand."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        return _LNFunction.apply(x, self.mult, self.add, self.eps)


class BNScatterReduce(nn.Module):
    """Per-channel means by torch.scatter_reduce(reduce='mean') over a flat channel index; running stats lerped by hand with add_."""
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
            ch = torch.arange(c, device=x.device).view(1, c, 1, 1).expand_as(x).reshape(-1)
            flat = x.reshape(-1)
            m = x.new_zeros(c).scatter_reduce(0, ch, flat, reduce='mean', include_self=False)
            d = flat - m[ch]
            v = x.new_zeros(c).scatter_reduce(0, ch, d * d, reduce='mean', include_self=False)
            k = flat.numel() // c
            with torch.no_grad():
                self.means.add_((m.view_as(self.means) - self.means) * self.mom)
                self.vars.add_((v.view_as(self.vars) * k / (k - 1) - self.vars) * self.mom)
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) * (v + self.eps).rsqrt() * self.mults + self.adds


class INFourier(nn.Module):
    """Mean from the DC term of torch.fft.fft2, variance from Parseval's theorem (the power in every other frequency)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        k = x.shape[-2] * x.shape[-1]
        X = torch.fft.fft2(x)
        dc = X[..., :1, :1].real                                          # the sum over the image
        power = (X.real.square() + X.imag.square()).sum((-2, -1), keepdim=True)   # = k * sum of x^2
        v = (power - dc.square()) / k ** 2
        return (x - dc / k) / (v + self.eps).sqrt() * self.mults + self.adds


class GNGroupedConvAverages(nn.Module):
    """Group averages of the per-channel moments by a grouped 1x1 F.conv2d (groups=groups) with 1/(C/groups) weights."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def _group_avg(self, cm):                                             # (N, C, 1, 1) per-channel -> (N, C, 1, 1) its group's average
        c = cm.shape[1]
        cpg = c // self.groups
        return F.conv2d(cm, cm.new_full((c, cpg, 1, 1), 1 / cpg), groups=self.groups)

    def forward(self, x):
        d = x - self._group_avg(x.mean((2, 3), keepdim=True))
        v = self._group_avg(d.square().mean((2, 3), keepdim=True))
        return d / (v + self.eps).sqrt() * self.mults + self.adds


RIGHT = [
    ("ewma_batch_norm_running_mean", "check_ewma", ewma_batch_norm_running_mean,
     "the running_mean buffer of F.batch_norm(training=True, momentum=mom), fed each value as a 2-row one-channel batch."),
    ("ln_autograd_function", "check_layernorm", LNAutogradFunction,
     "a custom torch.autograd.Function with a hand-written backward (dx, dmult, dadd)."),
    ("bn_scatter_reduce", "check_batchnorm", BNScatterReduce,
     "per-channel means by scatter_reduce(reduce='mean') over a flat channel index; running stats lerped by hand with add_; rsqrt."),
    ("in_fourier", "check_instancenorm", INFourier,
     "mean from the DC term of torch.fft.fft2, variance by Parseval (power in the non-DC frequencies)."),
    ("gn_grouped_conv_averages", "check_groupnorm", GNGroupedConvAverages,
     "group averages of per-channel mean and mean squared deviation by a grouped 1x1 F.conv2d with 1/(C/groups) weights."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
