from __future__ import annotations

from typing import IO

from django.db import transaction
from django.db.models import Max

from .images import image_open_checked, renditions
from .models import Product, ProductImage


def product_image_add(
    *, product: Product, upload: IO[bytes], size: int | None = None
) -> ProductImage:
    """Validate an uploaded photo and store its clean sizes as the product's last photo."""
    image = image_open_checked(upload, size=size)
    files = {r.name: r for r in renditions(image)}
    with transaction.atomic():
        last = product.images.aggregate(m=Max("position"))["m"]
        photo = ProductImage(
            product=product,
            width=files["large"].width,
            height=files["large"].height,
            position=0 if last is None else last + 1,
        )
        for name, rendition in files.items():
            getattr(photo, name).save(rendition.content.name, rendition.content, save=False)
        photo.save()
    return photo
