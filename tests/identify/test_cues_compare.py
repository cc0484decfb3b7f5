"""The rules' comparisons: False where the value is unknown (NaN), silently."""

from __future__ import annotations

import numpy as np

from airsentry.identify.cues import gt, lt, within


def test_comparisons_are_false_where_unknown_and_raise_nothing() -> None:
    a = np.array([np.nan, -np.inf, -1.0, 0.0, 2.5, np.inf, np.nan])
    limit = np.array([0.0, 0.0, np.nan, 0.0, 1.0, np.nan, np.nan])
    known = ~np.isnan(a)
    with np.errstate(all="raise"):
        assert gt(a, 0.0).tolist() == [False, False, False, False, True, True, False]
        assert lt(a, 0.0).tolist() == [False, True, True, False, False, False, False]
        assert gt(a, limit).tolist() == [False, False, False, False, True, False, False]
        assert within(a, -1.0, 2.5).tolist() == [False, False, True, True, True, False, False]
    for x in (-1.0, 0.0, 2.5):  # the masked comparison they replace
        assert (gt(a, x) == (known & np.greater(a, x, where=known, out=np.zeros(7, bool)))).all()
        assert (lt(a, x) == (known & np.less(a, x, where=known, out=np.zeros(7, bool)))).all()
    assert gt(a, 0.0).dtype == np.bool_
