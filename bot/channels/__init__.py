"""Rasa input channels beyond the built-in ones (Kakao i Open Builder)."""
