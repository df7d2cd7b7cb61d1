"ActivationStats and its plots: the dead fraction, statistics kept after a failed fit, shared axes, epoch ticks."
import math

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lesson17.data import DataLoader, DataLoaders
from lesson17.learner import Callback, Learner, set_seed
from lesson17.model import GeneralRelu
from lesson17.stats import ActivationStats, count_bins, plot_accuracy, plot_hists, plot_stats, plot_stats_grid


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close('all')


def recorded(*batches, layer=None):
    "`ActivationStats.data()` of a layer that simply passes on each of `batches`."
    layer = layer or nn.Identity()
    st = ActivationStats(layers=[layer]); st.before_fit(None)
    for b in batches: layer(b)
    st.cleanup_fit(None)
    return st.data()


def test_dead_fraction_of_relu_is_the_share_of_zeros():
    x = torch.cat([-torch.rand(300) - 0.01, torch.rand(700) + 0.01])   # 30 % negative: they come out of ReLU as 0
    test = recorded(F.relu(x))
    torch.testing.assert_close(test['dead'][0, 0], torch.tensor(0.3))


def test_dead_fraction_of_generalrelu_without_leak_is_the_share_at_its_floor():
    set_seed(0)
    x = torch.randn(20, 8, 5, 5)
    acts = GeneralRelu(sub=0.4)(x)   # floor -0.4: the near-zero measure (|a| < 0.25) would count none of these
    d = recorded(acts)
    torch.testing.assert_close(d['dead'][0, 0], (x <= 0).float().mean())
    assert (acts.abs() < 0.25).float().mean() < d['dead'][0, 0] / 2   # what the old measure saw instead


def test_a_leaky_activation_has_no_floor():
    set_seed(0)
    x = torch.randn(20, 8, 5, 5)
    d = recorded(GeneralRelu(leak=0.1, sub=0.4)(x))
    assert d['dead'][0, 0] * x.numel() == 1   # only the minimum itself


def test_dead_fraction_of_a_constant_layer_is_one_and_of_nan_zero():
    torch.testing.assert_close(recorded(torch.full((4, 3), 2.5))['dead'][0, 0], torch.tensor(1.))
    x = torch.rand(10); x[3] = float('nan')
    assert recorded(x)['dead'][0, 0] == 0   # a NaN minimum compares false everywhere; nothing breaks


class FailAt(Callback):
    "Raise `exc` after batch `at` of the first epoch, as a divergence check would."
    def __init__(self, at, exc): self.at, self.exc = at, exc
    def after_batch(self, learn):
        if learn.training and learn.iter == self.at: raise self.exc


class Diverged(FloatingPointError): "A subclass, as a divergence callback may raise."


def toy(n=256, bs=32):
    set_seed(0)
    x = torch.randn(n, 6)
    y = (x[:, 0] > 0).long()
    dls = DataLoaders(DataLoader(x[:192], y[:192], bs), DataLoader(x[192:], y[192:], bs))
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2)), dls


@pytest.mark.parametrize('exc', [FloatingPointError('diverged'), Diverged('diverged')])
def test_statistics_survive_a_failed_fit(exc):
    model, dls = toy()
    st = ActivationStats()
    learn = Learner(model, dls, cbs=[st, FailAt(3, exc)])
    with pytest.raises(FloatingPointError): learn.fit(2)
    assert all(len(m._forward_hooks) == 0 for m in model.modules())
    d = st.data()
    assert d['means'].shape == (2, 4) and d['hists'].shape == (2, 4, 40)   # batches 0..3, both watched layers
    assert isinstance(plot_stats(d), plt.Figure)


def test_a_real_blow_up_is_kept_and_plotted():
    "A huge learning rate: the values grow to inf and NaN; the records up to there are kept and drawn."
    class StopWhenNotFinite(Callback):
        def after_loss(self, learn):
            if not torch.isfinite(learn.loss): raise Diverged('loss not finite')
    model, dls = toy()
    st = ActivationStats()
    with pytest.raises(FloatingPointError): Learner(model, dls, lr=1e30, cbs=[st, StopWhenNotFinite()]).fit(3)
    d = st.data()
    assert d['means'].shape[1] >= 2 and not d['stds'].isfinite().all()
    for log in (False, True):
        fig = plot_stats(d, log=log)
        for ax in fig.axes: assert all(math.isfinite(v) for v in ax.get_ylim())


def test_a_forward_pass_that_failed_halfway_is_left_out():
    calls = []
    class Flaky(nn.Module):
        def forward(self, x):
            calls.append(1)
            if len(calls) == 3: raise RuntimeError('boom')
            return x
    a, b = nn.Linear(3, 3), Flaky()
    model = nn.Sequential(a, b)
    st = ActivationStats(layers=[a, b]); st.before_fit(None)
    for _ in range(3):
        try: model(torch.randn(4, 3))
        except RuntimeError: pass
    st.cleanup_fit(None)
    assert [len(r['means']) for r in st.records] == [3, 2]
    assert st.data()['means'].shape == (2, 2)


def test_no_batch_at_all_gives_empty_tensors_and_no_legend():
    d = recorded()
    assert d['means'].shape == (1, 0) and d['hists'].shape == (1, 0, 40)
    fig = plot_stats(d)
    assert fig.axes[0].get_legend() is None


def stats(scale, n=30, layers=3):
    "Fake `ActivationStats.data()` whose means and stds spread by `scale`."
    set_seed(0)
    return dict(means=torch.randn(layers, n) * scale, stds=torch.rand(layers, n) * scale, dead=torch.rand(layers, n),
                hists=torch.rand(layers, n, 40) * 100)


def test_grid_shares_y_down_each_column_only():
    fig = plot_stats_grid({'narrow': stats(0.1), 'wide': stats(10.), 'middle': stats(1.)})
    axs = [fig.axes[i:i + 3] for i in range(0, 9, 3)]
    for col in range(3):
        assert axs[0][col].get_shared_y_axes().joined(axs[0][col], axs[1][col])
        assert axs[0][col].get_ylim() == axs[1][col].get_ylim() == axs[2][col].get_ylim()
    assert not axs[0][0].get_shared_y_axes().joined(axs[0][0], axs[0][1])
    assert [ax.get_title() for ax in axs[0]] == ['mean', 'standard deviation', 'dead fraction']
    assert all(ax.get_title() == '' for row in axs[1:] for ax in row)
    assert all(ax.get_ylabel() for row in axs for ax in row)
    assert axs[1][0].get_ylabel().startswith('wide')
    assert sum(ax.get_legend() is not None for ax in fig.axes) == 1


def test_epoch_ticks_and_finetune_marker():
    fig = plot_stats(stats(1., n=50), batches_per_epoch=10, finetune_at=3)
    ax = fig.axes[0]
    assert list(ax.get_xticks()) == [0, 10, 20, 30, 40, 50]
    assert [t.get_text() for t in ax.get_xticklabels()] == ['0', '1', '2', '3', '4', '5']
    assert ax.get_xlabel() == 'epoch'
    assert any(list(line.get_xdata()) == [30, 30] for line in ax.lines)   # the fine-tuning line
    assert plot_stats(stats(1.)).axes[0].get_xlabel() == 'batch'


def test_accuracy_plot_leaves_out_runs_without_an_epoch():
    fig = plot_accuracy({'a': [0.8, 0.85, 0.86, 0.88, 0.89], 'diverged': [], 'b': [0.7, 0.8, 0.9]}, finetune_at=3)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ['a', 'b']
    assert list(ax.get_xticks()) == [1, 2, 3, 4, 5]
    assert ax.get_xlabel() == 'epoch' and ax.get_ylabel() == 'validation accuracy'
    assert any(list(line.get_xdata()) == [3, 3] for line in ax.lines)
    assert plot_accuracy({'diverged': []}).axes[0].get_legend() is None


def test_histograms_have_one_colour_scale_and_labels():
    d = stats(1.)
    fig = plot_hists(d)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 3 and len(fig.axes) == 4   # three layers and a colorbar
    assert len({im.get_clim() for im in images}) == 1
    assert fig.axes[-1].get_ylabel() == 'log(1 + count)'
    assert fig.axes[0].get_ylabel() == '|activation|' and fig.axes[0].get_xlabel() == 'batch'


@pytest.mark.parametrize('shape, n', [((256, 8, 14, 14), 41), ((5, 3), 41), ((64, 32), 2000), ((0,), 41)])
def test_count_bins_equals_bincount(shape, n):
    "Interleaved counters (16-bit bins, or 32-bit when lanes x n is too many) give bincount's counts; so does the fallback."
    set_seed(0)
    values = (torch.randn(shape).abs() * n / 3).clamp(max=n - 1)   # fractions too: each counts in its integer part
    torch.testing.assert_close(count_bins(values, n), torch.bincount(values.int().flatten(), minlength=n), rtol=0, atol=0)
    cl = values.reshape(-1, 8, 14, 14).to(memory_format=torch.channels_last) if values.numel() % (8 * 14 * 14) == 0 else values
    assert torch.equal(count_bins(cl, n), torch.bincount(values.int().flatten(), minlength=n))   # not contiguous


def by_the_formulas(acts, nbins=40, hist_max=10., dead_tol=1e-4):
    "What ActivationStats records, written the plain way: one step per statistic."
    mean = acts.mean()
    std = ((acts * acts).mean() - mean * mean).clamp_min(0).sqrt()
    bins = (acts.abs() * (nbins / hist_max)).nan_to_num(nan=nbins).clamp(max=nbins).int()   # nan, inf, >= hist_max: bin nbins
    hist = torch.bincount(bins.flatten(), minlength=nbins + 1)[:nbins].float()
    dead = torch.count_nonzero(acts <= acts.min() + dead_tol * std) / acts.numel()
    return dict(means=mean, stds=std, hists=hist, dead=dead)


def test_records_equal_the_plain_formulas_exactly():
    "The recorded values are the plain formulas' to the last bit, on odd values as well as on activations."
    set_seed(0)
    x = torch.randn(7, 3, 5, 5) * 20
    x[0, 0, 0, 0], x[1, 1, 1, 1], x[2, 2, 2, 2] = float('nan'), float('inf'), -float('inf')
    x[3, 0, 0, :], x[4, 0, 0, :] = 10., -2.5   # at hist_max exactly: too big; on a bin's edge
    cases = [x, x.nan_to_num(nan=0.), torch.full((4, 3), 2.5), F.relu(torch.randn(256, 8, 14, 14)),
             GeneralRelu(sub=0.4)(torch.randn(64, 16, 7, 7)), GeneralRelu(leak=0.1, sub=0.4)(torch.randn(64, 32, 4, 4)),
             torch.randn(32, 32, 8, 8) * 1e30, F.relu(torch.randn(256, 8, 14, 14)).to(memory_format=torch.channels_last)]
    for acts in cases:
        got, want = recorded(acts), by_the_formulas(acts)
        for k in want:
            assert got[k].dtype == want[k].dtype, k
            assert torch.equal(got[k][0, 0].nan_to_num(-7.), want[k].nan_to_num(-7.)), (k, got[k][0, 0], want[k])


def test_records_with_other_bins_equal_the_plain_formulas():
    "7 bins up to 3: a bin width that is not a power of two."
    set_seed(1)
    layer, acts = nn.Identity(), torch.randn(256, 16, 7, 7) * 2
    st = ActivationStats(layers=[layer], nbins=7, hist_max=3.); st.before_fit(None)
    layer(acts); st.cleanup_fit(None)
    want = by_the_formulas(acts, nbins=7, hist_max=3.)
    assert all(torch.equal(st.data()[k][0, 0], want[k]) for k in want)


def test_every_plot_draws_on_the_axes_it_is_given_and_returns_their_figure():
    d = stats(1.)
    fig, axs = plt.subplots(1, 3)
    assert plot_stats(d, axs=axs) is fig and all(ax.lines for ax in axs)
    fig, axs = plt.subplots(2, 3)
    assert plot_stats_grid({'a': d, 'b': stats(2.)}, axs=axs) is fig and all(ax.lines for ax in axs.flat)
    fig, axs = plt.subplots(1, 3)
    assert plot_hists(d, axs=axs) is fig and all(ax.images for ax in axs)
    fig, ax = plt.subplots()
    assert plot_accuracy({'a': [0.8, 0.9]}, ax=ax) is fig and ax.lines
