"The committed notebooks: real outputs, slide marks that survive nbdev_clean, README in step with index."
import ast, json, re, shutil, subprocess, sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted(p for p in (ROOT/'nbs').glob('[0-9]*.ipynb'))
LESSONS = [p for p in NBS if p.stem[:2] in {f'{i:02d}' for i in range(9)}]  # 00-08: the lesson, each with its plots


def cells(path): return json.loads(path.read_text())['cells']


def calls(src):
    "Names of the functions a code cell calls when it runs (not those called inside the functions and classes it defines), and whether it ends in a shown expression."
    code = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('#|', '%', '!')))   # nbdev directives, magics
    body, names = ast.parse(code).body, []
    todo = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)): continue
        if isinstance(node, ast.Call):
            names.append(getattr(node.func, 'id', getattr(node.func, 'attr', '')))
        todo.extend(ast.iter_child_nodes(node))
    last = body[-1] if body else None
    shown = isinstance(last, ast.Expr) and not isinstance(last.value, (ast.Call, ast.Constant)) and not code.rstrip().endswith(';')
    return names, shown


@pytest.mark.parametrize('path', NBS, ids=lambda p: p.stem)
def test_committed_with_real_outputs(path):
    "No error; every cell that prints, displays or ends in an expression shows its output; every call of the series' plots its picture."
    no_output, no_picture = [], []
    for i, c in enumerate(cells(path)):
        if c['cell_type'] != 'code': continue
        outputs = c.get('outputs', [])
        assert not [o for o in outputs if o['output_type'] == 'error'], f'cell {i} shows an error'
        names, shown = calls(''.join(c['source']))
        if (shown or {'print', 'display'} & set(names)) and not outputs: no_output.append(i)
        if any(n.startswith('plot_') or n == 'show_images' for n in names) and \
           not any('image/png' in o.get('data', {}) for o in outputs): no_picture.append(i)
    assert not no_output, f'cells {no_output} print or show a value but have no output: run the notebook and save it'
    assert not no_picture, f'cells {no_picture} call a plot function but show no picture: run the notebook and save it'
    if path in LESSONS:
        assert any('image/png' in o.get('data', {}) for c in cells(path) for o in c.get('outputs', [])), 'no plot in the committed outputs'


@pytest.mark.parametrize('path', NBS + [ROOT/'nbs'/'index.ipynb'], ids=lambda p: p.stem)
def test_every_cell_has_a_slide_mark_and_sections_start_slides(path):
    "Every cell has a slide mark, and every `#` or `##` heading opens a markdown cell marked `slide` (none halfway down a cell)."
    cs = cells(path)
    assert all('slide_type' in c['metadata'].get('slideshow', {}) for c in cs), 'a cell has no slide mark'
    wrong = []
    for i, c in enumerate(cs):
        if c['cell_type'] != 'markdown': continue
        src = re.sub(r'```.*?```', '', ''.join(c['source']), flags=re.S)   # a shell comment in a code block is no heading
        wrong += [f'cell {i}: {l!r} starts halfway down the cell (split the cell there, marked `slide`)'
                  for l in src.splitlines()[1:] if re.match(r'#{1,2} ', l)]
        if re.match(r'#{1,2} ', src) and c['metadata']['slideshow']['slide_type'] != 'slide':
            wrong.append(f"cell {i}: {src.splitlines()[0]!r} is marked {c['metadata']['slideshow']['slide_type']!r}, not `slide`")
    assert not wrong, 'sections that do not start a slide:\n  ' + '\n  '.join(wrong)


def test_slide_marks_survive_nbdev_clean(tmp_path):
    "nbdev_clean strips cell metadata it does not know; settings.ini must keep `slideshow`."
    nb = json.loads(NBS[0].read_text())
    nb['cells'][0]['metadata']['slideshow'] = {'slide_type': 'slide'}
    nb['cells'][0]['metadata']['scrolled'] = True   # a key nbdev_clean removes
    work = tmp_path/'proj'
    (work/'nbs').mkdir(parents=True)
    shutil.copy(ROOT/'settings.ini', work)
    (work/'nbs'/'a.ipynb').write_text(json.dumps(nb))
    subprocess.run([str(Path(sys.executable).parent/'nbdev_clean'), '--fname', 'nbs/a.ipynb'], cwd=work, check=True)
    meta = json.loads((work/'nbs'/'a.ipynb').read_text())['cells'][0]['metadata']
    assert meta == {'slideshow': {'slide_type': 'slide'}}


def markdown_of(path): return '\n\n'.join(''.join(c['source']) for c in cells(path) if c['cell_type'] == 'markdown')


def test_readme_in_step_with_index():
    "README.md is nbs/index.ipynb's text (nbdev_readme needs Quarto, so it is kept by hand)."
    index = markdown_of(ROOT/'nbs'/'index.ipynb')
    readme = (ROOT/'README.md').read_text()
    assert readme.strip() == index.strip()
    assert readme.index('make lab') < readme.index('## What') and readme.index('make test') < readme.index('## What')


@pytest.mark.parametrize('path', sorted((ROOT/'nbs').glob('*.ipynb')), ids=lambda p: p.stem)
def test_stored_in_the_form_jupyterlab_saves(path):
    "A student's first save in JupyterLab (nbformat's writer) must not rewrite the file: every source a list of lines."
    text = path.read_text()
    assert nbformat.writes(nbformat.reads(text, as_version=4)) + '\n' == text, \
        f'{path.name} is not in canonical form: rewrite it with nbformat (sources as lists of lines), then nbdev_clean'


@pytest.mark.parametrize('path', sorted((ROOT/'nbs').glob('*.ipynb')), ids=lambda p: p.stem)
def test_no_stored_widget_state(path):
    "Widget state (every explorer's pages, again, for every widget made) would add megabytes per run; the outputs carry the pages."
    assert 'widgets' not in json.loads(path.read_text())['metadata'], \
        f'{path.name} stores widget state: run notebooks with `jupyter nbconvert --execute --ExecutePreprocessor.store_widget_state=False`'


VIEW = 'application/vnd.jupyter.widget-view+json'


@pytest.mark.parametrize('path', sorted((ROOT/'nbs').glob('*.ipynb')), ids=lambda p: p.stem)
def test_no_saved_widget_view_beside_html(path):
    "Opened without running, JupyterLab shows a saved widget view as 'model not found'; the HTML beside it works."
    found = [i for i, c in enumerate(cells(path)) for o in c.get('outputs', []) if VIEW in o.get('data', {}) and 'text/html' in o['data']]
    assert not found, f'{path.name}: cells {found} keep a widget-view entry beside their HTML: run make nbclean (tools/drop_widget_views.py)'


def test_drop_widget_views(tmp_path):
    "The tool drops the widget-view entry where HTML stands beside it, and only there."
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x', outputs=[
        nbformat.v4.new_output('execute_result', {VIEW: {'model_id': 'a'}, 'text/html': '<b>x</b>', 'text/plain': 'x'}),
        nbformat.v4.new_output('display_data', {VIEW: {'model_id': 'b'}, 'text/plain': 'y'})])])
    path = tmp_path/'a.ipynb'
    nbformat.write(nb, path)
    subprocess.run([sys.executable, str(ROOT/'tools'/'drop_widget_views.py'), str(path)], check=True, capture_output=True)
    kept = [set(o['data']) for o in cells(path)[0]['outputs']]
    assert kept == [{'text/html', 'text/plain'}, {VIEW, 'text/plain'}]


def test_readme_results_table_is_the_one_08_printed():
    "README's results table, seconds included, is the table 08_towards_90 printed (tools/results_table.py copies it)."
    from lesson17.recipes import EXPERIMENTS
    table = re.compile(r'^\| experiment \|.*(?:\n\|.*)*', re.M)
    texts = [''.join(t) for c in cells(ROOT/'nbs'/'08_towards_90.ipynb') for o in c.get('outputs', [])
             for t in (o.get('text'), o.get('data', {}).get('text/markdown')) if t]   # printed, or shown as Markdown
    readme = table.findall((ROOT/'README.md').read_text())
    assert len(readme) == 1 and [row.split('|')[1].strip() for row in readme[0].splitlines()[2:]] == [name for name, *_ in EXPERIMENTS]
    assert readme[0] in [m for t in texts for m in table.findall(t)], \
        "README.md's results table is not the one 08 printed: run python tools/results_table.py"
