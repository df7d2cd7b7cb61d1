"`train` and `reproduce` from Python: every check before any work, results written atomically, resumable."
import inspect, json, math
from functools import wraps
from pathlib import Path

import pytest

from lesson17 import experiments
from lesson17.experiments import CHOICES, reproduce, train, train_args, train_parallel, write_json


@pytest.fixture
def no_training(monkeypatch):
    "Fail the test if anything starts loading data."
    def boom(*a, **k): raise AssertionError('work started before the arguments were checked')
    monkeypatch.setattr(experiments, 'get_dls', boom)


@pytest.mark.parametrize('kwargs, words', [
    (dict(lr=math.nan), 'lr must be a finite number above 0, got nan'),
    (dict(lr=math.inf), 'lr must be a finite number above 0, got inf'),
    (dict(lr=0), 'lr must be a finite number above 0, got 0'),
    (dict(finetune_lr=-1, finetune_epochs=1), 'finetune_lr must be a finite number above 0, got -1'),
    (dict(finetune_lr=0), 'finetune_lr must be a finite number above 0, got 0'),
    (dict(nfs=(8, -3)), 'nfs must be one or more filter counts of at least 1, got [8, -3]'),
    (dict(nfs=()), 'nfs must be one or more filter counts'),
    (dict(epochs=0), 'epochs must be at least 1, got 0'),
    (dict(bs=0), 'bs must be at least 1, got 0'),
    (dict(norm='weight'), "unknown norm 'weight'; choose from none, layer"),
    (dict(schedule='cosine'), "unknown schedule 'cosine'"),
    (dict(stats='s.txt'), "stats: matplotlib can't save .txt; use one of"),
    (dict(stats='s'), "stats: matplotlib can't save a file without an extension"),
])
def test_train_checks_arguments_before_any_work(no_training, kwargs, words):
    with pytest.raises(ValueError) as e: train(**kwargs)
    assert words in str(e.value)


def test_train_checks_the_json_path_before_any_work(no_training, tmp_path):
    (tmp_path/'file').write_text('')
    for path, words in ((tmp_path, 'is a folder, not a file name'), (tmp_path/'file'/'r.json', 'which is a file'),
                        (Path('/sys/lesson17-test.json'), "json: can't write /sys/lesson17-test.json")):
        with pytest.raises(ValueError, match='json: '): train(json=path)
        with pytest.raises(ValueError) as e: train(json=path)
        assert words in str(e.value)


def test_reproduce_checks_out_before_any_work(no_training, tmp_path):
    (tmp_path/'results').write_text('')
    with pytest.raises(ValueError, match='out: .* is a file, not a folder'): reproduce(out=tmp_path/'results', only=['layernorm'])


def test_defaults_are_trains_and_among_the_choices():
    params = inspect.signature(train).parameters
    assert train_args() == {k: p.default for k, p in params.items()}
    assert train_args(lr=0.4, seed=1) == {**train_args(), 'lr': 0.4, 'seed': 1}
    for name, choices in CHOICES.items(): assert params[name].default in choices, name
    with pytest.raises(ValueError, match=r"unknown arguments of train: \['wd'\]"): train_args(wd=0.1)


@pytest.mark.parametrize('kwargs, words', [
    (dict(norm='weight'), "unknown norm 'weight'"), (dict(bs=255), 'bs 255 does not split across 2 processes'),
    (dict(lr=-1), 'lr must be a finite number above 0'), (dict(wd=0.1), 'unknown arguments of train'),
])
def test_train_parallel_checks_before_starting_processes(no_training, monkeypatch, kwargs, words):
    def boom(*a, **k): raise AssertionError('processes started before the arguments were checked')
    monkeypatch.setattr(experiments, 'launch', boom)
    with pytest.raises(ValueError, match=words): train_parallel(2, **kwargs)


def test_write_json_is_atomic(tmp_path, monkeypatch):
    fn = tmp_path/'r.json'
    write_json({'a': 1}, fn)
    def half(obj, f, **kw): f.write('{"a": '); raise KeyboardInterrupt
    monkeypatch.setattr(experiments.json, 'dump', half)
    with pytest.raises(KeyboardInterrupt): write_json({'a': 2}, fn)
    assert json.loads(fn.read_text()) == {'a': 1} and [p.name for p in tmp_path.iterdir()] == ['r.json']


def fake_run(acc): return dict(config={}, epochs=[dict(epoch=0, valid_acc=acc, seconds=1.)], final_valid_acc=acc)


def test_reproduce_keeps_each_result_and_resumes(tmp_path, monkeypatch, capsys):
    "Interrupted after its first experiment, reproduce keeps that result; a rerun reuses it and runs only the rest."
    calls = []
    def interrupted(**kwargs):
        calls.append(kwargs['norm'])
        if len(calls) == 2: raise KeyboardInterrupt
        return fake_run(0.5)
    monkeypatch.setattr(experiments, 'train', wraps(train)(interrupted))  # train's signature: its defaults are read from it
    with pytest.raises(KeyboardInterrupt): reproduce(out=tmp_path, only=['layernorm', 'instancenorm'], subset=600)
    assert json.loads((tmp_path/'layernorm.json').read_text())['run']['final_valid_acc'] == 0.5
    assert not (tmp_path/'instancenorm.json').exists()
    err = capsys.readouterr().err
    assert f'stopped after 1 of 2 experiments; finished: layernorm, kept in {tmp_path}; the same command again goes on' in err

    calls.clear()
    monkeypatch.setattr(experiments, 'train', wraps(train)(lambda **kwargs: calls.append(kwargs['norm']) or fake_run(0.6)))
    results = reproduce(out=tmp_path, only=['layernorm', 'instancenorm'], subset=600)
    assert calls == ['instance'] and [r['final_valid_acc'] for r in results] == [0.5, 0.6]
    assert 'of training, reused' in capsys.readouterr().out
    assert [r['name'] for r in json.loads((tmp_path/'results.json').read_text())] == ['layernorm', 'instancenorm']

    calls.clear()
    reproduce(out=tmp_path, only=['layernorm'], subset=700)  # other arguments: run again
    assert calls == ['layer']
