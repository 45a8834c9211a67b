"""Error messages print plain numbers and never round a span short of a day up to a full day."""

import numpy as np
import pytest

from graphroute.exceptions import InvalidArgumentError, InvalidInstanceError
from graphroute.paths.dijkstra import dijkstra
from graphroute.paths.query import _clock
from graphroute.paths.timedep import time_dependent_dijkstra


def test_clock_floors_to_the_minute():
    assert _clock(4 * 21595.0) == "23:59 h"
    assert _clock(86400.0) == "24:00 h"
    assert _clock(59.9) == "0:00 h"


def test_negative_weight_message_prints_a_plain_number():
    with pytest.raises((InvalidArgumentError, InvalidInstanceError)) as e:
        dijkstra(np.array([0, 1, 1]), np.array([1]), np.array([-2.0]), 0, 1)
    assert "weight -2.0" in str(e.value) and "np.float64" not in str(e.value)


def test_infinite_travel_time_message_prints_a_plain_number():
    tt = np.array([[1.0], [np.inf]])
    with pytest.raises(InvalidArgumentError) as e:
        time_dependent_dijkstra(np.array([0, 1, 1]), np.array([1]), tt, 0, 1, 0.0, 60.0)
    assert "is inf" in str(e.value) and "np.float64" not in str(e.value)
