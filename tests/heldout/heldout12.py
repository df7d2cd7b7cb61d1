"""Twelfth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout11 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


# ====================================================================== EWMA (wrong)

def ewma_lerp_inplace_previous(values, mom):
    out = values.clone()
    for i in range(1, len(values)):
        out[i] = out[i - 1].lerp_(values[i], mom)                  # lerp_ (in place) where lerp was meant: out[i-1] is overwritten too
    return out


def ewma_debias_step_from_zero(values, mom):
    avg, out = torch.zeros_like(values[0]), []
    for t, v in enumerate(values):                                  # t counts from 0 ...
        avg = torch.lerp(avg, v, mom)
        out.append(avg / (1 - (1 - mom) ** t))                      # ... Adam's bias correction wants the step t + 1
    return torch.stack(out)


def ewma_sgd_momentum_buffer(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = mom * avg + v                                         # SGD's momentum buffer: buf = momentum * buf + grad
        out.append(avg)
    return torch.stack(out)


def ewma_step_from_first(values, mom):
    first = values[0]
    avg, out = first, []
    for v in values:
        avg = avg + mom * (v - first)                               # `first` where `avg` was meant
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNNormalizedShapeChannels(_LNBase):
    def forward(self, x):
        # a transformer's nn.LayerNorm(d_model) habit: normalized_shape is the trailing dims, not the channel count
        return F.layer_norm(x, (x.shape[1],), eps=self.eps) * self.mult + self.add


class LNEpsSquared(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps ** 2).sqrt() * self.mult + self.add     # eps taken as a floor on the std: squared


class LNMathSqrt(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / math.sqrt(v + self.eps) * self.mult + self.add       # math.sqrt, not torch.sqrt / .sqrt()


class LNForwardTypo(_LNBase):
    def foward(self, x):                                            # typo: nn.Module calls self.forward
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
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        n = x.numel() / x.shape[1]
        return m, v, n


class BNEvalLineNotInElse(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
            x = (x - m) / (v + self.eps).sqrt()
        x = (x - self.means) / (self.vars + self.eps).sqrt()        # the eval line, meant to sit under an else:
        return x * self.mults + self.adds


class BNBesselMissingParens(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / n - 1, self.mom)            # v * n / (n - 1) meant: this is v - 1
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNBuffersShareParams(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        nn.Module.__init__(self)
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        # "the same starting values as the parameters": detach() does not copy, so the buffers share their memory
        self.register_buffer('means', self.adds.detach().view(1, nf, 1, 1))
        self.register_buffer('vars', self.mults.detach().view(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNUpdateAfterBranch(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, _ = self.batch_stats(x)
        else:
            m, v = self.means, self.vars
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # the update outside the `if`: it runs in eval too,
            self.means.lerp_(m, self.mom)                           # there lerping the running stats towards themselves
            self.vars.lerp_(v * n / (n - 1), self.mom)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INSquareAfterMean(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = (x - m).mean((2, 3), keepdim=True) ** 2                 # ((x - m) ** 2).mean(...) meant: squared after averaging
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INFlatNotViewedBack(_INBase):
    def forward(self, x):
        xf = x.flatten(2)                                           # (N, C, H*W)
        m = xf.mean(-1, keepdim=True)
        v = xf.var(-1, keepdim=True, correction=0)
        xn = (xf - m) / (v + self.eps).sqrt()
        return xn * self.mults.view(-1, 1) + self.adds.view(-1, 1)  # never viewed back to x.shape


class INNumpyStats(_INBase):
    def forward(self, x):
        xa = x.numpy()                                              # numpy for the statistics
        m = torch.from_numpy(xa.mean((2, 3), keepdims=True))
        v = torch.from_numpy(xa.var((2, 3), keepdims=True))
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INBatchNormInstancesAsItems(_INBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xi = x.reshape(n * c, 1, h, w)                              # every (item, channel) made an item of its own ...
        y = F.batch_norm(xi, None, None, training=True, eps=self.eps)   # ... but BatchNorm pools its items
        return y.view(n, c, h, w) * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNSliceEndInclusive(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        out = x.clone()
        for g in range(self.groups):
            s, e = g * cpg, (g + 1) * cpg - 1                       # e: the group's last channel, but a slice end is exclusive
            xs = x[:, s:e]
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            out[:, s:e] = (xs - m) / (v + self.eps).sqrt()
        return out * self.mults + self.adds


class GNStackNotCat(_GNBase):
    def forward(self, x):
        outs = []
        for xs in x.chunk(self.groups, 1):
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            outs.append((xs - m) / (v + self.eps).sqrt())
        return torch.stack(outs, 1) * self.mults + self.adds        # torch.cat(outs, 1) meant: a new groups dim


class GNBatchNormTrainingFlag(_GNBase):
    def forward(self, x):
        xg = x.reshape(1, x.shape[0] * self.groups, -1)             # each (item, group) a channel of a batch of one
        y = F.batch_norm(xg, None, None, training=self.training, eps=self.eps)   # BatchNorm's idiom: training=self.training
        return y.view_as(x) * self.mults + self.adds


class GNVarOfChannelMeans(_GNBase):
    def forward(self, x):
        n, c = x.shape[:2]
        cm = x.mean((2, 3)).view(n, self.groups, -1)                # each channel's mean, grouped
        gm = cm.mean(-1, keepdim=True)                              # the group's mean (right: equal-sized channels)
        gv = cm.var(-1, keepdim=True, correction=0)                 # "the group's variance": only the spread of the channel means
        gm = gm.repeat_interleave(c // self.groups, 1).view(n, c, 1, 1)
        gv = gv.repeat_interleave(c // self.groups, 1).view(n, c, 1, 1)
        return (x - gm) / (gv + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_lerp_inplace_previous", "check_ewma", ewma_lerp_inplace_previous,
     "out = values.clone(); out[i] = out[i - 1].lerp_(values[i], mom): lerp_ changes out[i - 1] in place to the new average, so each slot ends one average ahead: outputs 0..n-2 are the averages after values 1..n-1 and the last output repeats the one before it (the average after values[n-1]); right for one value; the input is not changed."),
    ("ewma_debias_step_from_zero", "check_ewma", ewma_debias_step_from_zero,
     "Starts from 0 and divides by Adam's bias correction 1 - (1-mom)^t with t from enumerate (0-based; t + 1 meant): output 0 divides by 1 - (1-mom)^0 = 0 (inf, or NaN when values[0] is 0), and every later output is divided by 1 - (1-mom)^t instead of 1 - (1-mom)^(t+1), so it is too big."),
    ("ewma_sgd_momentum_buffer", "check_ewma", ewma_sgd_momentum_buffer,
     "avg = mom * avg + v (SGD's momentum buffer): the old average keeps weight mom and each new value weight 1, never normalised: output 0 is (1 + mom) * values[0] and a constant stream c grows towards c / (1 - mom); at mom 0.5 it coincides with the (1 - mom) decaying sum."),
    ("ewma_step_from_first", "check_ewma", ewma_step_from_first,
     "avg = avg + mom * (v - first), first = values[0] (avg meant in the bracket): each step moves by mom times the value's distance from the first value, so output t is values[0] + mom * sum_{j<=t} (v_j - values[0]): no decay, the steps accumulate; outputs 0 and 1 are right (and constant streams)."),
    ("ln_normalized_shape_channels", "check_layernorm", LNNormalizedShapeChannels,
     "F.layer_norm(x, (C,)) (a transformer's LayerNorm(d_model) habit): normalized_shape must be x's trailing dims, so it raises RuntimeError 'Given normalized_shape=[C], expected input with shape [*, C]' unless the width equals C; then it normalises each row over the width only."),
    ("ln_eps_squared", "check_layernorm", LNEpsSquared,
     "Divides by sqrt(v + eps**2): eps squared (as if eps were a floor on the standard deviation): invisible at eps 1e-5, visibly off at eps 0.1 or 1e-3 on small variances (adds 0.01 where PyTorch adds 0.1)."),
    ("ln_math_sqrt", "check_layernorm", LNMathSqrt,
     "math.sqrt(v + eps) on the per-item variances: for a batch of more than one item it raises (only one element tensors can be converted to Python scalars); for a batch of one the std becomes a Python float, so the output is right but no gradient flows through the std (x.grad is that of a constant std)."),
    ("ln_forward_typo", "check_layernorm", LNForwardTypo,
     "The method is named `foward`, so nn.Module's forward is never defined: every call raises NotImplementedError 'Module [LNForwardTypo] is missing the required \"forward\" function'."),
    ("bn_eval_line_not_in_else", "check_batchnorm", BNEvalLineNotInElse,
     "The eval-mode normalisation line is not under an else: in training the output, already normalised with the batch's statistics, is normalised again with the just-updated running statistics ((xn - running mean) / sqrt(running var + eps)); eval and the running stats are right."),
    ("bn_bessel_missing_parens", "check_batchnorm", BNBesselMissingParens,
     "Writes v * n / n - 1 (parentheses around n - 1 forgotten): the running var is lerped towards the biased batch variance minus 1 (0.9 + 0.1 * (v - 1) after one step from 1), and eval divides by it (NaN once it falls below -eps); training output and running mean right."),
    ("bn_buffers_share_params", "check_batchnorm", BNBuffersShareParams,
     "Registers the buffers as self.adds.detach().view(...) and self.mults.detach().view(...): detach() shares memory, so means IS adds and vars IS mults: each running-stat update (made before the output is computed) changes adds and mults, so from the first training step on the output is scaled by the running var and shifted by the running mean (each channel's output mean = running mean, std = running var), and setting mults/adds sets the running stats. (.to(float64) copies the tensors and breaks the sharing: a layer converted to float64 is right; float32, unconverted, is wrong.)"),
    ("bn_update_after_branch", "check_batchnorm", BNUpdateAfterBranch,
     "The running-stat update sits after the if/else, so it runs in eval too, with m, v the running stats themselves: the running mean stays, but the running var is multiplied by 1 + mom/(n - 1) (n: eval batch's values per channel) on every eval call, and, being the same tensor, that inflated var is what eval divides by; training is right."),
    ("in_square_after_mean", "check_instancenorm", INSquareAfterMean,
     "Variance as (x - m).mean((2, 3)) ** 2: the mean deviation (0) squared instead of the mean of the squared deviations, so it divides by sqrt(0 + eps): the centred values times 1/sqrt(eps) (316 at eps 1e-5, 3.16 at 0.1)."),
    ("in_flat_not_viewed_back", "check_instancenorm", INFlatNotViewedBack,
     "Works on x.flatten(2) (N, C, H*W) and applies mults/adds there, but never views the result back: the output has shape (N, C, H*W), not (N, C, H, W); its values are right."),
    ("in_numpy_stats", "check_instancenorm", INNumpyStats,
     "Takes the statistics with numpy via x.numpy(): raises RuntimeError 'Can't call numpy() on Tensor that requires grad' whenever x requires grad; on an input without grad the output is right."),
    ("in_batch_norm_instances_as_items", "check_instancenorm", INBatchNormInstancesAsItems,
     "x.reshape(N*C, 1, H, W) through F.batch_norm(training=True): each (item, channel) becomes an item, but BatchNorm pools its items, so the one channel's statistics span the whole batch (every item, channel and position): whole-batch normalisation."),
    ("gn_slice_end_inclusive", "check_groupnorm", GNSliceEndInclusive,
     "Slices each group as channels g*cpg : (g+1)*cpg - 1 (the last channel's index used as an exclusive end): each group's statistics leave out its last channel, and that channel is left raw (then scaled and shifted); with one channel per group nothing is normalised."),
    ("gn_stack_not_cat", "check_groupnorm", GNStackNotCat,
     "Joins the normalised groups with torch.stack(outs, 1) (torch.cat meant): a 5-d (N, groups, C/groups, H, W) tensor; times mults (C, 1, 1) it raises RuntimeError unless groups is 1 (output (N, 1, C, H, W)) or C (output broadcast to (N, C, C, H, W))."),
    ("gn_batch_norm_training_flag", "check_groupnorm", GNBatchNormTrainingFlag,
     "F.batch_norm on the (1, N*groups, -1) view with training=self.training and no running stats: training mode is right, but in eval mode it raises RuntimeError 'running_mean must be defined in evaluation mode' (GroupNorm must behave the same in eval)."),
    ("gn_var_of_channel_means", "check_groupnorm", GNVarOfChannelMeans,
     "Builds the group statistics from per-channel means: the group mean is right, but the variance is only the spread of the channel means (the within-channel variance left out): divides by sqrt(var of channel means + eps), so with one channel per group it divides by sqrt(eps)."),
]


# ================================================================= RIGHT answers

def ewma_logcumsumexp(values, mom):
    """Closed form in log space (in float64, cast back): the deviations from values[0] split into positive and negative
    parts, each weighted sum of (1-mom)^-j-scaled terms taken by torch.logcumsumexp, so no power of (1-mom) overflows."""
    n = len(values)
    vd = values.double()
    d = vd - vd[0]
    j = torch.arange(n, dtype=torch.float64)
    lk = math.log(1 - mom)
    out = vd[0].expand(n).clone()
    for part, sign in ((d.clamp(min=0), 1.), ((-d).clamp(min=0), -1.)):
        acc = torch.logcumsumexp(part.log() - j * lk, 0) + j * lk + math.log(mom)
        out = out + sign * acc.exp()
    return out.to(values.dtype)


class LNItemLoopVarMean(nn.Module):
    """A Python loop over the items: torch.var_mean of the whole item (correction=0), torch.stack back."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        items = []
        for xi in x.unbind(0):
            v, m = torch.var_mean(xi, correction=0)
            items.append((xi - m) / torch.sqrt(v + self.eps))
        return torch.stack(items) * self.mult + self.add


class BNCovFoldedEval(nn.Module):
    """Channel variances from the diagonal of torch.cov of the channel rows; running stats moved with sub_;
    eval folded into one per-channel scale and shift (x * scale + shift)."""
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
            m = rows.mean(1).view(1, c, 1, 1)
            v = torch.cov(rows, correction=0).reshape(c, c).diagonal().view(1, c, 1, 1)
            vu = torch.cov(rows, correction=1).reshape(c, c).diagonal().view(1, c, 1, 1)
            with torch.no_grad():
                self.means.sub_(self.mom * (self.means - m))
                self.vars.sub_(self.mom * (self.vars - vu))
            return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds
        scale = self.mults / (self.vars + self.eps).sqrt()          # (1, C, 1, 1)
        shift = self.adds - self.means * scale
        return x * scale + shift


class INAveragingMatrices(nn.Module):
    """Means over height and width by sandwiching x between averaging matrices: (1_H 1_H^T / H) @ x @ (1_W 1_W^T / W)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        h, w = x.shape[-2:]
        Ah = torch.full((h, h), 1 / h, dtype=x.dtype, device=x.device)
        Aw = torch.full((w, w), 1 / w, dtype=x.dtype, device=x.device)
        m = Ah @ x @ Aw                                             # every position holds its (item, channel) mean
        d = x - m
        v = Ah @ (d * d) @ Aw
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNLayerNorm5d(nn.Module):
    """One F.layer_norm call on the 5-d (N, groups, C/groups, H, W) view with normalized_shape (C/groups, H, W)."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.reshape(n, self.groups, c // self.groups, h, w)
        y = F.layer_norm(xg, xg.shape[2:], eps=self.eps)
        return y.reshape(n, c, h, w) * self.mults + self.adds


RIGHT = [
    ("ewma_logcumsumexp", "check_ewma", ewma_logcumsumexp,
     "closed form in log space (float64 inside, cast back): positive and negative deviations from values[0] weighted through torch.logcumsumexp, exponentiated and added back."),
    ("ln_item_loop_var_mean", "check_layernorm", LNItemLoopVarMean,
     "a Python loop over x.unbind(0), torch.var_mean of each whole item (correction=0), torch.stack back."),
    ("bn_cov_folded_eval", "check_batchnorm", BNCovFoldedEval,
     "channel variances from the diagonal of torch.cov(rows, correction=0/1); running stats moved with sub_(mom * (running - batch)); eval folded into x * scale + shift."),
    ("in_averaging_matrices", "check_instancenorm", INAveragingMatrices,
     "means over height and width by matrix products with constant 1/H and 1/W averaging matrices on both sides of x."),
    ("gn_layer_norm_5d", "check_groupnorm", GNLayerNorm5d,
     "one F.layer_norm on the (N, groups, C/groups, H, W) view with normalized_shape (C/groups, H, W)."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
