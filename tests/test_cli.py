"The `lesson17` console script, run as a user would run it."
import json, subprocess, sys
from pathlib import Path

BIN = Path(sys.executable).parent/'lesson17'


def run(*args, cwd=None):
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, cwd=cwd, timeout=900)


def test_train_torch_batch_one_epoch_reaches_084(tmp_path):
    "The foundation's acceptance run: full data, one epoch, PyTorch's BatchNorm."
    out = tmp_path/'run.json'
    r = run('train', '--norm', 'torch-batch', '--bs', '256', '--lr', '0.2', '--epochs', '1', '--seed', '42', '--json', str(out))
    assert r.returncode == 0, r.stderr
    results = json.loads(out.read_text())
    assert [set(e) for e in results['epochs']] == [{'epoch', 'train_loss', 'train_acc', 'valid_loss', 'valid_acc', 'seconds'}]
    assert results['final_valid_acc'] == results['epochs'][-1]['valid_acc'] >= 0.84
    assert 'final validation accuracy' in r.stdout and 'valid_acc' in r.stdout  # the per-epoch table


def test_finetune_epochs_are_numbered_on_and_stats_png_written(tmp_path):
    r = run('train', '--norm', 'group', '--groups', '2', '--epochs', '1', '--finetune-epochs', '1', '--subset', '3000',
            '--json', str(tmp_path/'r.json'), '--stats', str(tmp_path/'s.png'))
    assert r.returncode == 0, r.stderr
    results = json.loads((tmp_path/'r.json').read_text())
    assert [e['epoch'] for e in results['epochs']] == [0, 1]
    assert results['config']['norm'] == 'group' and results['config']['groups'] == 2
    assert (tmp_path/'s.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_unknown_norm_lists_the_known_ones():
    r = run('train', '--norm', 'weight')
    assert r.returncode == 2
    for name in ('none', 'layer', 'batch', 'torch-batch', 'instance', 'group'): assert f"'{name}'" in r.stderr


def test_bad_numbers_are_errors():
    for args, words in ((['--bs', '0'], '--bs must be at least 1'), (['--lr', '-1'], '--lr must be positive'),
                        (['--norm', 'group', '--groups', '3', '--subset', '600'], 'groups do not divide')):
        r = run('train', *args)
        assert r.returncode == 2 and words in r.stderr, (args, r.stderr)


def test_reproduce_one_experiment_writes_the_table(tmp_path):
    r = run('reproduce', '--only', 'layernorm', '--out', str(tmp_path))
    assert r.returncode == 0, r.stderr
    table = (tmp_path/'results.md').read_text()
    assert table.startswith('| experiment |') and '| layernorm |' in table and '0.872' in table
    [result] = json.loads((tmp_path/'results.json').read_text())
    assert result['name'] == 'layernorm' and len(result['epochs']) == 3 and result['final_valid_acc'] >= 0.86


def test_reproduce_unknown_experiment():
    r = run('reproduce', '--only', 'nonsense')
    assert r.returncode == 2 and 'unknown experiments' in r.stderr
