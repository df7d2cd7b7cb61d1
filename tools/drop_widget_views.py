"""Drop the widget-view entry from every saved output that also holds text/html.

Opened without a kernel that holds its model, JupyterLab shows a saved widget-view entry as "Error displaying
widget: model not found", even when the output also has text/html. Without the entry it shows the HTML: the
explorers' plain-HTML copy, whose sliders work without a kernel. Running the cell still gives the live widgets;
this changes only the saved files. `make nbclean` runs it after nbdev_clean.

Usage: python tools/drop_widget_views.py [NOTEBOOK ...]    (default: nbs/*.ipynb)
"""
import sys
from pathlib import Path

import nbformat

VIEW = 'application/vnd.jupyter.widget-view+json'


def widget_views(nb):
    "The outputs of notebook `nb` that hold a widget-view entry beside text/html."
    return [o for c in nb.cells if c.cell_type == 'code' for o in c.outputs
            if VIEW in o.get('data', {}) and 'text/html' in o.data]


def drop_widget_views(path):
    "Drop those entries from the notebook file at `path`; the number dropped (the file is rewritten only if any)."
    nb = nbformat.read(path, as_version=4)
    found = widget_views(nb)
    for o in found: del o.data[VIEW]
    if found: nbformat.write(nb, path)
    return len(found)


if __name__ == '__main__':
    paths = sys.argv[1:] or sorted(Path('nbs').glob('*.ipynb'))
    for path in paths:
        if n := drop_widget_views(path): print(f'{path}: dropped {n} widget-view entr{"y" if n == 1 else "ies"}')
