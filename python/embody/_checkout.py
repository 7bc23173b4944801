"""Written by setup.py at install time: the Embody checkout this package was installed from ('' when run in place)."""
CHECKOUT = ""
