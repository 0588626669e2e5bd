# A variant's price carries its currency: the shop's at the time it was priced.

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

CURRENCIES = [(c, c) for c in ("CNY", "HKD", "TWD", "USD", "EUR", "GBP", "JPY")]


def currency_from_shop(apps, schema_editor):
    Variant = apps.get_model("catalog", "Variant")
    Shop = apps.get_model("shops", "Shop")
    Variant.objects.update(
        currency=Subquery(
            Shop.objects.filter(products=OuterRef("product_id")).values("currency")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial"), ("shops", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="variant",
            name="currency",
            field=models.CharField(choices=CURRENCIES, default="CNY", max_length=3),
            preserve_default=False,
        ),
        migrations.RunPython(currency_from_shop, migrations.RunPython.noop),
    ]
