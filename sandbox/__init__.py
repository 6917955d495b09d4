"""A sandbox standing in for real MyData institutions: synthetic data behind the standard API."""
