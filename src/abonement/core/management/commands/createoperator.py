from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from abonement.accounts.models import User
from abonement.accounts.passwords import generate_password
from abonement.core import events
from abonement.core.models import Event
from abonement.libraries.models import Network


class Command(BaseCommand):
    help = "Create an operator account for a network (the network is created when missing)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        parser.add_argument("--network", required=True, help="network slug, e.g. kostroma")
        parser.add_argument("--network-name", help="name of a new network (defaults to the slug)")
        parser.add_argument("--password", help="defaults to a generated one, printed once")

    @transaction.atomic
    def handle(self, *args, username, email, network, network_name, password, **options):
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"The login {username} is taken.")
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"A user with e-mail {email} already exists.")
        net, _ = Network.objects.get_or_create(slug=network, defaults={"name": network_name or network})
        password = password or generate_password()
        user = User(username=username, email=email)
        user.set_password(password)
        user.save()
        net.operators.add(user)
        events.record(Event.Kind.OPERATOR_CREATED, subject_user=user, network=net.slug)
        self.stdout.write(
            self.style.SUCCESS(f"Operator {username} of network {net.slug} created. Password: {password}")
        )
