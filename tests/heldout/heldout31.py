"""Thirty-first held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout30 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
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

def ewma_mom_floored(values, mom):
    mom = max(mom, 0.2)                                             # "below 0.2 the average barely moves"
    return _lerp_loop(values, mom, values[0])


def ewma_reseeded_every_100(values, mom):
    avg, out = values[0], []
    for i, v in enumerate(values):
        if i % 100 == 0:                                            # "re-seed now and then so rounding cannot drift"
            avg = v
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_skip_when_equal(values, mom):
    avg, out = values[0], []
    for v in values:
        if torch.equal(v, avg):                                     # "the value equals the average: nothing to move"
            out.append(avg)
            continue
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_grad_clipped_hook(values, mom):
    out = _lerp_loop(values, mom, values[0])
    if out.requires_grad:
        out.register_hook(lambda g: g.clamp(-1, 1))                 # "long streams: clip the gradient so it cannot explode"
    return out


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


class LNUnbiasUndoneWithBatchCount(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        n = x.numel()                                               # x[0].numel() meant (values per item)
        v = x.var((1, 2, 3), keepdim=True) * (n - 1) / n            # "undo Bessel's correction"
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class _LNFnProjectionOverBatch(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xh = (x - m) * r
        ctx.save_for_backward(xh, r, mult)
        return xh * mult + add

    @staticmethod
    def backward(ctx, g):
        xh, r, mult = ctx.saved_tensors
        gh = g * mult
        # the centring and projection means taken over the whole batch (dims 0-3) instead of per item (dims 1-3)
        dx = r * (gh - gh.mean() - xh * (gh * xh).mean())
        return dx, (g * xh).sum(), g.sum(), None


class LNBackwardMeansOverBatch(_LNBase):
    def forward(self, x):
        return _LNFnProjectionOverBatch.apply(x, self.mult, self.add, self.eps)


class LNEpsRegisteredBuffer(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        del self.eps
        self.register_buffer('eps', torch.tensor(eps))              # "a buffer, so eps is saved with the model"

    def forward(self, x):
        return self.norm(x) * self.mult + self.add


class LNMultBeforeCentring(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x * self.mult - m) / (v + self.eps).sqrt() + self.add   # (x - m) / std * mult meant


# ================================================================= BatchNorm (wrong)

class _BNBase(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)

    def normalise(self, x, m, v):
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds

    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            self.update(x, m, v)
            return self.normalise(x, m, v)
        return self.normalise(x, self.means, self.vars)


class BNExtraBatchCounterBuffer(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.register_buffer('num_batches_tracked', torch.tensor(0, dtype=torch.long))   # "like PyTorch's BatchNorm2d"

    def update(self, x, m, v):
        super().update(x, m, v)
        self.num_batches_tracked += 1


class _BNFnUnbiasedBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, m, v, vu, mults, adds, eps):
        xh = (x - m) * (v + eps).rsqrt()
        ctx.save_for_backward(xh, (vu + eps).rsqrt(), mults)         # the unbiased var (kept for the running var) saved by mistake
        return xh * mults + adds

    @staticmethod
    def backward(ctx, g):
        xh, r, mults = ctx.saved_tensors
        gh = g * mults
        dx = r * (gh - gh.mean((0, 2, 3), keepdim=True) - xh * (gh * xh).mean((0, 2, 3), keepdim=True))
        return dx, None, None, None, (g * xh).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class BNBackwardUnbiasedVar(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        vu = x.var((0, 2, 3), keepdim=True, correction=1)
        self.update(x, m, v)
        return _BNFnUnbiasedBackward.apply(x, m.detach(), v.detach(), vu.detach(), self.mults, self.adds, self.eps)


class BNRunningFromTwoImages(_BNBase):
    def update(self, x, m, v):
        if x.shape[0] > 2:                                          # "the running statistics only need a sample of the batch"
            xs = x[:2]
            m = xs.mean((0, 2, 3), keepdim=True)
            v = xs.var((0, 2, 3), keepdim=True, correction=0)
            x = xs
        super().update(x, m, v)


class BNRunningStatsPromotedToDouble(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "accumulate the running statistics in double precision"
            self.means = torch.lerp(self.means.double(), m.double(), self.mom)
            self.vars = torch.lerp(self.vars.double(), (v * n / (n - 1)).double(), self.mom)


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


class _INFnMultsGradFirstItem(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xh = (x - m) * r
        ctx.save_for_backward(xh, r, mults)
        return xh * mults + adds

    @staticmethod
    def backward(ctx, g):
        xh, r, mults = ctx.saved_tensors
        gh = g * mults
        dx = r * (gh - gh.mean((2, 3), keepdim=True) - xh * (gh * xh).mean((2, 3), keepdim=True))
        dm = (g * xh)[0].sum((1, 2)).view(mults.shape)              # summed over the first item only (dims 0, 2, 3 meant)
        return dx, dm, g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardMultsGradFirstItem(_INBase):
    def forward(self, x):
        return _INFnMultsGradFirstItem.apply(x, self.mults, self.adds, self.eps)


class INPyTorchNameAliases(_INBase):
    def __init__(self, nf, eps=1e-5):
        super().__init__(nf, eps)
        self.weight = self.mults                                    # "aliases, so PyTorch checkpoints load too"
        self.bias = self.adds

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class INBesselForSmallImages(_INBase):
    def forward(self, x):
        k = x.shape[2] * x.shape[3]
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=1 if k < 10 else 0)   # "under 10 pixels the sample is small: use Bessel"
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INChunkedMultsNoOffset(_INBase):
    def forward(self, x):
        outs = []
        for chunk in x.split(4, dim=1):                             # "four channels at a time, to save memory"
            k = chunk.shape[1]
            outs.append(self.norm(chunk) * self.mults[:k] + self.adds[:k])   # the chunk's offset into mults/adds forgotten
        return torch.cat(outs, 1)


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


class GNGroupIndexBuffer(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        self.register_buffer('group_of', torch.arange(nf) // (nf // groups))   # "a buffer, so it follows .to(device)"

    def forward(self, x):
        n, c, h, w = x.shape
        cnt = (c // self.groups) * h * w
        s = x.new_zeros(n, self.groups).index_add(1, self.group_of, x.sum((2, 3)))
        M = (s / cnt)[:, self.group_of, None, None]
        q = x.new_zeros(n, self.groups).index_add(1, self.group_of, ((x - M) ** 2).sum((2, 3)))
        V = (q / cnt)[:, self.group_of, None, None]
        return (x - M) / (V + self.eps).sqrt() * self.mults + self.adds


class _GNFnMultsGradUnscaled(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        n, c = x.shape[:2]
        xg = x.view(n, groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xh = ((xg - m) * r).view(x.shape)
        xc = (xg - m).view(x.shape)
        ctx.save_for_backward(xh, xc, r, mults)
        ctx.groups = groups
        return xh * mults + adds

    @staticmethod
    def backward(ctx, g):
        xh, xc, r, mults = ctx.saved_tensors
        n, c = g.shape[:2]
        G = ctx.groups
        gh = (g * mults).view(n, G, -1)
        xhg = xh.view(n, G, -1)
        dx = (r * (gh - gh.mean(-1, keepdim=True) - xhg * (gh * xhg).mean(-1, keepdim=True))).view(g.shape)
        dm = (g * xc).sum((0, 2, 3)).view(mults.shape)              # centred input used, the division by the std forgotten
        return dx, dm, g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardMultsGradUnscaled(_GNBase):
    def forward(self, x):
        return _GNFnMultsGradUnscaled.apply(x, self.mults, self.adds, self.groups, self.eps)


class _GNFnItemBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        n, c = x.shape[:2]
        xg = x.view(n, groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xh = ((xg - m) * r).view(x.shape)
        rc = r.view(n, groups, 1).repeat_interleave(c // groups, 1).view(n, c, 1, 1)
        ctx.save_for_backward(xh, rc, mults)
        return xh * mults + adds

    @staticmethod
    def backward(ctx, g):
        xh, rc, mults = ctx.saved_tensors
        gh = g * mults
        # LayerNorm's backward reused: the means taken over the whole item (dims 1, 2, 3) instead of over the group
        dx = rc * (gh - gh.mean((1, 2, 3), keepdim=True) - xh * (gh * xh).mean((1, 2, 3), keepdim=True))
        return dx, (g * xh).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardMeansOverItem(_GNBase):
    def forward(self, x):
        return _GNFnItemBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNVarOfChannelAveragedImage(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, c // self.groups, h, w)
        m = xg.mean((2, 3, 4), keepdim=True)
        im = xg.mean(2, keepdim=True)                               # "average the group's channels into one map, take its spread"
        v = ((im - m) ** 2).mean((3, 4), keepdim=True)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


# ================================================================= RIGHT answers

def ewma_iterator_next(values, mom):
    """An explicit iterator: the first value taken with next(), the rest consumed by a for loop over the same iterator;
    each step mom * v + (1 - mom) * avg."""
    it = iter(values.unbind(0))
    avg = next(it)
    out = [avg]
    for v in it:
        avg = mom * v + (1 - mom) * avg
        out.append(avg)
    return torch.stack(out)


class LNStagedMeans(nn.Module):
    """Mean and variance taken in stages, one axis at a time (width, then height, then channels), each keepdim."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        m = x.mean(3, keepdim=True).mean(2, keepdim=True).mean(1, keepdim=True)
        d = x - m
        v = (d * d).mean(3, keepdim=True).mean(2, keepdim=True).mean(1, keepdim=True)
        return d * (v + self.eps).rsqrt() * self.mult + self.add


class BNUnbiasedVarDirectSubUpdate(nn.Module):
    """Running var from torch.var(..., correction=1) taken directly (no n/(n-1) factor); buffers moved with
    buf.sub_(mom * (buf - stat))."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            v, m = torch.var_mean(x, dim=(0, 2, 3), correction=0, keepdim=True)
            with torch.no_grad():
                vu = torch.var(x, dim=(0, 2, 3), correction=1, keepdim=True)
                self.means.sub_(self.mom * (self.means - m))
                self.vars.sub_(self.mom * (self.vars - vu))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INVmapOverInstances(nn.Module):
    """torch.func.vmap over the flattened (item, channel) rows, each row normalised by a small function."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        eps = self.eps

        def one(r):
            d = r - r.mean()
            return d / ((d * d).mean() + eps).sqrt()

        rows = torch.func.vmap(one)(x.flatten(0, 1).flatten(1))
        return rows.view(x.shape) * self.mults + self.adds


class GNChannelUnfold(nn.Module):
    """Groups formed with Tensor.unfold over the channel axis (size = step = channels per group), giving
    (N, G, H, W, cpg); statistics over its last three axes."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        cpg = x.shape[1] // self.groups
        u = x.unfold(1, cpg, cpg)                                   # (N, G, H, W, cpg)
        m = u.mean((2, 3, 4), keepdim=True)[..., 0]                 # (N, G, 1, 1)
        d = u - m[..., None]
        v = (d * d).mean((2, 3, 4))                                 # (N, G)
        M = m.repeat_interleave(cpg, 1)
        V = v.repeat_interleave(cpg, 1)[:, :, None, None]
        return (x - M) / (V + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_mom_floored", "check_ewma", ewma_mom_floored, "Raises any momentum below 0.2 to 0.2 (mom = max(mom, 0.2): 'below 0.2 the average barely moves'): every momentum of 0.2 or more is right everywhere; at mom 0.1 the average moves 0.2 of the way each step instead of 0.1, so every output after the first (and the gradients) is wrong; a 1-value stream is right."),
    ("ewma_reseeded_every_100", "check_ewma", ewma_reseeded_every_100, "Resets the average to the current value every 100 values ('re-seed so rounding cannot drift'): streams of up to 100 values are right everywhere; from value 100 on a longer stream the average restarts at values[100], so outputs 100 onward (and the gradients reaching values before 100 from them, and values[100]'s) are wrong."),
    ("ewma_skip_when_equal", "check_ewma", ewma_skip_when_equal, "Skips the lerp when the new value equals the current average ('nothing to move'): every output value is right on every stream (lerp would leave it unchanged); on a random stream gradients are right, but on a stream where a value equals the average (a constant stream) each skipped output's gradient goes to the old average (ultimately values[0]) instead of mom to the skipped value and the rest to earlier values: values.grad on a constant stream is wrong (all on values[0])."),
    ("ewma_grad_clipped_hook", "check_ewma", ewma_grad_clipped_hook, "Registers a hook on the output that clamps its incoming gradient to [-1, 1] ('clip so long-stream gradients cannot explode'): every output is right, and values.grad is right while every output's upstream gradient lies in [-1, 1]; any upstream gradient entry beyond that is clipped, so values.grad is wrong (too small in size) on streams whose output gradient has such entries."),
    ("ln_unbias_undone_with_batch_count", "check_layernorm", LNUnbiasUndoneWithBatchCount, "Takes the unbiased (Bessel) variance per item and undoes it with (n-1)/n where n = x.numel() counts the whole batch instead of one item's C*H*W values: a batch of one is right everywhere; with 2+ items the variance is too small by (N*k-1)/(N*k) * k/(k-1) (k values per item), so outputs and gradients are slightly off (more for small items and large eps differences)."),
    ("ln_backward_means_over_batch", "check_layernorm", LNBackwardMeansOverBatch, "A custom autograd.Function whose forward is right (outputs right everywhere), with the right mult and add gradients, but whose hand-written input gradient takes the centring and projection means (mean(g*mult) and mean(g*mult*xhat)) over the whole batch instead of per item: a batch of one is right everywhere; with 2+ items x.grad is wrong."),
    ("ln_eps_registered_buffer", "check_layernorm", LNEpsRegisteredBuffer, "Registers eps as a buffer (register_buffer('eps', torch.tensor(eps)): 'so it is saved with the model'): outputs and gradients are right everywhere, but the state_dict holds an extra key 'eps' besides mult and add (a lesson checkpoint does not load strictly, and eps is not a learned/running statistic)."),
    ("ln_mult_before_centring", "check_layernorm", LNMultBeforeCentring, "Scales the input by mult before centring: (x*mult - mean(x)) / sqrt(var(x)+eps) + add instead of (x - mean) / sqrt(var+eps) * mult + add: with mult = 1 (fresh) it is right everywhere except mult.grad (which gets sum(g*x)/std, not sum(g*xhat)); with any other mult outputs are off by (mult-1)*x/std and gradients are wrong."),
    ("bn_extra_batch_counter_buffer", "check_batchnorm", BNExtraBatchCounterBuffer, "Adds a num_batches_tracked buffer ('like PyTorch's BatchNorm2d') counted up each training step: every output, gradient and running statistic is right, but the state_dict holds an extra key num_batches_tracked besides mults, adds, means and vars."),
    ("bn_backward_unbiased_var", "check_batchnorm", BNBackwardUnbiasedVar, "Training uses a custom autograd.Function whose forward normalises rightly (outputs, running statistics, mults/adds gradients, eval all right) but whose backward scales the input gradient by 1/sqrt(v_unbiased + eps) (the Bessel-corrected variance kept for the running var) instead of 1/sqrt(v + eps): the training x.grad is too small by about sqrt((n-1)/n) (n = N*H*W values per channel)."),
    ("bn_running_from_two_images", "check_batchnorm", BNRunningFromTwoImages, "For batches of more than 2 images computes the running statistics from the first two images only ('a sample is enough'): batches of 1 or 2 images are right everywhere; for 3+ images the training outputs and gradients are right but the running mean and var (and eval outputs after training) are those of images 0 and 1 (unbiased with their count)."),
    ("bn_running_stats_promoted_to_double", "check_batchnorm", BNRunningStatsPromotedToDouble, "Updates the running statistics as torch.lerp(buf.double(), stat.double(), mom) and assigns the result to the buffers ('accumulate in double precision'): float64 layers are right everywhere; in a float32 layer the means and vars buffers become float64 after the first training step, so their dtype is wrong and every eval output after training is float64 for float32 input (eval x.grad stays float32)."),
    ("in_backward_mults_grad_first_item", "check_instancenorm", INBackwardMultsGradFirstItem, "A custom autograd.Function whose forward, input gradient and adds gradient are right, but whose hand-written backward sums the mults gradient over the first item only ((g*xhat)[0].sum over H, W) instead of over the batch too: a batch of one is right everywhere; with 2+ items mults.grad is wrong."),
    ("in_pytorch_name_aliases", "check_instancenorm", INPyTorchNameAliases, "Adds aliases self.weight = self.mults and self.bias = self.adds ('so PyTorch checkpoints load'): every output and gradient is right, and parameters() lists mults and adds once, but the state_dict holds the same tensors twice, under the extra keys weight and bias."),
    ("in_bessel_for_small_images", "check_instancenorm", INBesselForSmallImages, "Uses the unbiased (Bessel, correction=1) variance for images of fewer than 10 pixels ('a small sample needs Bessel's correction') and the biased one otherwise: images of 10 pixels or more (4x5, 5x5, 2x6, 4x4, ...) are right everywhere; on small images (3x3, 3x2) the variance is too large by k/(k-1) (k = H*W), so outputs and gradients are wrong there (also in eval)."),
    ("in_chunked_mults_no_offset", "check_instancenorm", INChunkedMultsNoOffset, "Normalises four channels at a time (x.split(4, dim=1)) and applies mults[:k], adds[:k] to every chunk, forgetting the chunk's offset: 4-channel inputs are right everywhere, and with fresh parameters (all 1 / 0) outputs and the input gradient are right; with 6 or 8 channels channels 4 onward use channels 0.. 's mults and adds (outputs wrong for other parameters) and mults.grad/adds.grad pile onto the first channels (wrong even with fresh parameters)."),
    ("gn_group_index_buffer", "check_groupnorm", GNGroupIndexBuffer, "Keeps the channel-to-group index as a registered buffer ('so it follows .to(device)') and computes the group statistics with index_add: every output and gradient is right, but the state_dict holds an extra key group_of besides mults and adds."),
    ("gn_backward_mults_grad_unscaled", "check_groupnorm", GNBackwardMultsGradUnscaled, "A custom autograd.Function whose forward, input gradient and adds gradient are right, but whose hand-written backward gives mults.grad = sum(g * (x - group mean)) (centred input, the division by the group's sqrt(var + eps) forgotten) instead of sum(g * xhat): mults.grad is wrong on every input (right only where a group's var + eps is 1)."),
    ("gn_backward_means_over_item", "check_groupnorm", GNBackwardMeansOverItem, "A custom autograd.Function whose forward is right (outputs, mults and adds gradients right) but whose backward reuses LayerNorm's: the centring and projection means of the input gradient are taken over the whole item (C, H, W) instead of over each group: with one group it is right; with 2+ groups x.grad is wrong."),
    ("gn_var_of_channel_averaged_image", "check_groupnorm", GNVarOfChannelAveragedImage, "Takes the group variance as the spread of the channel-averaged map (mean over the group's channels first, then the mean squared deviation over H, W) instead of over all the group's values: with one channel per group (groups = C) it is right; with 2+ channels per group the variance is too small (the within-pixel spread across channels is lost), so outputs and gradients are wrong."),
]

RIGHT = [
    ("ewma_iterator_next", "check_ewma", ewma_iterator_next,
     "an explicit iterator over values.unbind(0): the first value taken with next(), the rest consumed by a for loop over the same iterator; each step mom * v + (1 - mom) * avg."),
    ("ln_staged_means", "check_layernorm", LNStagedMeans,
     "mean and variance taken in stages, one axis at a time (width, then height, then channels), each with keepdim."),
    ("bn_unbiased_var_direct_sub_update", "check_batchnorm", BNUnbiasedVarDirectSubUpdate,
     "running var from torch.var(..., correction=1) taken directly (no n/(n-1) factor); buffers moved with buf.sub_(mom * (buf - stat))."),
    ("in_vmap_over_instances", "check_instancenorm", INVmapOverInstances,
     "torch.func.vmap over the flattened (item, channel) rows, each row normalised by a small function."),
    ("gn_channel_unfold", "check_groupnorm", GNChannelUnfold,
     "groups formed with Tensor.unfold over the channel axis (size = step = channels per group), giving (N, G, H, W, cpg); statistics over its last three axes."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
