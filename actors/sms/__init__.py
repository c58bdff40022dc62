"""The SMS channel's rules: carrier keywords, opt-out phrases, splitting long replies."""
