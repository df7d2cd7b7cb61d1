"""Thirtieth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout29 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


def _lerp_loop(values, mom, start):
    avg, out = start, []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


# ====================================================================== EWMA (wrong)

def ewma_avg_detached_each_step(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg.detach(), v, mom)                      # "detach the carried average so the graph stays small"
        out.append(avg)
    return torch.stack(out)


def ewma_long_stream_no_grad(values, mom):
    with torch.set_grad_enabled(torch.is_grad_enabled() and len(values) <= 100):   # "long streams: no autograd bookkeeping"
        return _lerp_loop(values, mom, values[0])


class _EwmaFnCarryMom(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values, mom):
        ctx.mom = mom
        with torch.no_grad():
            return _lerp_loop(values, mom, values[0])

    @staticmethod
    def backward(ctx, g):
        mom = ctx.mom
        G = torch.empty_like(g)
        acc = torch.zeros_like(g[0])
        for t in range(len(g) - 1, -1, -1):
            acc = g[t] + mom * acc                                  # carry should be (1 - mom) * acc
            G[t] = acc
        gv = mom * G
        gv[0] = G[0]                                                # the first value is also the start
        return gv, None


def ewma_custom_backward_carry_mom(values, mom):
    return _EwmaFnCarryMom.apply(values, mom)


def ewma_seed_mean_of_window(values, mom):
    k = max(1, round(1 / mom))                                      # "an EWMA's window is about 1/mom values: seed with their mean"
    return _lerp_loop(values, mom, values[:k].mean())


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def norm(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt()


class _LNFnMultGradFromInput(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xh = (x - m) * r
        ctx.save_for_backward(x, xh, r, mult)
        return xh * mult + add

    @staticmethod
    def backward(ctx, g):
        x, xh, r, mult = ctx.saved_tensors
        gh = g * mult
        dx = r * (gh - gh.mean((1, 2, 3), keepdim=True) - xh * (gh * xh).mean((1, 2, 3), keepdim=True))
        return dx, (g * x).sum(), g.sum(), None                     # d out / d mult taken as the input x (xhat meant)


class LNBackwardMultGradFromInput(_LNBase):
    def forward(self, x):
        return _LNFnMultGradFromInput.apply(x, self.mult, self.add, self.eps)


class LNEvalFloat32FastPath(_LNBase):
    def forward(self, x):
        if not self.training and x.dtype == torch.float64:          # "inference: float32 is plenty and faster"
            return (self.norm(x.float()) * self.mult.float() + self.add.float()).to(x.dtype)
        return self.norm(x) * self.mult + self.add


class LNZeroVarWhereZero(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        xn = torch.where(v > 0, (x - m) * (v + self.eps).rsqrt(), torch.zeros_like(x))   # "a flat item normalises to 0"
        return xn * self.mult + self.add


class LNAffineBuffersRequiringGrad(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        nn.Module.__init__(self)
        self.eps = eps
        # "buffers are saved and moved by .to(); requires_grad lets them learn" (nn.Parameter meant)
        self.register_buffer('mult', torch.tensor(1.).requires_grad_())
        self.register_buffer('add', torch.tensor(0.).requires_grad_())

    def forward(self, x):
        return self.norm(x) * self.mult + self.add


# ================================================================= BatchNorm (wrong)

class _BNBase(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def count(self, x):
        return x.numel() / x.shape[1]

    def unbias(self, v, n):
        return v * n / (n - 1)

    def update(self, x, m, v):
        n = self.count(x)
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(self.unbias(v, n), self.mom)

    def normalise(self, x, m, v):
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds

    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            self.update(x, m, v)
            return self.normalise(x, m, v)
        return self.normalise(x, self.means, self.vars)


class _BNFnPerItemBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, m, v, mults, adds, eps):
        r = (v + eps).rsqrt()
        xh = (x - m) * r
        ctx.save_for_backward(xh, r, mults)
        return xh * mults + adds

    @staticmethod
    def backward(ctx, g):
        xh, r, mults = ctx.saved_tensors
        gh = g * mults
        # centring and projection averaged per image (dims 2, 3) instead of over the batch too (dims 0, 2, 3)
        dx = r * (gh - gh.mean((2, 3), keepdim=True) - xh * (gh * xh).mean((2, 3), keepdim=True))
        return dx, None, None, (g * xh).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class BNBackwardMeansPerItem(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        self.update(x, m, v)
        return _BNFnPerItemBackward.apply(x, m.detach(), v.detach(), self.mults, self.adds, self.eps)


class BNBesselFloorDivided(_BNBase):
    def unbias(self, v, n):
        return v * n // (n - 1)                                     # '//' typed for '/'


class BNMomentumCapped(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, min(mom, 0.2), eps)                    # "a momentum above 0.2 makes the running statistics jumpy"


class BNBesselCountAssumesSquare(_BNBase):
    def count(self, x):
        return x.shape[0] * x.shape[2] * x.shape[2]                 # "images are square": N * H * H (N * H * W meant)


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INFunctionalInputStatsTrainingOnly(_INBase):
    def forward(self, x):
        return F.instance_norm(x, None, None, self.mults.view(-1), self.adds.view(-1),
                               use_input_stats=self.training, eps=self.eps)   # BatchNorm habit: batch stats in training only


class INStatsSubsampledLargeImages(_INBase):
    def forward(self, x):
        s = x[:, :, ::2, ::2] if x.shape[2] * x.shape[3] > 16 else x   # "big images: estimate the stats from every other pixel"
        m = s.mean((2, 3), keepdim=True)
        v = s.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INScalarAdds(_INBase):
    def __init__(self, nf, eps=1e-5):
        super().__init__(nf, eps)
        self.adds = nn.Parameter(torch.zeros(1))                    # "one shift is enough" (one per channel meant)

    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INVarShiftedUncorrected(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        d = x - x[:, :, :1, :1]                                     # "shift by the first pixel for stability"
        v = (d * d).mean((2, 3), keepdim=True)                      # the - (m - x00)**2 correction forgotten
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape)


class _GNFnMultsGradPerGroup(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        n = x.shape[0]
        xg = x.view(n, groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xh = ((xg - m) * r).view(x.shape)
        ctx.save_for_backward(xh, r, mults)
        ctx.groups = groups
        return xh * mults + adds

    @staticmethod
    def backward(ctx, g):
        xh, r, mults = ctx.saved_tensors
        n, c = g.shape[:2]
        G = ctx.groups
        gh = (g * mults).view(n, G, -1)
        xhg = xh.view(n, G, -1)
        dx = (r * (gh - gh.mean(-1, keepdim=True) - xhg * (gh * xhg).mean(-1, keepdim=True))).view(g.shape)
        gm = (g * xh).view(n, G, -1).sum((0, 2))                    # mults gradient reduced over the whole group ...
        dm = gm.repeat_interleave(c // G).view(mults.shape)         # ... and handed to every channel of it
        return dx, dm, g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardMultsGradPerGroup(_GNBase):
    def forward(self, x):
        return _GNFnMultsGradPerGroup.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNAddsSizedByGroups(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        self.adds = nn.Parameter(torch.zeros(groups, 1, 1))         # zeros(nf, 1, 1) meant

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class GNConstantGroupSkipped(_GNBase):
    def forward(self, x):
        n, c = x.shape[:2]
        cpg = c // self.groups
        out = torch.zeros_like(x)
        for i in range(n):
            for j in range(self.groups):
                sl = slice(j * cpg, (j + 1) * cpg)
                xs = x[i, sl]
                v = xs.var(correction=0)
                if v == 0:                                          # "a flat group has nothing to normalise"
                    continue
                out[i, sl] = (xs - xs.mean()) / (v + self.eps).sqrt() * self.mults[sl] + self.adds[sl]
        return out


class GNPrescaledByAbsMax(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        xg = xg / xg.abs().amax(-1, keepdim=True)                   # "scale each group into [-1, 1] first, for stability"
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


# ================================================================= RIGHT answers

def ewma_clone_lerp_in_place(values, mom):
    """A clone of the stream; each slot from the second on is pulled in place towards the slot before it:
    out[i].lerp_(out[i - 1], 1 - mom)  (= mom * v_i + (1 - mom) * avg_{i-1})."""
    out = values.clone()
    for i in range(1, len(out)):
        out[i].lerp_(out[i - 1], 1 - mom)
    return out


class LNShiftedDataVariance(nn.Module):
    """Shifted-data variance: each item shifted by its own first value s; var = mean((x - s)^2) - mean(x - s)^2."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        d = x - x[:, :1, :1, :1].detach()
        md = d.mean((1, 2, 3), keepdim=True)
        v = (d * d).mean((1, 2, 3), keepdim=True) - md * md
        return (d - md) / (v + self.eps).sqrt() * self.mult + self.add


class BNItemLoopTwoPass(nn.Module):
    """Channel sums accumulated image by image in a Python loop (first the sum, then the squared deviations);
    buffers moved by buf.mul_(1 - mom).add_(mom * stat)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            k = x.shape[0] * x.shape[2] * x.shape[3]
            s = 0
            for xi in x:
                s = s + xi.sum((1, 2))
            m = (s / k).view(1, -1, 1, 1)
            q = 0
            for xi in x:
                q = q + ((xi - m[0]) ** 2).sum((1, 2))
            v = (q / k).view(1, -1, 1, 1)
            with torch.no_grad():
                self.means.mul_(1 - self.mom).add_(self.mom * m)
                self.vars.mul_(1 - self.mom).add_(self.mom * v * k / (k - 1))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INSortedPixels(nn.Module):
    """Each (item, channel)'s pixels sorted with torch.sort; mean and mean squared deviation of the sorted values."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        srt = torch.sort(x.flatten(2), dim=-1).values
        m = srt.mean(-1)[..., None, None]
        v = ((srt - srt.mean(-1, keepdim=True)) ** 2).mean(-1)[..., None, None]
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class GNChannelDeviationsAboutGroupMean(nn.Module):
    """Group mean as the mean of the channel means; group var as the mean over the group's channels of each channel's
    mean squared deviation about the group mean; spread with repeat_interleave."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        cpg = c // self.groups
        cm = x.mean((2, 3))                                         # (N, C)
        gm = cm.view(n, self.groups, cpg).mean(-1)                  # (N, G)
        M = gm.repeat_interleave(cpg, dim=1)[:, :, None, None]      # (N, C, 1, 1)
        cdev = ((x - M) ** 2).mean((2, 3))                          # (N, C)
        gv = cdev.view(n, self.groups, cpg).mean(-1)
        V = gv.repeat_interleave(cpg, dim=1)[:, :, None, None]
        return (x - M) / (V + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_avg_detached_each_step", "check_ewma", ewma_avg_detached_each_step, "Detaches the carried average before every step ('keep the graph small'): every output is right (values, dtype, shape), but each output's gradient reaches only the value it was last lerped towards: output t's gradient with respect to values[t] is mom and with respect to every earlier value 0 (instead of mom*(1-mom)**age), and output 0's gradient with respect to values[0] is mom instead of 1. values.grad is wrong on every stream, a 1-value stream included."),
    ("ewma_long_stream_no_grad", "check_ewma", ewma_long_stream_no_grad, "Turns autograd off for streams longer than 100 values ('long streams: no autograd bookkeeping'): every output value, dtype and shape is right, and streams of up to 100 values are right everywhere (gradients too); a longer stream's output does not require grad, so backward raises RuntimeError (no gradient reaches the values)."),
    ("ewma_custom_backward_carry_mom", "check_ewma", ewma_custom_backward_carry_mom, "A custom autograd.Function whose forward is the right lerp loop (outputs right everywhere) but whose hand-written backward carries the reverse sum as g[t] + mom * G[t+1] instead of g[t] + (1 - mom) * G[t+1]: gradients are right at mom 0.5 and for a 1-value stream; at any other mom values.grad is wrong for every value but the last (too large at mom 0.9, too small at mom 0.1)."),
    ("ewma_seed_mean_of_window", "check_ewma", ewma_seed_mean_of_window, "Starts the average from the mean of the first round(1/mom) values ('an EWMA's window is about 1/mom values') instead of values[0]: at mom 0.9 the window is one value, so it is right; at mom 0.5 the start is the mean of the first 2 values, at 0.3 of 3, at 0.1 of 10 (or of the whole stream if shorter): every output is off by (1-mom)**(t+1) * (start - values[0]) (output 0 too), gradients likewise; a 1-value stream is right."),
    ("ln_backward_mult_grad_from_input", "check_layernorm", LNBackwardMultGradFromInput, "A custom autograd.Function whose forward is right (outputs right everywhere) and whose input gradient and add gradient are right, but whose hand-written backward returns mult.grad = sum(g * x) (the raw input) instead of sum(g * xhat) (the normalised input): mult.grad is wrong on every input."),
    ("ln_eval_float32_fast_path", "check_layernorm", LNEvalFloat32FastPath, "In eval mode casts float64 input to float32, normalises in float32 and casts the result back ('inference: float32 is plenty'): training mode is right everywhere, and float32 is right everywhere; a float64 input in eval mode gets a float64 output (dtype right) that is only float32-accurate (errors ~1e-7 relative), and its input gradient likewise."),
    ("ln_zero_var_where_zero", "check_layernorm", LNZeroVarWhereZero, "Normalises with torch.where(v > 0, (x - m) / sqrt(v + eps), 0) ('a flat item normalises to 0'): every output is right (a constant item gives add, as PyTorch does) and every non-constant item is right everywhere; for a constant item (variance 0) the input gradient is 0 instead of (g*mult - mean(g*mult)) / sqrt(eps) (torch.where sends no gradient into the branch not taken)."),
    ("ln_affine_buffers_requiring_grad", "check_layernorm", LNAffineBuffersRequiringGrad, "Registers mult and add with register_buffer(..., torch.tensor(1.).requires_grad_()) instead of as nn.Parameter ('buffers are saved and moved by .to(); requires_grad lets them learn'): outputs and the input gradient are right everywhere, and in float32 mult and add even get the right gradients; but the layer has no parameters (parameters() is empty, so an optimiser never updates mult and add), and after .to(float64) the converted buffers are no longer leaf tensors, so mult.grad and add.grad stay None."),
    ("bn_backward_means_per_item", "check_batchnorm", BNBackwardMeansPerItem, "Training uses a custom autograd.Function whose forward is right (training outputs, running statistics, mults/adds gradients, eval all right) but whose hand-written backward takes the centring and projection means of the input gradient per image (over H, W) instead of over the batch too (N, H, W): a batch of one is right everywhere; with 2+ images the training input gradient is wrong."),
    ("bn_bessel_floor_divided", "check_batchnorm", BNBesselFloorDivided, "Unbiases the batch variance for the running var with v * n // (n - 1) (floor division typed for '/'): training outputs, gradients and the running mean are right; the running var moves towards floor(v * n/(n-1)) (e.g. 0 for a channel whose variance is below about 1, 1 for one between 1 and 2) instead of v * n/(n-1), so the running var and every eval output after training are wrong."),
    ("bn_momentum_capped", "check_batchnorm", BNMomentumCapped, "Caps the momentum at 0.2 in __init__ ('a momentum above 0.2 makes the running statistics jumpy'): every layer built with momentum up to 0.2 is right everywhere, and training outputs and gradients are always right; with momentum 0.3 the running mean and var move by 0.2 of the way each step instead of 0.3, so the running statistics and every eval output after training are wrong."),
    ("bn_bessel_count_assumes_square", "check_batchnorm", BNBesselCountAssumesSquare, "Counts the values per channel as N * H * H ('images are square') instead of N * H * W in the unbiasing factor of the running var: square inputs are right everywhere; for non-square inputs the running var is unbiased by n'/(n'-1) with the wrong n' (too small a factor when W < H, too large when W > H), so the running var and eval outputs after training are slightly off; training outputs, gradients and the running mean are right."),
    ("in_functional_input_stats_training_only", "check_instancenorm", INFunctionalInputStatsTrainingOnly, "Calls F.instance_norm(x, None, None, weight, bias, use_input_stats=self.training, eps) (BatchNorm's habit: batch statistics only in training): training mode is right everywhere; every eval-mode call raises RuntimeError (with use_input_stats False F.instance_norm needs running_mean and running_var, which are None); InstanceNorm must normalise each instance in eval too."),
    ("in_stats_subsampled_large_images", "check_instancenorm", INStatsSubsampledLargeImages, "For images with more than 16 pixels estimates each (item, channel)'s mean and variance from every other row and column (x[:, :, ::2, ::2]; 'big images: subsample the statistics'): images of up to 16 pixels (e.g. 3x3, 2x6, 3x2) are right everywhere; on larger images (4x5, 5x5, 4x4, another size in eval) outputs and gradients are wrong."),
    ("in_scalar_adds", "check_instancenorm", INScalarAdds, "Creates the shift as a single nn.Parameter(torch.zeros(1)) ('one shift is enough') instead of one per channel (nf, 1, 1): with fresh parameters every output and the input gradient are right, but adds.grad is the total over all channels (shape (1,), not per channel), per-channel shifts cannot be loaded (state_dict shape (1,)), and the layer cannot learn a different shift per channel."),
    ("in_var_shifted_uncorrected", "check_instancenorm", INVarShiftedUncorrected, "Computes the variance about the (item, channel)'s first pixel, mean((x - x[..., 0, 0])**2) ('shifted data for stability'), and forgets the - (mean - x00)**2 correction: the variance is too large by (mean - x00)**2, so outputs and gradients are wrong for every (item, channel) whose first pixel is not its mean; a constant (item, channel) is right."),
    ("gn_backward_mults_grad_per_group", "check_groupnorm", GNBackwardMultsGradPerGroup, "A custom autograd.Function whose forward is right (outputs right everywhere), with the right input gradient and adds gradient, but whose hand-written backward reduces the mults gradient over the whole group and gives that sum to every channel of the group: with one channel per group (groups = C) it is right; with 2+ channels per group mults.grad is wrong (each channel gets its group's total)."),
    ("gn_adds_sized_by_groups", "check_groupnorm", GNAddsSizedByGroups, "Creates adds as torch.zeros(groups, 1, 1) instead of (nf, 1, 1): with groups = C it is right everywhere; with one group adds is a single shared shift (shape (1, 1, 1)): outputs right while adds are 0, but adds.grad is the total over all channels and per-channel shifts cannot be set or learned; with any other group count (2 or 3 groups of 4, 6 or 8 channels) the forward raises RuntimeError (adds of shape (groups, 1, 1) does not broadcast against (N, C, H, W))."),
    ("gn_constant_group_skipped", "check_groupnorm", GNConstantGroupSkipped, "Normalises group by group into a zeros tensor and skips any (item, group) whose variance is exactly 0 ('a flat group has nothing to normalise'): every group with varying values is right (outputs and gradients); a constant group's output is left at 0 instead of adds, and that group's values, mults and adds get no gradient from it."),
    ("gn_prescaled_by_abs_max", "check_groupnorm", GNPrescaledByAbsMax, "Divides each (item, group) by its largest absolute value before normalising ('scale into [-1, 1] first, for stability'): the normalisation is scale-free except for eps, so the result equals normalising with eps * max|x|**2 instead of eps: outputs and gradients are off on every input (slightly at eps 1e-5, clearly at eps 1e-3 and 0.1); with eps -> 0 it would be right."),
]

RIGHT = [
    ("ewma_clone_lerp_in_place", "check_ewma", ewma_clone_lerp_in_place,
     "a clone of the stream; each slot from the second on pulled in place towards the slot before it with out[i].lerp_(out[i - 1], 1 - mom)."),
    ("ln_shifted_data_variance", "check_layernorm", LNShiftedDataVariance,
     "shifted-data variance: each item shifted by its own (detached) first value s; var = mean((x - s)^2) - mean(x - s)^2."),
    ("bn_item_loop_two_pass", "check_batchnorm", BNItemLoopTwoPass,
     "channel sums accumulated image by image in a Python loop (first the sums, then the squared deviations); buffers moved by buf.mul_(1 - mom).add_(mom * stat)."),
    ("in_sorted_pixels", "check_instancenorm", INSortedPixels,
     "each (item, channel)'s pixels sorted with torch.sort; mean and mean squared deviation of the sorted values."),
    ("gn_channel_deviations_about_group_mean", "check_groupnorm", GNChannelDeviationsAboutGroupMean,
     "group mean as the mean of the channel means; group var as the mean over the group's channels of each channel's mean squared deviation about the group mean; spread with repeat_interleave."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
