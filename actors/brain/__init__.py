"""Conversation brains: turn one customer message into receptionist replies via the shared tools."""
