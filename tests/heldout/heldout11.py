"""Eleventh held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout10 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


# ====================================================================== EWMA (wrong)

def ewma_start_whole_vector(values, mom):
    avg, out = values, []                                           # values[0] meant: the start is the whole stream
    for v in values:
        avg = torch.lerp(avg, v, mom)                               # so every average is a vector of n averages
        out.append(avg)
    return torch.stack(out)


def ewma_outputs_kept_between_calls(values, mom, out=[]):          # a mutable default: the same list on every call
    avg = values[0]
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_one_value_unwrapped(values, mom):
    if len(values) == 1:
        return values[0]                                            # "nothing to average": the value itself, a 0-d tensor
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_decay_rate_exp(values, mom):
    keep = math.exp(-mom)                                           # mom read as a decay rate: keep e^-mom of the old average
    avg, out = values[0], []
    for v in values:
        avg = keep * avg + (1 - keep) * v
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNRowsByChannelCount(_LNBase):
    def forward(self, x):
        xr = x.reshape(x.shape[1], -1)                              # x.shape[0] meant: one row per item
        m = xr.mean(1, keepdim=True)
        v = xr.var(1, keepdim=True, correction=0)
        return ((xr - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mult + self.add


class LNEvalShortcut(_LNBase):
    def forward(self, x):
        if not self.training:
            return F.layer_norm(x, x.shape[1:])                     # an inference shortcut: default eps, no mult and add
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNCentresDotData(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x.data - m) / (v + self.eps).sqrt() * self.mult + self.add   # x.data: that x term is outside autograd


class LNNoReturn(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        x = (x - m) / (v + self.eps).sqrt() * self.mult + self.add  # computed, never returned: forward returns None


# ================================================================= BatchNorm (wrong)

class _BNBase(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def batch_stats(self, x):
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        n = x.numel() / x.shape[1]
        return m, v, n


class BNRandomMults(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.mults = nn.Parameter(torch.randn(nf, 1, 1))           # a weight's habit: drawn at random, not ones

    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNEvalUnderNoGrad(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
            return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds
        with torch.no_grad():                                       # "no gradients needed at inference"
            return (x - self.means) / (self.vars + self.eps).sqrt() * self.mults + self.adds


class BNModeFromRequiresGrad(_BNBase):
    def forward(self, x):
        if x.requires_grad:                                         # "training is when gradients flow": self.training meant
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNBesselAtEval(_BNBase):
    def forward(self, x):
        m, v, n = self.batch_stats(x)
        if self.training:
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v, self.mom)                        # stores the biased variance ...
        else:
            m, v = self.means, self.vars * n / (n - 1)              # ... and applies Bessel's factor when it is used
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INStdSquaredBack(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        std = x.var((2, 3), keepdim=True, correction=0).sqrt()     # a std helper ...
        return (x - m) / (std ** 2 + self.eps).sqrt() * self.mults + self.adds   # ... squared back to put eps inside


class INSqueezedOutput(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return ((x - m) / (v + self.eps).sqrt() * self.mults + self.adds).squeeze()   # a "tidy" squeeze at the end


class INNormalisedInsideLoop(_INBase):
    def forward(self, x):
        pixels = x.flatten(2).unbind(-1)
        mean = torch.zeros_like(x[:, :, 0, 0])
        m2 = torch.zeros_like(mean)
        outs = []
        for k, p in enumerate(pixels, 1):
            d = p - mean
            mean = mean + d / k
            m2 = m2 + d * (p - mean)
            outs.append((p - mean) / (m2 / k + self.eps).sqrt())   # indented into the loop: the statistics so far
        return torch.stack(outs, -1).view(x.shape) * self.mults + self.adds


class INAddcmulArgsOrder(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        xn = (x - m) / (v + self.eps).sqrt()
        return torch.addcmul(xn, self.mults, self.adds)             # input + t1 * t2: addcmul(self.adds, xn, self.mults) meant


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNDividesSavedInPlace(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        xc = xg - xg.mean(-1, keepdim=True)
        v = (xc * xc).mean(-1, keepdim=True)                        # xc is saved for backward here ...
        xc /= (v + self.eps).sqrt()                                 # ... and divided in place to save memory
        return xc.view(x.shape) * self.mults + self.adds


class GNOneGroupShortcut(_GNBase):
    def forward(self, x):
        if self.groups == 1:
            return F.layer_norm(x, x.shape[1:])                     # "one group is LayerNorm": default eps, no mults and adds
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNCatGroupsBatchDim(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        outs = []
        for xs in x.split(cpg, 1):                                  # each group's channels, all items
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            outs.append((xs - m) / (v + self.eps).sqrt())
        return torch.cat(outs).reshape(x.shape) * self.mults + self.adds   # cat's default dim 0, "fixed" by reshape


class GNParamsRebuiltInForward(_GNBase):
    def forward(self, x):
        self.mults = nn.Parameter(torch.ones(x.shape[1], 1, 1, dtype=x.dtype))    # rebuilt "to match x's dtype":
        self.adds = nn.Parameter(torch.zeros(x.shape[1], 1, 1, dtype=x.dtype))    # back to ones and zeros on every call
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


WRONG = [
    ("ewma_start_whole_vector", "check_ewma", ewma_start_whole_vector,
     "Starts from avg = values (the whole stream, values[0] meant): each lerp towards a value broadcasts, so each average is a vector of n averages (column k started from values[k]) and the output has shape (n, n), not (n,); its column 0 is the right answer; one value gives shape (1, 1)."),
    ("ewma_outputs_kept_between_calls", "check_ewma", ewma_outputs_kept_between_calls,
     "Its output list is a mutable default argument (out=[]), created once: the first call is right, but every later call returns the outputs of all earlier calls followed by its own (e.g. 7 outputs for a second stream of 5 after one of 2)."),
    ("ewma_one_value_unwrapped", "check_ewma", ewma_one_value_unwrapped,
     "Special-cases a stream of one value with return values[0]: a 0-d tensor (shape ()) instead of a tensor of one average (shape (1,)); every longer stream is right."),
    ("ewma_decay_rate_exp", "check_ewma", ewma_decay_rate_exp,
     "Reads mom as a decay rate: keeps exp(-mom) of the old average, so the newest value gets weight 1 - exp(-mom) (0.0952 at mom 0.1, 0.3935 at 0.5, 0.5934 at 0.9) instead of mom; starts from values[0]; right for one value and for constant streams."),
    ("ln_rows_by_channel_count", "check_layernorm", LNRowsByChannelCount,
     "x.reshape(x.shape[1], -1) (the channel count where the batch size is meant): C rows of N*H*W consecutive values each, normalised separately; right when N == C; batch 1: one row per channel (InstanceNorm); otherwise each set is a run of N*H*W values cutting across items/channels."),
    ("ln_eval_shortcut", "check_layernorm", LNEvalShortcut,
     "In eval mode returns F.layer_norm(x, x.shape[1:]): PyTorch's default eps 1e-5 and no mult/add (in eval mult and add get no gradient); training mode is right; eval output is wrong for any other eps or any mult/add other than 1/0."),
    ("ln_centres_dot_data", "check_layernorm", LNCentresDotData,
     "Returns (x.data - m) / sqrt(v + eps) * mult + add: the output, mult's and add's gradients are right, but x's gradient flows only through the statistics m and v (the x.data term is cut out), so x.grad is wrong."),
    ("ln_no_return", "check_layernorm", LNNoReturn,
     "forward computes the normalised output into x but has no return statement: calling the layer returns None."),
    ("bn_random_mults", "check_batchnorm", BNRandomMults,
     "Creates mults with torch.randn(nf, 1, 1) (random, like a conv weight) instead of ones: a freshly built layer scales each channel by a random number (negative ones flip it), in training and eval; the running stats, adds, and the layer with mults set are right."),
    ("bn_eval_under_no_grad", "check_batchnorm", BNEvalUnderNoGrad,
     "Computes the eval-mode output inside torch.no_grad(): eval values are right, but the eval output carries no gradient (requires_grad False, backward raises), so nothing can be fine-tuned through a frozen BatchNorm; training and the running stats are right."),
    ("bn_mode_from_requires_grad", "check_batchnorm", BNModeFromRequiresGrad,
     "Tests x.requires_grad instead of self.training: a training-mode call on an input that doesn't require grad normalises with the running stats and never updates them; an eval-mode call on an input that requires grad uses the batch's statistics and updates the running stats; right when the two coincide."),
    ("bn_bessel_at_eval", "check_batchnorm", BNBesselAtEval,
     "Lerps the running var towards the biased batch variance and multiplies the whole running var by n/(n-1) in eval (n: the eval batch's values per channel): the stored running var differs from PyTorch's (the biased variance is kept), and eval divides by sqrt(running var * n/(n-1) + eps), which is not PyTorch's running var even for an eval batch the size of the training ones (the initial 1 and older batches get the factor too); training output and running mean right."),
    ("in_std_squared_back", "check_instancenorm", INStdSquaredBack,
     "Computes std = var.sqrt() and divides by (std**2 + eps).sqrt(): the output is right everywhere, but for a constant (item, channel) the backward of sqrt at 0 gives inf*0, so x.grad is NaN on that channel (PyTorch's is finite)."),
    ("in_squeezed_output", "check_instancenorm", INSqueezedOutput,
     "Ends with .squeeze(): for batch 1 the output is (C, H, W), not (1, C, H, W) (and any other size-1 dim, one channel or H/W = 1, is dropped too); values right; right for batches > 1 with C, H, W > 1."),
    ("in_normalised_inside_loop", "check_instancenorm", INNormalisedInsideLoop,
     "Welford's pixel-by-pixel mean and M2 (right), but the normalising line is indented into the loop: each pixel is normalised with the mean and variance of the pixels up to it (the first pixel gives 0), so only the last pixel is right."),
    ("in_addcmul_args_order", "check_instancenorm", INAddcmulArgsOrder,
     "torch.addcmul(xn, self.mults, self.adds) = xn + mults*adds (addcmul(adds, xn, mults) meant): the normalised values are never scaled and the shift is mults*adds; a fresh layer's output is right; mults' gradient is sum(g*adds) (0 when fresh), adds' is sum(g*mults)."),
    ("gn_divides_saved_in_place", "check_groupnorm", GNDividesSavedInPlace,
     "Computes v from xc * xc and then divides xc in place (xc /= std): the forward output is right, but xc was saved for the backward of xc * xc, so backward raises RuntimeError 'one of the variables needed for gradient computation has been modified by an inplace operation'."),
    ("gn_one_group_shortcut", "check_groupnorm", GNOneGroupShortcut,
     "Special-cases groups == 1 with F.layer_norm(x, x.shape[1:]): with one group it uses PyTorch's default eps 1e-5 and never applies mults and adds (they get no gradient); every other number of groups is right."),
    ("gn_cat_groups_batch_dim", "check_groupnorm", GNCatGroupsBatchDim,
     "Normalises each group of channels per item (right statistics) but joins them with torch.cat (default dim 0: along the batch) and reshapes to x.shape: values land at the wrong items/channels for batch > 1 with 2+ groups; right for batch 1 or 1 group."),
    ("gn_params_rebuilt_in_forward", "check_groupnorm", GNParamsRebuiltInForward,
     "Rebuilds self.mults and self.adds as fresh ones/zeros Parameters at the start of every forward (to match x's dtype): values set or learned are thrown away (output as if mults = 1, adds = 0), and an optimiser built before the call holds the old parameters, which never get a gradient."),
]


# ================================================================= RIGHT answers

def ewma_fft_convolution(values, mom):
    """The deviations from values[0], causally convolved with the kernel mom*(1-mom)^age by FFT (zero-padded to 2n), added back."""
    n = len(values)
    dev = values - values[0]
    kernel = mom * (1 - mom) ** torch.arange(n, dtype=values.dtype)
    L = 2 * n
    conv = torch.fft.irfft(torch.fft.rfft(dev, L) * torch.fft.rfft(kernel, L), L)[:n]
    return values[0] + conv


class LNPairwiseVariance(nn.Module):
    """Each item's variance as half the mean squared difference over all pairs of its values."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        d = x.flatten(1)
        m = d.mean(1)
        v = ((d[:, :, None] - d[:, None, :]) ** 2).mean((1, 2)) / 2
        shape = (-1,) + (1,) * (x.dim() - 1)
        return (x - m.view(shape)) / (v.view(shape) + self.eps).sqrt() * self.mult + self.add


class BNPool3dForeach(nn.Module):
    """Channel moments by F.adaptive_avg_pool3d on x.transpose(0, 1)[None] (batch as depth); running stats by torch._foreach_lerp_."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            xt = x.transpose(0, 1)[None]                            # (1, C, N, H, W)
            m5 = F.adaptive_avg_pool3d(xt, 1)
            v5 = F.adaptive_avg_pool3d((xt - m5) ** 2, 1)
            m, v = m5.view(1, -1, 1, 1), v5.view(1, -1, 1, 1)
            n = x.numel() // x.shape[1]
            with torch.no_grad():
                torch._foreach_lerp_([self.means, self.vars], [m, v * (n / (n - 1))], self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INFloat64Accumulate(nn.Module):
    """Statistics and normalisation computed in float64 whatever x is, cast back to x's dtype before mults and adds."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        xd = x.double()
        m = xd.mean((2, 3), keepdim=True)
        v = ((xd - m) ** 2).mean((2, 3), keepdim=True)
        return ((xd - m) / (v + self.eps).sqrt()).to(x.dtype) * self.mults + self.adds


class GNChildModule(nn.Module):
    """A child nn.GroupNorm(groups, nf, eps, affine=False) does the normalising; the layer's own mults and adds after it."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.inner = nn.GroupNorm(groups, nf, eps=eps, affine=False)
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        return self.inner(x) * self.mults + self.adds


RIGHT = [
    ("ewma_fft_convolution", "check_ewma", ewma_fft_convolution,
     "deviations from values[0] causally convolved with mom*(1-mom)^age by torch.fft.rfft/irfft (zero-padded to 2n), added back onto values[0]."),
    ("ln_pairwise_variance", "check_layernorm", LNPairwiseVariance,
     "each item's variance as half the mean squared pairwise difference of its values (broadcast d[:, :, None] - d[:, None, :])."),
    ("bn_pool3d_foreach", "check_batchnorm", BNPool3dForeach,
     "channel moments by F.adaptive_avg_pool3d with the batch as a depth axis; both running stats in one torch._foreach_lerp_."),
    ("in_float64_accumulate", "check_instancenorm", INFloat64Accumulate,
     "statistics and normalisation in float64 (x.double()), cast back with .to(x.dtype) before mults and adds."),
    ("gn_child_module", "check_groupnorm", GNChildModule,
     "a child nn.GroupNorm(groups, nf, eps, affine=False) submodule, then the layer's own mults and adds."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
