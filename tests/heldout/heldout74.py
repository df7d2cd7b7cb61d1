"""Seventy-fourth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout73 (heldoutN.py).
       Every one changes a computed number: an output, a gradient, a running statistic, an eval output or a dtype.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` clears the one piece of module-level state (ewma_carries_over_previous_call) for the harnesses.
"""
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')

_CARRY = {}


def reset_state():
    _CARRY.clear()


# ====================================================================== EWMA (wrong)

def ewma_repeated_readings_skipped(values, mom):
    avg, out, prev = values[0], [], None                            # "a sensor that repeats its last reading has not
    for v in values:                                                #  measured anything new: hold the average"
        if prev is None or not bool(v == prev):
            avg = torch.lerp(avg, v, mom)
        out.append(avg)
        prev = v
    return torch.stack(out)


def ewma_python_floats_rebuilt_tensor(values, mom):
    avg, out = values[0].item(), []                                 # "plain Python floats are faster for a scalar loop",
    for v in values.tolist():                                       #  the result rebuilt with torch.tensor (no graph)
        avg = avg + mom * (v - avg)
        out.append(avg)
    return torch.tensor(out, dtype=values.dtype)


def ewma_carries_over_previous_call(values, mom):
    avg = _CARRY.get('avg')                                         # "streaming: carry on from where the previous call
    avg = values[0] if avg is None else avg.to(values.dtype)        #  stopped instead of restarting at values[0]"
    out = []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    _CARRY['avg'] = avg.detach()
    return torch.stack(out)


def ewma_seed_detached_after_first_output(values, mom):
    out = [values[0]]                                               # "the seed is a constant starting point: only the
    avg = values[0].detach()                                        #  first output needs its gradient"
    for v in values[1:]:
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

    def stats(self, x):
        return x.mean((1, 2, 3), keepdim=True), x.var((1, 2, 3), keepdim=True, correction=0)

    def forward(self, x):
        m, v = self.stats(x)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class _LNFirstItemBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(xhat[:1], r[:1], mult)                # "save memory: keep one item's xhat and rstd, the
        return xhat * mult + add                                    #  items of a batch look alike"

    @staticmethod
    def backward(ctx, g):
        xhat, r, mult = ctx.saved_tensors
        gx = mult * r * (g - g.mean((1, 2, 3), keepdim=True) - xhat * (g * xhat).mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardXhatOfFirstItem(_LNBase):
    def forward(self, x):
        return _LNFirstItemBackward.apply(x, self.mult, self.add, self.eps)


class LNEvalWithoutAffine(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        xhat = (x - m) / (v + self.eps).sqrt()
        if not self.training:                                       # "the affine is a training-time reparametrisation:
            return xhat                                             #  at inference the next layer absorbs it"
        return xhat * self.mult + self.add


class LNMultGradPreconditionedByMult(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.mult.register_hook(lambda g: g * self.mult.detach().abs())   # "scale-invariant step: precondition the
                                                                          #  gain's gradient by the gain's size"


class LNVarShrunkToOnePrior(_LNBase):
    def stats(self, x):
        m, v = super().stats(x)
        n = x[0].numel()                                            # "a unit-variance prior worth 16 pseudo-values keeps
        return m, (n * v + 16.0) / (n + 16.0)                       #  small items from being blown up"


# ================================================================= BatchNorm (wrong)

class _BNBase(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def stats(self, x):
        return x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), keepdim=True, correction=0)

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)

    def normalise(self, x, m, v):
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds

    def forward(self, x):
        if self.training:
            m, v = self.stats(x)
            self.update(x, m, v)
            return self.normalise(x, m, v)
        return self.normalise(x, self.means, self.vars)


class BNRunningVarScaledByGainSquared(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]                                  # "track the variance the next layer sees: the gain
        with torch.no_grad():                                       #  squared times the channel's variance"
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1) * self.mults.detach().view(1, -1, 1, 1) ** 2, self.mom)


class BNEvalFoldedShiftWithoutEps(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        scale = self.mults / (self.vars + self.eps).sqrt()          # eval folded into one scale and one shift; the shift
        shift = self.adds - self.means * self.mults / self.vars.sqrt()   # written with sqrt(var), its eps forgotten
        return x * scale + shift


class BNTrainXhatRescaledToUnitStd(_BNBase):
    def normalise(self, x, m, v):
        if not self.training:
            return super().normalise(x, m, v)
        xhat = (x - m) / (v + self.eps).sqrt()                      # "the eps leaves the std a little under one: rescale
        s = xhat.var((0, 2, 3), keepdim=True, correction=0).sqrt()  #  each channel to exactly unit std"
        return xhat / s.clamp_min(1e-12) * self.mults + self.adds


class BNEvalEpsDroppedForFloat64(_BNBase):
    def forward(self, x):
        if self.training or x.dtype != torch.float64:
            return super().forward(x)
        return (x - self.means) / self.vars.sqrt() * self.mults + self.adds   # "float64 has the precision: no eps needed"


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def stats(self, x):
        return x.mean((2, 3), keepdim=True), x.var((2, 3), keepdim=True, correction=0)

    def forward(self, x):
        m, v = self.stats(x)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INGainThroughSoftplus(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "keep the gains positive: softplus(mults)"
        return (x - m) / (v + self.eps).sqrt() * F.softplus(self.mults) + self.adds


class INVarAboutMidrange(_INBase):
    def stats(self, x):
        m = x.mean((2, 3), keepdim=True)                            # the variance taken about the midrange
        c = (x.amax((2, 3), keepdim=True) + x.amin((2, 3), keepdim=True)) / 2   # (max + min) / 2 instead of the mean
        return m, ((x - c) ** 2).mean((2, 3), keepdim=True)


class INZeroPixelsExcludedFromStats(_INBase):
    def stats(self, x):
        mask = (x != 0).to(x.dtype)                                 # "zeros are padding / dead ReLU pixels: leave them out"
        cnt = mask.sum((2, 3), keepdim=True).clamp_min(1)
        m = (x * mask).sum((2, 3), keepdim=True) / cnt
        v = (((x - m) * mask) ** 2).sum((2, 3), keepdim=True) / cnt
        return m, v


class INParamGradsClippedToUnitNorm(_INBase):
    def __init__(self, nf, eps=1e-5):
        super().__init__(nf, eps)
        for p in (self.mults, self.adds):                           # "gradient clipping belongs with the parameters:
            p.register_hook(lambda g: g / g.norm().clamp_min(1.0))  #  clip each affine gradient to norm 1"


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x, eps=None):
        eps = self.eps if eps is None else eps
        xg = x.reshape(x.shape[0], self.groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class GNEpsDroppedForFloat64(_GNBase):
    def forward(self, x):                                           # "eps only guards low precision"
        return self.norm(x, 0.0 if x.dtype == torch.float64 else self.eps) * self.mults + self.adds


class GNOutputRescaledBySqrtGroups(_GNBase):
    def forward(self, x):                                           # "G groups each of unit variance: divide by sqrt(G) so
        return self.norm(x) / self.groups ** 0.5 * self.mults + self.adds   #  the whole item has unit variance"


class GNGroupVarPooledOverBatch(_GNBase):
    def norm(self, x, eps=None):
        n = x.shape[0]                                              # "group statistics of the batch's average image:
        xg = x.reshape(n, self.groups, -1)                          #  the mean per item, the spread pooled over the batch"
        m = xg.mean(-1, keepdim=True)
        v = ((xg - m) ** 2).mean((0, 2), keepdim=True)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


class GNMultsAppliedBeforeCentring(_GNBase):
    def forward(self, x):
        n = x.shape[0]
        xs = x * self.mults                                         # gains applied to the input, the group's std taken
        xg = xs.reshape(n, self.groups, -1)                         # from the raw input: y = (mults*x - mean(mults*x)) / std(x)
        m = xg.mean(-1, keepdim=True)
        v = x.reshape(n, self.groups, -1).var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) + self.adds


# ====================================================================== RIGHT

def ewma_where_age_weights(values, mom):
    """Ages t - k from two broadcast aranges; torch.where keeps
    weight mom * (1 - mom)**age below the diagonal, the seed's weight (1 - mom)**t on column 0."""
    n = values.shape[0]
    t = torch.arange(n, dtype=values.dtype)
    age = t[:, None] - t[None, :]
    w = torch.where(age >= 0, mom * (1 - mom) ** age.clamp_min(0), torch.zeros((), dtype=values.dtype))
    w[:, 0] = (1 - mom) ** t
    return w @ values


class LNAddmmOnesColumn(nn.Module):
    """Each item's sum and sum of squared deviations as torch.addmm of the flattened rows with a ones column."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n = x.shape[0]
        rows = x.reshape(n, -1)
        k = rows.shape[1]
        ones = torch.ones(k, 1, dtype=x.dtype)
        m = torch.addmm(torch.zeros(n, 1, dtype=x.dtype), rows, ones, beta=0, alpha=1 / k)
        d = rows - m
        v = torch.addmm(torch.zeros(n, 1, dtype=x.dtype), d * d, ones, beta=0, alpha=1 / k)
        y = d * torch.rsqrt(v + self.eps)
        return torch.addcmul(self.add.expand_as(y), y, self.mult.expand_as(y)).reshape(x.shape)


class BNChannelGatherRows(nn.Module):
    """Channel rows gathered with torch.movedim + flatten; running buffers replaced out of place by copy_ of
    torch.add(alpha=...) expressions."""
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
            rows = torch.movedim(x, 1, 0).flatten(1)
            k = rows.shape[1]
            m = rows.sum(1) / k
            v = (rows - m[:, None]).square().sum(1) / k
            with torch.no_grad():
                self.means.copy_(torch.add(self.means * (1 - self.mom), m.view(1, c, 1, 1), alpha=self.mom))
                self.vars.copy_(torch.add(self.vars * (1 - self.mom), (v * k / (k - 1)).view(1, c, 1, 1), alpha=self.mom))
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) * torch.rsqrt(v + self.eps) * self.mults + self.adds


class INFlattenSpatialStdMean(nn.Module):
    """The plane flattened with x.flatten(2); torch.std_mean(correction=0) on the last axis; the std recomputed as
    sqrt(std**2 + eps)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        f = x.flatten(2)
        s, m = torch.std_mean(f, -1, correction=0, keepdim=True)
        y = (f - m) / torch.sqrt(s * s + self.eps)
        return y.view_as(x) * self.mults + self.adds


class GNUnflattenChannelsVarMean(nn.Module):
    """Channels unflattened into (groups, channels per group) and reduced over the last three axes with
    torch.var_mean(correction=0)."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        xg = x.unflatten(1, (self.groups, -1))
        v, m = torch.var_mean(xg, (2, 3, 4), correction=0, keepdim=True)
        return ((xg - m) / (v + self.eps).sqrt()).flatten(1, 2) * self.mults + self.adds


WRONG = [
    ("ewma_repeated_readings_skipped", "check_ewma", ewma_repeated_readings_skipped, "Holds the average (no lerp step) whenever a value equals the previous value ('a repeated reading is not a new measurement'): streams without consecutive repeats (random streams) are right everywhere; a stream with a repeated value (e.g. [1, 3, 3, 0.5] or a constant stream) skips the decay at the repeat: outputs from the repeat on are wrong for non-constant streams, and values.grad is wrong for any stream with a repeat (constant streams' outputs stay right)."),
    ("ewma_python_floats_rebuilt_tensor", "check_ewma", ewma_python_floats_rebuilt_tensor, "Runs the loop on Python floats (values.tolist()) and rebuilds the outputs with torch.tensor(out, dtype=values.dtype): the outputs, their dtype and shape are right everywhere, but the result is cut from the graph: it does not require grad, so no gradient reaches values (backward raises / values.grad stays None) for every stream."),
    ("ewma_carries_over_previous_call", "check_ewma", ewma_carries_over_previous_call, "Keeps the final average of each call in module-level state and starts the next call from it (output 0 = lerp(previous final avg, values[0], mom)) instead of from values[0] ('streaming'): the first call after reset is right everywhere; every later call is wrong (outputs from output 0 on, decaying as (1 - mom)**(t+1)) and values.grad[0] wrong (it gets mom * carry instead of the seed's whole carry; values.grad[1:] right, the carried avg is detached), unless mom is 1 or the previous final avg happens to equal values[0]."),
    ("ewma_seed_detached_after_first_output", "check_ewma", ewma_seed_detached_after_first_output, "Outputs right everywhere, but the recursion starts from values[0].detach() (only output 0 keeps values[0]'s gradient): values.grad[0] is g[0] instead of g[0] + sum_t (1 - mom)**t * g[t]; values.grad[1:] right; 1-value streams and mom 1 are right; every stream of 2+ values at mom < 1 has wrong values.grad[0]."),
    ("ln_backward_xhat_of_first_item", "check_layernorm", LNBackwardXhatOfFirstItem, "A custom autograd.Function whose forward is right (outputs and add.grad right everywhere) but which saves only item 0's xhat and rstd for backward and broadcasts them to the whole batch: a batch of one is right everywhere; with 2+ items (differing) x.grad of items 1.. and mult.grad (sum of g * item 0's xhat) are wrong."),
    ("ln_eval_without_affine", "check_layernorm", LNEvalWithoutAffine, "In eval returns the normalised xhat without mult and add ('the next layer absorbs the affine'): training is right everywhere; eval outputs are right only with mult 1 and add 0 (a fresh layer); with trained/other parameters eval outputs and x.grad are wrong and mult/add get no gradient in eval (None)."),
    ("ln_mult_grad_preconditioned_by_mult", "check_layernorm", LNMultGradPreconditionedByMult, "Registers a hook in __init__ that multiplies mult.grad by |mult| ('scale-invariant step'): outputs, x.grad and add.grad right everywhere; mult.grad right only while |mult| = 1 (a fresh layer); with mult 1.7 it is 1.7 times PyTorch's, with mult -0.7 it is 0.7 times."),
    ("ln_var_shrunk_to_one_prior", "check_layernorm", LNVarShrunkToOnePrior, "Replaces each item's variance by (n * var + 16) / (n + 16) (n = C*H*W; 'a unit-variance prior worth 16 pseudo-values') before adding eps: items whose variance is exactly 1 are right, and so is a constant item (x - m = 0, output add); every other item with variance != 1 has wrong outputs and gradients, most for small items and variances far from 1 (e.g. 2x3x4x5 items of std 3)."),
    ("bn_running_var_scaled_by_gain_squared", "check_batchnorm", BNRunningVarScaledByGainSquared, "Lerps the running var towards mults**2 times the unbiased batch variance ('the variance the next layer sees'): training outputs, gradients and the running mean are right everywhere; with mults 1 (a fresh layer) the running var is right too; with other mults the running var is wrong after every training step (by the factor mults**2 on the new part), so eval after training is wrong; a fresh layer in eval is right."),
    ("bn_eval_folded_shift_without_eps", "check_batchnorm", BNEvalFoldedShiftWithoutEps, "Eval folded into x * scale + shift with scale = mults / sqrt(vars + eps) right but shift = adds - means * mults / sqrt(vars) (the eps forgotten in the shift): training, gradients and running statistics right; a fresh layer in eval (means 0) is right; after training eval outputs are off by means * mults * (1/sqrt(vars) - 1/sqrt(vars + eps)): visible at eps 1e-3 or 0.1 (tiny, ~1e-6 relative, at eps 1e-5 in float64)."),
    ("bn_train_xhat_rescaled_to_unit_std", "check_batchnorm", BNTrainXhatRescaledToUnitStd, "In training rescales each channel's xhat to exactly unit (biased) std after dividing by sqrt(var + eps), which cancels the eps: training outputs are (x - m) / sqrt(var) * mults + adds and x.grad/mults.grad differ accordingly (visible at eps 0.1 or small variances, by the factor sqrt((var + eps) / var)); the running mean and var and eval are right."),
    ("bn_eval_eps_dropped_for_float64", "check_batchnorm", BNEvalEpsDroppedForFloat64, "In eval on float64 inputs normalises with sqrt(vars) without eps ('float64 needs no eps'): training, running statistics and everything in float32 are right; float64 eval outputs and x.grad are off by the factor sqrt((vars + eps) / vars) (clear at eps 0.1, ~5e-6 relative at eps 1e-5 on a fresh layer)."),
    ("in_gain_through_softplus", "check_instancenorm", INGainThroughSoftplus, "Multiplies by softplus(mults) instead of mults ('keep the gains positive'): already a fresh layer is wrong (gain softplus(1) = 1.3133 instead of 1): outputs, x.grad and mults.grad wrong for every non-constant image (a constant image gives adds, right); adds.grad right."),
    ("in_var_about_midrange", "check_instancenorm", INVarAboutMidrange, "Takes each image's variance about its midrange (max + min) / 2 instead of about its mean (the centring itself uses the mean): right only for images whose midrange equals their mean (constant or symmetric two-valued images); the variance is too big by (mean - midrange)**2 for every other image: outputs and gradients wrong for random images."),
    ("in_zero_pixels_excluded_from_stats", "check_instancenorm", INZeroPixelsExcludedFromStats, "Leaves exact zeros out of each image's mean and variance ('zeros are padding / dead ReLU pixels'): right for images without exact zeros (random normal inputs); images with some exact zeros (ReLU outputs, zero-padded images) have wrong outputs and gradients; an all-zero image gives adds (right)."),
    ("in_param_grads_clipped_to_unit_norm", "check_instancenorm", INParamGradsClippedToUnitNorm, "Hooks registered in __init__ clip mults.grad and adds.grad each to norm at most 1 ('gradient clipping'): outputs and x.grad right everywhere; a parameter gradient of norm <= 1 is right, a larger one is scaled down to norm 1 (adds.grad of a 2x4x3x5 batch with random upstream g has norm ~5)."),
    ("gn_eps_dropped_for_float64", "check_groupnorm", GNEpsDroppedForFloat64, "Uses eps only for float32 (and lower) inputs and eps 0 for float64 ('eps only guards low precision'): float32 is right; float64 outputs and gradients are off by sqrt((var + eps) / var) per group (clear at eps 0.1 or 1e-3, ~5e-6 relative at eps 1e-5 on unit-variance data), and a constant group in float64 gives nan."),
    ("gn_output_rescaled_by_sqrt_groups", "check_groupnorm", GNOutputRescaledBySqrtGroups, "Divides the normalised value by sqrt(groups) ('unit variance for the whole item') before mults and adds: groups 1 is right; any other group count has outputs, x.grad and mults.grad scaled by 1/sqrt(groups) (adds.grad right)."),
    ("gn_group_var_pooled_over_batch", "check_groupnorm", GNGroupVarPooledOverBatch, "Centres each item's group by its own mean but divides by the group's spread pooled over the whole batch (mean over items of the per-item variances): a batch of one is right, and so is a batch whose items have equal group variances; other batches of 2+ items have wrong outputs and gradients."),
    ("gn_mults_applied_before_centring", "check_groupnorm", GNMultsAppliedBeforeCentring, "Multiplies the input by the mults before taking the group mean but takes the std from the raw input: y = (mults*x - mean_group(mults*x)) / std_group(x) + adds: right when the mults are equal within each group (a fresh layer, one channel per group for the outputs); outputs wrong when the mults differ within a group of 2+ channels, and mults.grad wrong there too (it carries the mean term)."),
]

RIGHT = [
    ("ewma_where_age_weights", "check_ewma", ewma_where_age_weights,
     "weights mom * (1 - mom)**age from two broadcast aranges kept below the diagonal with torch.where, column 0 overwritten with the seed's (1 - mom)**t, then one matrix-vector product."),
    ("ln_addmm_ones_column", "check_layernorm", LNAddmmOnesColumn,
     "each item's mean and mean squared deviation as torch.addmm of the flattened rows with a ones column (alpha = 1/K); the affine with torch.addcmul."),
    ("bn_channel_gather_rows", "check_batchnorm", BNChannelGatherRows,
     "channel rows from torch.movedim + flatten; running buffers replaced with copy_ of torch.add(..., alpha=mom) expressions."),
    ("in_flatten_spatial_std_mean", "check_instancenorm", INFlattenSpatialStdMean,
     "plane flattened with flatten(2); torch.std_mean(correction=0) on the last axis; the denominator sqrt(std**2 + eps)."),
    ("gn_unflatten_channels_var_mean", "check_groupnorm", GNUnflattenChannelsVarMean,
     "channels unflattened to (groups, channels per group); torch.var_mean over the last three axes."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
