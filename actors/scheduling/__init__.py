"""Scheduling: the pure availability engine (see ``availability``) and its helpers."""
