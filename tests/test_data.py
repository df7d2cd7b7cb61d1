"Data: the files are found, verified and loaded right; missing and broken files give clear errors."
import gzip, shutil

import pytest
import torch
from torchvision.datasets.mnist import read_image_file, read_label_file

from lesson17 import data
from lesson17.data import FILES, DataError, DataLoader, find_fashion_mnist, get_dls, load_fashion_mnist


@pytest.fixture(scope='module')
def real_path(): return find_fashion_mnist()


def test_load_matches_torchvision(real_path, tmp_path):
    "Our IDX parser agrees with torchvision's reader on the real files."
    x_train, y_train, x_valid, y_valid = load_fashion_mnist(real_path)
    for name in ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'):
        (tmp_path/name).write_bytes(gzip.decompress((real_path/f'{name}.gz').read_bytes()))
    assert torch.equal((x_valid.squeeze(1) * 255).round().to(torch.uint8), read_image_file(str(tmp_path/'t10k-images-idx3-ubyte')))
    assert torch.equal(y_valid, read_label_file(str(tmp_path/'t10k-labels-idx1-ubyte')))
    assert x_train.shape == (60000, 1, 28, 28) and x_train.dtype == torch.float32
    assert y_train.shape == (60000,) and y_train.dtype == torch.int64
    assert 0 <= x_train.min() and x_train.max() <= 1


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    "No data anywhere and no network: every search place is an empty folder."
    monkeypatch.delenv('LESSON17_DATA', raising=False)
    monkeypatch.setattr(data, 'DEBIAN_PATH', tmp_path/'debian')
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path/'cache'))
    def offline(dest): raise OSError('no network')
    monkeypatch.setattr(data, 'download_fashion_mnist', offline)
    return tmp_path


def test_missing_files_name_places_and_ways(nowhere):
    with pytest.raises(FileNotFoundError) as e: find_fashion_mnist()
    msg = str(e.value)
    for place in ('debian', 'cache'): assert str(nowhere/place) in msg
    assert 'apt-get install dataset-fashion-mnist' in msg and 'LESSON17_DATA' in msg and 'online' in msg


def copy_data(src, dst):
    dst.mkdir(parents=True, exist_ok=True)
    for name in FILES: shutil.copy(src/name, dst/name)
    return dst


def test_env_folder_comes_first(real_path, nowhere, monkeypatch):
    path = copy_data(real_path, nowhere/'env')
    monkeypatch.setenv('LESSON17_DATA', str(path))
    assert find_fashion_mnist() == path


@pytest.mark.parametrize('case', ['missing', 'empty', 'incomplete', 'a file'])
def test_env_folder_is_the_only_place_when_set(real_path, tmp_path, monkeypatch, case):
    "A wrong LESSON17_DATA is an error naming it and what is missing, never a fall-back to the real data elsewhere."
    env = tmp_path/'env'
    if case == 'empty': env.mkdir()
    if case == 'incomplete':
        copy_data(real_path, env); (env/'train-labels-idx1-ubyte.gz').unlink()
    if case == 'a file': env.write_text('')
    monkeypatch.setenv('LESSON17_DATA', str(env))
    monkeypatch.setattr(data, 'DEBIAN_PATH', real_path)  # the data is there, but must not be used
    with pytest.raises(DataError) as e: find_fashion_mnist()
    msg = str(e.value)
    assert msg.startswith(f'LESSON17_DATA is set to {env}, which ')
    words = {'missing': 'does not exist', 'empty': 'has none of train-images-idx3-ubyte.gz',
             'incomplete': 'lacks train-labels-idx1-ubyte.gz;', 'a file': 'is not a folder'}[case]
    assert words in msg
    if case == 'incomplete': assert 'train-images' not in msg


def test_missing_file_is_reported_missing(real_path, tmp_path):
    path = copy_data(real_path, tmp_path/'some')
    (path/'t10k-labels-idx1-ubyte.gz').unlink()
    with pytest.raises(DataError, match=r't10k-labels-idx1-ubyte.gz is missing'): load_fashion_mnist(path)


def test_every_bit_flip_is_a_data_error(real_path, tmp_path):
    "Flipping any one of many bits of a gzip file gives DataError, never zlib.error or another traceback."
    path = copy_data(real_path, tmp_path/'flip')
    fn = path/'t10k-labels-idx1-ubyte.gz'
    good = fn.read_bytes()
    g = torch.Generator().manual_seed(0)
    spots = list(range(40)) + list(range(len(good) - 12, len(good))) + torch.randint(0, len(good), (250,), generator=g).tolist()
    for i in spots:
        bad = bytearray(good); bad[i] ^= 1 << (i % 8)
        fn.write_bytes(bytes(bad))
        try: data.read_idx_bytes(fn)
        except DataError: pass
        else:  # a flip in a gzip header field that nothing reads (mtime, os, ...) leaves the contents intact
            assert gzip.decompress(bytes(bad)) == gzip.decompress(good), i


def test_corrupt_file_names_file_and_checksum(real_path, tmp_path):
    path = copy_data(real_path, tmp_path/'bad')
    fn = path/'train-labels-idx1-ubyte.gz'
    raw = bytearray(gzip.decompress(fn.read_bytes())); raw[100] ^= 0xFF
    fn.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(DataError, match='train-labels-idx1-ubyte.gz has the wrong checksum') as e: load_fashion_mnist(path)
    assert FILES[fn.name] in str(e.value)


def test_truncated_file_is_an_error(real_path, tmp_path):
    path = copy_data(real_path, tmp_path/'short')
    fn = path/'t10k-images-idx3-ubyte.gz'
    fn.write_bytes(fn.read_bytes()[:50_000])
    with pytest.raises(DataError, match='t10k-images-idx3-ubyte.gz is not a complete gzip file'): load_fashion_mnist(path)
    with pytest.raises(DataError): data.read_idx_bytes(fn)


def test_dataloader_covers_every_item_once():
    x, y = torch.arange(103).float(), torch.arange(103)
    dl = DataLoader(x, y, bs=10, shuffle=True, tfm=lambda b: b * 2)
    batches = list(dl)
    assert len(batches) == len(dl) == 11
    xs, ys = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    assert torch.equal(xs, ys.float() * 2)
    assert sorted(ys.tolist()) == list(range(103))
    assert not torch.equal(ys, torch.arange(103))  # shuffled (1 chance in 103! of failing)


def test_dataloader_bad_input():
    with pytest.raises(ValueError, match='x has 3 items but y has 2'): DataLoader(torch.zeros(3), torch.zeros(2))
    with pytest.raises(ValueError, match='bs must be at least 1'): DataLoader(torch.zeros(3), torch.zeros(3), bs=0)


def test_get_dls_subset_and_normalisation():
    dls = get_dls(bs=64, subset=600)
    assert len(dls.train.x) == 600 and len(dls.valid.x) == 100
    xb, yb = next(iter(dls.train))
    assert xb.shape == (64, 1, 28, 28) and abs(dls.train.tfm(dls.train.x).mean()) < 1e-4
    with pytest.raises(ValueError, match='subset must be in'): get_dls(subset=0)


def test_get_dls_drops_a_last_batch_of_one_image_and_says_so_once(real_path, capsys):
    tensors = load_fashion_mnist(real_path)
    dls = get_dls(bs=256, subset=1025, data=tensors)
    assert capsys.readouterr().out.count('last batch of one image') == 1
    for _ in range(2): assert [len(x) for x, _ in dls.train] == [256] * 4
    assert len(dls.train) == 4 and sum(len(x) for x, _ in dls.valid) == 1025 // 6  # validation keeps every image
    kept = get_dls(bs=256, subset=1026, data=tensors)  # a last batch of 2 is fine for BatchNorm: kept
    assert [len(x) for x, _ in kept.train][-1] == 2 and 'last batch' not in capsys.readouterr().out
    assert [len(x) for x, _ in get_dls(bs=256, subset=1026, data=tensors, drop_last=True).train] == [256] * 4


def test_dataloader_drop_last_as_pytorch():
    x = torch.arange(10)
    for bs in (1, 3, 4, 10):
        ours = [b.tolist() for b, _ in DataLoader(x, x, bs=bs, drop_last=True)]
        theirs = [b.tolist() for b in torch.utils.data.DataLoader(x, batch_size=bs, drop_last=True)]
        assert ours == theirs and len(DataLoader(x, x, bs=bs, drop_last=True)) == len(theirs)
