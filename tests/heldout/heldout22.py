"""Twenty-second held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout21 (heldoutN.py).
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

def ewma_two_half_steps(values, mom):
    avg, out = values[0], []
    for v in values:
        for _ in range(2):                                          # "two half steps per value: a smoother update"
            avg = torch.lerp(avg, v, mom / 2)
        out.append(avg)
    return torch.stack(out)


def ewma_cumsum_rescaled(values, mom):
    t = torch.arange(len(values), dtype=values.dtype)
    grow = (1 - mom) ** -t                                          # "no Python loop": scale up, cumsum, scale back down
    w = mom * grow
    w[0] = 1.
    return torch.cumsum(values * w, 0) / grow                       # (1 - mom) ** -t overflows on long streams (float32 at mom >= 0.5)


def ewma_zero_as_missing(values, mom):
    vals = values[values != 0]                                      # "a 0 is a missing reading: leave it out"
    avg, out = vals[0], []
    for v in vals:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_decay_after_add(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = avg + mom * v                                         # the two halves of the step in the wrong order:
        avg = avg * (1 - mom)                                       # add the new value's share, then decay everything
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNCountHeightSquared(_LNBase):
    def forward(self, x):
        _, c, h, w = x.shape
        n = c * h * h                                               # c * h * w meant
        m = x.sum((1, 2, 3), keepdim=True) / n
        v = ((x - m) ** 2).sum((1, 2, 3), keepdim=True) / n
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNBesselForSmallItems(_LNBase):
    def forward(self, x):
        corr = 1 if x[0].numel() < 50 else 0                        # "Bessel's correction matters only for small samples"
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=corr)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNInPlaceWithoutGrad(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        xc = x - m if x.requires_grad else x.sub_(m)                # "no autograd to worry about: centre in place, save memory"
        return xc / (v + self.eps).sqrt() * self.mult + self.add


class LNReturnInTrainingBranch(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        xn = (x - m) / (v + self.eps).sqrt()
        if self.training:
            return xn * self.mult + self.add                        # the return indented into the if: eval returns None


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


class BNMeanDetachedForBuffer(_BNBase):
    def batch_stats(self, x):
        m = x.mean((0, 2, 3), keepdim=True).detach()                # "it goes into a buffer: keep it out of the graph", then reused to normalise
        v = ((x - m) ** 2).mean((0, 2, 3), keepdim=True)
        return m, v, x.numel() / x.shape[1]


_ZEROS = torch.zeros(1, 64, 1, 1)
_ONES = torch.ones(1, 64, 1, 1)


class BNSharedInitSlices(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        del self.means, self.vars
        self.register_buffer('means', _ZEROS[:, :nf])                # "made once at import, sliced per layer": views of one global tensor
        self.register_buffer('vars', _ONES[:, :nf])                  # that every layer's in-place lerp_ writes to


class BNEvalBigBatchStats(_BNBase):
    def forward(self, x):
        if not self.training and x.shape[0] >= 4:                   # "with 4+ images the batch's own statistics are better"
            m, v, _ = self.batch_stats(x)
            return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds
        return super().forward(x)


class BNVarBufferTypo(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        del self.vars
        self.register_buffer('var', torch.ones(1, nf, 1, 1))        # 'vars' meant

    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.var.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars                            # AttributeError: no 'vars'
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt()


class INAffineLoopIndexShifted(_INBase):
    def forward(self, x):
        xn = self.norm(x)
        outs = []
        for c in range(x.shape[1]):
            outs.append(xn[:, c] * self.mults[c - 1] + self.adds[c - 1])   # [c] meant (copied from a 1-based loop)
        return torch.stack(outs, 1)


class INSkipsTinyImages(_INBase):
    def forward(self, x):
        if x.shape[2] * x.shape[3] < 8:                             # "too few pixels for meaningful statistics: leave them"
            return x * self.mults + self.adds
        return self.norm(x) * self.mults + self.adds


class INUnbiasCountPerItem(_INBase):
    def forward(self, x):
        n = x[0].numel()                                            # the LayerNorm habit: C*H*W, not H*W
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True) * (n - 1) / n               # undoing torch's Bessel correction with the wrong count
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INEvalWithoutEps(_INBase):
    def forward(self, x):
        if self.training: return self.norm(x) * self.mults + self.adds
        m = x.mean((2, 3), keepdim=True)                            # "eps only guards training against tiny batches"
        return (x - m) / x.var((2, 3), keepdim=True, correction=0).sqrt() * self.mults + self.adds


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


class GNGroupsLastAxis(_GNBase):
    def forward(self, x):
        xg = x.reshape(x.shape[0], -1, self.groups)                 # (N, -1, groups) meant (N, groups, -1): groups taken along the last axis
        m = xg.mean(1, keepdim=True)
        v = xg.var(1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNReturnInsideLoop(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        outs = []
        for g in range(self.groups):
            sl = slice(g * cpg, (g + 1) * cpg)
            outs.append(self.norm_piece(x[:, sl]))
            return torch.cat(outs, 1) * self.mults[:len(outs) * cpg] + self.adds[:len(outs) * cpg]   # indented one level too far


class GNVarSumOfChannelVars(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, c // self.groups, h, w)
        m = xg.mean((2, 3, 4), keepdim=True)
        v = ((xg - m) ** 2).mean((3, 4), keepdim=True).sum(2, keepdim=True)   # "variances add": summed over the group's channels, not averaged
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNGroupedShapeCached(_GNBase):
    def forward(self, x):
        if not hasattr(self, 'gshape'):
            self.gshape = (x.shape[0], self.groups, -1)             # "work the grouped shape out once": the first call's batch size kept
        xg = x.reshape(self.gshape)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


# ================================================================= RIGHT answers

def ewma_while_add_alpha(values, mom):
    """While loop over an index; each step avg.add(values[i] - avg, alpha=mom); outputs written into values.new_empty."""
    out = values.new_empty(values.shape)
    avg, i = values[0], 0
    while i < len(values):
        avg = avg.add(values[i] - avg, alpha=mom)
        out[i] = avg
        i += 1
    return out


class LNFlatVarMeanAddcmul(nn.Module):
    """Items flattened with flatten(1); torch.var_mean(dim=1, correction=0); scale and shift by torch.addcmul(add, xn, mult)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        v, m = torch.var_mean(x.flatten(1), dim=1, correction=0)
        shp = (-1,) + (1,) * (x.dim() - 1)
        xn = (x - m.view(shp)) / (v.view(shp) + self.eps).sqrt()
        return torch.addcmul(self.add, xn, self.mult)


class BNStdMeanNoGradMethod(nn.Module):
    """Batch statistics by torch.std_mean(correction=0) squared; running update in a @torch.no_grad() method by mul_ and add_(alpha=)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    @torch.no_grad()
    def _track(self, m, v, k):
        self.means.mul_(1 - self.mom).add_(m, alpha=self.mom)
        self.vars.mul_(1 - self.mom).add_(v * (k / (k - 1)), alpha=self.mom)

    def forward(self, x):
        if self.training:
            s, m = torch.std_mean(x, dim=(0, 2, 3), correction=0, keepdim=True)
            v = s * s
            self._track(m, v, x.numel() // x.shape[1])
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INTwoMatmuls(nn.Module):
    """Means over the image by two matrix products, ones(1, H) @ x @ ones(W, 1) / (H W), for x and for the squared deviations."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        h, w = x.shape[-2:]
        rows, cols = x.new_ones(1, h) / h, x.new_ones(w, 1) / w
        m = rows @ x @ cols
        d = x - m
        v = rows @ (d * d) @ cols
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNIndexSelect(nn.Module):
    """Group statistics from an (N, groups, -1) view, spread to channels by index_select with the channel-to-group map arange(C) // (C / groups)."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        xg = x.reshape(n, self.groups, -1)
        v, m = torch.var_mean(xg, dim=2, correction=0)
        grp = torch.arange(c, device=x.device) // (c // self.groups)
        m, v = m.index_select(1, grp), v.index_select(1, grp)
        return (x - m[..., None, None]) / (v[..., None, None] + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_two_half_steps", "check_ewma", ewma_two_half_steps, "Lerps twice per value with weight mom / 2 ('two half steps: smoother'): the new value's effective weight is 1 - (1 - mom/2)^2 = mom - mom^2/4 instead of mom (0.0975 at mom 0.1, 0.6975 at mom 0.9): output 0 is right (values[0]); every later output lags slightly."),
    ("ewma_cumsum_rescaled", "check_ewma", ewma_cumsum_rescaled, "Vectorised as cumsum(values * mom * (1 - mom) ** -t) * (1 - mom) ** t (start weight 1): algebraically right, but (1 - mom) ** -t grows without bound: on a 200-value float32 stream at mom 0.5 (2^199) and 0.9 (10^199) it overflows to inf and the outputs become NaN; float64 and short streams are right (to rounding)."),
    ("ewma_zero_as_missing", "check_ewma", ewma_zero_as_missing, "Treats a 0 as a missing reading and drops it (values[values != 0]) before a right lerp loop: a stream containing a 0 gives an output one shorter per zero, averaged as if the 0 were not there (a stream starting at 0 starts from values[1]); the one-value stream [0] raises IndexError; streams without zeros are right."),
    ("ewma_decay_after_add", "check_ewma", ewma_decay_after_add, "The step's two halves in the wrong order: avg = avg + mom * v, then avg = avg * (1 - mom): the new value's share is decayed too, so avg_t = (1 - mom) * (avg + mom * v) = (1 - mom) * avg + mom * (1 - mom) * v: the weights sum to 1 - mom^2, not 1, and output 0 is values[0] * (1 - mom^2) instead of values[0]."),
    ("ln_count_height_squared", "check_layernorm", LNCountHeightSquared, "Counts the values of an item as c * h * h (c * h * w meant) and divides the sums by that: right on square images; on non-square ones the mean is scaled by w/h and the variance is taken about that wrong mean and scaled by w/h as well."),
    ("ln_bessel_for_small_items", "check_layernorm", LNBesselForSmallItems, "Uses Bessel's correction (correction=1) for items of fewer than 50 values ('it matters only for small samples') and the population variance otherwise: items of 50+ values are right; smaller items (e.g. 8x3x2 = 48 values) are divided by the unbiased std, too small by sqrt((n-1)/n)."),
    ("ln_in_place_without_grad", "check_layernorm", LNInPlaceWithoutGrad, "When the input does not require grad it centres in place, x.sub_(m) ('no autograd to worry about: save memory'): outputs and gradients are right, but a call on an input without grad (e.g. under torch.no_grad or a plain tensor) overwrites the caller's input with x - mean."),
    ("ln_return_in_training_branch", "check_layernorm", LNReturnInTrainingBranch, "The return statement is indented into `if self.training:`: training is right, but in eval mode forward falls off the end and returns None."),
    ("bn_mean_detached_for_buffer", "check_batchnorm", BNMeanDetachedForBuffer, "Detaches the batch mean ('it goes into a buffer') and uses that same detached mean to normalise: outputs and running statistics are right, but the gradient no longer flows through the mean: the input's gradient misses the -mean(g * mults / std) term (mults/adds gradients are right)."),
    ("bn_shared_init_slices", "check_batchnorm", BNSharedInitSlices, "Registers the running stats as slices of module-level tensors (_ZEROS[:, :nf], _ONES[:, :nf], 'made once at import'): every float32 layer's buffers are views of the same global memory, so one layer's in-place lerp_ changes every other layer's running stats (a new layer starts from the previous layers' statistics, not 0 and 1); a layer converted to float64 gets its own copy and is right."),
    ("bn_eval_big_batch_stats", "check_batchnorm", BNEvalBigBatchStats, "In eval mode, for a batch of 4 or more, normalises with the batch's own statistics ('with 4+ images they are better') instead of the running ones (running stats unchanged); eval on batches of 1-3 is right, and training is right."),
    ("bn_var_buffer_typo", "check_batchnorm", BNVarBufferTypo, "Registers the running variance buffer as 'var' (and updates self.var), but the eval branch reads self.vars: the layer has no 'vars' attribute (checking the running var raises AttributeError), and every eval-mode call raises AttributeError \"'BNVarBufferTypo' object has no attribute 'vars'\"; training outputs and the running mean are right."),
    ("in_affine_loop_index_shifted", "check_instancenorm", INAffineLoopIndexShifted, "Applies mults and adds channel by channel with self.mults[c - 1] and self.adds[c - 1] (copied from a 1-based loop; [c] meant): channel c gets channel c-1's scale and shift (channel 0 gets the last channel's): right with fresh (all-equal) parameters, wrong with trained ones; their gradients land on the neighbouring channel."),
    ("in_skips_tiny_images", "check_instancenorm", INSkipsTinyImages, "Leaves images of fewer than 8 pixels unnormalised ('too few pixels for meaningful statistics'): returns x * mults + adds for them (e.g. 3x2 images); images of 8+ pixels are right."),
    ("in_unbias_count_per_item", "check_instancenorm", INUnbiasCountPerItem, "Undoes torch's default Bessel correction with the item's count n = x[0].numel() = C*H*W (the LayerNorm habit) instead of H*W: the variance is H*W/(H*W-1) * (CHW-1)/CHW times the right one (slightly too large), so outputs are slightly too small (about 5% on 6-channel 3x3 images)."),
    ("in_eval_without_eps", "check_instancenorm", INEvalWithoutEps, "Training is right; in eval mode divides by the std without eps ('eps only guards training'): eval outputs are too spread by sqrt((v + eps)/v) (visible at eps 0.1), and a constant channel gives NaN in eval."),
    ("gn_groups_last_axis", "check_groupnorm", GNGroupsLastAxis, "Views x as (N, -1, groups) ((N, groups, -1) meant) and takes the statistics along dim 1: each 'group' is every groups-th value of the item in memory order (values interleaved across channels and pixels), not a block of channels: right only with one group."),
    ("gn_return_inside_loop", "check_groupnorm", GNReturnInsideLoop, "The return is indented inside the loop over groups: only the first group is normalised and returned: with one group it is right; with 2+ groups the output has C/groups channels (shape (N, C/groups, H, W))."),
    ("gn_var_sum_of_channel_vars", "check_groupnorm", GNVarSumOfChannelVars, "Group mean right, but the group variance is the SUM over the group's channels of each channel's mean squared deviation from the group mean ('variances add'), i.e. channels-per-group times the right variance: right with one channel per group; otherwise outputs too small by sqrt(C/groups)."),
    ("gn_grouped_shape_cached", "check_groupnorm", GNGroupedShapeCached, "Works the grouped shape (N, groups, -1) out on the first call and keeps it (self.gshape): later calls with the same batch size are right; a call with another batch size reshapes to the first call's N, so each 'group' spans the wrong values (or the reshape raises RuntimeError)."),
]

RIGHT = [
    ("ewma_while_add_alpha", "check_ewma", ewma_while_add_alpha,
     "while loop over an index; each step avg.add(values[i] - avg, alpha=mom); outputs written into values.new_empty."),
    ("ln_flat_var_mean_addcmul", "check_layernorm", LNFlatVarMeanAddcmul,
     "items flattened with flatten(1); torch.var_mean(dim=1, correction=0); scale and shift by torch.addcmul(add, xn, mult)."),
    ("bn_std_mean_no_grad_method", "check_batchnorm", BNStdMeanNoGradMethod,
     "batch statistics by torch.std_mean(correction=0), squared; running update in a @torch.no_grad()-decorated method by mul_(1 - mom).add_(stat, alpha=mom)."),
    ("in_two_matmuls", "check_instancenorm", INTwoMatmuls,
     "means over the image by two matrix products ones(1, H)/H @ x @ ones(W, 1)/W, of x and of the squared deviations."),
    ("gn_index_select", "check_groupnorm", GNIndexSelect,
     "group statistics by torch.var_mean on an (N, groups, -1) view, spread to channels by index_select with the map arange(C) // (C / groups)."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
