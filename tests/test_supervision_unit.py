"""Restart intensity with a fake clock: OTP's MaxR within MaxT."""

from actors.supervision import Child, Children, RestartBudget


def test_budget_allows_n_restarts_within_window_then_refuses():
    budget = RestartBudget(intensity=3, window_s=30)
    assert [budget.allow(t) for t in (0, 1, 2)] == [True, True, True]
    assert budget.allow(3) is False


def test_budget_forgets_restarts_older_than_the_window():
    budget = RestartBudget(intensity=2, window_s=10)
    assert budget.allow(0) and budget.allow(5)
    assert budget.allow(9) is False
    assert budget.allow(15.5) is True  # the restart at t=0 and t=5 have aged out


def test_registry_finds_children_by_address_not_hash():
    class Unhashable:
        __hash__ = None

        def __init__(self, n):
            self.n = n

        def __eq__(self, other):
            return isinstance(other, Unhashable) and other.n == self.n

    children = Children()
    child = children.add(Child("sms:a", "sms", "a", 1, RestartBudget(3, 30), address=Unhashable(7)))
    assert children.find_address(Unhashable(7)) is child
    assert children.find_address(Unhashable(8)) is None
