"""Twentieth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout19 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

def ewma_gap_expanded(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = avg + mom * v - avg                                   # avg + mom*(v - avg) expanded: `- mom * avg` meant, mom dropped
        out.append(avg)
    return torch.stack(out)


def ewma_numpy_size(values, mom):
    out = [values[0]]
    for i in range(1, values.size):                                 # numpy's arr.size: Tensor.size is a method (len(values) meant)
        out.append(torch.lerp(out[-1], values[i], mom))
    return torch.stack(out)


def ewma_chunked_closed_form(values, mom):
    outs = []
    for chunk in values.split(64):                                  # "chunks of 64 keep the weight matrix small"
        t = torch.arange(len(chunk), dtype=values.dtype)
        age = t[:, None] - t[None, :]
        w = torch.where(age >= 0, mom * (1 - mom) ** age.clamp(min=0), torch.zeros((), dtype=values.dtype))
        w[:, 0] = (1 - mom) ** t                                    # each chunk starts from its own first value:
        outs.append(w @ chunk)                                      # the previous chunk's last average meant
    return torch.cat(outs)


def ewma_abs_gap(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = avg + mom * (v - avg).abs()                           # "move mom of the distance to v": the distance has no sign
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNPermuteNotInverted(_LNBase):
    def forward(self, x):
        xl = x.permute(0, 2, 3, 1)                                  # channels last, as a transformer's LayerNorm takes them
        out = F.layer_norm(xl, xl.shape[1:], eps=self.eps)
        return out.permute(0, 2, 3, 1) * self.mult + self.add       # permute(0, 3, 1, 2) meant: the same permutation applied again


class LNNoGradThenRequiresGrad(_LNBase):
    def forward(self, x):
        with torch.no_grad():                                       # "the statistics need no gradient"; the whole body went in
            m = x.mean((1, 2, 3), keepdim=True)
            v = x.var((1, 2, 3), keepdim=True, correction=0)
            out = (x - m) / (v + self.eps).sqrt() * self.mult + self.add
        return out.requires_grad_()                                 # added to silence "element 0 of tensors does not require grad"


class LNParameterOfFloat(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(1.)                                # nn.Parameter(torch.tensor(1.)) meant: a Python float
        self.add = nn.Parameter(0.)

    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNGramRowSums(_LNBase):
    def forward(self, x):
        xf = x.flatten(1)
        d = xf - xf.mean(1, keepdim=True)
        v = (d @ d.T).sum(1) / xf.shape[1]                          # each item's sum of squares is the Gram matrix's DIAGONAL:
        return (d / (v[:, None] + self.eps).sqrt()).view(x.shape) * self.mult + self.add   # .diagonal() meant, not .sum(1)


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
        return x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), keepdim=True, correction=0), x.numel() / x.shape[1]

    def update(self, m, v, n):
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)


class BNUpdateOnlyWithGrad(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            if x.requires_grad:                                     # "only real training steps move the running statistics"
                self.update(m, v, n)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNEvalHelperShadowsEval(_BNBase):
    def eval(self, x):                                              # a helper for the eval branch, named `eval`: it hides
        return (x - self.means) / (self.vars + self.eps).sqrt() * self.mults + self.adds   # nn.Module.eval()

    def forward(self, x):
        if not self.training: return self.eval(x)
        m, v, n = self.batch_stats(x)
        self.update(m, v, n)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNEvalNotCentred(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            self.update(m, v, n)
            return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds
        return x / (self.vars + self.eps).sqrt() * self.mults + self.adds   # (x - self.means) meant: the running mean left out


class BNStdReusesVarName(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            v = (v + self.eps).sqrt()                               # the name v reused for the std ...
            self.update(m, v, n)                                    # ... so the running var follows the std
            return (x - m) / v * self.mults + self.adds
        return (x - self.means) / (self.vars + self.eps).sqrt() * self.mults + self.adds


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INStatsUnsqueezedTwice(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)[..., None, None]           # keepdim=True already kept the dims: (N, C, 1, 1, 1, 1)
        v = x.var((2, 3), keepdim=True, correction=0)[..., None, None]
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INInPlaceWithoutGrad(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        if not x.requires_grad:                                     # "in place saves memory when no gradient is needed"
            return x.sub_(m).div_((v + self.eps).sqrt()) * self.mults + self.adds
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INFunctionalPositional(_INBase):
    def forward(self, x):                                           # F.instance_norm(input, running_mean, running_var, weight, bias, ...):
        return F.instance_norm(x, self.mults.flatten(), self.adds.flatten(), eps=self.eps)   # weight=, bias= meant


class INDataDependentInit(_INBase):
    def __init__(self, nf, eps=1e-5):
        super().__init__(nf, eps)
        self.initialised = False

    def forward(self, x):
        if not self.initialised:                                    # "start as the identity, as LSUV starts from the data":
            with torch.no_grad():                                   # mults and adds set from the first batch
                self.mults.copy_(x.std((0, 2, 3), correction=0).view(-1, 1, 1))
                self.adds.copy_(x.mean((0, 2, 3)).view(-1, 1, 1))
            self.initialised = True
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm_slice(self, xs):
        m = xs.mean((1, 2, 3), keepdim=True)
        v = xs.var((1, 2, 3), keepdim=True, correction=0)
        return (xs - m) / (v + self.eps).sqrt()


class GNLoopOverChannelsPerGroup(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        out = x.clone()
        for g in range(cpg):                                        # range(self.groups) meant
            sl = slice(g * cpg, (g + 1) * cpg)
            out[:, sl] = self.norm_slice(x[:, sl])
        return out * self.mults + self.adds


class GNEvalStatsNoGrad(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        if self.training:
            m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        else:
            with torch.no_grad():                                   # "no gradients needed at inference"
                m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNEllipsisSlice(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        out = x.clone()
        for g in range(self.groups):
            sl = slice(g * cpg, (g + 1) * cpg)
            out[..., sl] = self.norm_slice(x[..., sl])              # x[:, sl] meant: `...` puts the slice on the last dim (the width)
        return out * self.mults + self.adds


class GNStatsOfPreviousGroup(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        slices = [slice(g * cpg, (g + 1) * cpg) for g in range(self.groups)]
        stats = [(x[:, sl].mean((1, 2, 3), keepdim=True), x[:, sl].var((1, 2, 3), keepdim=True, correction=0)) for sl in slices]
        out = x.clone()
        for g, sl in enumerate(slices):
            m, v = stats[g - 1]                                     # stats[g] meant (an index from a 1-based draft): g = 0 wraps to the last
            out[:, sl] = (x[:, sl] - m) / (v + self.eps).sqrt()
        return out * self.mults + self.adds


WRONG = [
    ("ewma_gap_expanded", "check_ewma", ewma_gap_expanded, "avg = avg + mom * v - avg (avg + mom*(v - avg) expanded with mom dropped from the last term; - mom * avg meant): the avg terms cancel, so every output is mom * its own value: no memory of earlier values, and not even values[0] for output 0 (right only at mom 1)."),
    ("ewma_numpy_size", "check_ewma", ewma_numpy_size, "for i in range(1, values.size) (numpy's arr.size attribute; len(values) meant): Tensor.size is a method, so every stream raises TypeError \"'builtin_function_or_method' object cannot be interpreted as an integer\"."),
    ("ewma_chunked_closed_form", "check_ewma", ewma_chunked_closed_form, "Closed form W @ chunk on chunks of 64 values ('keep the weight matrix small'), each chunk started from its own first value where the previous chunk's last average was meant: streams of up to 64 values are right; from output 64 on the average restarts (output 64 is values[64] itself, and the history before it is dropped)."),
    ("ewma_abs_gap", "check_ewma", ewma_abs_gap, "avg = avg + mom * (v - avg).abs() ('move mom of the distance to v'): the step has no sign, so the average only ever rises: a value below the running average pushes it UP by mom times the gap; right only while each value is at or above the average so far (e.g. a non-decreasing stream, or one value)."),
    ("ln_permute_not_inverted", "check_layernorm", LNPermuteNotInverted, "Normalises the channels-last view x.permute(0, 2, 3, 1) with F.layer_norm (right statistics) and 'permutes back' with the same permutation (0, 2, 3, 1) instead of its inverse (0, 3, 1, 2): the output has shape (N, W, C, H), not (N, C, H, W) (e.g. (2, 5, 6, 4) for a (2, 6, 4, 5) input), its values in that layout."),
    ("ln_no_grad_then_requires_grad", "check_layernorm", LNNoGradThenRequiresGrad, "The whole forward (statistics, normalising, mult and add) under torch.no_grad(), then out.requires_grad_() ('to silence element 0 of tensors does not require grad'): every output value is right and backward runs, but the output is a new leaf: x, mult and add get no gradient at all (x.grad, mult.grad, add.grad stay None)."),
    ("ln_parameter_of_float", "check_layernorm", LNParameterOfFloat, "nn.Parameter(1.) and nn.Parameter(0.) with Python floats (nn.Parameter(torch.tensor(1.)) meant): building the layer raises AttributeError \"'float' object has no attribute 'detach'\" (raised inside nn.Parameter)."),
    ("ln_gram_row_sums", "check_layernorm", LNGramRowSums, "Each item's sum of squared deviations taken from the Gram matrix d @ d.T of the centred, flattened items, but with .sum(1) where .diagonal() was meant: item i's 'variance' is d_i . (sum over j of d_j) / K, which includes the other items' deviations: right for a batch of one; for 2+ items wrong spreads (NaN where it comes out below -eps)."),
    ("bn_update_only_with_grad", "check_batchnorm", BNUpdateOnlyWithGrad, "In training, updates the running statistics only if x.requires_grad ('only real training steps move them'): a training-mode call on an input that does not require grad (e.g. under torch.no_grad(), or a plain tensor) normalises right with the batch statistics but leaves running mean and var unchanged; right whenever the input requires grad."),
    ("bn_eval_helper_shadows_eval", "check_batchnorm", BNEvalHelperShadowsEval, "The eval-mode branch is a helper method named eval(self, x): it hides nn.Module.eval, so layer.eval() raises TypeError \"BNEvalHelperShadowsEval.eval() missing 1 required positional argument: 'x'\" and the layer can never be put in eval mode; training mode and the running statistics are right."),
    ("bn_eval_not_centred", "check_batchnorm", BNEvalNotCentred, "Eval branch returns x / sqrt(vars + eps) * mults + adds ((x - self.means) meant): the running mean is never subtracted in eval; training and the running statistics are right, and a fresh layer in eval is right (its running mean is 0); after training, eval is off by -means/sqrt(vars + eps) * mults per channel."),
    ("bn_std_reuses_var_name", "check_batchnorm", BNStdReusesVarName, "Reuses the name v for the std (v = (v + eps).sqrt()) before the running-stat update: training output and running mean are right, but the running var is lerped towards sqrt(var + eps) * n/(n-1) (the batch std, Bessel-scaled) instead of var * n/(n-1): after training the running var and the eval output are wrong (channels with var above 1 get a running var too small, below 1 too big)."),
    ("in_stats_unsqueezed_twice", "check_instancenorm", INStatsUnsqueezedTwice, "x.mean((2, 3), keepdim=True)[..., None, None] (and the variance likewise): keepdim already kept the reduced dims, so the statistics are (N, C, 1, 1, 1, 1) and broadcast against x into a 6-d output (N, C, N, C, H, W) (e.g. (2, 6, 2, 6, 4, 5)), element [i, j, k, l] = (x[k, l] - mean[i, j]) / std[i, j], times mults and plus adds."),
    ("in_in_place_without_grad", "check_instancenorm", INInPlaceWithoutGrad, "When the input does not require grad it normalises with x.sub_(m).div_(std) ('in place saves memory when no gradient is needed'): the output is right, but the caller's input is overwritten with its normalised values; inputs that require grad are handled out of place and are right."),
    ("in_functional_positional", "check_instancenorm", INFunctionalPositional, "F.instance_norm(x, self.mults.flatten(), self.adds.flatten(), eps=...) with weight and bias passed positionally: F.instance_norm's 2nd and 3rd parameters are running_mean and running_var, so mults and adds go in as running statistics and every call with gradients enabled raises RuntimeError \"The function 'native_batch_norm' is not differentiable with respect to argument 'running_mean'...\" (weight=, bias= meant; under torch.no_grad it would instead apply no scale/shift and overwrite mults and adds with running averages)."),
    ("in_data_dependent_init", "check_instancenorm", INDataDependentInit, "On its first call sets mults to the batch's per-channel std over (0, 2, 3) and adds to the per-channel mean ('start as the identity, as LSUV starts from the data'), then normalises right: every output is xn * std_c + mean_c with the FIRST batch's per-channel statistics instead of the layer's own mults/adds (1 and 0 when fresh); parameters set before the first call are overwritten; gradients follow the overwritten values."),
    ("gn_loop_over_channels_per_group", "check_groupnorm", GNLoopOverChannelsPerGroup, "Group loop runs over range(cpg) (channels per group; range(groups) meant) with slices g*cpg:(g+1)*cpg: when cpg >= groups every group is normalised (surplus slices are empty) and it is right; when groups > cpg only the first cpg groups are normalised and the later groups' channels are left raw (then scaled and shifted): e.g. GroupNorm(4, 8) normalises channels 0-3 only, GroupNorm(3, 6) channels 0-3, GroupNorm(4, 4) channel 0."),
    ("gn_eval_stats_no_grad", "check_groupnorm", GNEvalStatsNoGrad, "Right in training; in eval mode takes the group mean and variance under torch.no_grad() ('no gradients at inference'): eval outputs and mults/adds gradients are right, but the input gradient in eval misses the terms through the statistics (it is g * mults / std, as if the statistics were constants)."),
    ("gn_ellipsis_slice", "check_groupnorm", GNEllipsisSlice, "Slices each group as x[..., g*cpg:(g+1)*cpg] (x[:, ...] meant): the Ellipsis puts the slice on the last dim, so each 'group' is a block of cpg WIDTH columns over every channel and row of the item, and columns from groups*cpg = C on are left raw; right only for one group with W <= C (the block is then the whole item)."),
    ("gn_stats_of_previous_group", "check_groupnorm", GNStatsOfPreviousGroup, "Computes each group's statistics (right) but normalises group g with stats[g - 1] (stats[g] meant): group 0 gets the last group's mean and variance (Python's -1 index wraps), every other group its predecessor's; right with one group; with 2+ groups no group is normalised with its own statistics."),
]


# ================================================================= RIGHT answers

def ewma_embedding_bag(values, mom):
    """Each output a weighted bag of values[0..t] by F.embedding_bag(mode='sum', per_sample_weights)."""
    n = len(values)
    tt, jj = torch.tril_indices(n, n)                               # every pair (output t, value j <= t), row by row
    w = mom * (1 - mom) ** (tt - jj).to(values.dtype)
    w = torch.where(jj == 0, (1 - mom) ** tt.to(values.dtype), w)    # values[0] carries the start's leftover weight
    offsets = torch.arange(n) * (torch.arange(n) + 1) // 2
    return F.embedding_bag(jj, values[:, None], offsets, mode='sum', per_sample_weights=w).squeeze(1)


class LNAdaptivePool3d(nn.Module):
    """Each item as a one-channel volume: means of x and of the squared deviations by F.adaptive_avg_pool3d(., 1)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        vol = x[:, None]
        m = F.adaptive_avg_pool3d(vol, 1)
        d = vol - m
        v = F.adaptive_avg_pool3d(d * d, 1)
        return (d / (v + self.eps).sqrt()).squeeze(1) * self.mult + self.add


class BNSumToSizeAddcmul(nn.Module):
    """Per-channel sums by Tensor.sum_to_size(1, C, 1, 1); running stats moved by addcmul_(ones, new - running, value=mom)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            k = x.numel() // x.shape[1]
            m = x.sum_to_size(1, x.shape[1], 1, 1) / k
            d = x - m
            v = (d * d).sum_to_size(1, x.shape[1], 1, 1) / k
            with torch.no_grad():
                one = torch.ones_like(self.means)
                self.means.addcmul_(one, m - self.means, value=self.mom)
                self.vars.addcmul_(one, v * (k / (k - 1)) - self.vars, value=self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INFunctionalKeywords(nn.Module):
    """PyTorch's F.instance_norm, the layer's mults and adds given by keyword as weight and bias."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        return F.instance_norm(x, weight=self.mults.flatten(), bias=self.adds.flatten(), eps=self.eps)


class GNAdaptivePool2dView(nn.Module):
    """Group moments by F.adaptive_avg_pool2d(., 1) on an (N, groups, C/groups*H, W) view (each group one 'channel')."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.reshape(n, self.groups, c // self.groups * h, w)
        m = F.adaptive_avg_pool2d(xg, 1)
        d = xg - m
        v = F.adaptive_avg_pool2d(d * d, 1)
        return (d / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


RIGHT = [
    ("ewma_embedding_bag", "check_ewma", ewma_embedding_bag,
     "each output a weighted bag of values[0..t] by F.embedding_bag(mode='sum', per_sample_weights) over torch.tril_indices pairs."),
    ("ln_adaptive_pool3d", "check_layernorm", LNAdaptivePool3d,
     "each item as a one-channel volume; means of x and of the squared deviations by F.adaptive_avg_pool3d(., 1)."),
    ("bn_sum_to_size_addcmul", "check_batchnorm", BNSumToSizeAddcmul,
     "per-channel sums by Tensor.sum_to_size(1, C, 1, 1); running stats moved by addcmul_(ones, new - running, value=mom)."),
    ("in_functional_keywords", "check_instancenorm", INFunctionalKeywords,
     "PyTorch's F.instance_norm with the layer's mults and adds passed by keyword (weight=, bias=), flattened."),
    ("gn_adaptive_pool2d_view", "check_groupnorm", GNAdaptivePool2dView,
     "group moments by F.adaptive_avg_pool2d(., 1) on an (N, groups, C/groups*H, W) view."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
