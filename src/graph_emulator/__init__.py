"""An offline emulator of the Microsoft cloud: the identity platform and Graph calendars."""
