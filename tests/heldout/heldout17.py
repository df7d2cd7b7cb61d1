"""Seventeenth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout16 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore', message='index_reduce')


# ====================================================================== EWMA (wrong)

def ewma_log_space_closed_form(values, mom):
    a = math.log(1 - mom)
    t = torch.arange(len(values), dtype=values.dtype)
    logc = math.log(mom) - a * t                                    # log of each value's weight mom*(1-mom)^-j, before the decay
    logc[0] = 0.
    return torch.exp(a * t + torch.logcumsumexp(logc + values.log(), 0))   # values.log(): only defined for positive values


def ewma_linspace_ages(values, mom):
    n = len(values)
    age = torch.linspace(0, n, n, dtype=values.dtype)               # ages 0, 1, ..., n-1 meant: torch.arange(n) (linspace ends at n)
    w = torch.tril(mom * (1 - mom) ** (age[:, None] - age[None, :]))
    w[:, 0] = (1 - mom) ** age
    return w @ values


def ewma_closed_form_weight_in_recursion(values, mom):
    avg, out = values[0], []
    for i, v in enumerate(values):
        avg = torch.lerp(avg, v, mom * (1 - mom) ** i)              # the closed form's weight put in the recursion: mom meant
        out.append(avg)
    return torch.stack(out)


def ewma_addcmul_scalar_first(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.addcmul(avg, mom, v - avg)                      # avg + mom * (v - avg): addcmul(avg, v - avg, value=mom) meant
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNSqueezeInput(_LNBase):
    def forward(self, x):
        xf = x.squeeze().flatten(1)                                 # "drop stray size-1 dims": x.flatten(1) meant (a batch of one goes too)
        m = xf.mean(1, keepdim=True)
        v = xf.var(1, keepdim=True, correction=0)
        return ((xf - m) / (v + self.eps).sqrt()).view(x.shape) * self.mult + self.add


class LNCountSumOfSizes(_LNBase):
    def forward(self, x):
        n = sum(x.shape[1:])                                        # values per item: math.prod(x.shape[1:]) meant (C*H*W, not C+H+W)
        m = x.sum((1, 2, 3), keepdim=True) / n
        v = ((x - m) ** 2).sum((1, 2, 3), keepdim=True) / n
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNNewTensorParams(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        xn = (x - m) / (v + self.eps).sqrt()
        return xn * x.new_tensor(self.mult) + x.new_tensor(self.add)   # "in x's dtype": new_tensor copies and detaches (self.mult meant)


class LNSqrtNotCalled(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt * self.mult + self.add     # .sqrt() meant: the method is never called


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


class BNDoubleBessel(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                vu = x.var((0, 2, 3), keepdim=True)                 # torch.var's default is already unbiased ...
                self.vars.lerp_(vu * n / (n - 1), self.mom)         # ... and Bessel's factor is applied again (v * n/(n-1) meant)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNBesselSkippedForOneItem(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            f = n / (n - 1) if len(x) > 1 else 1.                   # "one image has no batch to correct for": n = N*H*W > 1 anyway
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * f, self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNEvalEpsOutsideSqrt(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
            return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds
        return (x - self.means) / (self.vars.sqrt() + self.eps) * self.mults + self.adds   # (self.vars + self.eps).sqrt() meant


class BNEvalInPlaceEps(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars
            v += self.eps                                           # v is the buffer itself: v = v + self.eps meant (each eval call adds eps to it)
            return (x - m) / v.sqrt() * self.mults + self.adds
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INFunctionalEpsAsMomentum(_INBase):
    def forward(self, x):
        return F.instance_norm(x, None, None, self.mults.view(-1), self.adds.view(-1), True, self.eps)   # 7th positional is momentum: eps=self.eps meant


class INOutPreallocatedDefaultDtype(_INBase):
    def forward(self, x):
        out = torch.zeros(x.shape)                                  # torch.zeros_like(x) meant: torch.zeros is float32 whatever x is
        for c in range(x.shape[1]):
            xc = x[:, c]
            m = xc.mean((1, 2), keepdim=True)
            v = xc.var((1, 2), keepdim=True, correction=0)
            out[:, c] = (xc - m) / (v + self.eps).sqrt() * self.mults[c] + self.adds[c]
        return out


class INLayerNormShapeReversed(_INBase):
    def forward(self, x):
        n, c, h, w = x.shape
        return F.layer_norm(x, (w, h), eps=self.eps) * self.mults + self.adds   # normalized_shape (h, w) meant: the last two sizes in order


class INVarDimsFromBatchNorm(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)            # copied from the BatchNorm exercise: x.var((2, 3), ...) meant
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNVarCountOneChannel(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = ((xg - m) ** 2).sum(-1, keepdim=True) / (h * w)         # values per group: (c // self.groups) * h * w meant
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNCloneDetachInput(_GNBase):
    def forward(self, x):
        xg = x.clone().detach().view(x.shape[0], self.groups, -1)   # "work on a copy so x is not changed": x.view(...) (or x.clone()) meant
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNListResetInLoop(_GNBase):
    def forward(self, x):
        for xs in x.chunk(self.groups, 1):
            outs = []                                               # meant before the loop: reset for every group, only the last survives
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            outs.append((xs - m) / (v + self.eps).sqrt())
        return torch.cat(outs, 1) * self.mults + self.adds


class GNEpsOnlyForZeroVar(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        v = torch.where(v == 0, self.eps, v)                        # "eps only to avoid dividing by 0": v + self.eps meant
        return ((xg - m) / v.sqrt()).view(x.shape) * self.mults + self.adds


WRONG = [
    ("ewma_log_space_closed_form", "check_ewma", ewma_log_space_closed_form, "Closed form in log space: exp(t*log(1-mom) + logcumsumexp(log c_j + values.log())): the log of a negative value is NaN, so every output from the first negative value on is NaN; right for streams of positive values (and zeros)."),
    ("ewma_linspace_ages", "check_ewma", ewma_linspace_ages, "Closed form W @ values with ages torch.linspace(0, n, n) (arange(n) meant): the ages are t*n/(n-1), so every weight has the wrong power and the weights no longer sum to 1; right for one value; [1, 3] at mom 0.1 gives [1, 1.11] (right: [1, 1.2])."),
    ("ewma_closed_form_weight_in_recursion", "check_ewma", ewma_closed_form_weight_in_recursion, "Recursion avg = lerp(avg, v_i, mom*(1-mom)**i): the closed form's weight put into the step, so value i is folded in with a weight that shrinks geometrically with its position; output 0 right, later outputs move too little; right for one value and constant streams."),
    ("ewma_addcmul_scalar_first", "check_ewma", ewma_addcmul_scalar_first, "torch.addcmul(avg, mom, v - avg) for avg + mom*(v - avg): addcmul's second argument must be a tensor: TypeError 'addcmul(): argument 'tensor1' (position 2) must be Tensor, not float' on every stream."),
    ("ln_squeeze_input", "check_layernorm", LNSqueezeInput, "x.squeeze().flatten(1) ('drop stray size-1 dims'; x.flatten(1) meant): for a batch of one squeeze drops the batch dim, so the rows are the channels: each channel is normalised on its own (InstanceNorm); right for batches of 2+."),
    ("ln_count_sum_of_sizes", "check_layernorm", LNCountSumOfSizes, "Count n = sum(x.shape[1:]) (C+H+W) where math.prod (C*H*W) was meant: mean and variance are sums / (C+H+W): the mean is CHW/(C+H+W) times too big (8x for (6, 4, 5)); outputs off-centre with a wrong spread."),
    ("ln_new_tensor_params", "check_layernorm", LNNewTensorParams, "xn * x.new_tensor(self.mult) + x.new_tensor(self.add) ('in x's dtype'): new_tensor copies and detaches, so output and x.grad are right for any mult/add but mult and add never get a gradient (grad None)."),
    ("ln_sqrt_not_called", "check_layernorm", LNSqrtNotCalled, "(v + self.eps).sqrt without the call parentheses: TypeError 'unsupported operand type(s) for /: 'Tensor' and 'builtin_function_or_method'' on every call."),
    ("bn_double_bessel", "check_batchnorm", BNDoubleBessel, "Running var lerped towards x.var((0, 2, 3)) (torch.var's default, already unbiased) times n/(n-1) again: the running var follows v*(n/(n-1))^2; training output and running mean right; running var and eval a little too big (40/39 extra on (2, 6, 4, 5))."),
    ("bn_bessel_skipped_for_one_item", "check_batchnorm", BNBesselSkippedForOneItem, "Bessel factor set to 1 when len(x) == 1 ('one image has nothing to correct'): with a batch of one the running var follows the biased variance (n = H*W values per channel there); right for batches of 2+."),
    ("bn_eval_eps_outside_sqrt", "check_batchnorm", BNEvalEpsOutsideSqrt, "Training right; eval divides by sqrt(running var) + eps instead of sqrt(running var + eps): small at eps 1e-5, visible at eps 0.1 (and a fresh layer in eval divides by 1 + eps)."),
    ("bn_eval_in_place_eps", "check_batchnorm", BNEvalInPlaceEps, "In eval v = self.vars; v += self.eps: the in-place add changes the running var buffer itself: every eval call adds eps to the stored running var, so the first eval output is right, the second divides by sqrt(var + 2 eps), and the stored running var drifts."),
    ("in_functional_eps_as_momentum", "check_instancenorm", INFunctionalEpsAsMomentum, "F.instance_norm(x, None, None, w, b, True, self.eps): the 7th positional argument is momentum, so eps stays at the default 1e-5 whatever eps the layer was built with; right at eps 1e-5, off at 1e-3 / 0.1."),
    ("in_out_preallocated_default_dtype", "check_instancenorm", INOutPreallocatedDefaultDtype, "Preallocates out = torch.zeros(x.shape) (float32; zeros_like meant) and writes each channel into it: float64 input gives a float32 output (values rounded); float32 right."),
    ("in_layer_norm_shape_reversed", "check_instancenorm", INLayerNormShapeReversed, "F.layer_norm(x, (w, h)) (the last two sizes reversed; (h, w) meant): right for square images; non-square input raises RuntimeError 'Given normalized_shape=[W, H], expected input with shape [*, W, H]'."),
    ("in_var_dims_from_batchnorm", "check_instancenorm", INVarDimsFromBatchNorm, "Mean per (item, channel) over (2, 3) but variance x.var((0, 2, 3)) (copied from BatchNorm): each channel's variance over the whole batch about the channel's batch mean; right for a batch of one."),
    ("gn_var_count_one_channel", "check_groupnorm", GNVarCountOneChannel, "Group variance = sum of squared deviations / (H*W) (one channel's count; cpg*H*W meant): variance cpg times too big, outputs divided by about sqrt(cpg); right when every group has one channel (groups == C)."),
    ("gn_clone_detach_input", "check_groupnorm", GNCloneDetachInput, "Works on x.clone().detach() ('so x is not changed'): the output values and the mults/adds gradients are right, but no gradient reaches x (x.grad None)."),
    ("gn_list_reset_in_loop", "check_groupnorm", GNListResetInLoop, "outs = [] inside the group loop (before it meant): only the last group's normalised channels are kept: with 2+ groups the cat is (N, C/groups, H, W) and the affine raises RuntimeError (size mismatch); with one channel per group it broadcasts the last channel to all; right for one group."),
    ("gn_eps_only_for_zero_var", "check_groupnorm", GNEpsOnlyForZeroVar, "v = torch.where(v == 0, eps, v) ('eps only to avoid dividing by 0'; v + eps meant): eps is dropped for every group whose variance is not exactly 0: right at eps 1e-5 to ~1e-5, off at eps 1e-3 / 0.1."),
]


# ================================================================= RIGHT answers

def ewma_generator_yield(values, mom):
    """A generator that yields each running average, written as v - (1-mom)*(v - avg); stacked by torch.stack(list(...))."""
    def running(vals):
        avg = vals[0]
        for v in vals:
            avg = v - (1 - mom) * (v - avg)
            yield avg
    return torch.stack(list(running(values)))


class LNNormalizeAugmented(nn.Module):
    """F.normalize of each centred item with one extra entry sqrt(K*eps) appended (K = C*H*W): the vector's norm is
    sqrt(K*(var + eps)), so the first K entries times sqrt(K) are (x - m)/sqrt(var + eps)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        d = x.flatten(1) - x.flatten(1).mean(1, keepdim=True)
        k = d.shape[1]
        pad = d.new_full((len(x), 1), math.sqrt(k * self.eps))
        y = F.normalize(torch.cat([d, pad], 1), dim=1)[:, :k] * math.sqrt(k)
        return y.view(x.shape) * self.mult + self.add


class BNVmapChannels(nn.Module):
    """Per-channel batch mean and variance by torch.vmap of a whole-tensor (mean, var) function over dim 1;
    running stats updated with mul_/add_ (alpha=mom)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            m, v = torch.vmap(lambda xc: (xc.mean(), ((xc - xc.mean()) ** 2).mean()), in_dims=1)(x)
            m, v = m.view(1, -1, 1, 1), v.view(1, -1, 1, 1)
            n = x.numel() // x.shape[1]
            with torch.no_grad():
                self.means.mul_(1 - self.mom).add_(m, alpha=self.mom)
                self.vars.mul_(1 - self.mom).add_(v * n / (n - 1), alpha=self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INLstsqConstantFit(nn.Module):
    """Each (item, channel)'s mean as the least-squares constant fit to its H*W values (torch.linalg.lstsq against a
    column of ones, solved in float64); the variance as the mean squared residual."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        b = x.reshape(n, c, h * w, 1)
        ones = x.new_ones(n, c, h * w, 1)
        m = torch.linalg.lstsq(ones.double(), b.double()).solution.to(x.dtype)   # solved in float64, cast back
        r = b - m
        v = (r * r).mean(2, keepdim=True)
        return (r / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNIndexReduceMean(nn.Module):
    """Group statistics from per-channel ones with Tensor.index_reduce(..., 'mean') over a channel -> group index,
    spread back to the channels by indexing with that index."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        idx = torch.arange(c) // (c // self.groups)
        empty = x.new_zeros(n, self.groups)
        m = empty.index_reduce(1, idx, x.mean((2, 3)), 'mean', include_self=False)[:, idx, None, None]
        d = x - m
        v = empty.index_reduce(1, idx, (d * d).mean((2, 3)), 'mean', include_self=False)[:, idx, None, None]
        return d / (v + self.eps).sqrt() * self.mults + self.adds


RIGHT = [
    ("ewma_generator_yield", "check_ewma", ewma_generator_yield,
     "a generator yielding each running average (written v - (1-mom)*(v - avg)), stacked from list(...)."),
    ("ln_normalize_augmented", "check_layernorm", LNNormalizeAugmented,
     "F.normalize of the centred item with an extra entry sqrt(K*eps) appended, times sqrt(K)."),
    ("bn_vmap_channels", "check_batchnorm", BNVmapChannels,
     "per-channel batch mean and variance by torch.vmap over dim 1; running stats by mul_/add_(alpha=mom)."),
    ("in_lstsq_constant_fit", "check_instancenorm", INLstsqConstantFit,
     "each (item, channel)'s mean as the least-squares constant fit (torch.linalg.lstsq against ones), variance the mean squared residual."),
    ("gn_index_reduce_mean", "check_groupnorm", GNIndexReduceMean,
     "group mean and variance by Tensor.index_reduce(..., 'mean') of per-channel stats over a channel->group index."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
