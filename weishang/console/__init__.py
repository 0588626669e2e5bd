"""The operators' console: Django's admin over every model, for staff accounts.

It shows and searches everything; it changes nothing of an order's state or money by itself.
Those changes are admin actions that call the same services the seller's dashboard calls
(``orders.services``, ``payments.services``), so the one write path, its checks, its events and
its follow-ups hold here too.
"""
