"""Eighty-sixth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, meant to differ from those listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py and /work/heldout43 ... /work/heldout85 (heldoutN.py).
       Every one changes a computed number, an output's dtype, a gradient or a running statistic.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles those files do not use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import operator
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


def reset_state():
    """No entry of this set keeps module-level state (kept for the scripts' interface)."""


def _lerp_loop(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


# ====================================================================== EWMA (wrong)

def ewma_asinh_domain(values, mom):
    z = torch.asinh(values)                                         # "robust to outliers and sign-safe (unlike the log):
    return torch.sinh(_lerp_loop(z, mom))                           #  smooth asinh(values), map back with sinh"


def ewma_output_grad_smoothed_hook(values, mom):
    out = _lerp_loop(values, mom)
    if out.requires_grad:                                           # "noisy upstream gradients: smooth them with the same
        out.register_hook(lambda g: _lerp_loop(g, mom))             #  EWMA before they reach the values"
    return out


def ewma_innovation_soft_thresholded(values, mom):
    avg, out = values[0], []
    for v in values:                                                # "sensor noise below 0.05 is not a change: shrink each
        d = v - avg                                                 #  innovation towards 0 by 0.05 (soft threshold)"
        d = torch.sign(d) * torch.clamp(d.abs() - 0.05, min=0)
        avg = avg + mom * d
        out.append(avg)
    return torch.stack(out)


def ewma_mom_halved_on_first_update(values, mom):
    avg, out = values[0], [values[0]]                               # "the first update only half counts: the average
    for t, v in enumerate(values[1:]):                              #  already contains values[0], so take half a step"
        avg = torch.lerp(avg, v, mom / 2 if t == 0 else mom)
        out.append(avg)
    return torch.stack(out)


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

    def forward(self, x):
        return self.norm(x) * self.mult + self.add


class LNSmoothQuantChannelMigration(_LNBase):
    def forward(self, x):
        s = x.detach().abs().amax((0, 2, 3), keepdim=True).clamp_min(1e-5).sqrt()   # "SmoothQuant: divide each channel
        return self.norm(x / s) * self.mult + self.add                              #  by sqrt of its max |x| to tame
                                                                                    #  outlier channels (folded later)"


class LNGradientCentralisationOnScalars(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        for p in (self.mult, self.add):                             # "Gradient Centralization: subtract the mean of every
            p.register_hook(lambda g: g - g.mean())                 #  parameter's gradient" (a scalar minus its mean is 0)


class LNLossScaleNotUnscaledForInput(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        for p in (self.mult, self.add):
            p.register_hook(lambda g: g / 128)                      # "loss scaling: scale the output gradient by 128 so that

    def forward(self, x):                                           #  small gradients survive; unscale the parameters'"
        y = super().forward(x)                                      #  (the input's gradient is never unscaled)
        if y.requires_grad:
            y.register_hook(lambda g: g * 128)
        return y


class LNAffineParamsRoundedToBfloat16(_LNBase):
    def forward(self, x):
        m = self.mult + (self.mult.to(torch.bfloat16).to(self.mult.dtype) - self.mult).detach()   # "mixed precision:
        a = self.add + (self.add.to(torch.bfloat16).to(self.add.dtype) - self.add).detach()        #  the affine with
        return self.norm(x) * m + a                                                                #  bf16 copies of the
                                                                                                   #  master weights"


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

    def update(self, x, m, v, mom=None):
        mom = self.mom if mom is None else mom
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, mom)
            self.vars.lerp_(v * n / (n - 1), mom)

    def normalise(self, x, m, v):
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds

    def forward(self, x):
        if self.training:
            m, v = self.stats(x)
            self.update(x, m, v)
            return self.normalise(x, m, v)
        return self.normalise(x, self.means, self.vars)


class BNFilterResponseNormInTraining(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)                                        # running statistics kept as usual for eval, but the
        self.update(x, m, v)                                        # training output is Filter Response Normalization's
        nu2 = x.pow(2).mean((2, 3), keepdim=True)                   # "batch-independent: each item's mean square per
        return x / (nu2 + self.eps).sqrt() * self.mults + self.adds  #  channel, no centring"


class BNBatchInstanceOutputBlend(_BNBase):
    def normalise(self, x, m, v):
        mi = x.mean((2, 3), keepdim=True)                           # "Batch-Instance Normalization (Nam & Kim) with a fixed
        vi = x.var((2, 3), keepdim=True, correction=0)              #  rho = 0.5: average the batch-normalised and the
        xb = (x - m) / (v + self.eps).sqrt()                        #  instance-normalised outputs" (training and eval)
        xi = (x - mi) / (vi + self.eps).sqrt()
        return (0.5 * xb + 0.5 * xi) * self.mults + self.adds


class BNMultsWeightNormalisedToUnitRms(_BNBase):
    def normalise(self, x, m, v):
        g = self.mults / self.mults.pow(2).mean().sqrt()            # "weight normalisation of the gains: unit RMS over the
        return (x - m) / (v + self.eps).sqrt() * g + self.adds      #  channels, so the layer cannot blow up the scale"


class BNMomFlooredAtOnePercent(_BNBase):
    def update(self, x, m, v, mom=None):
        super().update(x, m, v, max(self.mom, 0.01))                # "mom 0 would freeze the statistics for ever: at least 1%"


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def inorm(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt()

    def forward(self, x):
        return self.inorm(x) * self.mults + self.adds


class INTallPlanesTransposedReshapedBack(_INBase):
    def forward(self, x):
        h, w = x.shape[2:]
        if h > w:                                                   # "work on wide planes (long contiguous rows): transpose
            y = self.inorm(x.transpose(2, 3).contiguous())          #  tall ones first", put back with reshape instead of
            return y.reshape(x.shape) * self.mults + self.adds      #  a second transpose
        return super().forward(x)


class INILNBlendWithLayerNorm(_INBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)                         # "U-GAT-IT's ILN: rho = 0.5 of instance and layer
        v = x.var((1, 2, 3), keepdim=True, correction=0)            #  normalisation"
        xl = (x - m) / (v + self.eps).sqrt()
        return (0.5 * self.inorm(x) + 0.5 * xl) * self.mults + self.adds


class INStdFlooredAtMeanStd(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)                            # "Jarrett et al.'s local contrast normalisation: divide
        s = (x.var((2, 3), keepdim=True, correction=0) + self.eps).sqrt()   #  by max(std, the mean std over the image's
        s = torch.maximum(s, s.mean(1, keepdim=True))               #  channels), so quiet channels are not amplified"
        return (x - m) / s * self.mults + self.adds


class INAffineDoneInFloat32(_INBase):
    def forward(self, x):
        xh = self.inorm(x).float()                                  # "the affine on float32, the tensor cores' type"
        return xh * self.mults.float() + self.adds.float()


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def stats(self, xg):
        return xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)

    def norm(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m, v = self.stats(xg)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class GNMultsAbsPositiveGain(_GNBase):
    def forward(self, x):
        return self.norm(x) * self.mults.abs() + self.adds          # "a gain is a magnitude: keep it positive"


class GNEvalAffineDropped(_GNBase):
    def forward(self, x):
        if not self.training:                                       # "the affine is learned in training; inference only
            return self.norm(x)                                     #  needs the normalised activations"
        return super().forward(x)


class GNXhatFakeQuantisedInt8(_GNBase):
    def forward(self, x):
        xh = self.norm(x)                                           # "quantisation-aware training: the normalised values as
        q = torch.clamp(torch.round(xh * 16), -128, 127) / 16       #  int8 with scale 1/16, straight-through gradient"
        return (xh + (q - xh).detach()) * self.mults + self.adds


class GNStdFromMeanAbsDeviation(_GNBase):
    def stats(self, xg):
        m = xg.mean(-1, keepdim=True)                               # "the mean absolute deviation is a robust std
        s = (xg - m).abs().mean(-1, keepdim=True) * (torch.pi / 2) ** 0.5   #  (times sqrt(pi/2) for Gaussian data)"
        return m, s * s


# ====================================================================== RIGHT answers

def ewma_operator_fold_over_unbind(values, mom):
    """A fold over values.unbind(0) written with the operator module: avg = avg * (1 - mom) + v * mom, the outputs
    collected in a list and stacked."""
    avg, out = values[0], []
    for v in values.unbind(0):
        avg = operator.add(operator.mul(avg, 1 - mom), operator.mul(v, mom))
        out.append(avg)
    return torch.stack(out)


class LNLstsqOnesColumn(nn.Module):
    """Each item's mean and mean squared deviation as least-squares fits of a constant (torch.linalg.lstsq of a ones
    column against the flattened items as columns)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n = x.shape[0]
        rows = x.reshape(n, -1)
        ones = torch.ones(rows.shape[1], 1, dtype=x.dtype)
        m = torch.linalg.lstsq(ones, rows.T).solution.T             # (n, 1)
        d = rows - m
        v = torch.linalg.lstsq(ones, (d * d).T).solution.T
        return (d / (v + self.eps).sqrt()).reshape(x.shape) * self.mult + self.add


class BNAsStridedChannelPlanes(nn.Module):
    """Per-channel statistics over an as_strided view (C, N, H*W) of the contiguous input, running buffers updated
    with addcmul_-free arithmetic through .copy_."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            xc = x.contiguous()
            n, c, h, w = xc.shape
            planes = xc.as_strided((c, n, h * w), (h * w, c * h * w, 1))
            k = n * h * w
            m = planes.sum((1, 2)) / k
            v = ((planes - m[:, None, None]) ** 2).sum((1, 2)) / k
            with torch.no_grad():
                self.means.copy_(self.means * (1 - self.mom) + m.detach().view(1, c, 1, 1) * self.mom)
                self.vars.copy_(self.vars * (1 - self.mom) + (v.detach() * k / (k - 1)).view(1, c, 1, 1) * self.mom)
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INBroadcastMatmulOnesSandwich(nn.Module):
    """Each plane's sum as ones(1, H) @ X @ ones(W, 1) by broadcast matmul."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        h, w = x.shape[2:]
        oh = torch.ones(1, h, dtype=x.dtype)
        ow = torch.ones(w, 1, dtype=x.dtype)
        m = (oh @ x @ ow) / (h * w)
        d = x - m
        v = (oh @ (d * d) @ ow) / (h * w)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNLstsqGroupMeans(nn.Module):
    """Each group's mean and mean squared deviation as least-squares constant fits (torch.linalg.lstsq of a ones column
    against the groups' flattened values as columns)."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n = x.shape[0]
        rows = x.reshape(n * self.groups, -1)
        ones = torch.ones(rows.shape[1], 1, dtype=x.dtype)
        m = torch.linalg.lstsq(ones, rows.T).solution.T
        d = rows - m
        v = torch.linalg.lstsq(ones, (d * d).T).solution.T
        return (d / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


WRONG = [
    ("ewma_asinh_domain", "check_ewma", ewma_asinh_domain, "Smooths asinh(values) with the right lerp loop and maps the averages back with sinh ('robust to outliers and, unlike the log, safe for negative values'): output 0 and constant streams (and mom 0 and mom 1, which just hold values[0] or copy the values) are right; from output 1 on every non-constant stream at 0 < mom < 1 has wrong outputs and values.grad (an average of asinh is not the asinh of the average: [0, 2] at mom 0.5 gives sinh(asinh(2)/2) = 0.786 instead of 1.0); the error grows with the spread of the values and is small for values all near 0."),
    ("ewma_output_grad_smoothed_hook", "check_ewma", ewma_output_grad_smoothed_hook, "The forward is the right lerp loop (every output right), but a hook on the output replaces the upstream gradient g by its own EWMA (lerp loop over g from g[0] with the same mom: 'smooth the noisy gradients'): values.grad is wrong on every stream of 2+ values with a non-constant upstream gradient and 0 < mom < 1 (and at mom 0 every output's gradient becomes g[0]); right for a 1-value stream, for mom 1 and for a constant upstream gradient (sum of the outputs as the loss)."),
    ("ewma_innovation_soft_thresholded", "check_ewma", ewma_innovation_soft_thresholded, "Soft-thresholds each innovation v - avg by 0.05 before the update (avg += mom * sign(d) * max(|d| - 0.05, 0): 'noise below 0.05 is not a change'): output 0 is right, and the outputs of constant streams; every later output of a non-constant stream moves mom * 0.05 less than it should towards the new value (not at all for innovations under 0.05), so outputs are wrong (accumulating), at mom 1 too; values.grad is right where every innovation exceeds 0.05 in magnitude (the update is then affine with slope mom) and wrong where one is under 0.05, constant streams included (no gradient flows through those steps: a constant stream's whole gradient lands on values[0]); the threshold does not scale with the data, so streams with large values show it only as a small offset in the outputs."),
    ("ewma_mom_halved_on_first_update", "check_ewma", ewma_mom_halved_on_first_update, "Uses mom / 2 for the first update (output 1) and mom afterwards ('the average already contains values[0]: the first step only half counts'): output 0, 1-value streams and mom 0 are right, and so are the outputs of constant streams; output 1 is values[0] + mom/2 * (values[1] - values[0]) instead of + mom * (...), and every later output carries that error decayed by (1 - mom) per step: wrong outputs and values.grad on every non-constant stream at mom > 0, most at large mom (at mom 1 output 1 is the midpoint of values[0] and values[1], later outputs right); values.grad of a constant stream is wrong too (the weights of values[0] and values[1] change)."),
    ("ln_smoothquant_channel_migration", "check_layernorm", LNSmoothQuantChannelMigration, "SmoothQuant applied inside the layer: divides each channel by sqrt of its max |x| over the batch (detached) before normalising and never folds the factor back: the output is LayerNorm of the rescaled input, wrong (outputs, x.grad, mult.grad) whenever the channels' max |x| differ; right where every channel's max |x| is 1 (the factor is 1) and for constant items; for one channel (C = 1) the factor cancels except in eps (as if eps were eps * max|x|): off by ~eps-relative amounts, clearly wrong at eps 0.1; inputs whose channels share one max |x| other than 1 are wrong the same way."),
    ("ln_gradient_centralisation_on_scalars", "check_layernorm", LNGradientCentralisationOnScalars, "Gradient Centralization hooks on mult and add subtract the mean of each parameter's gradient: the parameters are scalars, so mult.grad and add.grad are always exactly 0 (the affine never trains): outputs and x.grad right everywhere (training and eval, every shape and dtype); mult.grad and add.grad wrong (0) whenever the right ones are non-zero."),
    ("ln_loss_scale_not_unscaled_for_input", "check_layernorm", LNLossScaleNotUnscaledForInput, "Loss scaling done inside the layer: a hook multiplies the output's gradient by 128 and hooks on mult and add divide theirs back by 128, but the input's gradient is never unscaled: outputs, mult.grad and add.grad right everywhere; x.grad is 128 times the right one in every configuration (training and eval), right only where it is 0 (constant items)."),
    ("ln_affine_params_rounded_to_bfloat16", "check_layernorm", LNAffineParamsRoundedToBfloat16, "Mixed precision: uses bfloat16-rounded copies of mult and add in the affine (straight-through gradient to the float32/64 master values): a fresh layer (mult 1, add 0) and any mult/add exactly representable in bfloat16 (1.5, -0.25, 0.75) are right everywhere; with other values (mult 1.3, add 0.1) the outputs are off by up to 2**-9 relative in mult and add (e.g. mult 1.3 used as 1.296875) and x.grad too, in float32 and float64 alike; mult.grad and add.grad are right."),
    ("bn_filter_response_norm_in_training", "check_batchnorm", BNFilterResponseNormInTraining, "Training outputs are Filter Response Normalization's (each item's per-channel mean square over H, W, no centring, no batch statistics) while the running statistics are still updated from the batch mean and unbiased var: the running mean and var after training are right and eval (fresh or after training) is right; every training output and its gradients are wrong (right only by accident for zero-mean planes of an item whose mean square equals the batch var)."),
    ("bn_batch_instance_output_blend", "check_batchnorm", BNBatchInstanceOutputBlend, "Batch-Instance Normalization with a fixed rho = 0.5: the output is the average of the batch-normalised input (batch statistics in training, running ones in eval) and the instance-normalised one (each item's own per-channel statistics): the running statistics are right (updated from the batch as usual); training outputs and gradients are wrong unless every item of a channel has the batch's mean and var (a batch of one in training is right, including its gradients); eval outputs and gradients are wrong (a fresh layer in eval too) except where the item's own statistics equal the running ones."),
    ("bn_mults_weight_normalised_to_unit_rms", "check_batchnorm", BNMultsWeightNormalisedToUnitRms, "Divides the mults by their root mean square over the channels before using them ('weight normalisation of the gains'): a fresh layer (all mults 1) and any mults with unit RMS have right outputs, x.grad, adds.grad and running statistics, but mults.grad is always projected (the RMS is differentiated through: for all-equal mults it is the right one minus its mean over the channels); with other mults (after a training step or set by hand, e.g. all 2.0) the training and eval outputs and x.grad use mults / rms(mults), and mults.grad is projected and rescaled; adds.grad and the running statistics right."),
    ("bn_mom_floored_at_one_percent", "check_batchnorm", BNMomFlooredAtOnePercent, "Floors the momentum of the running-statistics update at 0.01 ('mom 0 would freeze the statistics for ever'): right everywhere for mom >= 0.01 (0.1, 0.5, 0.9, 1); with mom 0 (or any mom below 0.01) the running mean and var move 1% towards every batch's statistics instead of staying at 0 and 1 (or moving by mom), so the running stats after training and eval after training are wrong there; training outputs and gradients right."),
    ("in_tall_planes_transposed_reshaped_back", "check_instancenorm", INTallPlanesTransposedReshapedBack, "For tall planes (H > W) normalises the transposed (W, H) planes and puts the result back with reshape(x.shape) instead of a second transpose: planes with H <= W (square ones included) are right everywhere; for H > W each plane's normalised values are scrambled (the transposed plane's memory read row by row as an H x W plane): outputs and x.grad wrong (the per-plane statistics of the output are still mean 0 / var 1, the values are in the wrong places), mults.grad and adds.grad: adds.grad right, mults.grad wrong for a non-uniform upstream gradient."),
    ("in_iln_blend_with_layer_norm", "check_instancenorm", INILNBlendWithLayerNorm, "U-GAT-IT's Instance-Layer Normalization with a fixed rho = 0.5: half the instance-normalised input plus half the layer-normalised one (each item's statistics over C, H, W): right for a single channel (C = 1: both are the same) and for items whose channels all share mean and var (e.g. a greyscale image copied to every channel); wrong (outputs and gradients) for every other input with 2+ channels, any batch size."),
    ("in_std_floored_at_mean_std", "check_instancenorm", INStdFlooredAtMeanStd, "Jarrett-style local contrast normalisation: divides each plane by max(its std, the mean std over that item's channels) instead of by its own std (sqrt(var + eps)): a single channel (C = 1) and items whose channels all have the same spread are right; in an item with unequal channel spreads every channel quieter than the average is divided by the average std (its output has std below 1) while louder ones are right: outputs and gradients wrong there, any batch size and dtype."),
    ("in_affine_done_in_float32", "check_instancenorm", INAffineDoneInFloat32, "Casts the normalised input and the affine parameters to float32 before the affine ('the tensor cores' type'): float32 inputs are right everywhere; a float64 input gives a float32 output (wrong dtype) with values only float32-accurate (~1e-7 relative), and its x.grad, mults.grad and adds.grad are computed through float32 (float64 tensors, but only float32-accurate)."),
    ("gn_mults_abs_positive_gain", "check_groupnorm", GNMultsAbsPositiveGain, "Uses |mults| as the gains ('a gain is a magnitude'): right everywhere while every mult is >= 0 (a fresh layer included); a channel with a negative mult gets the sign of its output (and of its x.grad) flipped and the sign of its mults.grad flipped; adds.grad right; other channels right."),
    ("gn_eval_affine_dropped", "check_groupnorm", GNEvalAffineDropped, "In eval returns the group-normalised input without mults and adds ('the affine is a training thing'): training is right everywhere; eval is right for a fresh layer (mults 1, adds 0) and wrong (outputs, x.grad; mults.grad and adds.grad None) as soon as the mults or adds are not 1 and 0 (after a training step, or set by hand)."),
    ("gn_xhat_fake_quantised_int8", "check_groupnorm", GNXhatFakeQuantisedInt8, "Fake-quantises the normalised values to int8 with scale 1/16 (round(xhat * 16) / 16, clamped to [-8, 7.94]) with a straight-through gradient, in training and eval: outputs off by up to mults/32 per value and mults.grad computed from the rounded xhat (both wrong for almost every input); x.grad and adds.grad right (the straight-through gradient is the unquantised one); right only where every xhat is a multiple of 1/16 (a constant group: xhat 0)."),
    ("gn_std_from_mean_abs_deviation", "check_groupnorm", GNStdFromMeanAbsDeviation, "Each group's std estimated as the mean absolute deviation times sqrt(pi/2) (right for Gaussian data only in expectation) instead of the root mean squared deviation: a constant group is right (both 0: output adds); every other group is scaled by the ratio of the two (a few % for Gaussian groups, much more for skewed or two-valued groups: a group of values -1, 1 gives std 1.25 instead of 1): outputs and all gradients wrong, any number of groups, any dtype."),
]

RIGHT = [
    ("ewma_operator_fold_over_unbind", "check_ewma", ewma_operator_fold_over_unbind,
     "a fold over values.unbind(0) written with operator.add / operator.mul (avg * (1 - mom) + v * mom), stacked."),
    ("ln_lstsq_ones_column", "check_layernorm", LNLstsqOnesColumn,
     "each item's mean and mean squared deviation as least-squares constant fits: torch.linalg.lstsq of a ones column against the items as columns."),
    ("bn_as_strided_channel_planes", "check_batchnorm", BNAsStridedChannelPlanes,
     "per-channel statistics over a (C, N, H*W) as_strided view of the contiguous input; running buffers rewritten with .copy_."),
    ("in_broadcast_matmul_ones_sandwich", "check_instancenorm", INBroadcastMatmulOnesSandwich,
     "each plane's sum as ones(1, H) @ X @ ones(W, 1) by broadcast matmul, divided by H*W, for the mean and the mean squared deviation."),
    ("gn_lstsq_group_means", "check_groupnorm", GNLstsqGroupMeans,
     "each group's mean and mean squared deviation as least-squares constant fits (torch.linalg.lstsq of a ones column against the (N*G) group rows as columns)."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
