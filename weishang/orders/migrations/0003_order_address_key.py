# An order keeps its delivery address as a key too, to count what unpaid orders hold per address.

from django.db import migrations, models


def keys(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    for order in Order.objects.only("pk", "shipping_address").iterator():
        key = "".join(ch for ch in order.shipping_address.casefold() if ch.isalnum())[:300]
        Order.objects.filter(pk=order.pk).update(address_key=key)


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_line_currency_event_amount")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="address_key",
            field=models.CharField(blank=True, db_index=True, max_length=300),
        ),
        migrations.RunPython(keys, migrations.RunPython.noop),
    ]
