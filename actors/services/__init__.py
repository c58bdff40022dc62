"""Long-lived service actors (permanent children of the root supervisor)."""
