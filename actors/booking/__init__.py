"""Booking: the clinic calendar from the database and the booking state machine."""
