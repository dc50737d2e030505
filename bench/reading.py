"""Benchmark of reading (SPEC L8, issue #16): position sync and the audio endpoint serving 1 MB ranges.

    .venv/bin/python bench/reading.py                    # 400,000 titles, 20,000 saved positions
    .venv/bin/python bench/reading.py --titles 20000     # a quick run

Against the local PostgreSQL server (--server), in a database created fresh (abonement_bench_reading) and
dropped. Production settings, in process through Django's test client (the whole request: middleware, session,
CSRF-exempt JSON PUT, the service's upsert), so the times are server time without the network:

  1. data, with bulk inserts: `--titles` titles, one library, `--readers` readers, each with a saved position
     in some title; an audiobook of `--audio-mb` MB on loan to the reader under test;
  2. `--syncs` PUTs of the position to /read/titles/<id>/position/ by that reader (median, p95);
  3. `--ranges` GETs of a random 1 MB `Range` of the audiobook through its signed link (MB/s of the body).

Targets (issue #16): position sync p95 <= 10 ms; a 1 MB range >= 100 MB/s. Prints markdown; exit status 1
when a target is missed.
"""

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

from benchenv import (  # noqa: E402
    configure_environment,
    create_database,
    describe_database,
    drop_database,
    machine,
    migrate,
    setup_django,
)

DATABASE = "abonement_bench_reading"
MB = 1024 * 1024
UNUSABLE = "!"  # an unusable password hash: the bench signs in with force_login


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def load(titles: int, readers: int, audio_mb: int):
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    from abonement.catalog.epub import silent_mp3
    from abonement.catalog.models import Title
    from abonement.circulation import services
    from abonement.libraries.models import Library, Network
    from abonement.readers.models import Card
    from abonement.reading.models import Position

    now = datetime.now(UTC)
    network = Network.objects.create(name="Bench")
    library = Library.objects.create(network=network, name="Bench library", lending_mode="self_service")
    services.grant_credits(operator=None, library=library, amount=10)
    rows = [Title(title=f"Title {n}", language="lv", format="ebook", price=0, is_free=True) for n in range(titles)]
    Title.objects.bulk_create(rows, batch_size=5000)
    title_ids = list(Title.objects.values_list("pk", flat=True))
    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"bench{n}", password=UNUSABLE) for n in range(readers)], batch_size=5000
    )
    Card.objects.bulk_create(
        [Card(number=f"{900000 + n}", library=library, user=u) for n, u in enumerate(users)], batch_size=5000
    )
    Position.objects.bulk_create(
        [Position(user=u, title_id=random.choice(title_ids), locator="epubcfi(/6/4)", updated_at=now) for u in users],
        batch_size=5000,
        ignore_conflicts=True,
    )
    reader = users[0]
    audiobook = Title.objects.create(title="Audio", language="lv", format="audiobook", price=1)
    audiobook.content.save("bench/audio.mp3", ContentFile(silent_mp3(int(audio_mb * MB / 417 / 38.28))), save=True)
    card = Card.objects.get(user=reader)
    loan = services.take(card=card, title=audiobook, now=now - timedelta(minutes=1))
    return reader, random.choice(title_ids), loan


def run(args) -> int:
    from django.test import Client

    from abonement.reading import content

    reader, title_id, loan = load(args.titles, args.readers, args.audio_mb)
    client = Client()
    client.force_login(reader)
    url = f"/read/titles/{title_id}/position/"
    sync_ms = []
    for n in range(args.syncs):
        body = json.dumps({"locator": f"epubcfi(/6/{2 * (n % 40) + 2}!/4/2/1:0)", "fraction": (n % 100) / 100})
        started = time.perf_counter()
        response = client.put(url, body, content_type="application/json")
        sync_ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
    link = content.signed_url(loan=loan)
    size = loan.title.content.size
    seconds, served = 0.0, 0
    for _ in range(args.ranges):
        start = random.randrange(0, size - MB)
        started = time.perf_counter()
        response = client.get(link, HTTP_RANGE=f"bytes={start}-{start + MB - 1}")
        served += sum(len(chunk) for chunk in response.streaming_content)
        seconds += time.perf_counter() - started
        assert response.status_code == 206
    throughput = served / MB / seconds
    sync_p95 = p95(sync_ms)
    print(f"## Reading bench ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)\n")
    print(f"- machine: {json.dumps(machine())}")
    print(f"- database: {describe_database()}")
    print(f"- data: {args.titles} titles, {args.readers} readers with a saved position, audiobook {size / MB:.1f} MB\n")
    print("| measure | result | target |\n|---|---|---|")
    print(
        f"| position sync (PUT), {args.syncs} | median {statistics.median(sync_ms):.2f} ms, "
        f"p95 {sync_p95:.2f} ms | p95 ≤ 10 ms |"
    )
    print(f"| audio 1 MB range (206), {args.ranges} | {throughput:.0f} MB/s | ≥ 100 MB/s |")
    return 0 if sync_p95 <= 10 and throughput >= 100 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/")
    parser.add_argument("--titles", type=int, default=400_000)
    parser.add_argument("--readers", type=int, default=20_000)
    parser.add_argument("--audio-mb", type=int, default=50)
    parser.add_argument("--syncs", type=int, default=1000)
    parser.add_argument("--ranges", type=int, default=100)
    args = parser.parse_args()
    create_database(args.server, DATABASE)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            configure_environment(Path(data_dir), args.server.rstrip("/") + "/" + DATABASE)
            setup_django()
            migrate()
            return run(args)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(args.server, DATABASE)


if __name__ == "__main__":
    sys.exit(main())
