"""Test doubles that are real servers/clients on 127.0.0.1 (Realtime, Telnyx) + harness."""
