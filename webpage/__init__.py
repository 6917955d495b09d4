"""The demo chat page: its server (`webpage.server`), static files and npm-pinned assets. Not a Rasa
channel and not product: it signs visitors in as the sandbox's demo customers."""
