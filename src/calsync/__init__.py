"""calsync: a self-hosted team calendar with two-way Microsoft Outlook sync."""
