# An order line keeps the currency it was sold in; an order event keeps the money it moved.

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

CURRENCIES = [(c, c) for c in ("CNY", "HKD", "TWD", "USD", "EUR", "GBP", "JPY")]


def currency_from_order(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    OrderLine = apps.get_model("orders", "OrderLine")
    OrderLine.objects.update(
        currency=Subquery(Order.objects.filter(pk=OuterRef("order_id")).values("currency")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="orderline",
            name="currency",
            field=models.CharField(choices=CURRENCIES, default="CNY", max_length=3),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="orderevent",
            name="amount_minor",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name="order",
            name="currency",
            field=models.CharField(choices=CURRENCIES, max_length=3),
        ),
        migrations.RunPython(currency_from_order, migrations.RunPython.noop),
    ]
