"""The assistant speaks first: detectors over the MyData store, the alert inbox, its own tables."""
