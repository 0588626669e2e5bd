"""Photos stored before pages offered WebP get their WebP copies (core.images.WEBP_WIDTHS), made
from the stored JPEGs; a photo whose file is missing is left as it is."""

from django.core.files.base import ContentFile
from django.db import migrations
from PIL import Image


def add_webp_copies(apps, schema_editor):  # type: ignore[no-untyped-def]
    from weishang.core.images import WEBP_WIDTHS, webp_copies, webp_name

    ProductImage = apps.get_model("catalog", "ProductImage")
    for photo in ProductImage.objects.all().iterator():
        for name in WEBP_WIDTHS:
            stored = getattr(photo, name)
            if not stored.name:
                continue
            storage = stored.storage
            try:
                with storage.open(stored.name) as handle, Image.open(handle) as image:
                    copies = webp_copies(image.convert("RGB"), name)
            except (OSError, ValueError):
                continue
            for width, data in copies.items():
                target = webp_name(stored.name, width)
                if not storage.exists(target):
                    storage.save(target, ContentFile(data))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_variant_currency")]

    operations = [migrations.RunPython(add_webp_copies, migrations.RunPython.noop)]
