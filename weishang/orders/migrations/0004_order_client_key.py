# An order keeps its client's network as a keyed hash, to bound what one network's unpaid orders
# may hold; never the address itself.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_order_address_key")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="client_key",
            field=models.CharField(blank=True, db_index=True, max_length=32),
        ),
    ]
