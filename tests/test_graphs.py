"""core/graphs.py answers as networkx does on the questions a load asks (acyclic, ancestors, order)."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops_rules.core.graphs import Graph

EDGES = st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=30)
NODES = st.lists(st.integers(0, 9), max_size=10)


def _both(nodes: list[int], edges: list[tuple[int, int]]) -> tuple[Graph[int], nx.DiGraph]:
    ours: Graph[int] = Graph()
    theirs = nx.DiGraph()
    ours.add_nodes_from(nodes)
    theirs.add_nodes_from(nodes)
    for a, b in edges:
        ours.add_edge(a, b, seen=True)
        theirs.add_edge(a, b, seen=True)
    return ours, theirs


@settings(deadline=None, max_examples=300)
@given(NODES, EDGES)
def test_same_answers_as_networkx(nodes: list[int], edges: list[tuple[int, int]]) -> None:
    ours, theirs = _both(nodes, edges)
    assert ours.is_acyclic() == nx.is_directed_acyclic_graph(theirs)
    assert list(ours.nodes) == list(theirs.nodes)
    for node in ours.nodes:
        assert ours.ancestors(node) == nx.ancestors(theirs, node)
        assert sorted(ours.predecessors(node)) == sorted(theirs.predecessors(node))
    if ours.is_acyclic():
        key = lambda n: n % 3  # noqa: E731  (ties, broken by the order nodes were added)
        assert ours.lexicographic_order(key) == list(nx.lexicographical_topological_sort(theirs, key=key))
    else:
        # A cycle is named by networkx on a copy built in the same order: the same cycle.
        assert nx.find_cycle(ours.networkx_copy()) == nx.find_cycle(theirs)
        assert list(nx.simple_cycles(ours.networkx_copy())) == list(nx.simple_cycles(theirs))


def test_a_valid_load_does_not_import_networkx() -> None:
    import subprocess
    import sys

    probe = "import sys, salesops_rules; salesops_rules.load_policy(); print('networkx' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
