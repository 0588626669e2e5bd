"""The public earnings disclosure of a large channel: 100,000 resellers, 1,000,000 ledger entries.

    .venv/bin/python bench/disclosure.py [--resellers 100000] [--entries 1000000]

A fresh PostgreSQL database gets one brand with a channel and ``--resellers`` resellers (users
and memberships, active this year), then ``--entries`` sale entries in the ledger, each with its
three postings (the brand's cash, the brand's share, the seller's held commission) and its
commission row, written in bulk by SQL. Sellers are drawn with a skew (most sales go to few
resellers, and about a third sell nothing), as in a real channel. The yearly earnings kept beside
the ledger (``EarningsYear``) are then derived from the ledger's postings by one aggregate, and
checked against it. The production server (granian, 2 workers) serves the disclosure page; the
script prints the median, p90 and p99 of 200 requests, after 20 to warm up, and the time of the
computation alone in this process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from harness import ROOT, fresh_database, manage
from purchase import percentile

from tests.http_client import Browser
from tests.server import production_server

SLUG = "bench-brand"


def build(database_url: str, resellers: int, entries: int) -> int:
    """Write the channel; return its id."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO accounts_user (password, is_superuser, email, display_name, is_staff,"
            " is_active, date_joined) VALUES ('!', false, 'brand@example.com', 'Brand', false,"
            " true, now())"
        )
        conn.execute(
            "INSERT INTO shops_shop (owner_id, name, slug, story, logo, wechat_id, phone, currency,"
            " payment_qr, accepts_cash_on_delivery, notify_email, created_at)"
            " SELECT id, 'Bench brand', %s, '', '', '', '', 'CNY', '', false, '', now()"
            " FROM accounts_user WHERE email = 'brand@example.com'",
            [SLUG],
        )
        conn.execute(
            "INSERT INTO channel_channel (shop_id, policy, requires_approval, is_open, created_at)"
            " SELECT id, 'CN', false, true, now() - interval '2 years' FROM shops_shop"
            " WHERE slug = %s",
            [SLUG],
        )
        channel = conn.execute("SELECT id FROM channel_channel").fetchone()[0]  # type: ignore[index]
        print(f"writing {resellers:,} resellers", file=sys.stderr, flush=True)
        conn.execute(
            "INSERT INTO accounts_user (password, is_superuser, email, display_name, is_staff,"
            " is_active, date_joined)"
            " SELECT '!', false, 'r' || g || '@example.com', 'Reseller ' || g, false, true, now()"
            " FROM generate_series(1, %s) g",
            [resellers],
        )
        conn.execute(
            "INSERT INTO channel_membership (channel_id, user_id, status, joined_at, approved_at)"
            " SELECT %s, id, 'active', date_trunc('year', now()), date_trunc('year', now())"
            " FROM accounts_user WHERE email LIKE 'r%%@example.com' ORDER BY id",
            [channel],
        )
        members = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM channel_membership WHERE channel_id = %s ORDER BY id", [channel]
            )
        ]
        conn.execute(
            "INSERT INTO ledger_ledgeraccount (key, currency, created_at) VALUES"
            " (%s, 'CNY', now()), (%s, 'CNY', now())",
            [f"channel:{channel}:brand:cash", f"channel:{channel}:brand:revenue"],
        )
        conn.execute(
            "INSERT INTO ledger_ledgeraccount (key, currency, created_at)"
            " SELECT 'channel:' || channel_id || ':member:' || id || ':held', 'CNY', now()"
            " FROM channel_membership WHERE channel_id = %s",
            [channel],
        )
        cash, revenue = (
            conn.execute(
                "SELECT id FROM ledger_ledgeraccount WHERE key = %s",
                [f"channel:{channel}:brand:{part}"],
            ).fetchone()[0]  # type: ignore[index]
            for part in ("cash", "revenue")
        )
        print(f"writing {entries:,} sale entries and their postings", file=sys.stderr, flush=True)
        # The seller of entry g: a skewed draw over the first two thirds of the resellers (the
        # last third sell nothing), fixed by g so that every run writes the same ledger.
        sellers = max(1, len(members) * 2 // 3)
        conn.execute(
            "CREATE TEMP TABLE sale AS SELECT g AS n,"
            " %s + floor(%s * power(((g * 2654435761) %% 1000003) / 1000003.0, 3))::bigint"
            "   AS seller_index,"
            " (6800 + (g %% 4) * 5000)::bigint AS total"
            " FROM generate_series(1, %s) g",
            [0, sellers, entries],
        )
        conn.execute(
            "CREATE TEMP TABLE seller_of AS SELECT row_number() OVER (ORDER BY id) - 1 AS i, id"
            " FROM channel_membership WHERE channel_id = %s",
            [channel],
        )
        conn.execute(
            "INSERT INTO ledger_journalentry (kind, reference, memo, currency, created_at)"
            " SELECT 'sale', 'order:' || n, '', 'CNY', now() FROM sale ORDER BY n"
        )
        conn.execute(
            "CREATE TEMP TABLE sale_entry AS SELECT s.n, e.id AS entry, m.id AS membership,"
            " a.id AS held, s.total, (s.total * 15 / 100) AS commission"
            " FROM sale s JOIN ledger_journalentry e ON e.reference = 'order:' || s.n"
            " JOIN seller_of m ON m.i = s.seller_index"
            " JOIN ledger_ledgeraccount a ON a.key = 'channel:' || %s || ':member:' || m.id"
            "   || ':held'",
            [channel],
        )
        conn.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, amount_minor)"
            " SELECT entry, %s, total FROM sale_entry"
            " UNION ALL SELECT entry, %s, -(total - commission) FROM sale_entry"
            " UNION ALL SELECT entry, held, -commission FROM sale_entry",
            [cash, revenue],
        )
        print("deriving the yearly earnings from the ledger", file=sys.stderr, flush=True)
        conn.execute(
            "INSERT INTO channel_earningsyear (membership_id, channel_id, year, earned_minor)"
            " SELECT membership, %s, extract(year FROM now())::int, -sum(p.amount_minor)"
            " FROM sale_entry s JOIN ledger_posting p ON p.entry_id = s.entry"
            "   AND p.account_id = s.held GROUP BY membership",
            [channel],
        )
        conn.execute("ANALYZE")
        total_entries = conn.execute("SELECT count(*) FROM ledger_journalentry").fetchone()[0]  # type: ignore[index]
        unbalanced = conn.execute(
            "SELECT count(*) FROM (SELECT entry_id FROM ledger_posting GROUP BY entry_id"
            " HAVING sum(amount_minor) <> 0) t"
        ).fetchone()[0]  # type: ignore[index]
        assert total_entries == entries and unbalanced == 0
    return channel


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resellers", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    database_url = fresh_database("weishang_bench_disclosure")
    with tempfile.TemporaryDirectory(prefix="weishang-bench-") as tmp:
        data_dir = Path(tmp)
        manage(database_url, data_dir, "migrate", "--no-input", "--verbosity", "0")
        started = time.perf_counter()
        channel = build(database_url, args.resellers, args.entries)
        print(f"built in {time.perf_counter() - started:.0f} s", file=sys.stderr)

        os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="weishang.settings")
        os.environ["WEISHANG_DATA_DIR"] = str(data_dir)
        import django

        django.setup()
        from django.utils import timezone

        from weishang.channel.disclosure import disclosure
        from weishang.channel.models import Channel

        found = Channel.objects.select_related("shop").get(pk=channel)
        year = timezone.localtime().year
        computed = []
        for _ in range(20):
            t = time.perf_counter()
            figures = disclosure(found, year)
            computed.append((time.perf_counter() - t) * 1000)

        with production_server(data_dir, database_url=database_url) as base:
            client = Browser(base)
            path = f"/{SLUG}/channel/earnings/"
            for _ in range(20):
                assert client.get(path).status == 200
            times = []
            for _ in range(args.requests):
                t = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - t) * 1000)
                assert response.status == 200
    print(
        f"\nThe earnings disclosure of a channel with {figures.resellers:,} resellers and "
        f"{args.entries:,} ledger entries ({figures.earned_nothing / figures.resellers:.0%} "
        f"earned nothing, median {figures.median / 100:.2f} CNY, top 10% took "
        f"{figures.top_tenth_share:.0%}), PostgreSQL, granian 2 workers\n"
    )
    print("| | median ms | p90 ms | p99 ms |")
    print("|---|---:|---:|---:|")
    print(
        f"| the page, over HTTP ({args.requests} requests) | {statistics.median(times):.1f} |"
        f" {percentile(times, 90):.1f} | {percentile(times, 99):.1f} |"
    )
    print(
        f"| the figures alone (``disclosure()``) | {statistics.median(computed):.1f} |"
        f" {percentile(computed, 90):.1f} | {percentile(computed, 99):.1f} |"
    )
    return 0 if statistics.median(times) < 200 else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
