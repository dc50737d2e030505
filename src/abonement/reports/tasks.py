"""Background report files, run by `abonement worker`."""

from django.tasks import task

from abonement.reports import services


@task()
def run_export(export_id: int) -> None:
    services.run_export(export_id)
