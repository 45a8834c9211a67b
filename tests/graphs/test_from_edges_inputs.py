"""from_edges checks per-edge arrays against the edges and keeps them with their edges; a graph whose
default weight is hops routes by hops even when it holds another numeric attribute."""

import numpy as np
import pytest

from graphroute.exceptions import InvalidInstanceError
from graphroute.graphs import from_edges


@pytest.mark.parametrize("values", [[1.0, 5.0, 7.0], [1.0]])
def test_an_edge_attribute_of_the_wrong_length_is_refused(values):
    with pytest.raises(InvalidInstanceError, match="edge attribute 'length' has"):
        from_edges([0, 1], [1, 0], 2, edge_attrs={"length": values})


def test_time_slots_follow_their_edges_into_csr_order():
    slots = np.array([[10.0, 1.0], [20.0, 2.0]])  # column e = edge e as given: (1->0), (0->1)
    g = from_edges([1, 0], [0, 1], 2, edge_attrs={"time": np.array([10.0, 1.0])}, kind="traffic",
                   extras={"time_slots": slots})
    e01 = int(np.flatnonzero(g.sources() == 0)[0])
    assert g.edge_attrs["time"][e01] == 1.0
    assert g.extras["time_slots"][:, e01].tolist() == [1.0, 2.0]


def test_time_slots_of_the_wrong_width_are_refused():
    with pytest.raises(InvalidInstanceError, match="time_slots"):
        from_edges([1, 0], [0, 1], 2, edge_attrs={"time": np.array([10.0, 1.0])}, kind="traffic",
                   extras={"time_slots": np.ones((3, 3))})


def test_hops_as_default_weight_is_not_replaced_by_another_attribute():
    g = from_edges([0, 1], [1, 2], 3, edge_attrs={"weight": np.array([0.9, 0.2])}, kind="traffic",
                   meta={"default_weight": "hops"})
    assert g.default_weight == "hops"
    assert g.weights().tolist() == [1.0, 1.0]
    assert g.edge_attrs["weight"].tolist() == [0.9, 0.2]


def test_the_kernel_similarity_of_a_traffic_graph_is_not_a_routing_weight():
    """paths -w weight on METR-LA added up similarities (1 = the closest sensors): shortest paths along the
    weakest links, labelled shortest paths. Refused by name; other graphs' 'weight' attributes route."""
    from graphroute.exceptions import UnknownNameError

    g = from_edges([0, 1], [1, 2], 3, edge_attrs={"weight": np.array([0.9, 0.2]), "length": np.array([5.0, 7.0])},
                   kind="traffic")
    with pytest.raises(UnknownNameError, match=r"'weight' is the DCRNN kernel similarity .* route on length, hops"):
        g.weights("weight")
    with pytest.raises(UnknownNameError, match=r"unknown edge weight 'lenght'; available: length, hops$"):
        g.weights("lenght")  # the similarity is not offered as a weight
    road = from_edges([0, 1], [1, 2], 3, edge_attrs={"weight": np.array([0.9, 0.2])}, kind="road")
    assert road.weights("weight").tolist() == [0.9, 0.2]
