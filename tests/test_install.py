"""The package as a user gets it: its wheel, installed in a fresh virtual environment with only the requirements it
declares, used from outside the checkout.

PyTorch (torch, torchvision and the distributions they require) is lent from this environment to save a download of
gigabytes: the fresh environment sees them through a .pth file, so pip counts them installed (and, being outside the
fresh environment, never removes or changes them). Everything else comes from the package index, as the wheel declares it."""
import ast, json, os, shutil, subprocess, sys, zipfile
from configparser import ConfigParser
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT/'lesson17'
LENT = ('torch', 'torchvision')
TRAIN = ['train', '--epochs', '1', '--subset', '4000', '--seed', '1']


def declared():
    "settings.ini's `requirements`, as canonical distribution names."
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini')
    return {canonicalize_name(Requirement(r).name) for r in cfg['DEFAULT']['requirements'].split()}


def third_party_imports():
    "{top-level module: [files importing it]} for every absolute import in the package outside the standard library and itself."
    found = {}
    for fn in sorted(PACKAGE.glob('*.py')):
        for node in ast.walk(ast.parse(fn.read_text(), str(fn))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            for top in {n.split('.')[0] for n in names} - set(sys.stdlib_module_names) - {PACKAGE.name}:
                found.setdefault(top, []).append(fn.name)
    return found


def test_every_third_party_import_is_a_declared_requirement():
    "Each module the package imports (anywhere in a file, at the top or inside a function) comes from a distribution in `requirements`."
    dists, reqs = metadata.packages_distributions(), declared()
    found = third_party_imports()
    assert {'torch', 'fastcore', 'matplotlib'} <= set(found)   # the scan sees the imports
    missing = {m: files for m, files in found.items() if not reqs & {canonicalize_name(d) for d in dists.get(m, [])}}
    assert not missing, f'imported but not in settings.ini requirements (module: files): {missing}'


def closure(names):
    "The installed distributions `names` and all they require here, markers and extras evaluated: {canonical name: Distribution}."
    todo, seen, out = [(n, frozenset()) for n in names], set(), {}
    while todo:
        name, extras = todo.pop()
        key = canonicalize_name(name)
        if (key, extras) in seen: continue
        seen.add((key, extras))
        dist = out.setdefault(key, metadata.distribution(name))   # not installed: PackageNotFoundError names it
        for r in map(Requirement, dist.requires or []):
            if r.marker is None or any(r.marker.evaluate({'extra': e}) for e in extras | {''}):
                todo.append((r.name, frozenset(r.extras)))
    return out


def lend(dists, folder):
    "Links in `folder` to each distribution's top-level files and folders (its dist-info among them)."
    folder.mkdir()
    for dist in dists.values():
        assert dist.files, f'{dist.metadata["Name"]} lists no files (no RECORD): it cannot be lent'
        for top in {f.parts[0] for f in dist.files} - {'..'}:   # '..': its scripts in bin/
            src, dst = Path(dist.locate_file(top)), folder/top
            if src.exists() and not dst.exists(): dst.symlink_to(src)


def clean_copy(dest):
    "The checkout's files, tracked and untracked but not ignored, as they are in the working tree: no build leftovers."
    files = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split('\0')
    for f in filter(None, files):
        if (ROOT/f).is_file():
            (dest/f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT/f, dest/f)


def user_env(venv):
    "The environment of a user of `venv`: its bin first on PATH; no PYTHONPATH, user site-packages, nor anything of this checkout or its environment."
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV', 'PYTHONSTARTUP')}
    path = [p for p in env.get('PATH', '').split(os.pathsep) if p and not p.startswith((str(ROOT), sys.prefix))]
    env.update(PATH=os.pathsep.join([str(venv/'bin'), *path]), VIRTUAL_ENV=str(venv), PYTHONNOUSERSITE='1', PIP_DISABLE_PIP_VERSION_CHECK='1')
    return env


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    "(venv, env, cwd, wheel): the wheel built from a clean copy, installed in a fresh venv; cwd a folder outside the checkout."
    tmp = tmp_path_factory.mktemp('install')
    src, dist, venv, cwd = (tmp/n for n in ('src', 'dist', 'venv', 'elsewhere'))
    for d in (src, cwd): d.mkdir()
    clean_copy(src)
    r = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '-q', '-w', str(dist), str(src)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    [wheel] = dist.glob('lesson17-*.whl')
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True, capture_output=True, timeout=300)
    env = user_env(venv)
    site = Path(subprocess.run([str(venv/'bin'/'python'), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                               capture_output=True, text=True, check=True, env=env).stdout.strip())
    lend(closure(LENT), tmp/'lent')
    (site/'lent-pytorch.pth').write_text(str(tmp/'lent') + '\n')
    r = subprocess.run([str(venv/'bin'/'pip'), 'install', '-q', str(wheel)], capture_output=True, text=True, cwd=cwd, env=env, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not (site/'torch').exists(), 'pip installed a torch of its own: the lent one does not satisfy the requirements'
    r = subprocess.run([str(venv/'bin'/'pip'), 'check'], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr   # every installed distribution's requirements met
    return venv, env, cwd, wheel


@pytest.mark.slow
def test_the_wheel_holds_every_module(installed):
    _, _, _, wheel = installed
    inside = {n.split('/')[1] for n in zipfile.ZipFile(wheel).namelist() if n.startswith('lesson17/') and n.endswith('.py')}
    assert inside == {p.name for p in PACKAGE.glob('*.py')}


@pytest.mark.slow
def test_every_module_imports_from_the_installed_wheel(installed):
    "Each module imports in the fresh environment, and nothing comes from the checkout."
    venv, env, cwd, _ = installed
    mods = sorted(f'lesson17.{p.stem}' for p in PACKAGE.glob('*.py') if p.stem != '__init__')
    code = ("import importlib, json, sys\n"
            "for m in sys.argv[1:]: importlib.import_module(m)\n"
            "print(json.dumps(sorted({m.__file__ for m in list(sys.modules.values()) if getattr(m, '__file__', None)})))")
    r = subprocess.run([str(venv/'bin'/'python'), '-c', code, *mods], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    files = json.loads(r.stdout)
    ours = [f for f in files if f'{os.sep}lesson17{os.sep}' in f]
    assert len(ours) == len(mods) + 1 and all(f.startswith(str(venv)) for f in ours), ours
    assert not [f for f in files if f.startswith(str(ROOT))], 'imported from the checkout'


@pytest.mark.slow
def test_help_from_the_installed_wheel(installed):
    venv, env, cwd, _ = installed
    for args, words in (([], ['train', 'reproduce', 'LESSON17_DATA']), (['train'], ['--norm', '--epochs', '--subset', '--json'])):
        r = subprocess.run([str(venv/'bin'/'lesson17'), *args, '--help'], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)
        assert r.returncode == 0 and r.stderr == '', (args, r.stderr)
        assert all(w in r.stdout for w in words), (args, r.stdout)


@pytest.mark.slow
def test_train_from_the_installed_wheel_is_the_checkouts(installed, tmp_path):
    "One epoch on 4,000 images: it runs, prints its table, and gives the same numbers as the checkout's own `lesson17 train`."
    venv, env, cwd, _ = installed
    r = subprocess.run([str(venv/'bin'/'lesson17'), *TRAIN, '--json', str(tmp_path/'wheel.json')],
                       capture_output=True, text=True, cwd=cwd, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    assert 'valid_acc' in r.stdout and 'final validation accuracy' in r.stdout, r.stdout
    here = subprocess.run([str(Path(sys.executable).parent/'lesson17'), *TRAIN, '--json', str(tmp_path/'here.json')],
                          capture_output=True, text=True, timeout=600)
    assert here.returncode == 0, here.stderr
    wheel, checkout = (json.loads((tmp_path/f).read_text()) for f in ('wheel.json', 'here.json'))
    assert len(wheel['epochs']) == 1
    assert [{k: v for k, v in e.items() if k != 'seconds'} for e in wheel['epochs']] == \
           [{k: v for k, v in e.items() if k != 'seconds'} for e in checkout['epochs']]
