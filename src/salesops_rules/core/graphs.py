"""The directed graphs of a load (rule order, approval chains), in the standard library.

A load of a valid policy asks only: is the graph acyclic, what comes before a node, and
in which order do the nodes run. Those take a few lines here, while importing networkx
took longer than the whole rest of the load (it made `check` and `explain` slow to start,
issue 13). A cycle is an error of the policy, and its message names the cycle as networkx
finds it: `networkx_copy` hands the same graph, built in the same order, to networkx,
which is imported then only.
"""

from __future__ import annotations

import graphlib
import heapq
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any, Generic, TypeVar

N = TypeVar("N", bound=Hashable)


class Graph(Generic[N]):
    """A directed graph with attributes, keeping nodes and edges in the order they were added."""

    def __init__(self) -> None:
        self.nodes: dict[N, dict[str, Any]] = {}
        self.edges: dict[tuple[N, N], dict[str, Any]] = {}
        self._pred: dict[N, dict[N, None]] = {}

    def add_node(self, node: N, **attributes: Any) -> None:
        self.nodes.setdefault(node, {}).update(attributes)
        self._pred.setdefault(node, {})

    def add_nodes_from(self, nodes: Iterable[N]) -> None:
        for node in nodes:
            self.add_node(node)

    def add_edge(self, a: N, b: N, **attributes: Any) -> None:
        self.add_node(a)
        self.add_node(b)
        self.edges.setdefault((a, b), {}).update(attributes)
        self._pred[b][a] = None

    def predecessors(self, node: N) -> Iterator[N]:
        return iter(list(self._pred[node]))

    def is_acyclic(self) -> bool:
        try:
            graphlib.TopologicalSorter(self._pred).prepare()
        except graphlib.CycleError:
            return False
        return True

    def ancestors(self, node: N) -> set[N]:
        """Every node with a path to `node`, other than `node`."""
        seen: set[N] = set()
        todo = list(self._pred[node])
        while todo:
            other = todo.pop()
            if other not in seen:
                seen.add(other)
                todo.extend(self._pred[other])
        seen.discard(node)
        return seen

    def lexicographic_order(self, key: Callable[[N], Any]) -> list[N]:
        """A topological order taking, of the nodes ready, the one of smallest `key` first.

        As networkx's `lexicographical_topological_sort`: ties go to the node added first.
        The graph must be acyclic.
        """
        added = {node: i for i, node in enumerate(self.nodes)}
        successors: dict[N, list[N]] = {node: [] for node in self.nodes}
        waiting = {node: len(pred) for node, pred in self._pred.items()}
        for a, b in self.edges:
            successors[a].append(b)
        ready = [(key(n), added[n], n) for n, count in waiting.items() if count == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            _, _, node = heapq.heappop(ready)
            order.append(node)
            for then in successors[node]:
                waiting[then] -= 1
                if waiting[then] == 0:
                    heapq.heappush(ready, (key(then), added[then], then))
        return order

    def networkx_copy(self) -> Any:
        """The same graph as a networkx DiGraph, nodes and edges added in the same order."""
        import networkx as nx

        graph = nx.DiGraph()
        for node, attributes in self.nodes.items():
            graph.add_node(node, **attributes)
        for (a, b), attributes in self.edges.items():
            graph.add_edge(a, b, **attributes)
        return graph
