"""Tests for micrograd_nn.data: built-in data sets and the CSV loader."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_nn import data

# ---------------------------------------------------------------- logic gates


@pytest.mark.parametrize("name, table", [
    ("xor", [0, 1, 1, 0]), ("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]),
    ("nand", [1, 1, 1, 0]), ("nor", [1, 0, 0, 0]), ("xnor", [1, 0, 0, 1])])
def test_gate_truth_tables(name, table):
    X, y = data.gate(name)
    assert X.shape == (4, 2) and y.shape == (4, 1)
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.ravel().tolist() == table
    # the truth table agrees with Python's own operators
    ops = {"xor": lambda a, b: a ^ b, "and": lambda a, b: a & b, "or": lambda a, b: a | b,
           "nand": lambda a, b: 1 - (a & b), "nor": lambda a, b: 1 - (a | b),
           "xnor": lambda a, b: 1 - (a ^ b)}
    assert [ops[name](int(a), int(b)) for a, b in X] == table


def test_gate_shortcuts_match_gate():
    for fn, name in [(data.xor, "xor"), (data.and_, "and"), (data.or_, "or"),
                     (data.nand, "nand"), (data.nor, "nor"), (data.xnor, "xnor")]:
        X1, y1 = fn()
        X2, y2 = data.gate(name.upper())
        np.testing.assert_array_equal(X1, X2)
        np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(data.gate("and_")[1], data.and_()[1])


def test_gate_unknown_name_lists_choices():
    with pytest.raises(ValueError, match="unknown gate 'nxor'.*xor"):
        data.gate("nxor")
    with pytest.raises(TypeError, match="must be a str"):
        data.gate(3)


def test_gates_are_fresh_copies():
    X, y = data.xor()
    y[0, 0] = 7.0
    assert data.xor()[1][0, 0] == 0.0


# ---------------------------------------------------------------- random data sets


@pytest.mark.parametrize("make", [data.two_moons, data.circles, data.spirals])
def test_2d_sets_shapes_labels_and_seeding(make):
    X, y = make(101, noise=0.1, seed=3)
    assert X.shape == (101, 2) and y.shape == (101, 1)
    assert set(np.unique(y)) <= {0.0, 1.0}
    assert abs(int(y.sum()) - 50) <= 1  # balanced classes
    X2, y2 = make(101, noise=0.1, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(101, noise=0.1, seed=4)
    assert not np.allclose(X, X3)


def test_generators_leave_global_numpy_state_alone():
    np.random.seed(0)
    before = np.random.random()
    np.random.seed(0)
    data.two_moons(50, seed=1)
    data.sine(10, noise=0.5, seed=1)
    assert np.random.random() == before


def test_two_moons_without_noise_lies_on_the_half_circles():
    X, y = data.two_moons(40, noise=0.0)
    top = X[y[:, 0] == 0]
    bottom = X[y[:, 0] == 1]
    np.testing.assert_allclose(np.hypot(top[:, 0], top[:, 1]), 1.0)
    np.testing.assert_allclose(np.hypot(bottom[:, 0] - 1, bottom[:, 1] - 0.5), 1.0)
    assert np.all(top[:, 1] >= -1e-12) and np.all(bottom[:, 1] <= 0.5 + 1e-12)


def test_circles_radii_without_noise():
    X, y = data.circles(60, noise=0.0, factor=0.3)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y[:, 0] == 0], 1.0)
    np.testing.assert_allclose(r[y[:, 0] == 1], 0.3)
    with pytest.raises(ValueError, match="factor must be between 0 and 1"):
        data.circles(10, factor=1.5)


def test_spirals_several_classes():
    X, y = data.spirals(90, noise=0.0, classes=3)
    assert sorted(np.unique(y).tolist()) == [0.0, 1.0, 2.0]
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0 + 1e-12)
    with pytest.raises(ValueError, match="classes must be an int >= 2"):
        data.spirals(10, classes=1)


def test_sine_regression_curve():
    X, y = data.sine(25, noise=0.0)
    assert X.shape == (25, 1) and y.shape == (25, 1)
    np.testing.assert_allclose(y, np.sin(X))
    assert X[0, 0] == pytest.approx(-np.pi) and X[-1, 0] == pytest.approx(np.pi)
    _, noisy = data.sine(25, noise=0.2, seed=0)
    assert 0.05 < np.std(noisy - np.sin(X)) < 0.5
    with pytest.raises(ValueError, match="low < high"):
        data.sine(5, low=1.0, high=0.0)


@pytest.mark.parametrize("bad, match", [
    (dict(n=1), "at least 2"), (dict(n=2.5), "must be an int"),
    (dict(n=10, noise=-1.0), "noise must be"), (dict(n=10, noise=float("nan")), "noise")])
def test_random_sets_reject_bad_arguments(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        data.two_moons(**bad)


def test_split_partitions_the_samples():
    X = np.arange(20, dtype=float).reshape(10, 2)
    y = np.arange(10, dtype=float).reshape(10, 1)
    Xt, yt, Xv, yv = data.split(X, y, 0.3, seed=1)
    assert len(Xt) == 7 and len(Xv) == 3
    assert sorted(np.concatenate([yt, yv]).ravel().tolist()) == list(range(10))
    np.testing.assert_array_equal(Xt[:, 0] / 2, yt[:, 0])  # rows stay paired
    again = data.split(X, y, 0.3, seed=1)
    np.testing.assert_array_equal(again[3], yv)
    with pytest.raises(ValueError, match="X has 10 samples but y has 9"):
        data.split(X, y[:9])
    with pytest.raises(ValueError, match="fraction must be between 0 and 1"):
        data.split(X, y, 1.0)


# ---------------------------------------------------------------- load_csv


def _write(tmp_path, text, name="d.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_load_csv_with_header_and_default_last_target(tmp_path):
    p = _write(tmp_path, "a,b,label\n0,0,0\n0,1,1\n\n# a comment\n1,0,1\n1,1,0\n")
    X, y = data.load_csv(p)
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.ravel().tolist() == [0, 1, 1, 0]
    assert X.dtype == np.float64 and y.shape == (4, 1)


def test_load_csv_targets_by_name_index_and_several(tmp_path):
    p = _write(tmp_path, "x1,y1,x2,y2\n1,2,3,4\n5,6,7,8\n")
    X, y = data.load_csv(p, target_columns=["y1", "y2"])
    assert X.tolist() == [[1, 3], [5, 7]] and y.tolist() == [[2, 4], [6, 8]]
    X, y = data.load_csv(p, target_columns=0)
    assert X.tolist() == [[2, 3, 4], [6, 7, 8]] and y.tolist() == [[1], [5]]
    X, y = data.load_csv(p, target_columns=(-1, 1))
    assert y.tolist() == [[4, 2], [8, 6]]


def test_load_csv_without_header_and_other_delimiter(tmp_path):
    p = _write(tmp_path, "1;2;3\n4;5;6\n")
    X, y = data.load_csv(p, delimiter=";")
    assert X.tolist() == [[1, 2], [4, 5]] and y.tolist() == [[3], [6]]


def test_load_csv_non_numeric_cell_names_file_line_and_column(tmp_path):
    p = _write(tmp_path, "a,b,c\n1,2,3\n4,oops,6\n")
    with pytest.raises(ValueError) as e:
        data.load_csv(p)
    msg = str(e.value)
    assert str(p) in msg and "line 3" in msg and "column 2" in msg and "'oops'" in msg


def test_load_csv_wrong_column_count_names_the_line(tmp_path):
    p = _write(tmp_path, "1,2,3\n4,5,6\n\n7,8\n")
    with pytest.raises(ValueError, match=r"line 4: expected 3 columns, found 2"):
        data.load_csv(p)


@pytest.mark.parametrize("text, kwargs, match", [
    ("a,b\n1,2\n", dict(target_columns="z"), "no column named 'z'"),
    ("1,2\n3,4\n", dict(target_columns="b"), "no header row"),
    ("1,2\n3,4\n", dict(target_columns=5), "out of range"),
    ("1,2\n3,4\n", dict(target_columns=[0, 1]), "every column is a target"),
    ("1,2\n3,4\n", dict(target_columns=[1, -1]), "name a column twice"),
    ("# nothing\n\n", {}, "no data rows"),
    ("a,b\n", {}, "header but no data rows"),
])
def test_load_csv_rejects_bad_requests(tmp_path, text, kwargs, match):
    p = _write(tmp_path, text)
    with pytest.raises(ValueError, match=match):
        data.load_csv(p, **kwargs)


def test_load_csv_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        data.load_csv(tmp_path / "absent.csv")


# ---------------------------------------------------------------- review: CSV edge cases


def test_load_csv_line_numbers_count_lines_not_records(tmp_path):
    # a quoted header cell spans two lines: the bad cell is on line 4
    p = _write(tmp_path, '"width\ncm",label\n1,2\n3,x\n')
    with pytest.raises(ValueError, match=r"line 4, column 2: 'x'"):
        data.load_csv(p)


def test_load_csv_reads_a_utf8_bom(tmp_path):
    p = tmp_path / "bom.csv"
    p.write_bytes("\ufeffa,b\n1,2\n3,4\n".encode())
    X, y = data.load_csv(p, target_columns="a")
    assert X.tolist() == [[2], [4]] and y.tolist() == [[1], [3]]
    p.write_bytes("\ufeff1,2\n3,4\n".encode())  # no header: the first row is data
    assert data.load_csv(p)[0].tolist() == [[1], [3]]


def test_load_csv_quoted_cells_with_spaces(tmp_path):
    p = _write(tmp_path, '"a", "b", "c"\n"1", "2", "3"\n4, 5, 6\n')
    X, y = data.load_csv(p)
    assert X.tolist() == [[1, 2], [4, 5]] and y.tolist() == [[3], [6]]


def test_load_csv_first_row_mixing_numbers_and_text_is_an_error(tmp_path):
    # not a header (it has numbers) and not data: a bad row, named, not silently dropped
    p = _write(tmp_path, "1,x,3\n4,5,6\n")
    with pytest.raises(ValueError, match=r"line 1, column 2: 'x' is not a number.*header=True"):
        data.load_csv(p)
    X, _ = data.load_csv(p, header=True)  # the caller says it is a header
    assert X.tolist() == [[4, 5]]


def test_load_csv_without_comment_lines(tmp_path):
    p = _write(tmp_path, "1,2\n3,4\n")
    for comment in (None, ""):
        assert data.load_csv(p, comment=comment)[0].tolist() == [[1], [3]]


def test_load_csv_non_utf8_file_is_a_clear_error(tmp_path):
    p = tmp_path / "latin.csv"
    p.write_bytes("caf\xe9,b\n1,2\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin\.csv is not UTF-8 text"):
        data.load_csv(p)


# ---------------------------------------------------------------- reliability: non-finite cells


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-inf", "Infinity", "1e400"])
def test_load_csv_non_finite_cell_is_an_error_naming_line_and_column(tmp_path, cell):
    p = _write(tmp_path, f"a,b,y\n0,0,0\n1,{cell},1\n")
    with pytest.raises(ValueError) as e:
        data.load_csv(p)
    msg = str(e.value)
    assert msg.startswith("load_csv: ") and str(p) in msg
    assert "line 3, column 2" in msg and repr(cell) in msg and "allow_nonfinite=True" in msg


def test_load_csv_non_finite_target_is_an_error_too(tmp_path):
    p = _write(tmp_path, "1,2,3\n4,5,nan\n")
    with pytest.raises(ValueError, match=r"line 2, column 3: 'nan'"):
        data.load_csv(p)


def test_load_csv_keeps_non_finite_cells_only_when_asked(tmp_path):
    p = _write(tmp_path, "a,b,y\n0,nan,0\n1,inf,1\n")
    X, y = data.load_csv(p, allow_nonfinite=True)
    assert np.isnan(X[0, 1]) and X[1, 1] == np.inf and y.tolist() == [[0], [1]]
