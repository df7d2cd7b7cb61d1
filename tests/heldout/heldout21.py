"""Twenty-first held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout20 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import warnings
from functools import lru_cache
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

def ewma_paren_closed_late(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = avg * (1 - mom + v * mom)                             # avg * (1 - mom) + v * mom meant: the bracket closed too late
        out.append(avg)
    return torch.stack(out)


def ewma_deviations_not_restored(values, mom):
    dev = values - values[0]                                        # "on deviations from the start the start's leftover weight vanishes"
    avg, out = dev[0], []
    for d in dev:
        avg = avg + mom * (d - avg)
        out.append(avg)
    return torch.stack(out)                                         # + values[0] meant: the start is never added back


def ewma_window_mom(values, mom):
    n = round(1 / mom)                                              # "mom = 1/n: an average of about the last n values"
    avg, out = values[0], []
    for v in values:
        avg = avg + (v - avg) / n                                   # weight 1/round(1/mom), which is mom only when 1/mom is whole
        out.append(avg)
    return torch.stack(out)


def ewma_caret_power(values, mom):
    t = torch.arange(len(values))
    age = (t[:, None] - t[None, :]).clamp(min=0)
    w = mom * (1 - mom) ^ age                                       # ** meant: ^ is Python's bitwise xor
    w = torch.tril(w)
    w[:, 0] = (1 - mom) ^ t
    return w.to(values.dtype) @ values


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNVarParenSlip(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = (x - m ** 2).mean((1, 2, 3), keepdim=True)              # ((x - m) ** 2) meant: ** binds to m alone, so v = m - m**2
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNItemLoopFromOne(_LNBase):
    def forward(self, x):
        out = x.clone()
        for i in range(1, len(x)):                                  # range(len(x)) meant: the EWMA loop's habit of starting at 1
            xi = x[i]
            out[i] = (xi - xi.mean()) / (xi.var(correction=0) + self.eps).sqrt()
        return out * self.mult + self.add


class LNForwardMissingSelf(_LNBase):
    def forward(x):                                                 # def forward(self, x) meant
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNEpsCapped(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = min(eps, 1e-3)                                   # "an eps above 1e-3 would distort the statistics"
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
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

    def batch_stats(self, x):
        return x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), keepdim=True, correction=0), x.numel() / x.shape[1]

    def update(self, m, v, n):
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)

    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            self.update(m, v, n)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNBuffersExpanded(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        del self.means, self.vars
        self.register_buffer('means', torch.zeros(1, 1, 1, 1).expand(1, nf, 1, 1))   # "expand allocates nothing"
        self.register_buffer('vars', torch.ones(1, 1, 1, 1).expand(1, nf, 1, 1))     # every channel shares one element


class BNTrainOverrideResets(_BNBase):
    def train(self, mode=True):
        "Fresh running statistics at the start of each training run (fit calls model.train())."
        with torch.no_grad():                                       # but eval() is train(False): it resets them too
            self.means.zero_()
            self.vars.fill_(1.)
        return super().train(mode)


class BNSumsVarMissingN(_BNBase):
    def forward(self, x):
        if self.training:
            k = x.numel() // x.shape[1]
            s1 = x.sum((0, 2, 3), keepdim=True)
            s2 = (x * x).sum((0, 2, 3), keepdim=True)
            m = s1 / k
            v = s2 / k - m * m
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_((s2 - s1 ** 2) / (k - 1), self.mom)   # (s2 - s1 ** 2 / k) / (k - 1) meant
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNEvalParamsData(_BNBase):
    def forward(self, x):
        if self.training: return super().forward(x)
        xn = (x - self.means) / (self.vars + self.eps).sqrt()
        return xn * self.mults.data + self.adds.data                # "the parameters are fixed at inference": .data cuts them off autograd


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INVarMinusMeanSquared(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = ((x - m) ** 2).mean((2, 3), keepdim=True) - m ** 2      # E[x^2] - m^2 mixed into the centred form: - m ** 2 not wanted
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INStridedStats(_INBase):
    def forward(self, x):
        xs = x[:, :, ::2, ::2]                                      # "statistics from every other pixel: a quarter of the work"
        m = xs.mean((2, 3), keepdim=True)
        v = xs.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INLeftoverRunningUpdate(_INBase):
    "Adapted from the student's BatchNorm: dims (2, 3), but the running-statistics update left in."
    def __init__(self, nf, eps=1e-5):
        super().__init__(nf, eps)
        self.mom = 0.1
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        if self.training:
            n = x.shape[2] * x.shape[3]
            with torch.no_grad():
                self.means.lerp_(m, self.mom)                       # (1, C, 1, 1) buffer towards (N, C, 1, 1) statistics
                self.vars.lerp_(v * n / (n - 1), self.mom)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INEpsInCount(_INBase):
    def forward(self, x):
        h, w = x.shape[-2:]
        m = x.sum((2, 3), keepdim=True) / (h * w + self.eps)        # "+ eps in every denominator, against dividing by 0"
        v = ((x - m) ** 2).sum((2, 3), keepdim=True) / (h * w + self.eps)
        return (x - m) / v.sqrt() * self.mults + self.adds          # (v + eps).sqrt() meant: eps went into the count


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm_piece(self, xs):
        m = xs.mean((1, 2, 3), keepdim=True)
        v = xs.var((1, 2, 3), keepdim=True, correction=0)
        return (xs - m) / (v + self.eps).sqrt()


class GNBlockOnesNotAveraged(_GNBase):
    def forward(self, x):
        c = x.shape[1]
        cpg = c // self.groups
        B = torch.block_diag(*[torch.ones(cpg, cpg, dtype=x.dtype)] * self.groups)   # / cpg meant: sums, not means
        cm, cs = x.mean((2, 3)), (x * x).mean((2, 3))               # per-channel mean and mean square
        gm, gs = cm @ B, cs @ B                                     # each channel's group ... total over the group
        v = gs - gm ** 2
        xn = (x - gm[..., None, None]) / (v[..., None, None] + self.eps).sqrt()
        return xn * self.mults + self.adds


class GNTensorSplitSizes(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        pieces = x.tensor_split([cpg] * self.groups, dim=1)         # sizes, as torch.split takes them: tensor_split reads a list as split indices
        return torch.cat([self.norm_piece(p) for p in pieces], 1) * self.mults + self.adds


class GNGroupListInInit(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        self.outs = []                                              # the list of normalised groups, made once (in forward meant)

    def forward(self, x):
        cpg = x.shape[1] // self.groups
        for g in range(self.groups):
            sl = slice(g * cpg, (g + 1) * cpg)
            self.outs.append(self.norm_piece(x[:, sl]) * self.mults[sl] + self.adds[sl])
        return torch.cat(self.outs, 1)


class GNEvalPoolsBatch(_GNBase):
    def forward(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        if self.training:
            m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        else:                                                       # "at inference pool each group over the batch: steadier"
            m, v = xg.mean((0, 2), keepdim=True), xg.var((0, 2), keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


WRONG = [
    ("ewma_paren_closed_late", "check_ewma", ewma_paren_closed_late, "avg = avg * (1 - mom + v * mom) (avg * (1 - mom) + v * mom meant: the bracket closed after v * mom): each step multiplies the average by 1 - mom + mom * v, so the new value scales the average instead of being mixed in: output 0 is values[0] * (1 - mom + mom * values[0]) (right only if values[0] is 0 or 1), and a stream starting at 0 stays 0 forever."),
    ("ewma_deviations_not_restored", "check_ewma", ewma_deviations_not_restored, "Averages the deviations values - values[0] ('the start's leftover weight vanishes') with a right lerp loop, but never adds values[0] back: every output is the right average minus values[0]; right exactly when values[0] is 0."),
    ("ewma_window_mom", "check_ewma", ewma_window_mom, "Reads mom as 1/n for a window of n = round(1/mom) values and steps avg + (v - avg) / n: the newest value's weight is 1/round(1/mom): right at mom 0.1 and 0.5 (1/mom whole), wrong at mom 0.3 (weight 1/3) and 0.9 (weight 1: the output is the values themselves)."),
    ("ewma_caret_power", "check_ewma", ewma_caret_power, "Closed form with mom * (1 - mom) ^ age (** meant: ^ is Python's bitwise xor, and * binds first): every stream raises NotImplementedError '\"bitwise_xor_cpu\" not implemented for 'Float''."),
    ("ln_var_paren_slip", "check_layernorm", LNVarParenSlip, "Variance as (x - m ** 2).mean(...) ((x - m) ** 2 meant: ** binds to m alone): v = m - m^2 (the item's mean minus its square), not the spread: the mean is right; items whose mean lies in (0, 1) are divided by sqrt(m - m^2 + eps) (at most 0.5), others give NaN (m - m^2 + eps < 0)."),
    ("ln_item_loop_from_one", "check_layernorm", LNItemLoopFromOne, "Normalises item by item in a loop over range(1, len(x)) (range(len(x)) meant; the EWMA loop's start at 1) into out = x.clone(): item 0 is never normalised (left raw, then scaled and shifted); the other items are right; a batch of one is returned as x * mult + add."),
    ("ln_forward_missing_self", "check_layernorm", LNForwardMissingSelf, "def forward(x): (self forgotten): the layer builds fine, but every call raises TypeError 'LNForwardMissingSelf.forward() takes 1 positional argument but 2 were given'."),
    ("ln_eps_capped", "check_layernorm", LNEpsCapped, "__init__ stores self.eps = min(eps, 1e-3) ('an eps above 1e-3 would distort the statistics'): right for eps 1e-5 and 1e-3; for a larger eps (0.1) it adds 1e-3 to the variance, not the eps it was given: outputs too spread (by about sqrt((v + 0.1)/(v + 0.001)))."),
    ("bn_buffers_expanded", "check_batchnorm", BNBuffersExpanded, "Registers the running stats as torch.zeros(1, 1, 1, 1).expand(1, nf, 1, 1) (and ones for vars; 'expand allocates nothing'): every channel shares one memory element, so the first training step's in-place lerp_ raises RuntimeError 'unsupported operation: more than one element of the written-to tensor refers to a single memory location'; on float32. Converting the layer to float64 (.double()/.to) copies the buffers into normal tensors, after which it is right; a fresh layer in eval is right."),
    ("bn_train_override_resets", "check_batchnorm", BNTrainOverrideResets, "Overrides train(mode) to reset the running mean to 0 and var to 1 ('fresh statistics at the start of each training run'), but nn.Module.eval() is train(False): putting the layer in eval mode wipes the running statistics, so eval after training normalises with mean 0, var 1 (x / sqrt(1 + eps) * mults + adds); training output and running stats during training are right; a fresh layer in eval is right."),
    ("bn_sums_var_missing_n", "check_batchnorm", BNSumsVarMissingN, "Statistics from the sums s1 = sum x, s2 = sum x^2 per channel (training output right), but the running var is lerped towards (s2 - s1^2) / (k - 1) ((s2 - s1^2 / k) / (k - 1) meant, k values per channel): that is (k * var + k * m^2 - k^2 * m^2) / (k - 1), hugely negative for any channel with a nonzero mean, so the running var goes wrong (negative) and eval after training gives NaN; the running mean is right."),
    ("bn_eval_params_data", "check_batchnorm", BNEvalParamsData, "Training is right; the eval branch scales and shifts with self.mults.data and self.adds.data ('the parameters are fixed at inference'): eval outputs and the input's gradient are right, but in eval mode mults and adds get no gradient (mults.grad / adds.grad stay None)."),
    ("in_var_minus_mean_squared", "check_instancenorm", INVarMinusMeanSquared, "Variance as ((x - m) ** 2).mean(...) - m ** 2 (the one-pass E[x^2] - m^2 mixed into the centred form): it divides by sqrt(var - m^2 + eps): right for (item, channel)s whose mean is 0; too spread where 0 < m^2 < var, NaN where m^2 > var + eps."),
    ("in_strided_stats", "check_instancenorm", INStridedStats, "Takes mean and variance from x[:, :, ::2, ::2] ('every other pixel: a quarter of the work') and normalises the whole image with them: the statistics span only the pixels at even rows and columns (a quarter of each (item, channel)'s positions), so the output is neither centred nor of unit spread, and the other pixels get no gradient through the statistics."),
    ("in_leftover_running_update", "check_instancenorm", INLeftoverRunningUpdate, "Adapted from a BatchNorm, the running-statistics buffers (1, C, 1, 1) and their in-place lerp_ towards the (N, C, 1, 1) instance statistics left in the training branch: for a batch of 2+ in training mode it raises RuntimeError 'output with shape [1, 6, 1, 1] doesn't match the broadcast shape [2, 6, 1, 1]'; a batch of one, and eval mode, are right (the buffers are never used)."),
    ("in_eps_in_count", "check_instancenorm", INEpsInCount, "Puts eps in the count: mean and variance are sums / (H*W + eps) ('+ eps in every denominator'), and divides by sqrt(v) with no eps: the mean is scaled by HW/(HW + eps), the variance likewise (about that off mean), and nothing guards the square root: off by about eps/(2v) relatively (visible at eps 0.1), and a constant (item, channel) gives +-1 (its deviation from the shrunken mean divided by its own size) instead of 0."),
    ("gn_block_ones_not_averaged", "check_groupnorm", GNBlockOnesNotAveraged, "Pools per-channel means and mean squares to groups by a block-diagonal matrix of ONES (block_diag of ones(cpg, cpg); / cpg meant): each channel gets its group's SUM of channel means (cpg times the group mean) and of mean squares, so the variance gs - gm^2 = cpg * E[x^2] - cpg^2 * m^2 is wrong (NaN where negative); right only with one channel per group (groups == C)."),
    ("gn_tensor_split_sizes", "check_groupnorm", GNTensorSplitSizes, "Splits the channels with x.tensor_split([cpg] * groups, dim=1) (sizes, as torch.split takes them; tensor_split reads a list as split INDICES): the pieces are channels 0..cpg-1, groups-1 empty pieces, and channels cpg..C-1 together: right with 1 or 2 groups; with 3+ groups the groups after the first are normalised as one set."),
    ("gn_group_list_in_init", "check_groupnorm", GNGroupListInInit, "The list of normalised groups is made in __init__ (self.outs = []; in forward meant), and forward appends to it and returns torch.cat(self.outs, 1): the first call is right; the second returns (N, 2C, H, W) (the first call's groups, then the new ones), and so on; a call with another batch size raises RuntimeError in torch.cat."),
    ("gn_eval_pools_batch", "check_groupnorm", GNEvalPoolsBatch, "Right in training; in eval mode takes each group's mean and variance over the whole batch (dims (0, 2) of the (N, groups, -1) view; 'at inference pool the batch: steadier'): every item is normalised with the batch's pooled group statistics; right in eval only for a batch of one."),
]


# ================================================================= RIGHT answers

def ewma_lru_cache(values, mom):
    """Memoised recursion on the index: avg(i) = lerp(avg(i - 1), values[i], mom), cached by functools.lru_cache."""
    @lru_cache(maxsize=None)
    def avg(i):
        return values[0] if i == 0 else torch.lerp(avg(i - 1), values[i], mom)
    return torch.stack([avg(i) for i in range(len(values))])


class LNMseLossVariance(nn.Module):
    """Item mean by torch.nanmean; variance as F.mse_loss(x, mean, reduction='none') averaged per item; rsqrt."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        m = torch.nanmean(x, dim=(1, 2, 3), keepdim=True)
        v = F.mse_loss(x, m.expand_as(x), reduction='none').mean((1, 2, 3), keepdim=True)
        return (x - m) * torch.rsqrt(v + self.eps) * self.mult + self.add


class BNBufferVecdot(nn.Module):
    """Running statistics declared as nn.Buffer attributes; channel rows x.transpose(0, 1).flatten(1); sums of squares by torch.linalg.vecdot."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.means = nn.Buffer(torch.zeros(1, nf, 1, 1))
        self.vars = nn.Buffer(torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            rows = x.transpose(0, 1).flatten(1)
            k = rows.shape[1]
            m = rows.mean(1)
            d = rows - m[:, None]
            v = torch.linalg.vecdot(d, d) / k
            with torch.no_grad():
                self.means.copy_(torch.lerp(self.means, m.view_as(self.means), self.mom))
                self.vars.copy_(torch.lerp(self.vars, (v * k / (k - 1)).view_as(self.vars), self.mom))
            m, v = m.view(1, -1, 1, 1), v.view(1, -1, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) * torch.rsqrt(v + self.eps) * self.mults + self.adds


class INAvgPoolFullKernel(nn.Module):
    """Moments by F.avg_pool2d with a kernel the size of the image (x and the squared deviations); rsqrt."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        k = tuple(x.shape[-2:])
        m = F.avg_pool2d(x, k)
        d = x - m
        v = F.avg_pool2d(d * d, k)
        return d * torch.rsqrt(v + self.eps) * self.mults + self.adds


class GNIndexMatrix(nn.Module):
    """Groups gathered by advanced indexing with an index matrix arange(C).view(groups, C/groups); written back by index assignment."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        idx = torch.arange(x.shape[1], device=x.device).view(self.groups, -1)
        xg = x[:, idx]                                              # (N, groups, C/groups, H, W)
        m = xg.mean((2, 3, 4), keepdim=True)
        v = xg.var((2, 3, 4), keepdim=True, correction=0)
        out = torch.empty_like(x)
        out[:, idx] = (xg - m) / (v + self.eps).sqrt()
        return out * self.mults + self.adds


RIGHT = [
    ("ewma_lru_cache", "check_ewma", ewma_lru_cache,
     "memoised recursion on the index (functools.lru_cache): avg(i) = lerp(avg(i - 1), values[i], mom), avg(0) = values[0]."),
    ("ln_mse_loss_variance", "check_layernorm", LNMseLossVariance,
     "item mean by torch.nanmean over (1, 2, 3); variance as F.mse_loss(x, mean, reduction='none') averaged per item; rsqrt."),
    ("bn_buffer_vecdot", "check_batchnorm", BNBufferVecdot,
     "running statistics declared as nn.Buffer attributes; channel rows by transpose + flatten; sums of squared deviations by torch.linalg.vecdot; lerp + copy_."),
    ("in_avg_pool_full_kernel", "check_instancenorm", INAvgPoolFullKernel,
     "moments by F.avg_pool2d with a kernel the size of the image, of x and of the squared deviations; rsqrt."),
    ("gn_index_matrix", "check_groupnorm", GNIndexMatrix,
     "groups gathered by advanced indexing x[:, idx] with idx = arange(C).view(groups, C/groups), written back by out[:, idx] = ...."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
