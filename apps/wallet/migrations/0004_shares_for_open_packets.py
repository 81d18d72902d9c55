"""Share rows for the red packets still open at deploy time: the claimed ones from their grabs, the free ones
split again from remaining_amount/remaining_count exactly as the next grabs would have split them.

The packets are locked while this runs (PostgreSQL), so a grab by the old code can't slip in between its
read of a packet and its new rows; grabs by the new code then find every open packet's shares."""

from django.db import migrations

from apps.wallet import split


def shares_for_open_packets(apps, schema_editor):
    RedPacket = apps.get_model("wallet", "RedPacket")
    Grab = apps.get_model("wallet", "Grab")
    PacketShare = apps.get_model("wallet", "PacketShare")
    for p in RedPacket.objects.select_for_update().filter(status="open").order_by("pk"):
        if PacketShare.objects.filter(packet=p).exists():
            continue
        rows = [
            PacketShare(
                packet=p, position=g.index, amount=g.amount, claimed_by_id=g.user_id, claimed_at=g.created_at
            )
            for g in Grab.objects.filter(packet=p)
        ]
        free = split.remaining_shares(
            kind=p.kind,
            total=p.total,
            count=p.count,
            remaining=p.remaining_amount,
            remaining_count=p.remaining_count,
            seed=p.seed,
        )
        start = p.count - p.remaining_count
        rows += [PacketShare(packet=p, position=start + i, amount=amount) for i, amount in enumerate(free)]
        PacketShare.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("wallet", "0003_packet_share")]

    operations = [migrations.RunPython(shares_for_open_packets, migrations.RunPython.noop)]
