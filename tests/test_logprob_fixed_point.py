"""Fixed-point lines read in bulk (`tutor.logprobs.fixed_point`): the very floats numpy's reader
(strtod) gives, bit for bit, and None for anything else, so the general reader takes over."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.errors import BadInput
from tutor.logprobs.fixed_point import read_fixed_point
from tutor.logprobs.plain import iter_blocks, parse_block


def strtod(data: bytes) -> np.ndarray:
    return np.fromstring(data, dtype=float, sep=" ")


def same_bits(got: np.ndarray, want: np.ndarray) -> bool:
    return got.shape == want.shape and np.array_equal(got.view(np.int64), want.view(np.int64))


@st.composite
def fixed_point_lines(draw: st.DrawFn) -> bytes:
    scale = draw(st.integers(1, 14))
    lines = []
    for _ in range(draw(st.integers(1, 40))):
        whole = draw(st.integers(0, 15 - scale))  # digits before the point, 15 digits at most in all
        digits = draw(st.text("0123456789", min_size=whole + scale, max_size=whole + scale))
        sign = draw(st.sampled_from(["", "-"]))
        lines.append(f"{sign}{digits[:whole]}.{digits[whole:]}")
    return ("\n".join(lines) + "\n").encode()


@given(fixed_point_lines())
@settings(max_examples=400, deadline=None)
def test_fixed_point_lines_read_as_strtod_reads_them(data: bytes) -> None:
    got = read_fixed_point(data)
    assert got is not None, data
    assert same_bits(got, strtod(data)), data


def test_ten_thousand_printf_values_to_the_bit() -> None:
    rng = np.random.default_rng(7)
    values = np.concatenate([-rng.exponential(2.0, 5_000), -rng.exponential(300.0, 4_000),
                             rng.uniform(-1e8, 1e8, 1_000)])
    for decimals in (1, 3, 6, 7):
        data = "".join(f"{v:.{decimals}f}\n" for v in values).encode()
        got = read_fixed_point(data)
        assert got is not None and same_bits(got, strtod(data))
        assert (np.abs(got - values) <= 0.5 * 10.0**-decimals + np.abs(values) * 2.0**-52).all()


@pytest.mark.parametrize("text", [
    "-0.000000\n",  # negative zero stays negative
    ".5\n-.5\n",  # no digit before the point
    "007.250\n-000.001\n",  # leading zeros
    "999999999999.999\n-99999999999.999\n",  # 15 digits, the most that is exact
    "-1.5\n22.5\n-333.5\n4444.5\n",  # every width in one block
])
def test_edge_shapes_are_read_exactly(text: str) -> None:
    data = text.encode()
    got = read_fixed_point(data)
    assert got is not None and same_bits(got, strtod(data))


@pytest.mark.parametrize("text", [
    "-1.25\n-0.5",  # no newline at the end
    "-1.25\n\n-0.50\n",  # a blank line
    "-1.25 -0.50\n",  # two on a line
    "-1.25,\n-0.50\n",  # a comma
    "-1.25\r\n-0.50\r\n",  # Windows line ends
    "+1.25\n",  # a plus sign
    "-1.25e3\n",  # an exponent
    "-1\n-2\n",  # no point
    "5.\n",  # nothing after the point
    "-1.25\n-0.5\n",  # fewer decimals than the first line
    "-1.25\n-0.500\n",  # more decimals than the first line
    "-1.25\n1.2.5\n",  # two points
    "-1.25\n--1.25\n",  # two minus signs
    "-1.25\n1-1.25\n",  # a minus inside
    "-1.25\n-.\n",  # no digit
    "123456789012345.6\n",  # 16 digits: not always exact as an integer
    "-123456789012345.6\n",
    "\u22121.25\n",  # a typographic minus (the general reader knows it)
    "nan\n", "-inf\n", "null\n", "-1.2x\n",
])
def test_other_shapes_are_left_to_the_general_reader(text: str) -> None:
    assert read_fixed_point(text.encode()) is None


def test_the_general_reader_still_reads_what_the_fast_one_leaves() -> None:
    block = parse_block(b"-1.25\n-0.5\n", 0, 1)
    assert block is not None and block.values.tolist() == [-1.25, -0.5]
    block = parse_block("-1.25\n\u22120.50\nnull\n".encode(), 0, 1)
    assert block is not None and block.values.tolist() == [-1.25, -0.5] and block.skipped == 1


def test_a_bad_line_after_fixed_point_blocks_is_named_by_its_line() -> None:
    good = b"".join(b"-%d.123456\n" % (i % 7) for i in range(300_000))  # blocks of a megabyte read fast
    with pytest.raises(BadInput, match=r"'-1\.2x' \(token 300002, line 300002\)"):
        list(iter_blocks([good, b"-0.000001\n-1.2x\n"]))
