"The package's layers, read from its imports: 1 data·viz·recipes·checks, 2 learner·lerp·the norms, 3 model·stats·exercises·fastnorm·syncbn, 4 experiments·parallel, 5 cli; a module imports only from its own layer and those below."
import ast, shutil
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent/'lesson17'
LAYERS = {  # module: layer; a new module must be placed here
    '__init__': 0, '_modidx': 0,  # the version; nbdev's index of names (data, imported by nobody)
    'data': 1, 'viz': 1, 'recipes': 1, 'checks': 1, 'norm': 1,
    'learner': 2, 'lerp': 2, 'layernorm': 2, 'batchnorm': 2, 'groupnorm': 2,
    'model': 3, 'stats': 3, 'exercises': 3, 'fastnorm': 3, 'syncbn': 3, 'figures': 3,
    'experiments': 4, 'parallel': 4,
    'cli': 5,
}


def imports(folder):
    "{module: [(module it imports from the package, name imported or None, line)]} for every .py in `folder`, imports anywhere in the file."
    mods = {fn.stem for fn in folder.glob('*.py')}
    found = {}
    for fn in sorted(folder.glob('*.py')):
        rows = found[fn.stem] = []
        for node in ast.walk(ast.parse(fn.read_text(), str(fn))):
            if isinstance(node, ast.Import):
                for a in node.names:
                    parts = a.name.split('.')
                    if parts[0] == folder.name: rows.append((parts[1] if len(parts) > 1 else '__init__', None, node.lineno))
            elif isinstance(node, ast.ImportFrom):
                parts = (node.module or '').split('.')
                if node.level == 0 and parts[0] != folder.name: continue  # not from the package
                sub = parts[0] if node.level else (parts[1] if len(parts) > 1 else '')
                for a in node.names:  # `from . import x` imports the module x, `from .x import y` the name y of x
                    if sub: rows.append((sub, a.name, node.lineno))
                    else: rows.append((a.name, None, node.lineno) if a.name in mods else ('__init__', a.name, node.lineno))
    return found


def problems(folder):
    "What breaks the layers in the package at `folder`, in words; empty when nothing does."
    found, out = imports(folder), []
    out += [f'{mod} has no layer: place it in LAYERS' for mod in found if mod not in LAYERS]
    for mod, rows in found.items():
        for dep, name, line in rows:
            if dep == mod: continue
            if mod in LAYERS and dep in LAYERS and LAYERS[dep] > LAYERS[mod]:
                out.append(f'{mod}.py:{line} imports {dep} (layer {LAYERS[dep]}) from layer {LAYERS[mod]}')
            if name and name.startswith('_') and not name.startswith('__'):
                out.append(f'{mod}.py:{line} imports the private name {name} of {dep}')
    graph = {mod: {dep for dep, _, _ in rows if dep != mod} for mod, rows in found.items()}
    def circle(path):  # depth first: a module met again on the current path closes a circle
        for dep in sorted(graph.get(path[-1], ())):
            if dep in path: return path[path.index(dep):] + [dep]
            found_circle = circle(path + [dep])
            if found_circle: return found_circle
    for mod in sorted(graph):
        c = circle([mod])
        if c: out.append('import circle: ' + ' -> '.join(c)); break
    return out


def test_the_package_keeps_its_layers():
    assert problems(PACKAGE) == []


def test_the_reader_sees_the_package_s_imports():
    found = imports(PACKAGE)
    assert ('experiments', 'train', ) in {(d, n) for d, n, _ in found['cli']}  # inside a function: cli imports torch late
    assert ('parallel', 'launch') in {(d, n) for d, n, _ in found['experiments']}
    assert ('__init__', '__version__') in {(d, n) for d, n, _ in found['cli']}


@pytest.mark.parametrize('module, code, words', [
    ('data', 'def f():\n    from .cli import main\n', 'data.py:{line} imports cli (layer 5) from layer 1'),
    ('syncbn', 'import lesson17.experiments\n', 'syncbn.py:{line} imports experiments (layer 4) from layer 3'),
    ('experiments', 'from .parallel import _entry\n', 'experiments.py:{line} imports the private name _entry of parallel'),
    ('parallel', 'def f():\n    from lesson17 import experiments\n', 'import circle: experiments -> parallel -> experiments'),
    ('newmodule', 'x = 1\n', 'newmodule has no layer'),
])
def test_a_planted_violation_is_found(tmp_path, module, code, words):
    "The checks can fail: each kind of violation, planted in a copy of the package, is reported."
    copy = shutil.copytree(PACKAGE, tmp_path/'lesson17', ignore=shutil.ignore_patterns('__pycache__'))
    fn = copy/f'{module}.py'
    text = fn.read_text() if fn.exists() else ''
    fn.write_text(text + code)
    line = len(text.splitlines()) + 1 + code.startswith('def')
    assert problems(PACKAGE) == [] and any(words.format(line=line) in p for p in problems(copy)), problems(copy)
