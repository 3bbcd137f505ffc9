"""The labelled hotline corpus that ships with the router (see generate.py)."""
