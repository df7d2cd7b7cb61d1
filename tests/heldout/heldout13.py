"""Thirteenth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout12 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


# ====================================================================== EWMA (wrong)

def ewma_enumerate_unpacked_swapped(values, mom):
    avg, out = values[0], []
    for v, i in enumerate(values):                                  # enumerate yields (index, value): v is the index
        avg = avg + mom * (v - avg)
        out.append(avg)
    return torch.stack(out)


def ewma_one_minus_unparenthesised(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = 1 - mom * avg + mom * v                               # (1 - mom) * avg meant: parentheses forgotten
        out.append(avg)
    return torch.stack(out)


def ewma_output_lerped_again(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(torch.lerp(avg, v, mom))                         # the update line copied into append: out.append(avg) meant
    return torch.stack(out)


def ewma_closed_form_inner_range_short(values, mom):
    out = []
    for t in range(len(values)):
        s = (1 - mom) ** t * values[0]
        for j in range(1, t):                                       # range(1, t + 1) meant: the newest value is left out
            s = s + mom * (1 - mom) ** (t - j) * values[j]
        out.append(s)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNModuleBuiltInForward(_LNBase):
    def forward(self, x):
        ln = nn.LayerNorm(x.shape[1:], eps=self.eps)                # built on each call: its own weight and bias are float32
        return ln(x) * self.mult + self.add


class LNParamsAsClassAttributes(nn.Module):
    mult = nn.Parameter(torch.tensor(1.))                           # class attributes, as a dataclass / Keras habit:
    add = nn.Parameter(torch.tensor(0.))                            # never registered, shared by every instance

    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNVarPositionalTrue(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = torch.var(x, (1, 2, 3), True)                           # meant keepdim=True: positionally it is `unbiased`
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNEpsAddedTwice(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0) + self.eps # eps folded into v ...
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add   # ... and added again


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


class BNUpdatePrecedence(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():                                   # (1 - mom) meant: this is running - mom + mom * batch
                self.means.copy_(self.means * 1 - self.mom + self.mom * m)
                self.vars.copy_(self.vars * 1 - self.mom + self.mom * v * n / (n - 1))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNVarAboutRunningMean(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = ((x - self.means) ** 2).mean((0, 2, 3), keepdim=True)   # self.means (the buffer) where m was meant
            n = x.numel() / x.shape[1]
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNRegisterAfterAssign(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        nn.Module.__init__(self)
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.means = torch.zeros(1, nf, 1, 1)                       # set as plain attributes first ...
        self.vars = torch.ones(1, nf, 1, 1)
        self.register_buffer('means', self.means)                   # ... then registered under the same names
        self.register_buffer('vars', self.vars)

    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNMeansUpdatedTwice(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.means.lerp_(v * n / (n - 1), self.mom)          # line copied from the one above: self.vars meant
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


class INLoopShadowsBound(_INBase):
    def forward(self, x):
        n, c, h, w = x.shape
        out = x.clone()
        for i in range(n):
            for c in range(c):                                      # the loop variable c rebinds the bound c
                xc = x[i, c]
                out[i, c] = (xc - xc.mean()) / (xc.var(correction=0) + self.eps).sqrt()
        return out * self.mults + self.adds


class INOutLeafRequiresGrad(_INBase):
    def forward(self, x):
        out = torch.zeros_like(x, requires_grad=True)               # "the output must carry gradients"
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        out[:] = (x - m) / (v + self.eps).sqrt()                    # in-place write into a leaf that requires grad
        return out * self.mults + self.adds


class INChannelsLastDims(_INBase):
    def forward(self, x):
        xl = x.permute(0, 2, 3, 1)                                  # channels last: (N, H, W, C)
        m = xl.mean((2, 3), keepdim=True)                           # dims (2, 3) kept: now the width and the channels
        v = xl.var((2, 3), keepdim=True, correction=0)
        xn = ((xl - m) / (v + self.eps).sqrt()).permute(0, 3, 1, 2)
        return xn * self.mults + self.adds


class INMeanSubtractedAfterScaling(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        xn = x / (v + self.eps).sqrt() - m                          # divided first, then the unscaled mean subtracted
        return xn * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNLoopRebindsX(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        out = x.clone()
        for g in range(self.groups):
            x = x[:, g * cpg:(g + 1) * cpg]                         # the name x reused: the next group is sliced from this one
            m = x.mean((1, 2, 3), keepdim=True)
            v = x.var((1, 2, 3), keepdim=True, correction=0)
            out[:, g * cpg:(g + 1) * cpg] = (x - m) / (v + self.eps).sqrt()
        return out * self.mults + self.adds


class GNParamReshapedInForward(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        nn.Module.__init__(self)
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf))
        self.adds = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        self.mults = self.mults.view(-1, 1, 1)                      # assigning a plain tensor to a Parameter attribute
        self.adds = self.adds.view(-1, 1, 1)
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNViewBindsToDenominator(_GNBase):
    def forward(self, x):
        n = x.shape[0]
        xg = x.view(n, self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        # meant ((xg - m) / (v + eps).sqrt()).view(x.shape): the method call binds to the denominator alone
        return (xg - m) / (v + self.eps).sqrt().view(x.shape) * self.mults + self.adds


class GNChannelMeanGroupVar(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, -1)
        gv = xg.var(-1, keepdim=True, correction=0)                 # the group's variance (right) ...
        gv = gv.repeat_interleave(c // self.groups, 1).view(n, c, 1, 1)
        m = x.mean((2, 3), keepdim=True)                            # ... but each channel's own mean subtracted
        return (x - m) / (gv + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_enumerate_unpacked_swapped", "check_ewma", ewma_enumerate_unpacked_swapped, 'for v, i in enumerate(values) (enumerate yields (index, value)): v is the index, so it averages the indices 0, 1, 2, ... starting from values[0]: output t = (1-mom)^(t+1)*values[0] + sum_j mom*(1-mom)^(t-j)*j; no value after values[0] is ever used. [1, 3] gives [0.9, 0.91] at mom 0.1 (right: [1, 1.2]); one value v gives (1-mom)*v.'),
    ("ewma_one_minus_unparenthesised", "check_ewma", ewma_one_minus_unparenthesised, 'avg = 1 - mom * avg + mom * v ((1 - mom) * avg meant): the old average gets weight -mom and a constant 1 is added each step: output 0 is always 1 (for any values[0]); output t = 1 + mom*(v_t - previous output). [1, 3, 0, 2] gives [1, 1.2, 0.88, 1.112] at mom 0.1 (right: [1, 1.2, 1.08, 1.172]); four 2s at mom 0.5 give [1, 1.5, 1.25, 1.375].'),
    ("ewma_output_lerped_again", "check_ewma", ewma_output_lerped_again, 'Keeps the right average but appends torch.lerp(avg, v, mom) (the update line copied into append): each output is the right average lerped once more towards its own value, avg_t + mom*(v_t - avg_t); output 0, constant streams and one value are right. [1, 3] gives [1, 1.38] at mom 0.1 (right: [1, 1.2]); the state itself is not updated twice.'),
    ("ewma_closed_form_inner_range_short", "check_ewma", ewma_closed_form_inner_range_short, 'Closed form (1-mom)^t*values[0] + sum over j in range(1, t) of mom*(1-mom)^(t-j)*values[j]: range(1, t + 1) meant, so the newest value is left out and output t (t >= 1) equals (1-mom) times the right output t-1. [1, 3, 0, 2] gives [1, 0.9, 1.08, 0.972] at mom 0.1 (right: [1, 1.2, 1.08, 1.172]); four 2s at mom 0.5 give [2, 1, 1, 1]; one value is right.'),
    ("ln_module_built_in_forward", "check_layernorm", LNModuleBuiltInForward, "Builds nn.LayerNorm(x.shape[1:], eps) inside forward: that child's elementwise weight and bias are float32, so float64 input raises RuntimeError 'mixed dtype (CPU): all inputs must share same datatype.'; float32 input is right (outputs and gradients)."),
    ("ln_params_as_class_attributes", "check_layernorm", LNParamsAsClassAttributes, 'mult and add are nn.Parameters defined as class attributes: never registered (parameters() and state_dict() are empty), shared by every instance (setting mult on one layer sets it on all), left float32 by .to(float64)/.double(), and zero_grad() never clears their gradients, so mult.grad and add.grad accumulate over calls (add.grad 120 then 240 after two backward passes of sum() on a 120-value input). Outputs are right.'),
    ("ln_var_positional_true", "check_layernorm", LNVarPositionalTrue, "torch.var(x, (1, 2, 3), True): positionally True is `unbiased`, not keepdim: the variance is unbiased and of shape (N,), which broadcasts against the width: for batches > 1 RuntimeError ('The size of tensor a (5) must match the size of tensor b (2) at non-singleton dimension 3') unless W == N (then wrong column-wise variances); for a batch of one the output is sqrt((K-1)/K) times PyTorch's (K = C*H*W; 0.9916 for K = 60)."),
    ("ln_eps_added_twice", "check_layernorm", LNEpsAddedTwice, "Folds eps into v (v = var + eps) and then divides by sqrt(v + eps): eps added twice, sqrt(var + 2*eps): invisible at eps 1e-5, off at eps 0.1 (a unit-variance item comes out with std 0.913, PyTorch's 0.953)."),
    ("bn_update_precedence", "check_batchnorm", BNUpdatePrecedence, 'Running stats updated as running * 1 - mom + mom * batch ((1 - mom) meant: parentheses forgotten): the running mean loses mom every step (mom * m - mom after one step from 0: [0.0025, -0.206, 0.2295] where PyTorch has [0.1025, -0.106, 0.3295]); the running var is right after the first step (it starts at 1) and wrong after that (vars - mom + mom * unbiased var); training output right, eval off.'),
    ("bn_var_about_running_mean", "check_batchnorm", BNVarAboutRunningMean, 'The batch variance is taken about self.means (the running mean buffer) where the batch mean m was meant: v = mean((x - running mean)^2) = biased var + (m - running mean)^2, which is used both to normalise in training (output centred but with std below 1, e.g. [0.459, 0.623, 0.573] on the first step) and (times n/(n-1)) for the running var (too big: [1.036, 1.088, 2.557] vs [0.929, 0.973, 1.444]); running mean right; eval divides by the inflated running var.'),
    ("bn_register_after_assign", "check_batchnorm", BNRegisterAfterAssign, 'Sets self.means / self.vars as plain tensors first, then calls register_buffer(\'means\', self.means): register_buffer refuses a name that is already an attribute, so building the layer raises KeyError "attribute \'means\' already exists".'),
    ("bn_means_updated_twice", "check_batchnorm", BNMeansUpdatedTwice, "The running-var update line is a copy of the mean's: self.means.lerp_(v * n / (n - 1), mom): the running mean is lerped towards the batch mean and then towards the unbiased batch variance; the running var never changes (stays 1). Training output right; eval off (wrong mean, var 1)."),
    ("in_loop_shadows_bound", "check_instancenorm", INLoopShadowsBound, 'n, c, h, w = x.shape, then `for c in range(c)` inside the item loop: the loop variable rebinds the bound, so item i normalises only channels 0 .. C-1-i (item 1 misses the last channel, item 2 the last two, ...); the rest are left raw (then scaled and shifted); items from C on are not normalised at all; right for a batch of one.'),
    ("in_out_leaf_requires_grad", "check_instancenorm", INOutLeafRequiresGrad, "out = torch.zeros_like(x, requires_grad=True) then out[:] = normalised: an in-place write into a leaf that requires grad raises RuntimeError 'a leaf Variable that requires grad is being used in an in-place operation.' on every call (whether or not x requires grad; only under torch.no_grad would it run, and then its values are right)."),
    ("in_channels_last_dims", "check_instancenorm", INChannelsLastDims, 'Permutes to channels-last (N, H, W, C) but keeps the reduction dims (2, 3): there they are the width and the channels, so each set is one (item, row) over all channels and the width, not one (item, channel) over height and width; the output is permuted back (shape right).'),
    ("in_mean_subtracted_after_scaling", "check_instancenorm", INMeanSubtractedAfterScaling, 'x / sqrt(v + eps) - m: divides first and then subtracts the unscaled mean (m / sqrt(v + eps) meant): each (item, channel) has unit spread but mean m * (1/sqrt(v + eps) - 1), not 0 (e.g. channel with mean 0.851 and std 0.536 comes out with mean 0.736); right only where m == 0 or v + eps == 1.'),
    ("gn_loop_rebinds_x", "check_groupnorm", GNLoopRebindsX, "Loops over groups with x = x[:, g*cpg:(g+1)*cpg]: reusing the name x, the second group is sliced from the first group's slice (empty), so with 2 or more groups it raises RuntimeError 'The expanded size of the tensor (3) must match the existing size (0) at non-singleton dimension 1' at the write; with one group it is right."),
    ("gn_param_reshaped_in_forward", "check_groupnorm", GNParamReshapedInForward, 'mults and adds built with shape (nf,) and reshaped in forward with self.mults = self.mults.view(-1, 1, 1): assigning a plain tensor to a Parameter attribute raises TypeError "cannot assign \'torch.DoubleTensor\' as parameter \'mults\' (torch.nn.Parameter or None expected)" on every call.'),
    ("gn_view_binds_to_denominator", "check_groupnorm", GNViewBindsToDenominator, '(xg - m) / (v + eps).sqrt().view(x.shape): the .view meant for the whole quotient binds to the denominator (shape (N, groups, 1)), so it raises RuntimeError "shape \'[2, 6, 4, 5]\' is invalid for input of size 4" (N * groups values) on every input.'),
    ("gn_channel_mean_group_var", "check_groupnorm", GNChannelMeanGroupVar, "Divides by the group's std (right, about the group mean) but subtracts each channel's own mean (InstanceNorm's) instead of the group mean: each channel is centred, and the spread is each channel's std over the group's std (below 1 where the group's channel means differ: [0.229, 0.368, 1.156] with 1 group); right with one channel per group."),
]


# ================================================================= RIGHT answers

def ewma_averaged_model(values, mom):
    """torch.optim.swa_utils.AveragedModel with an EMA averaging function (decay 1 - mom), fed each value as the
    parameter of a tiny module: its first update copies the value, each later one lerps towards it."""
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
    holder = nn.Module()
    holder.p = nn.Parameter(values[0].detach().clone(), requires_grad=False)
    ema = AveragedModel(holder, multi_avg_fn=get_ema_multi_avg_fn(1 - mom))
    out = []
    for v in values:
        holder.p.data.copy_(v)
        ema.update_parameters(holder)
        out.append(ema.module.p.detach().clone())
    return torch.stack(out)


class LNInstanceNormFlatItem(nn.Module):
    """Each item flattened into one long single-channel instance, (N, 1, C*H*W), through F.instance_norm."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        y = F.instance_norm(x.reshape(x.shape[0], 1, -1), eps=self.eps)
        return y.reshape(x.shape) * self.mult + self.add


class _BNFunction(torch.autograd.Function):
    """Training-mode batch normalisation (no affine) with a hand-written backward."""
    @staticmethod
    def forward(ctx, x, eps):
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        inv = (v + eps).rsqrt()
        xhat = (x - m) * inv
        ctx.save_for_backward(xhat, inv)
        return xhat

    @staticmethod
    def backward(ctx, g):
        xhat, inv = ctx.saved_tensors
        gm = g.mean((0, 2, 3), keepdim=True)
        gx = (g * xhat).mean((0, 2, 3), keepdim=True)
        return inv * (g - gm - xhat * gx), None


class BNAutogradFunction(nn.Module):
    """Training normalisation by a custom torch.autograd.Function (hand-written backward); running stats replaced
    with torch.lerp(...) results via copy_; eval through the running statistics."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                n = x.numel() // x.shape[1]
                self.means.copy_(torch.lerp(self.means, x.mean((0, 2, 3), keepdim=True), self.mom))
                self.vars.copy_(torch.lerp(self.vars, x.var((0, 2, 3), keepdim=True, correction=1), self.mom))
            xhat = _BNFunction.apply(x, self.eps)
        else:
            xhat = (x - self.means) / (self.vars + self.eps).sqrt()
        return xhat * self.mults + self.adds


class INSummedAreaTable(nn.Module):
    """Sums over height and width read from the corner of a summed-area table (cumsum along H, then W)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        h, w = x.shape[-2:]
        total = lambda t: t.cumsum(2).cumsum(3)[..., -1:, -1:]
        m = total(x) / (h * w)
        d = x - m
        v = total(d * d) / (h * w)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNAvgPool1dFlat(nn.Module):
    """Each item flattened to (N, 1, C*H*W); group moments by F.avg_pool1d with kernel = stride = (C/groups)*H*W."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n = x.shape[0]
        xf = x.reshape(n, 1, -1)
        k = xf.shape[-1] // self.groups
        m = F.avg_pool1d(xf, k, k).repeat_interleave(k, -1)
        d = xf - m
        v = F.avg_pool1d(d * d, k, k).repeat_interleave(k, -1)
        return (d / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


RIGHT = [
    ("ewma_averaged_model", "check_ewma", ewma_averaged_model,
     "torch.optim.swa_utils.AveragedModel with get_ema_multi_avg_fn(1 - mom), fed each value as a parameter; its averaged copy read after each update."),
    ("ln_instance_norm_flat_item", "check_layernorm", LNInstanceNormFlatItem,
     "each item reshaped to one single-channel instance (N, 1, C*H*W) and normalised by F.instance_norm."),
    ("bn_autograd_function", "check_batchnorm", BNAutogradFunction,
     "training output through a custom torch.autograd.Function with a hand-written backward; running stats copy_'d from torch.lerp results."),
    ("in_summed_area_table", "check_instancenorm", INSummedAreaTable,
     "per-(item, channel) sums read from the last corner of a summed-area table (x.cumsum(2).cumsum(3))."),
    ("gn_avg_pool1d_flat", "check_groupnorm", GNAvgPool1dFlat,
     "each item flattened to (N, 1, C*H*W); group means and mean squared deviations by F.avg_pool1d with kernel = stride = (C/groups)*H*W."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
