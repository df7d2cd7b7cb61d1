"Learner: the loop, its callbacks, momentum, lr_find, and what happens when training fails."
from functools import partial

import pytest
import torch
from torch import nn, optim

from lesson17.data import DataLoader, DataLoaders
from lesson17.learner import (Callback, CancelBatchException, Learner, MetricsCB, MomentumLearner,
                              lr_find, set_seed)
from lesson17.stats import ActivationStats


def toy_dls(n=512, bs=64):
    set_seed(0)
    x = torch.randn(n, 1, 4, 4)
    y = (x.mean((1, 2, 3)) > 0).long() + 2 * (x[:, 0, 0, 0] > 0).long()
    return DataLoaders(DataLoader(x[:384], y[:384], bs, shuffle=True), DataLoader(x[384:], y[384:], bs))


def toy_model():
    return nn.Sequential(nn.Sequential(nn.Conv2d(1, 4, 3, 2, 1), nn.ReLU()), nn.Flatten(), nn.Linear(16, 4))


def test_diverging_loss_stops_with_a_clear_error():
    set_seed(0)
    learn = Learner(toy_model(), toy_dls(), lr=1e30)
    with pytest.raises(FloatingPointError, match=r'at epoch 0, batch \d+ .*lower learning rate'): learn.fit(2)


def test_hooks_removed_when_fit_fails():
    model = toy_model()
    learn = Learner(model, toy_dls(), lr=1e30, cbs=[ActivationStats()])
    with pytest.raises(FloatingPointError): learn.fit(1)
    assert all(len(m._forward_hooks) == 0 for m in model.modules())


def test_extra_callbacks_only_for_one_fit():
    learn = Learner(toy_model(), toy_dls())
    n = len(learn.cbs)
    learn.fit(1, cbs=[MetricsCB()])
    assert len(learn.cbs) == n


def test_metrics_match_a_manual_evaluation():
    dls = toy_dls()
    learn = Learner(toy_model(), dls, lr=0.1, cbs=[MetricsCB()])
    learn.fit(2)
    learn.model.eval()
    with torch.no_grad():
        preds = learn.model(dls.valid.x)
        acc = (preds.argmax(1) == dls.valid.y).float().mean().item()
        loss = nn.functional.cross_entropy(preds, dls.valid.y).item()
    row = learn.history[-1]
    assert row['epoch'] == 1 and set(row) == {'epoch', 'train_loss', 'train_acc', 'valid_loss', 'valid_acc', 'seconds'}
    assert row['valid_acc'] == pytest.approx(acc, abs=1e-6)
    assert row['valid_loss'] == pytest.approx(loss, rel=1e-5)


def test_cancel_batch_skips_the_step():
    class SkipAll(Callback):
        def after_loss(self, learn): raise CancelBatchException()
    model = toy_model()
    before = [p.clone() for p in model.parameters()]
    Learner(model, toy_dls(), cbs=[SkipAll()]).fit(1)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_momentum_learner_is_sgd_with_momentum():
    "Scaling gradients by beta instead of zeroing them is SGD with (undampened) momentum."
    dls = toy_dls()
    set_seed(1); a = toy_model()
    b = toy_model(); b.load_state_dict(a.state_dict())
    set_seed(2); MomentumLearner(a, dls, lr=0.05, beta=0.85).fit(2)
    set_seed(2); Learner(b, dls, lr=0.05, opt_func=partial(optim.SGD, momentum=0.85)).fit(2)
    for p, q in zip(a.parameters(), b.parameters()): torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)


def test_lr_find_restores_the_model():
    model = toy_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    finder = lr_find(Learner(model, toy_dls()), gamma=1.5)
    assert len(finder.lrs) > 5 and all(b > a for a, b in zip(finder.lrs, finder.lrs[1:]))
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_fit_rejects_zero_epochs():
    with pytest.raises(ValueError, match='n_epochs must be at least 1'): Learner(toy_model(), toy_dls()).fit(0)


def test_divergence_is_a_floating_point_error_that_says_lower_the_lr():
    from lesson17.learner import DivergenceError
    set_seed(0)
    with pytest.raises(DivergenceError, match='Try a lower learning rate') as e: Learner(toy_model(), toy_dls(), lr=1e30).fit(1)
    assert isinstance(e.value, FloatingPointError)  # notebooks catch FloatingPointError


class ScaleLoss(Callback):
    "Multiply the training loss by `scale[iter]` (a finite loss that blows up, or one spike)."
    def __init__(self, scale): self.scale = scale
    def after_loss(self, learn):
        if learn.training: learn.loss = learn.loss * self.scale(learn.iter)


def test_a_finite_loss_that_blows_up_stops_the_fit():
    "The running average passing 10x the first batch's loss stops training, though every loss is finite."
    learn = Learner(toy_model(), toy_dls(), cbs=[MetricsCB(), ScaleLoss(lambda i: 1 if i < 2 else 1000.)])
    with pytest.raises(FloatingPointError, match=r'epoch 0, batch 2 .*running average .* over 10x the first batch'): learn.fit(3)
    assert learn.history == []  # no row for a diverged epoch


def test_one_spike_does_not_stop_the_fit():
    "A single batch at 50x (a small unlucky batch) moves the running average only 5x: training goes on."
    learn = Learner(toy_model(), toy_dls(), cbs=[MetricsCB(), ScaleLoss(lambda i: 50. if i == 3 else 1.)])
    learn.fit(1)
    assert len(learn.history) == 1


def test_history_goes_on_over_fits_in_the_table_too(capsys):
    from lesson17.learner import ProgressCB
    learn = Learner(toy_model(), toy_dls(), cbs=[MetricsCB(), ProgressCB(plot=False)])
    learn.fit(2); learn.fit(1, lr=0.01)
    assert [row['epoch'] for row in learn.history] == [0, 1, 2]
    lines = capsys.readouterr().out.splitlines()  # not a terminal: plain lines, no progress bars
    assert [l.split()[0] for l in lines] == ['epoch', '0', '1', 'epoch', '2']
    assert not any(c in ''.join(lines) for c in '\r\x1b█')


def test_lr_find_leaves_the_history_and_may_let_the_loss_grow_far():
    class Grow(Callback):  # the loss grows 2x a batch during the search, as a blow-up would
        def before_fit(self, learn): self.n = 0
        def after_loss(self, learn): self.n += 1; learn.loss = learn.loss * 2. ** self.n
    learn = Learner(toy_model(), toy_dls(), cbs=[MetricsCB()])
    learn.fit(1)
    grow = Grow(); learn.cbs.append(grow)
    finder = lr_find(learn, max_mult=1000, max_epochs=3)  # far past DivergenceCB's 10x
    learn.cbs.remove(grow)
    assert max(finder.losses) > 100 * finder.losses[0]
    assert [row['epoch'] for row in learn.history] == [0]
    learn.fit(1)
    assert [row['epoch'] for row in learn.history] == [0, 1]


def test_a_callback_failing_in_before_fit_shows_its_own_error():
    "ActivationStats given a layer that is not a module: its own TypeError, not an AttributeError from its cleanup."
    model = toy_model()
    with pytest.raises(TypeError, match='a hook needs an nn.Module, got str'):
        Learner(model, toy_dls(), cbs=[ActivationStats(layers=[model[0], 'conv'])]).fit(1)
    assert all(len(m._forward_hooks) == 0 for m in model.modules())


def test_callbacks_started_before_a_failing_one_are_cleaned_up():
    class Broken(Callback):
        def before_fit(self, learn): raise RuntimeError('no device')
    model = toy_model()
    with pytest.raises(RuntimeError, match='no device'): Learner(model, toy_dls(), cbs=[ActivationStats(), Broken()]).fit(1)
    assert all(len(m._forward_hooks) == 0 for m in model.modules())  # ActivationStats (order -1) started: cleaned


def test_hooks_refuse_a_non_module_before_registering_any():
    from lesson17.stats import Hook, Hooks
    model = toy_model()
    with pytest.raises(TypeError, match='got int'): Hooks([model[0], model[2], 3], lambda *a: None)
    with pytest.raises(TypeError, match='got NoneType'): Hook(None, lambda *a: None)
    assert all(len(m._forward_hooks) == 0 for m in model.modules())


def test_plot_loss_draws_on_the_axes_it_is_given():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from lesson17.learner import plot_loss
    fig, ax = plt.subplots()
    assert plot_loss([2.3, 1.5, 1.1, 0.9], [(2, 1.4), (4, 1.0)], ax=ax) is fig
    assert [l.get_label() for l in ax.lines] == ['train loss', 'valid loss']
    assert list(ax.lines[1].get_xdata()) == [2, 4]
    assert [l.get_label() for l in plot_loss([2.3, 1.5]).axes[0].lines] == ['train loss']   # before the first epoch ends
    plt.close('all')


def test_momentum_learner_has_beta_not_mom():
    "`mom` is the new value's weight everywhere in the series; the learner's momentum (the old gradients' share) is `beta`: `optim.SGD`'s `momentum`."
    import copy, inspect
    assert 'mom' not in inspect.signature(MomentumLearner).parameters
    set_seed(0)
    x, y = torch.randn(256, 1, 4, 4), torch.randint(0, 4, (256,))
    dls = DataLoaders(DataLoader(x, y, 32), DataLoader(x[:64], y[:64], 32))   # the same batches, in order, for both
    model = toy_model(); ref = copy.deepcopy(model)
    MomentumLearner(model, dls, lr=0.1, beta=0.7).fit(2)
    opt = optim.SGD(ref.parameters(), lr=0.1, momentum=0.7)
    for _ in range(2):
        for xb, yb in dls.train:
            nn.functional.cross_entropy(ref(xb), yb).backward(); opt.step(); opt.zero_grad()
    for a, b in zip(model.parameters(), ref.parameters()): torch.testing.assert_close(a, b)


def test_progress_redraws_its_loss_plot_with_plot_loss(monkeypatch):
    "In a notebook ProgressCB redraws `plot_loss` in place: train loss per batch, valid loss per epoch."
    import matplotlib
    matplotlib.use('Agg')
    import lesson17.learner as learner
    class Live:   # LiveFigure without a notebook to show it in
        def __init__(self, fig): self.fig, self.updates = fig, 0
        def update(self): self.updates += 1
    monkeypatch.setattr(learner, 'LiveFigure', Live)
    cb = learner.ProgressCB(every=0.); cb.plot = True   # as in a notebook
    learn = Learner(toy_model(), toy_dls(), cbs=[MetricsCB(), cb])
    learn.fit(2)
    assert [l.get_label() for l in cb.ax.lines] == ['train loss', 'valid loss']
    assert len(cb.ax.lines[0].get_xdata()) == 12 and list(cb.ax.lines[1].get_xdata()) == [6, 12]   # 6 batches an epoch
    assert cb.live.updates >= 2 and cb.live.fig is cb.ax.figure
