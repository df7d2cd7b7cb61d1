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
from lesson17.stats import ActivationStats, plot_accuracy, plot_hists, plot_stats, plot_stats_grid


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
