"""Notifications: subscriptions to matching changes, delivered beside the crawler.

`rules` decides (pure), `records` reads and writes subscriptions and the delivery
log, `send` talks to webhooks and apprise, `deliver` runs one delivery round.
"""
