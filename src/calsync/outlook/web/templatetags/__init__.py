"""Template tags of the Outlook web room (``{% load outlook_log %}``)."""
