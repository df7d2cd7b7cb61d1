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
    "Scaling gradients by mom instead of zeroing them is SGD with (undampened) momentum."
    dls = toy_dls()
    set_seed(1); a = toy_model()
    b = toy_model(); b.load_state_dict(a.state_dict())
    set_seed(2); MomentumLearner(a, dls, lr=0.05, mom=0.85).fit(2)
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
