"""Tenth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout9 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


# ====================================================================== EWMA (wrong)

def ewma_one_based_steps(values, mom):
    n = len(values)
    t = torch.arange(1, n + 1, dtype=values.dtype)                 # steps counted from 1 ...
    j = torch.arange(n, dtype=values.dtype)                         # ... values indexed from 0
    W = torch.tril(mom * (1 - mom) ** (t[:, None] - j[None, :]))    # age t - j: one too many
    W[:, 0] = (1 - mom) ** t                                        # values[0]'s share, with the same 1-based t
    return W @ values


def ewma_debias_mom_power(values, mom):
    avg, out = torch.zeros_like(values[0]), []
    for t, v in enumerate(values):
        avg = torch.lerp(avg, v, mom)
        out.append(avg / (1 - mom ** (t + 1)))                      # Adam's 1 - beta^t with beta = mom (1 - mom meant)
    return torch.stack(out)


def ewma_range_past_end(values, mom):
    avg, out = values[0], [values[0]]
    for i in range(1, len(values) + 1):                             # range(1, len(values)) meant
        avg = torch.lerp(avg, values[i], mom)
        out.append(avg)
    return torch.stack(out)


def ewma_start_rebuilt_float32(values, mom):
    avg = torch.tensor(values[0].item())                            # a fresh copy of the start "so values is never changed": float32
    out = []
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


class LNSqueezedStats(_LNBase):
    def forward(self, x):
        flat = x.flatten(1)
        m = flat.mean(1).squeeze()                                  # squeeze "to get a vector": a 0-d tensor for batch 1
        v = flat.var(1, correction=0).squeeze()
        m, v = m[:, None, None, None], v[:, None, None, None]
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNNormalisedTwice(_LNBase):
    def norm(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt()

    def forward(self, x):
        x = self.norm(x)                                            # a leftover line ...
        return self.norm(x) * self.mult + self.add                  # ... so the normalised values are normalised again


class LNInitValuesSwapped(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult, self.add = nn.Parameter(torch.zeros(())), nn.Parameter(torch.ones(()))   # zeros/ones the wrong way round

    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNAddAsFloat(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + float(self.add)   # float(): a plain number, cut from autograd


# ================================================================= BatchNorm (wrong)

class _BNBase(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))      # the lesson's order: vars, then means
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))


class BNRunningFromLastChannel(_BNBase):
    def forward(self, x):
        if self.training:
            n = x.numel() / x.shape[1]
            outs = []
            for c in range(x.shape[1]):
                xc = x[:, c]
                m, v = xc.mean(), xc.var(correction=0)
                outs.append((xc - m) / (v + self.eps).sqrt())
            with torch.no_grad():                                   # after the loop: m and v are the last channel's
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
            xn = torch.stack(outs, 1)
        else:
            xn = (x - self.means) / (self.vars + self.eps).sqrt()
        return xn * self.mults + self.adds


class BNBesselInPlace(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            n = x.numel() / x.shape[1]
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v.mul_(n / (n - 1)), self.mom)      # mul_ changes v itself, which normalises below
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNEvalSkipsNormalising(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            n = x.numel() / x.shape[1]
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
            x = (x - m) / (v + self.eps).sqrt()
        return x * self.mults + self.adds                           # eval: nothing normalises x


class BNEvalBuffersUnpacked(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            n = x.numel() / x.shape[1]
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.buffers()                                   # registration order: vars first, then means
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INParamsViewedAfterWrapping(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf)).view(nf, 1, 1)    # the view of a parameter is a plain (non-leaf) tensor:
        self.adds = nn.Parameter(torch.zeros(nf)).view(nf, 1, 1)    # nn.Parameter(torch.ones(nf, 1, 1)) meant

    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INWelfordOldMean(_INBase):
    def forward(self, x):
        pixels = x.flatten(2).unbind(-1)
        mean = torch.zeros_like(x[:, :, 0, 0])
        m2 = torch.zeros_like(mean)
        for k, p in enumerate(pixels, 1):
            d = p - mean
            mean = mean + d / k
            m2 = m2 + d * d                                         # d * (p - mean), with the updated mean, meant
        v = m2 / len(pixels)
        return (x - mean[..., None, None]) / (v[..., None, None] + self.eps).sqrt() * self.mults + self.adds


class INAffineBeforeDivide(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return ((x - m) * self.mults + self.adds) / (v + self.eps).sqrt()   # scaled and shifted before the division


class INEpsAddedToRsqrt(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return (x - m) * (v.rsqrt() + self.eps) * self.mults + self.adds   # rsqrt(v + eps) meant


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNInPlaceThroughView(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)                    # a view: it shares x's memory
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        xg -= m                                                     # so these write into the caller's x
        xg /= (v + self.eps).sqrt()
        return xg.view(x.shape) * self.mults + self.adds


class GNGroupsSplitPositions(_GNBase):
    def forward(self, x):
        n, c = x.shape[:2]
        xg = x.view(n, c, self.groups, -1)                          # each channel's positions cut into `groups` runs
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNParamsShapedForGroupedView(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(groups, nf // groups, 1, 1))    # shaped for the grouped view ...
        self.adds = nn.Parameter(torch.zeros(groups, nf // groups, 1, 1))

    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        xn = ((xg - m) / (v + self.eps).sqrt()).view(x.shape)
        return xn * self.mults + self.adds                          # ... but applied to (N, C, H, W)


class GNGroupMeanItemVar(_GNBase):
    def forward(self, x):
        n = x.shape[0]
        xg = x.view(n, self.groups, -1)
        m = xg.mean(-1, keepdim=True)                               # each group's mean ...
        v = x.var((1, 2, 3), correction=0).view(n, 1, 1)            # ... the whole item's variance (LayerNorm's line)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


WRONG = [
    ("ewma_one_based_steps", "check_ewma", ewma_one_based_steps,
     "Closed form with steps counted from 1 (t = arange(1, n+1)) but values indexed from 0: every weight, values[0]'s (1-mom)^(t+1) included, is (1-mom) times the right one, so every output is (1-mom) times the right average; output 0 is (1-mom)*values[0]."),
    ("ewma_debias_mom_power", "check_ewma", ewma_debias_mom_power,
     "Starts from 0 and divides by Adam's bias correction written with the wrong base, 1 - mom^(t+1) instead of 1 - (1-mom)^(t+1): output 0 is mom/(1-mom)*values[0] (0.111x at mom 0.1); at mom 0.5 it equals the Adam-debiased (weights normalised) average, still wrong from output 1 on."),
    ("ewma_range_past_end", "check_ewma", ewma_range_past_end,
     "Loops i over range(1, len(values) + 1): values[len(values)] raises IndexError on every stream (one value included)."),
    ("ewma_start_rebuilt_float32", "check_ewma", ewma_start_rebuilt_float32,
     "Rebuilds the start as torch.tensor(values[0].item()), which is float32: for float64 values torch.lerp raises RuntimeError 'expected dtype float for `end` but got dtype double'; float32 values are right."),
    ("ln_squeezed_stats", "check_layernorm", LNSqueezedStats,
     "Squeezes the per-item statistics (N,) and re-indexes them with [:, None, None, None]: for batch 1 squeeze() makes them 0-d and the indexing raises IndexError 'too many indices for tensor of dimension 0'; right for every batch > 1."),
    ("ln_normalised_twice", "check_layernorm", LNNormalisedTwice,
     "Normalises, then normalises the result again (a leftover x = self.norm(x) line): the second pass divides by sqrt(v/(v+eps) + eps), i.e. it returns PyTorch's output / sqrt(v/(v+eps) + eps): off by about eps*(1 - 1/v)/2 relative at eps 1e-5 (exact where var is 1), visibly at eps 0.1 ([1, 2, 3, 4] gives -1.2746 where PyTorch gives -1.2910); gradients differ too."),
    ("ln_init_values_swapped", "check_layernorm", LNInitValuesSwapped,
     "Creates mult as 0 and add as 1 (zeros/ones the wrong way round): a freshly built layer outputs 1 everywhere and passes no gradient to x; with mult and add set to other values it is right."),
    ("ln_add_as_float", "check_layernorm", LNAddAsFloat,
     "Adds float(self.add), a plain Python number: every output and the gradients of x and mult are right, but add gets no gradient (add.grad stays None), so an optimiser never moves it; mult is right."),
    ("bn_running_from_last_channel", "check_batchnorm", BNRunningFromLastChannel,
     "Normalises channel by channel in a loop (training output right) but updates the running stats after the loop with the loop's leftover m, v: every channel's running mean and var follow the LAST channel's batch statistics; eval uses them."),
    ("bn_bessel_in_place", "check_batchnorm", BNBesselInPlace,
     "Applies Bessel's factor with v.mul_(n/(n-1)) inside the update: v itself becomes the unbiased variance, so training normalises with the unbiased variance; the running mean and var are right (and eval)."),
    ("bn_eval_skips_normalising", "check_batchnorm", BNEvalSkipsNormalising,
     "Normalises only inside the training branch: in eval it returns x * mults + adds (running stats never used); training and the running stats are right."),
    ("bn_eval_buffers_unpacked", "check_batchnorm", BNEvalBuffersUnpacked,
     "In eval unpacks m, v = self.buffers(), whose order is registration order (vars first): eval subtracts the running VAR and divides by sqrt(running MEAN + eps) (NaN where the running mean < -eps); training and the running stats are right."),
    ("in_params_viewed_after_wrapping", "check_instancenorm", INParamsViewedAfterWrapping,
     "self.mults = nn.Parameter(torch.ones(nf)).view(nf, 1, 1) (and adds alike): the attribute is a non-leaf view, not a Parameter, so the layer has no parameters (list(parameters()) == []), mults.grad and adds.grad stay None, module.to() leaves them float32; the outputs and x's gradient are right."),
    ("in_welford_old_mean", "check_instancenorm", INWelfordOldMean,
     "Welford's pixel-by-pixel update with M2 += d*d (d = p - old mean) instead of d*(p - new mean): M2 includes the first pixel squared and overestimates every later term: variance too big, output centred but spread too small (and varies with the data's mean)."),
    ("in_affine_before_divide", "check_instancenorm", INAffineBeforeDivide,
     "((x - m) * mults + adds) / sqrt(v + eps): the shift is divided by the std too; a fresh layer's output and mults gradient are right, adds' gradient is sum(g / std) per channel; wrong output for any nonzero adds."),
    ("in_eps_added_to_rsqrt", "check_instancenorm", INEpsAddedToRsqrt,
     "(x - m) * (rsqrt(v) + eps): eps added to 1/std instead of to the variance: output xn_noeps + eps*(x - m); tiny effect at eps 1e-5, spread about 1 + eps*std at eps 0.1; inf/NaN for a constant channel."),
    ("gn_in_place_through_view", "check_groupnorm", GNInPlaceThroughView,
     "xg = x.view(...) then xg -= m, xg /= std: the view shares x's memory, so it overwrites the caller's input; raises RuntimeError 'a view of a leaf Variable that requires grad is being used in an in-place operation' when x requires grad; without grad the output is right but x is changed."),
    ("gn_groups_split_positions", "check_groupnorm", GNGroupsSplitPositions,
     "x.view(n, c, groups, -1): each set is one channel's positions cut into `groups` runs (per item, channel and run), not a group of channels; 1 group: InstanceNorm; RuntimeError when groups does not divide H*W."),
    ("gn_params_shaped_for_grouped_view", "check_groupnorm", GNParamsShapedForGroupedView,
     "mults and adds shaped (groups, nf/groups, 1, 1) (for the grouped view) but applied to the (N, C, H, W) output: right with 1 group ((1, C, 1, 1)); RuntimeError for other groups unless shapes happen to broadcast (wrong shape then)."),
    ("gn_group_mean_item_var", "check_groupnorm", GNGroupMeanItemVar,
     "Subtracts each group's mean but divides by the whole item's standard deviation (about the item's mean, over (1, 2, 3)): each group centred, spread not 1; right with 1 group."),
]


# ================================================================= RIGHT answers

def ewma_jacobi_sweeps(values, mom):
    """The whole recurrence as a vector, swept len(values) times (Jacobi iteration): sweep k makes outputs 0..k exact."""
    avg = values.clone()
    for _ in range(len(values)):
        avg = torch.cat([values[:1], (1 - mom) * avg[:-1] + mom * values[1:]])
    return avg


class LNFunctionalExpandedAffine(nn.Module):
    """F.layer_norm with the scalar mult and add expanded to the item's shape as its weight and bias."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        shape = x.shape[1:]
        return F.layer_norm(x, shape, self.mult.to(x.dtype).expand(shape), self.add.to(x.dtype).expand(shape), self.eps)


class BNChanCombine(nn.Module):
    """Per-item channel means and sums of squared deviations, combined over the batch by Chan's parallel formula."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            k = x.shape[2] * x.shape[3]
            im = x.mean((2, 3))                                     # (N, C)
            im2 = ((x - im[..., None, None]) ** 2).sum((2, 3))      # (N, C)
            m = im.mean(0)
            M2 = im2.sum(0) + k * ((im - m) ** 2).sum(0)
            n = k * x.shape[0]
            with torch.no_grad():
                self.means.mul_(1 - self.mom).add_(m.view_as(self.means), alpha=self.mom)
                self.vars.mul_(1 - self.mom).add_((M2 / (n - 1)).view_as(self.vars), alpha=self.mom)
            m, v = m.view(1, -1, 1, 1), (M2 / n).view(1, -1, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INGroupNormPerChannel(nn.Module):
    """F.group_norm with one group per channel."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        return F.group_norm(x, x.shape[1], self.mults.flatten().to(x.dtype), self.adds.flatten().to(x.dtype), self.eps)


class GNSplitLayerNorm(nn.Module):
    """x.split into groups of channels, each normalised by F.layer_norm over its (C/groups, H, W), concatenated back."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        cpg = x.shape[1] // self.groups
        xn = torch.cat([F.layer_norm(xs, xs.shape[1:], eps=self.eps) for xs in x.split(cpg, 1)], 1)
        return xn * self.mults + self.adds


RIGHT = [
    ("ewma_jacobi_sweeps", "check_ewma", ewma_jacobi_sweeps,
     "the recurrence as a vector update swept len(values) times (Jacobi iteration) with torch.cat."),
    ("ln_functional_expanded_affine", "check_layernorm", LNFunctionalExpandedAffine,
     "F.layer_norm with the scalar mult and add cast to x's dtype and expanded to x.shape[1:] as weight and bias."),
    ("bn_chan_combine", "check_batchnorm", BNChanCombine,
     "per-item channel means and M2 combined by Chan's parallel formula; running stats by mul_/add_(alpha)."),
    ("in_group_norm_per_channel", "check_instancenorm", INGroupNormPerChannel,
     "F.group_norm(x, C, weight, bias, eps): one group per channel."),
    ("gn_split_layer_norm", "check_groupnorm", GNSplitLayerNorm,
     "x.split(C/groups, 1), F.layer_norm over each piece's (C/groups, H, W), torch.cat back."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
