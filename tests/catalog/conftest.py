# The catalog's services are the seller's: the same seller, shop and logged-in client.
from tests.dashboard.conftest import client_en, seller, shop  # noqa: F401
