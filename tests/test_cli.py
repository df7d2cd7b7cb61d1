"The `lesson17` console script, run as a user would run it."
import json, os, shutil, signal, subprocess, sys, time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent/'lesson17'


def run(*args, cwd=None):
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, cwd=cwd, timeout=900)


@pytest.mark.slow
def test_train_torch_batch_one_epoch_reaches_084(tmp_path):
    "The foundation's acceptance run: full data, one epoch, PyTorch's BatchNorm."
    out = tmp_path/'run.json'
    r = run('train', '--norm', 'torch-batch', '--bs', '256', '--lr', '0.2', '--epochs', '1', '--seed', '42', '--json', str(out))
    assert r.returncode == 0, r.stderr
    results = json.loads(out.read_text())
    assert [set(e) for e in results['epochs']] == [{'epoch', 'train_loss', 'train_acc', 'valid_loss', 'valid_acc', 'seconds'}]
    assert results['final_valid_acc'] == results['epochs'][-1]['valid_acc'] >= 0.84
    assert 'final validation accuracy' in r.stdout and 'valid_acc' in r.stdout  # the per-epoch table


@pytest.mark.slow
def test_finetune_epochs_are_numbered_on_and_stats_png_written(tmp_path):
    r = run('train', '--norm', 'group', '--groups', '2', '--epochs', '1', '--finetune-epochs', '1', '--subset', '3000',
            '--json', str(tmp_path/'r.json'), '--stats', str(tmp_path/'s.png'))
    assert r.returncode == 0, r.stderr
    results = json.loads((tmp_path/'r.json').read_text())
    assert [e['epoch'] for e in results['epochs']] == [0, 1]
    table = [l.split()[0] for l in r.stdout.splitlines()]  # numbered on in the console table too
    assert table[:5] == ['epoch', '0', 'fine-tuning', 'epoch', '1'], r.stdout
    assert not any(c in r.stdout for c in '\r\x1b█')  # piped: no progress-bar residue
    assert results['config']['norm'] == 'group' and results['config']['groups'] == 2
    assert (tmp_path/'s.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


@pytest.mark.slow
def test_unknown_norm_lists_the_known_ones():
    r = run('train', '--norm', 'weight')
    assert r.returncode == 2
    for name in ('none', 'layer', 'batch', 'torch-batch', 'instance', 'group', 'sync-batch', 'fast-batch'):
        assert f"'{name}'" in r.stderr


@pytest.mark.slow
def test_bad_numbers_are_errors():
    for args, words in ((['--bs', '0'], 'bs must be at least 1'), (['--lr', '-1'], 'lr must be a finite number above 0'),
                        (['--norm', 'group', '--groups', '3', '--subset', '600'], 'groups do not divide')):
        r = run('train', *args)
        assert r.returncode == 2 and words in r.stderr, (args, r.stderr)


@pytest.mark.slow
def test_reproduce_one_experiment_writes_the_table(tmp_path):
    r = run('reproduce', '--only', 'layernorm', '--out', str(tmp_path))
    assert r.returncode == 0, r.stderr
    table = (tmp_path/'results.md').read_text()
    assert table.startswith('| experiment |') and '| layernorm |' in table and '0.872' in table
    [result] = json.loads((tmp_path/'results.json').read_text())
    assert result["name"] == "layernorm" and len(result["epochs"]) == 3
    assert result["final_valid_acc"] >= 0.85  # one seed: 0.86-0.87 depending on the CPU; a broken LayerNorm lands far lower


@pytest.mark.slow
def test_reproduce_unknown_experiment():
    r = run('reproduce', '--only', 'nonsense')
    assert r.returncode == 2 and 'unknown experiments' in r.stderr


def fails(*args, status=2, env=None):
    "Run the console script expecting a quick failure: the exit status, no traceback, one `lesson17 CMD: ` line."
    r = subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=60, env=env)  # seconds, not a run
    assert r.returncode == status, (args, r.returncode, r.stderr)
    assert 'Traceback' not in r.stderr and 'valid_acc' not in r.stdout, (args, r.stderr)  # no training happened
    assert r.stderr.startswith(f'lesson17 {args[0]}: '), r.stderr
    return r.stderr


@pytest.mark.slow
def test_bad_arguments_are_refused_before_training(tmp_path):
    (tmp_path/'file').write_text('')
    for args, words in ((['--lr', 'nan'], 'lr must be a finite number above 0, got nan'),
                        (['--lr', 'inf'], 'lr must be a finite number above 0, got inf'),
                        (['--finetune-lr', '-1', '--finetune-epochs', '2'], 'finetune_lr must be a finite number above 0, got -1.0'),
                        (['--finetune-lr', '0'], 'finetune_lr must be a finite number above 0, got 0.0'),
                        (['--nfs', '-3'], 'nfs must be one or more filter counts of at least 1, got [-3]'),
                        (['--json', str(tmp_path)], f'json: {tmp_path} is a folder, not a file name'),
                        (['--json', str(tmp_path/'file'/'r.json')], f"is under {tmp_path/'file'}, which is a file"),
                        (['--json', '/sys/lesson17-test.json'], "json: can't write /sys/lesson17-test.json"),
                        (['--stats', str(tmp_path/'s.txt')], "stats: matplotlib can't save .txt; use one of")):
        assert words in fails('train', *args), args
    assert f'out: {tmp_path/"file"} is a file, not a folder' in fails('reproduce', '--only', 'layernorm', '--out', str(tmp_path/'file'))


@pytest.mark.slow
def test_stats_without_matplotlib(tmp_path):
    (tmp_path/'matplotlib').mkdir()
    (tmp_path/'matplotlib'/'__init__.py').write_text("raise ImportError('No module named matplotlib')")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get('PYTHONPATH', '')]))
    assert 'stats: needs matplotlib, which is not installed' in fails('train', '--stats', str(tmp_path/'s.png'), env=env)


@pytest.mark.slow
def test_lesson17_data_that_is_wrong_is_an_error_not_a_fallback(tmp_path):
    empty = tmp_path/'empty'; empty.mkdir()
    some = tmp_path/'some'; some.mkdir()
    shutil.copy('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz', some)
    for place, words in ((tmp_path/'nowhere', 'which does not exist'), (empty, 'which has none of train-images-idx3-ubyte.gz'),
                         (some, 'which lacks train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz;')):
        msg = fails('train', '--subset', '600', env=dict(os.environ, LESSON17_DATA=str(place)))
        assert f'LESSON17_DATA is set to {place}, {words}' in msg


@pytest.mark.slow
def test_damaged_data_is_a_clear_error(tmp_path):
    for name in ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'):
        shutil.copy(f'/usr/share/datasets/fashion-mnist/{name}', tmp_path)
    fn = tmp_path/'t10k-labels-idx1-ubyte.gz'
    raw = bytearray(fn.read_bytes()); raw[3000] ^= 0x10  # inside the deflate stream: zlib.error, before the fix
    fn.write_bytes(bytes(raw))
    msg = fails('train', '--subset', '600', env=dict(os.environ, LESSON17_DATA=str(tmp_path)))
    assert f'{fn} ' in msg and 'get the data again' in msg


@pytest.mark.slow
def test_no_data_anywhere_is_one_message(tmp_path):
    "As the console script's `main`, with the Debian folder and the download out of reach."
    code = ("import sys, pathlib, lesson17.data as d\n"
            f"d.DEBIAN_PATH = pathlib.Path({str(tmp_path/'debian')!r})\n"
            "def offline(dest): raise OSError('no network')\n"
            "d.download_fashion_mnist = offline\n"
            "from lesson17.cli import main\n"
            "sys.exit(main(['train', '--subset', '600']))")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path/'cache')); env.pop('LESSON17_DATA', None)
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 1 and 'Traceback' not in r.stderr
    assert r.stderr.startswith('lesson17 train: error: Fashion-MNIST not found') and 'LESSON17_DATA' in r.stderr


@pytest.mark.slow
def test_divergence_stops_with_a_message_and_writes_no_json(tmp_path):
    out = tmp_path/'r.json'
    msg = fails('train', '--norm', 'torch-batch', '--lr', '100', '--subset', '2000', '--epochs', '3', '--json', str(out), status=1)
    assert msg.startswith('lesson17 train: error: the loss became ') and msg.strip().endswith('Try a lower learning rate.')
    assert len(msg.strip().splitlines()) == 1 and not out.exists()


@pytest.mark.slow
def test_a_last_batch_of_one_image_is_dropped_with_a_deep_model():
    r = run('train', '--norm', 'torch-batch', '--nfs', '8', '16', '32', '64', '128', '--subset', '1025', '--bs', '256', '--epochs', '1')
    assert r.returncode == 0, r.stderr
    assert r.stdout.count('a last batch of one image') == 1


def test_version_help_and_experiment_names():
    from lesson17 import __version__
    from lesson17.recipes import EXPERIMENTS
    assert run('--version').stdout.strip() == f'lesson17 {__version__}'
    assert 'LESSON17_DATA' in run('--help').stdout.replace('\n', ' ')
    help = run('reproduce', '--help').stdout
    for name, *_ in EXPERIMENTS: assert f'\n  {name} ' in help


def test_help_imports_no_torch():
    "`lesson17 --help` starts at once: building the parser imports neither torch nor the experiments."
    code = "import sys; from lesson17.cli import parser; parser(); print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'numpy', 'matplotlib') or m == 'lesson17.experiments'))"
    assert subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60).stdout.strip() == '[]'


def train_options():
    "`lesson17 train`'s options {name: argparse action}, but --help."
    from lesson17.cli import parser
    return {a.dest: a for a in parser(train=True)._subparsers._group_actions[0].choices['train']._actions if a.dest != 'help'}


@pytest.mark.slow
def test_cli_options_are_trains():
    "Every parameter of `train` but `progress` and `parallel` is an option with train's default; --nproc is the CLI's own."
    import inspect
    from lesson17.experiments import ACTS, INITS, NORMS, SCHEDULES, train
    actions = train_options()
    params = {k: p.default for k, p in inspect.signature(train).parameters.items() if k not in ('progress', 'parallel')}
    assert set(actions) == set(params) | {'nproc'}
    for name, default in params.items():
        assert actions[name].default == (list(default) if isinstance(default, tuple) else default), name
        assert actions[name].option_strings == ['--' + name.replace('_', '-')]
    for name, choices in (('norm', NORMS), ('act', ACTS), ('init', INITS), ('schedule', SCHEDULES)):
        assert tuple(actions[name].choices) == tuple(choices), name
    assert actions['nfs'].nargs == '+' and actions['nfs'].type is int and actions['lr'].type is float
    help = run('train', '--help').stdout
    for flag in ('--finetune-lr', '--nfs NFS [NFS ...]', '--subset SUBSET', '--json JSON', '--nproc NPROC'): assert flag in help, flag
    assert 'learning rate of the fine-tuning epochs (default: 0.05)' in ' '.join(help.split())


def test_a_new_parameter_of_train_is_an_option(monkeypatch, capsys):
    "A parameter added to `train` is an option of `lesson17 train`, with its default, type and comment, without touching cli.py."
    from lesson17 import cli, experiments
    got = {}
    def train(norm='batch',     # the norm
              wd=0.01,          # weight decay of the optimizer
              warmup:int=None,  # epochs of warm-up
              progress=True,    # not an option
             ):
        got.update(norm=norm, wd=wd, warmup=warmup)
        return dict(final_valid_acc=0.5)
    monkeypatch.setattr(experiments, 'train', train)
    actions = train_options()
    assert set(actions) == {'norm', 'wd', 'warmup', 'nproc'}
    assert actions['wd'].default == 0.01 and actions['wd'].type is float and actions['wd'].help == 'weight decay of the optimizer (default: 0.01)'
    assert actions['warmup'].type is int and actions['warmup'].default is None and actions['warmup'].help == 'epochs of warm-up'
    assert cli.main(['train', '--wd', '0.02', '--warmup', '1']) == 0 and got == dict(norm='batch', wd=0.02, warmup=1)
    assert 'final validation accuracy 0.5000' in capsys.readouterr().out


def test_a_bug_still_shows_its_traceback(monkeypatch):
    from lesson17 import cli, experiments
    def bug(**kwargs): raise RuntimeError('a bug')
    monkeypatch.setattr(experiments, 'train', bug)
    with pytest.raises(RuntimeError, match='a bug'): cli.main(['train'])


def ctrl_c_works():
    "For Popen: a shell that runs the tests in the background starts them with Ctrl-C ignored; a terminal user's has it on."
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_when(p, ready, timeout=120):
    "Send Ctrl-C to process `p` once `ready()` is true; return its exit status, stdout and stderr."
    start = time.monotonic()
    while not ready():
        assert p.poll() is None and time.monotonic() - start < timeout, 'finished or stuck before the interrupt'
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    return p.returncode, out, err


@pytest.mark.slow
def test_ctrl_c_is_a_short_message_and_status_130(tmp_path):
    # 50001 images in batches of 250 leave one over: get_dls says so just before training starts
    p = subprocess.Popen([str(BIN), 'train', '--subset', '50001', '--bs', '250', '--json', str(tmp_path/'r.json')],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_works,
                         env=dict(os.environ, PYTHONUNBUFFERED='1'))   # each line as it is printed, not at exit
    status, out, err = interrupt_when(p, lambda: 'last batch of one image' in p.stdout.readline())
    assert status == 130 and err == 'lesson17 train: interrupted\n' and not (tmp_path/'r.json').exists()


@pytest.mark.slow
def test_reproduce_interrupted_keeps_what_finished_and_a_rerun_reuses_it(tmp_path):
    # closing-torch takes seconds on 20,000 images, time enough to interrupt it after layernorm is kept
    args = ['reproduce', '--only', 'layernorm', 'closing-torch', '--subset', '20000', '--out', str(tmp_path)]
    p = subprocess.Popen([str(BIN), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_works)
    status, out, err = interrupt_when(p, (tmp_path/'layernorm.json').exists)
    assert status == 130 and 'Traceback' not in err
    assert f'stopped after 1 of 2 experiments; finished: layernorm, kept in {tmp_path}; the same command again goes on' in err
    assert err.strip().endswith('lesson17 reproduce: interrupted')
    assert sorted(p.name for p in tmp_path.iterdir()) == ['layernorm.json']  # no temporary files left
    r = run('reproduce', '--only', 'layernorm', '--subset', '20000', '--out', str(tmp_path))
    assert r.returncode == 0 and 'of training, reused' in r.stdout
    [result] = json.loads((tmp_path/'results.json').read_text())
    assert result['name'] == 'layernorm' and result['config']['subset'] == 20000


@pytest.mark.slow
def test_nproc_2_sync_batch_one_epoch_reaches_084(tmp_path):
    "Data-parallel over two gloo processes with SyncBatchNorm: the acceptance run of notebook 11."
    out = tmp_path/'run.json'
    r = run('train', '--nproc', '2', '--norm', 'sync-batch', '--bs', '256', '--lr', '0.2', '--epochs', '1', '--json', str(out))
    assert r.returncode == 0, r.stderr
    results = json.loads(out.read_text())
    assert [set(e) for e in results['epochs']] == [{'epoch', 'train_loss', 'train_acc', 'valid_loss', 'valid_acc', 'seconds'}]
    assert results['config']['nproc'] == 2 and results['config']['norm'] == 'sync-batch'
    assert results['final_valid_acc'] == results['epochs'][-1]['valid_acc'] >= 0.84
    assert r.stdout.count('final validation accuracy') == 1 and r.stdout.count('valid_acc') == 1  # rank 0 alone speaks


@pytest.mark.slow
def test_bad_nproc_and_a_batch_that_does_not_split():
    cores = os.cpu_count()
    for args, words in ((['--nproc', '0'], f'nproc must be from 1 to {cores} (the cores of this machine), got 0'),
                        (['--nproc', str(cores + 1)], f'got {cores + 1}'),
                        (['--nproc', '2', '--bs', '255'], 'bs 255 does not split across 2 processes')):
        assert words in fails('train', *args), args


@pytest.mark.slow
def test_a_process_that_fails_ends_the_run_with_a_message(tmp_path):
    "The data is read in each process; when they fail there, the command says so in one line, exit status 1, none left."
    env = dict(os.environ, LESSON17_DATA=str(tmp_path/'nowhere'))
    start = time.monotonic()
    msg = fails('train', '--nproc', '2', '--subset', '600', status=1, env=env)
    assert msg.startswith('lesson17 train: error: process ') and 'of 2 failed: ' in msg and 'LESSON17_DATA is set to' in msg
    assert time.monotonic() - start < 60


@pytest.mark.slow
def test_two_torchrun_agents_train_as_nproc_2(tmp_path):
    "Two torchrun agents, one process each, meeting at a rendezvous address, stand in for two machines: the same run as --nproc 2."
    from lesson17.parallel import free_port
    args = ['train', '--norm', 'sync-batch', '--bs', '256', '--epochs', '1', '--subset', '4000', '--seed', '1']
    port = free_port()
    env = dict(os.environ, OMP_NUM_THREADS='1')  # the threads --nproc 2 gives each process on 2 cores: the same arithmetic
    agents = [subprocess.Popen([str(BIN.parent/'torchrun'), '--nnodes', '2', '--node-rank', str(rank), '--nproc-per-node', '1',
                                '--master-addr', '127.0.0.1', '--master-port', str(port), '--no-python', str(BIN),
                                *args, '--json', str(tmp_path/f'agent{rank}.json')],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for rank in (0, 1)]
    outs = [a.communicate(timeout=600) for a in agents]
    assert [a.returncode for a in agents] == [0, 0], outs
    assert outs[0][0].count('final validation accuracy') == 1 and 'final validation accuracy' not in outs[1][0]
    assert not (tmp_path/'agent1.json').exists()  # rank 0 alone writes
    r = run('train', '--nproc', '2', *args[1:], '--json', str(tmp_path/'nproc.json'))
    assert r.returncode == 0, r.stderr
    two, one = (json.loads((tmp_path/f).read_text()) for f in ('agent0.json', 'nproc.json'))
    assert two['config']['nproc'] == one['config']['nproc'] == 2
    assert two['final_valid_acc'] == one['final_valid_acc'] and two['epochs'][0]['train_loss'] == one['epochs'][0]['train_loss']
