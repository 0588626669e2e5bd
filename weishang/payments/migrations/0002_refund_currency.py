# A refund keeps the currency of the order it gave money back on.

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

CURRENCIES = [(c, c) for c in ("CNY", "HKD", "TWD", "USD", "EUR", "GBP", "JPY")]


def currency_from_order(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Refund = apps.get_model("payments", "Refund")
    Refund.objects.update(
        currency=Subquery(Order.objects.filter(pk=OuterRef("order_id")).values("currency")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial"), ("orders", "0002_line_currency_event_amount")]

    operations = [
        migrations.AddField(
            model_name="refund",
            name="currency",
            field=models.CharField(choices=CURRENCIES, default="CNY", max_length=3),
            preserve_default=False,
        ),
        migrations.RunPython(currency_from_order, migrations.RunPython.noop),
    ]
