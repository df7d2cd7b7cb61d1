"""Copy the results table 08_towards_90 printed into nbs/index.ipynb's Results section, dated, and write
README.md from index.ipynb's text. Run it after rerunning 08 (tests/test_notebooks.py checks both are in step):

    python tools/results_table.py
"""
import datetime, os, re, subprocess
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
RUN, INDEX, README = ROOT/'nbs'/'08_towards_90.ipynb', ROOT/'nbs'/'index.ipynb', ROOT/'README.md'
TABLE = re.compile(r'^\| experiment \| what \| epochs \| valid acc \| lesson \| seconds \|\n(?:\|.*(?:\n|$))+', re.M)
BLOCK = re.compile(TABLE.pattern + r'(?:\nSeconds measured on .*)?', re.M)   # the table in index.ipynb, and the line dating it


def printed_table(path=RUN):
    "The results table the notebook at `path` printed (as Markdown or text): the one whose rows are every experiment, in order."
    from lesson17.recipes import EXPERIMENTS
    names = [name for name, *_ in EXPERIMENTS]
    texts = [''.join(t) for c in nbformat.read(path, as_version=4).cells for o in c.get('outputs', [])
             for t in (o.get('text'), o.get('data', {}).get('text/markdown')) if t]
    tables = {m.strip() for t in texts for m in TABLE.findall(t) if [row.split('|')[1].strip() for row in m.strip().splitlines()[2:]] == names}
    if len(tables) != 1: raise ValueError(f'{path.name} should print one results table of the experiments {names}, found {len(tables)}')
    return tables.pop()


def run_day(path=RUN):
    "The day the outputs of `path` were made: today if it has changes not yet committed, else the day of its last commit."
    git = lambda *args: subprocess.run(['git', *args, '--', path], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    return git('log', '-1', '--format=%cs') if not git('status', '--porcelain') else datetime.date.today().isoformat()


def dated(table):
    "`table`, with a line under it that says when and on what its seconds were measured."
    total = sum(float(row.split('|')[-2]) for row in table.splitlines()[2:])
    return (f'{table}\n\nSeconds measured on {run_day()} on a {os.cpu_count()}-core CPU, {total:.0f} s in all; '
            f'`tools/results_table.py` copies the table from what `08_towards_90` printed.')


def update():
    "Put 08's table in index.ipynb (dated anew only when it changed) and write README.md from index.ipynb's text."
    nb, table = nbformat.read(INDEX, as_version=4), printed_table()
    cell = next(c for c in nb.cells if c.cell_type == 'markdown' and BLOCK.search(c.source))
    old = BLOCK.search(cell.source).group().rstrip('\n')
    if not (old.startswith(table + '\n\nSeconds measured on')):
        cell.source = cell.source.replace(old, dated(table))
        nbformat.write(nb, INDEX)
    README.write_text('\n\n'.join(c.source for c in nb.cells if c.cell_type == 'markdown') + '\n')


if __name__ == '__main__': update()
