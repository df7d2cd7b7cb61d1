"""Seventy-third held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout72 (heldoutN.py).
       Every one changes a computed number, a gradient or a running statistic.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` is there for the harnesses (nothing in this set keeps module-level state).
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


def reset_state():
    pass


# ====================================================================== EWMA (wrong)

def ewma_gain_floor_inverse_sqrt_t(values, mom):
    avg, out = values[0], []                                        # "stochastic approximation: a 1/sqrt(t) step size early
    for t, v in enumerate(values):                                  #  on, never below mom"
        w = mom if t == 0 else max(mom, 1 / math.sqrt(t + 1))
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


def ewma_instant_attack_peak_hold(values, mom):
    avg, out = values[0], []                                        # "a level meter: jump up to a new peak at once, decay
    for v in values:                                                #  towards smaller values with mom"
        avg = torch.maximum(v, torch.lerp(avg, v, mom))
        out.append(avg)
    return torch.stack(out)


def ewma_sqrt_domain_nonneg(values, mom):
    if bool((values >= 0).all()):                                   # "variance-stabilising: average non-negative streams
        r = values.sqrt()                                           #  (counts, magnitudes) in the square-root domain"
        avg, out = r[0], []
        for v in r:
            avg = torch.lerp(avg, v, mom)
            out.append(avg * avg)
        return torch.stack(out)
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_power_function_edm2(values, mom):
    gamma = 1 / mom - 1 if mom > 0 else float('inf')                # "EDM2's power-function EMA: beta_t = (1 - 1/t)**(gamma+1)
    avg, out = values[0], []                                        #  with gamma = 1/mom - 1"
    for i, v in enumerate(values):
        t = i + 1
        beta = (1 - 1 / t) ** (gamma + 1)
        avg = torch.lerp(avg, v, 1 - beta)
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


class _LNProjectionWithOutput(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(xhat, r, mult)
        ctx.add = add.detach()
        return xhat * mult + add

    @staticmethod
    def backward(ctx, g):
        xhat, r, mult = ctx.saved_tensors                           # the projection written with the output y (affine
        y = xhat * mult + ctx.add                                   #  included) where the normalised xhat is meant
        gx = mult * r * (g - g.mean((1, 2, 3), keepdim=True) - y * (g * y).mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardProjectionWithOutput(_LNBase):
    def forward(self, x):
        return _LNProjectionWithOutput.apply(x, self.mult, self.add, self.eps)


class LNMupScaledByInvSqrtChannels(_LNBase):
    def forward(self, x):                                           # "muP: keep the activation scale width-independent,
        return super().forward(x) / x.shape[1] ** 0.5               #  divide by sqrt(fan-in)" (the add scaled too)


class LNActivationRegularisationHook(_LNBase):
    def forward(self, x):
        y = super().forward(x)
        if y.requires_grad:                                         # "activation regularisation (Merity et al.): add
            yd = y.detach()                                         #  alpha * y to the output's gradient, alpha 0.01"
            y.register_hook(lambda g: g + 0.01 * yd)
        return y


class LNVarShiftCorrectionSignFlipped(_LNBase):
    def stats(self, x):
        c = x[:, :1, :1, :1]                                        # "shifted data for a stable variance: shift by the first
        m = x.mean((1, 2, 3), keepdim=True)                         #  value, then correct for the shift" (with + where - is
        v = ((x - c) ** 2).mean((1, 2, 3), keepdim=True) + (m - c) ** 2   # meant)
        return m, v


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


class BNMomScaledByBatchFractionOfLargest(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.largest = 0                                            # "small batches are noisy: weight each update by the

    def update(self, x, m, v):                                      #  batch's size relative to the largest seen so far"
        n = x.numel() / x.shape[1]
        self.largest = max(self.largest, x.shape[0])
        w = self.mom * x.shape[0] / self.largest
        with torch.no_grad():
            self.means.lerp_(m, w)
            self.vars.lerp_(v * n / (n - 1), w)


class BNRunningResetOnVarianceJump(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        vu = v * n / (n - 1)
        with torch.no_grad():                                       # "distribution shift: when a channel's batch var is over
            jump = vu > 2 * self.vars                               #  2x its running var, restart that channel's running
            self.means.copy_(torch.where(jump, m, torch.lerp(self.means, m, self.mom)))   # stats from the batch"
            self.vars.copy_(torch.where(jump, vu, torch.lerp(self.vars, vu, self.mom)))


class BNInPlaceChainMulAddMul(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # (1 - mom) * running + mom * batch written as one in-place
            self.means.mul_(1 - self.mom).add_(m).mul_(self.mom)    # chain: ((running * (1 - mom)) + batch) * mom
            self.vars.mul_(1 - self.mom).add_(v * n / (n - 1)).mul_(self.mom)


class BNMultsGradPreconditionedByRunningStd(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)                              # "natural-gradient preconditioning of the gain: divide
        self.mults.register_hook(lambda g: g / (self.vars + self.eps).sqrt().view_as(g))   # its gradient by the running std"


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


class INInputGradPerItemClipped(_INBase):
    def forward(self, x):
        if x.requires_grad:                                         # "per-sample gradient clipping (DP-SGD): clip each item's
            def clip(g):                                            #  input gradient to L2 norm at most 1"
                nrm = g.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
                return g * torch.clamp(1 / nrm, max=1.0)
            x.register_hook(clip)
        return super().forward(x)


class INPerImageStandardizationFloor(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # tf.image.per_image_standardization: std floored at
        k = x.shape[2] * x.shape[3]                                 # 1/sqrt(H*W) instead of eps
        s = torch.maximum(v.sqrt(), torch.full_like(v, k ** -0.5))
        return (x - m) / s * self.mults + self.adds


class _INVarTermSum(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(xhat, r, mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors                          # the variance term's mean written as a sum over the plane
        gx = mults * r * (g - g.mean((2, 3), keepdim=True) - xhat * (g * xhat).sum((2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardVarTermSumNotMean(_INBase):
    def forward(self, x):
        return _INVarTermSum.apply(x, self.mults, self.adds, self.eps)


class INVarThroughSoftplus(_INBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "keep the variance smooth and positive: softplus it"
        return m, F.softplus(v)


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


class GNInputGradUnitRmsPerGroupHook(_GNBase):
    def forward(self, x):
        if x.requires_grad:                                         # "balance the groups: rescale each group's input gradient
            n, G = x.shape[0], self.groups                          #  to unit RMS"
            def rescale(g):
                gg = g.reshape(n, G, -1)
                return (gg / gg.pow(2).mean(-1, keepdim=True).sqrt()).reshape(g.shape)
            x.register_hook(rescale)
        return super().forward(x)


class GNAddsGradTiedWithinGroupHook(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)                           # "tied biases: the channels of a group share one bias
        G = groups                                                  #  gradient, their mean"
        self.adds.register_hook(lambda g: g.view(G, -1).mean(1, keepdim=True).expand(G, g.numel() // G).reshape(g.shape))


class _GNVarTermSignFlipped(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        n = x.shape[0]
        xg = x.reshape(n, groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = ((xg - m) * r).reshape(x.shape)
        ctx.save_for_backward(xhat, r, mults)
        ctx.groups = groups
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors
        n, G = g.shape[0], ctx.groups
        gh = (g * mults).reshape(n, G, -1)
        xh = xhat.reshape(n, G, -1)                                 # the variance term added where it is subtracted
        gx = r * (gh - gh.mean(-1, keepdim=True) + xh * (gh * xh).mean(-1, keepdim=True))
        return (gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape),
                None, None)


class GNBackwardVarTermSignFlipped(_GNBase):
    def forward(self, x):
        return _GNVarTermSignFlipped.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNEvalEpsRaisedTenfold(_GNBase):
    def forward(self, x):                                           # "a larger eps at inference for stability"
        return self.norm(x, self.eps if self.training else 10 * self.eps) * self.mults + self.adds


# ====================================================================== RIGHT answers

def ewma_homogeneous_matrix_mv(values, mom):
    """State [avg, 1] carried through a 2x2 homogeneous affine matrix [[1 - mom, mom * v], [0, 1]] per step, applied with
    torch.mv; the start state is [values[0], 1]."""
    one = torch.ones((), dtype=values.dtype)
    zero = torch.zeros((), dtype=values.dtype)
    state = torch.stack([values[0], one])
    out = []
    for v in values:
        A = torch.stack([torch.stack([one - mom, mom * v]), torch.stack([zero, one])])
        state = torch.mv(A, state)
        out.append(state[0])
    return torch.stack(out)


class LNInstanceNormOnFlatItems(nn.Module):
    """F.instance_norm on x viewed as (1, N, C*H*W): each item a 'channel' of one 1-d instance; the scalar affine after."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        y = F.instance_norm(x.reshape(1, x.shape[0], -1), eps=self.eps).view_as(x)
        return y * self.mult + self.add


class BNFunctionalOnBufferViews(nn.Module):
    """F.batch_norm handed flat views of the (1, C, 1, 1) buffers, so that its in-place running update (momentum = mom,
    unbiased var) lands in the buffers themselves; weight and bias flat views of mults and adds."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        return F.batch_norm(x, self.means.view(-1), self.vars.view(-1), self.mults.view(-1), self.adds.view(-1),
                            self.training, self.mom, self.eps)


class INLayerNormOverPlanes(nn.Module):
    """F.layer_norm with normalized_shape = (H, W) and no affine (each plane its own 'layer'), the per-channel affine
    after."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        return F.layer_norm(x, x.shape[2:], eps=self.eps) * self.mults + self.adds


class GNLayerNormOnGroupRows(nn.Module):
    """F.layer_norm over the last axis of x viewed as (N, G, C/G*H*W), then the per-channel affine."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        return F.layer_norm(xg, xg.shape[-1:], eps=self.eps).view_as(x) * self.mults + self.adds


WRONG = [
    ("ewma_gain_floor_inverse_sqrt_t", "check_ewma", ewma_gain_floor_inverse_sqrt_t, "Uses the weight max(mom, 1/sqrt(t + 1)) at step t >= 1 instead of mom ('a 1/sqrt(t) step size early on'): right when mom >= 1/sqrt(2) (about 0.707, e.g. mom 0.9 or 1), for 1-value streams and for constant streams' outputs; for smaller mom (0.1, 0.5) every non-constant stream of 2+ values has wrong outputs and values.grad from output 1 on (output 1 is lerp(v0, v1, 0.707) instead of lerp(v0, v1, mom)), for mom 0.5 up to output 2 and then the right weight on a wrong carry."),
    ("ewma_instant_attack_peak_hold", "check_ewma", ewma_instant_attack_peak_hold, "Takes max(v, lerp(avg, v, mom)) at each step ('a level meter: jump to a new peak at once, decay with mom'): right for strictly decreasing streams, 1-value streams and mom 1, and constant streams' outputs (their values.grad is split by torch.maximum's tie rule); wherever a value is above the current average (any rising step: output 1 of [0, 1, ...]) the output jumps to that value instead of moving mom of the way, so outputs and values.grad are wrong from the first rise on (mom 0 on a rising stream too)."),
    ("ewma_sqrt_domain_nonneg", "check_ewma", ewma_sqrt_domain_nonneg, "For streams whose values are all >= 0 runs the EWMA on sqrt(values) and squares each output ('variance-stabilising'), otherwise the plain EWMA: streams with any negative value are right everywhere, and so are non-negative constant streams (outputs), 1-value streams and mom 0 and mom 1 (outputs); every non-constant non-negative stream of 2+ values with 0 < mom < 1 has outputs too small from output 1 on (the square of a mean is below the mean of squares) and a wrong values.grad."),
    ("ewma_power_function_edm2", "check_ewma", ewma_power_function_edm2, "Uses EDM2's power-function EMA weight 1 - (1 - 1/t)**(1/mom) at step t = index + 1 instead of mom: step 0 is right (weight 1, avg = values[0]) and so are 1-value streams and constant streams' outputs; every non-constant stream of 2+ values is wrong from output 1 on for every mom (mom 1 gives the cumulative mean, mom 0.5 weight 0.75 at output 1, mom 0.1 almost 1), outputs and values.grad."),
    ("ln_backward_projection_with_output", "check_layernorm", LNBackwardProjectionWithOutput, "A custom autograd.Function whose forward, mult.grad and add.grad are right but whose hand-written x.grad projects with the output y = xhat * mult + add where xhat is meant: x.grad = mult * r * (g - mean(g) - y * mean(g * y)): right for a fresh layer (mult 1, add 0, where y = xhat), wrong as soon as mult != 1 or add != 0 (every item, training and eval alike)."),
    ("ln_mup_scaled_by_inv_sqrt_channels", "check_layernorm", LNMupScaledByInvSqrtChannels, "Divides the whole output (add included) by sqrt(C) ('muP: width-independent activation scale'): one-channel inputs (C = 1) are right everywhere; for C > 1 outputs, x.grad, mult.grad and add.grad are all 1/sqrt(C) times the right ones, training and eval alike."),
    ("ln_activation_regularisation_hook", "check_layernorm", LNActivationRegularisationHook, "Registers on the output a hook that adds 0.01 * y to its gradient ('activation regularisation'): every output is right, and so is a call without grad; mult.grad and add.grad are off (add.grad by 0.01 * sum(y), mult.grad by 0.01 * sum(y * xhat)), training and eval alike; x.grad changes only at the eps level (LayerNorm's backward maps the added 0.01 * y to almost 0), so it is right within tolerance."),
    ("ln_var_shift_correction_sign_flipped", "check_layernorm", LNVarShiftCorrectionSignFlipped, "Computes each item's variance with the shifted-data formula mean((x - c)**2) + (mean - c)**2, c = the item's first value, where it must be minus (mean - c)**2: the variance is too big by 2 (mean - c)**2, so outputs shrink and gradients are wrong for every item whose first value differs from its mean; items whose first value equals their mean and constant items are right; training and eval alike."),
    ("bn_mom_scaled_by_batch_fraction_of_largest", "check_batchnorm", BNMomScaledByBatchFractionOfLargest, "Weights each running update by mom * N / (largest N seen so far) ('small batches are noisy'): training outputs and gradients are right; the running statistics are right as long as no batch is smaller than an earlier one (the first call, calls with non-decreasing N, and always mom 0); after a call with a smaller batch than an earlier one (e.g. N 4 then N 2) the running mean and var moved too little, so eval after that is wrong; a fresh layer in eval is right."),
    ("bn_running_reset_on_variance_jump", "check_batchnorm", BNRunningResetOnVarianceJump, "Restarts a channel's running mean and var from the batch (weight 1) whenever its unbiased batch var exceeds 2 times its running var ('distribution shift'): training outputs and gradients are right, and so are the running statistics while every channel's batch var stays below 2 x running var (unit-scale data from the start value 1); a batch whose channel var jumps above it (data scaled by 2 or more from a unit running var) overwrites that channel's running stats, so the running statistics and eval after it are wrong (mom 1 is right)."),
    ("bn_in_place_chain_mul_add_mul", "check_batchnorm", BNInPlaceChainMulAddMul, "Writes the running update as buf.mul_(1 - mom).add_(batch).mul_(mom), i.e. mom * ((1 - mom) * buf + batch) instead of (1 - mom) * buf + mom * batch: from the zero start the running mean is right after the first step and wrong from the second; the running var is wrong from the first step ((0.9 + v) * 0.1 at mom 0.1); training outputs and gradients right; mom 1 right; eval after training wrong; a fresh layer in eval right."),
    ("bn_mults_grad_preconditioned_by_running_std", "check_batchnorm", BNMultsGradPreconditionedByRunningStd, "A hook registered on mults divides its gradient by sqrt(running var + eps) ('natural-gradient preconditioning'): outputs, x.grad, adds.grad and the running statistics are right; mults.grad is wrong in every training call (the running var has already moved when backward runs) and in eval after training; only a fresh layer in eval (running var 1) is right up to a factor 1/sqrt(1 + eps), within float32 tolerance."),
    ("in_input_grad_per_item_clipped", "check_instancenorm", INInputGradPerItemClipped, "Registers a hook on the input that clips each item's x.grad to L2 norm at most 1 ('per-sample gradient clipping'): outputs, mults.grad and adds.grad are right everywhere and so is x.grad for items whose gradient norm is at most 1 (e.g. upstream gradients times 0.01) and a call on an input without grad; x.grad of an item with a larger gradient norm (random unit upstream gradients on a 3x3x4 image already) is scaled down, training and eval alike."),
    ("in_per_image_standardization_floor", "check_instancenorm", INPerImageStandardizationFloor, "Divides by max(std, 1/sqrt(H*W)) (tf.image.per_image_standardization) instead of sqrt(var + eps): constant planes' outputs are right; planes with std above 1/sqrt(H*W) lack eps (a 5e-6 relative error at eps 1e-5 and var 1: within float32 tolerance, clear in float64 and at eps 0.1); planes with std below 1/sqrt(H*W) (low-contrast planes) are badly wrong (outputs too small, gradients wrong), training and eval alike."),
    ("in_backward_var_term_sum_not_mean", "check_instancenorm", INBackwardVarTermSumNotMean, "A custom autograd.Function whose forward, mults.grad and adds.grad are right but whose hand-written x.grad takes the variance term's sum(g * xhat) over the plane where its mean is meant: x.grad = mults * r * (g - mean(g) - xhat * sum(g * xhat)): wrong for every non-constant plane with 2+ pixels (the term is H*W times too big); constant planes are right; training and eval alike."),
    ("in_var_through_softplus", "check_instancenorm", INVarThroughSoftplus, "Uses softplus(var) + eps instead of var + eps ('a smooth positive variance'): for high-variance planes (var above about 25) it is right within tolerance (softplus(v) = v + log(1 + exp(-v))); for unit-scale planes outputs are shrunk (var 1: sqrt(1/1.31)) and gradients wrong; constant planes give the right output adds (their x.grad is wrong); training and eval alike."),
    ("gn_input_grad_unit_rms_per_group_hook", "check_groupnorm", GNInputGradUnitRmsPerGroupHook, "Registers a hook on the input that rescales each (item, group) block of x.grad to unit RMS ('balance the groups'): outputs, mults.grad and adds.grad are right, and so is a call on an input without grad; x.grad is wrong (by a per-group factor) unless that block's gradient happens to have RMS 1, training and eval alike, for every group count."),
    ("gn_adds_grad_tied_within_group_hook", "check_groupnorm", GNAddsGradTiedWithinGroupHook, "A hook registered on adds replaces each channel's gradient by the mean over its group's channels ('tied biases'): outputs, x.grad and mults.grad are right everywhere and so is adds.grad for one channel per group (groups = C); with 2+ channels per group adds.grad is wrong whenever the channels of a group have different bias gradients, training and eval alike."),
    ("gn_backward_var_term_sign_flipped", "check_groupnorm", GNBackwardVarTermSignFlipped, "A custom autograd.Function whose forward, mults.grad and adds.grad are right but whose hand-written x.grad adds the variance term where it must be subtracted: x.grad = r * (gh - mean(gh) + xhat * mean(gh * xhat)) per group (gh = g * mults): wrong for every group whose mean(gh * xhat) is not 0 (any random upstream gradient), every group count; training and eval alike."),
    ("gn_eval_eps_raised_tenfold", "check_groupnorm", GNEvalEpsRaisedTenfold, "Uses 10 * eps in eval ('a larger eps at inference for stability'): training is right everywhere; in eval outputs and gradients differ by about 9 eps / (2 var) relatively: within float32 tolerance at eps 1e-5 for unit-variance groups, clearly wrong in float64, at eps 1e-3 or 0.1 and for low-variance groups; constant groups' outputs are right."),
]

RIGHT = [
    ("ewma_homogeneous_matrix_mv", "check_ewma", ewma_homogeneous_matrix_mv,
     "the state [avg, 1] pushed through a 2x2 homogeneous affine matrix [[1 - mom, mom * v], [0, 1]] per step with torch.mv."),
    ("ln_instance_norm_on_flat_items", "check_layernorm", LNInstanceNormOnFlatItems,
     "F.instance_norm on x viewed as (1, N, C*H*W), the items as the channels of a single 1-d instance; the scalar affine after."),
    ("bn_functional_on_buffer_views", "check_batchnorm", BNFunctionalOnBufferViews,
     "F.batch_norm given flat views of the (1, C, 1, 1) running buffers, so its in-place running update writes into them."),
    ("in_layer_norm_over_planes", "check_instancenorm", INLayerNormOverPlanes,
     "F.layer_norm with normalized_shape (H, W), no affine, then the per-channel affine."),
    ("gn_layer_norm_on_group_rows", "check_groupnorm", GNLayerNormOnGroupRows,
     "F.layer_norm over the last axis of x viewed as (N, G, C/G*H*W), then the per-channel affine."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
