"""The actor system: supervisors, conversation actors, service actors and their messages."""
