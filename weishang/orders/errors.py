from __future__ import annotations

from enum import Enum

from weishang.core.errors import UserError


class OrderErrorCode(Enum):
    EMPTY_CART = "empty_cart"
    SOLD_OUT = "sold_out"
    UNAVAILABLE = "unavailable"
    BAD_QUANTITY = "bad_quantity"
    PAYMENT_METHOD_UNAVAILABLE = "payment_method_unavailable"
    INVALID_TRANSITION = "invalid_transition"
    BAD_REFUND = "bad_refund"
    MISSING_TRACKING = "missing_tracking"
    HOLD_LIMIT = "hold_limit"
    BAD_DETAILS = "bad_details"
    PRICE_CHANGED = "price_changed"


class OrderError(UserError):
    status = 409

    def __init__(
        self, code: OrderErrorCode, message: str, *, variant_id: int | None = None
    ) -> None:
        super().__init__(code, message)
        self.variant_id = variant_id
