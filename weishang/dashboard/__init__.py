"""The seller app: a phone-first dashboard for running one or more shops.

Every page about a shop lives under ``/dashboard/<shop_slug>/`` and is looked up together with
its owner (``access.py``), so another seller's shop and everything in it is a 404. Views are thin:
forms parse what a person typed, services in ``catalog``, ``shops``, ``orders`` and ``payments``
do the writing inside their own transactions, ``selectors.py`` does the reading.
"""
