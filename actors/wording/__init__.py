"""What customers are told, one module per channel, so a clinic's wording has one place to change.

``sms`` holds every sentence an SMS customer can receive: the local brain's replies, the carrier
keyword confirmations (STOP / START / HELP), the safety screen's replies, reminders and the
OpenAI brain's fallbacks. Modules that talk to customers draw their text from here instead of
writing it inline, so overriding a clinic's wording later means swapping this room, not hunting
through the dialogue code. Staff-facing notes and LLM prompts are not wording and stay with
their code.
"""
