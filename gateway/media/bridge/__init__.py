"""The per-call media bridge (``call.py``), split into one module per job."""

from .base import TASK_PREFIX
from .call import CallBridge, run_bridge
from .turns import heard_prefix

__all__ = ["TASK_PREFIX", "CallBridge", "heard_prefix", "run_bridge"]
