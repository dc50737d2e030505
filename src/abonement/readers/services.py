"""Reader cards: create one or many, blank cards, edit, block, passwords, groups, merge, backup logins."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from abonement.accounts.codes import CODE_TTL, WrongCode, code_hash, new_code
from abonement.accounts.codes import check as check_code
from abonement.accounts.hashers import hash_generated_password
from abonement.accounts.identifiers import find_user
from abonement.accounts.models import User
from abonement.accounts.passwords import generate_password
from abonement.accounts.services import end_all_sessions
from abonement.catalog.models import Item
from abonement.circulation.models import Request
from abonement.core import clock, events
from abonement.core.errors import DomainError
from abonement.core.models import Event
from abonement.libraries.models import Library
from abonement.notifications import services as notices
from abonement.notifications.models import Notice
from abonement.readers.models import Card, CardNumberSequence, ContactConfirmation, Group


class EmailTaken(DomainError):
    code = "email_taken"
    status = 409
    message = _("A user with e-mail %(email)s already exists — give another e-mail, or a phone instead.")


class PhoneTaken(DomainError):
    code = "phone_taken"
    status = 409
    message = _("A user with phone %(phone)s already exists — give another phone, or an e-mail instead.")


class ContactRequired(DomainError):
    code = "contact_required"
    message = _("Give an e-mail or a phone: the login and password are sent there.")


class RegisteredMeanwhile(DomainError):
    code = "registered_meanwhile"
    status = 409
    message = _("Another reader with one of these e-mails or phones was registered meanwhile. Check the rows again.")


class GroupNameTaken(DomainError):
    code = "group_name_taken"
    status = 409
    message = _("The library already has a group named “%(name)s”.")


class MergeRefused(DomainError):
    code = "merge_refused"
    message = _("These cards cannot be merged: %(reason)s")


@dataclass(frozen=True)
class NewReader:
    """One reader to register, already validated (field rules live in forms and the bulk parser)."""

    full_name: str
    birth_date: date | None
    email: str | None = None
    phone: str | None = None
    group_names: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Issued:
    """A created card and its password in clear text: shown once on a slip or in a file, never stored."""

    card: Card
    password: str


# ---- numbers ------------------------------------------------------------------------------------


def allocate_card_numbers(count: int) -> list[str]:
    """Hand out `count` unused card numbers. Must run inside the creating transaction (the row lock
    on the sequence serialises concurrent registrations; numbers of a rolled-back import are reused)."""
    sequence, _ = CardNumberSequence.objects.get_or_create(pk=1)
    sequence = CardNumberSequence.objects.select_for_update().get(pk=1)
    numbers: list[str] = []
    candidate = sequence.next_number
    while len(numbers) < count:
        block = [str(n) for n in range(candidate, candidate + (count - len(numbers)))]
        taken = set(Card.objects.filter(number__in=block).values_list("number", flat=True))
        # The desk's one input takes a card number or an item barcode: a number used as a barcode is skipped.
        taken.update(Item.objects.filter(barcode__in=block).values_list("barcode", flat=True))
        numbers.extend(n for n in block if n not in taken)
        candidate += len(block)
    sequence.next_number = candidate
    sequence.save(update_fields=["next_number"])
    return numbers


# ---- creating readers ---------------------------------------------------------------------------


def check_contacts_free(*, email: str | None, phone: str | None, exclude_user: User | None = None) -> None:
    users = User.objects.all() if exclude_user is None else User.objects.exclude(pk=exclude_user.pk)
    if email and users.filter(email__iexact=email).exists():
        raise EmailTaken(email=email)
    if phone and users.filter(phone=phone).exists():
        raise PhoneTaken(phone=phone)


def save_contacts(user: User, *fields: str) -> None:
    """Save the person's `fields` ("email", "phone") after check_contacts_free passed. Another person may have
    taken the same contact since the check (two saves at once): the unique index refuses the later writer, who
    is then told the contact is taken, as if the check had seen it."""
    try:
        with transaction.atomic():
            user.save(update_fields=list(fields))
    except IntegrityError:
        check_contacts_free(
            email=user.email if "email" in fields else None,
            phone=user.phone if "phone" in fields else None,
            exclude_user=user,
        )
        raise


def _groups_by_name(library: Library, names: set[str]) -> dict[str, Group]:
    """Existing groups matched case-insensitively; unknown names are created (SPEC A3), keyed by lower case.
    Of several spellings of one new name ("5A", "5a") the first in sorted order names the group."""
    wanted: dict[str, str] = {}
    for name in sorted(names):
        wanted.setdefault(name.lower(), name)
    found: dict[str, Group] = {}
    if wanted:
        query = Q()
        for name in wanted.values():
            query |= Q(name__iexact=name)
        found = {g.name.lower(): g for g in Group.objects.filter(query, library=library)}
    for key, name in wanted.items():
        if key not in found:
            found[key] = Group.objects.create(library=library, name=name)
    return found


def _queue_credentials(*, card: Card, user: User, password: str, library: Library, now: datetime) -> None:
    context = {"card": card, "login": card.number, "password": password, "user": user}
    if user.email:
        notices.queue(
            kind="reader_credentials",
            to=user.email,
            user=user,
            library=library,
            language=user.language,
            context=context,
            now=now,
        )
    elif user.phone:
        notices.queue(
            kind="reader_credentials_sms",
            to=user.phone,
            channel=Notice.Channel.SMS,
            user=user,
            library=library,
            language=user.language,
            context=context,
            now=now,
        )


def create_readers(
    *,
    librarian: User | None,
    library: Library,
    readers: list[NewReader],
    source: str = Card.Source.LIBRARIAN,
    language: str = "ru",
    now: datetime | None = None,
) -> list[Issued]:
    """Register readers all-or-nothing: cards, people, groups, one notice each with their credentials."""
    now = now or clock.now()
    try:
        with transaction.atomic():
            return _create_readers(
                librarian=librarian, library=library, readers=readers, source=source, language=language, now=now
            )
    except IntegrityError as exc:
        # Another transaction took one of the e-mails or phones between validation and insert.
        raise RegisteredMeanwhile() from exc


def _create_readers(*, librarian, library, readers, source, language, now) -> list[Issued]:
    Library.objects.select_for_update(no_key=True).get(pk=library.pk)
    numbers = allocate_card_numbers(len(readers))
    passwords = [generate_password() for _ in readers]
    users = User.objects.bulk_create(
        [
            User(
                username=number,
                email=r.email or None,
                phone=r.phone or None,
                language=language,
                password=hash_generated_password(password),
                date_joined=now,
            )
            for r, number, password in zip(readers, numbers, passwords, strict=True)
        ]
    )
    if not all(u.pk for u in users):  # SQLite before 3.35 cannot return ids from bulk inserts
        users = list(User.objects.filter(username__in=numbers).order_by("username"))
        users.sort(key=lambda u: numbers.index(u.username))
    cards = Card.objects.bulk_create(
        [
            Card(
                number=number,
                library=library,
                user=user,
                full_name=r.full_name,
                birth_date=r.birth_date,
                source=source,
                created_at=now,
            )
            for r, number, user in zip(readers, numbers, users, strict=True)
        ]
    )
    groups = _groups_by_name(library, {name for r in readers for name in r.group_names})
    Card.groups.through.objects.bulk_create(
        [
            Card.groups.through(card_id=card.pk, group_id=groups[name].pk)
            for r, card in zip(readers, cards, strict=True)
            for name in dict.fromkeys(n.lower() for n in r.group_names)
        ]
    )
    actor_label = (librarian.get_full_name() or librarian.username) if librarian else "System"
    Event.objects.bulk_create(
        [
            Event(
                kind=Event.Kind.READER_REGISTERED,
                at=now,
                actor=librarian,
                actor_label=actor_label,
                library=library,
                subject_user=user,
                card=card,
                details={"source": source},
            )
            for card, user in zip(cards, users, strict=True)
        ]
    )
    for card, user, password in zip(cards, users, passwords, strict=True):
        _queue_credentials(card=card, user=user, password=password, library=library, now=now)
    return [Issued(card=c, password=p) for c, p in zip(cards, passwords, strict=True)]


def create_reader(
    *, librarian: User, library: Library, reader: NewReader, language: str = "ru", now: datetime | None = None
) -> Issued:
    if not reader.email and not reader.phone and not library.readers_without_contact:
        raise ContactRequired()
    check_contacts_free(email=reader.email, phone=reader.phone)
    return create_readers(librarian=librarian, library=library, readers=[reader], language=language, now=now)[0]


def issue_blank_cards(*, operator: User, library: Library, count: int, now: datetime | None = None) -> list[Issued]:
    """Cards for readers with neither e-mail nor phone; the librarian fills in the person later (SPEC A4)."""
    blank = NewReader(full_name="", birth_date=None)
    return create_readers(
        librarian=operator, library=library, readers=[blank] * count, source=Card.Source.BLANK, now=now
    )


# ---- editing ------------------------------------------------------------------------------------


def _locked_card(card: Card) -> Card:
    return Card.objects.select_for_update(of=("self",)).select_related("user", "library").get(pk=card.pk)


@transaction.atomic
def update_card(
    *,
    librarian: User,
    card: Card,
    full_name: str,
    birth_date: date | None,
    email: str | None,
    phone: str | None,
    group_ids: list[int] | None = None,
    category: str | None = None,
    now: datetime | None = None,
) -> Card:
    card = _locked_card(card)
    user = card.user
    check_contacts_free(email=email, phone=phone, exclude_user=user)
    changed = [
        name
        for name, old, new in (
            ("full_name", card.full_name, full_name),
            ("birth_date", card.birth_date, birth_date),
            ("email", user.email, email or None),
            ("phone", user.phone, phone or None),
            ("category", card.category, category or card.category),
        )
        if old != new
    ]
    card.full_name, card.birth_date = full_name, birth_date
    card.category = category or card.category
    card.save(update_fields=["full_name", "birth_date", "category"])
    user.email, user.phone = email or None, phone or None
    save_contacts(user, "email", "phone")
    if group_ids is not None:
        card.groups.set(Group.objects.filter(library=card.library, pk__in=group_ids))
    events.record(
        Event.Kind.READER_CHANGED,
        actor=librarian,
        library=card.library,
        subject_user=user,
        now=now,
        card=card,
        fields=changed,
    )
    return card


@transaction.atomic
def update_profile(
    *,
    user: User,
    full_name: str,
    birth_date: date,
    email: str | None,
    phone: str | None,
    now: datetime | None = None,
) -> list[Card]:
    """The reader edits their own name, birth date and contacts (issue #13). Name and birth date are the
    person's, so every card of theirs takes them. A birth date the reader changes is kept on their waiting
    requests, where the Ordered list warns "reader changed birth date, was …" (SPEC L4): the first date stays
    through later changes, and the warning goes when the reader changes it back."""
    now = now or clock.now()
    # cards before their person, as update_card locks them (the same order cannot deadlock)
    cards = list(
        Card.objects.select_for_update(of=("self",)).select_related("library").filter(user=user).order_by("pk")
    )
    user = User.objects.select_for_update().get(pk=user.pk)
    check_contacts_free(email=email, phone=phone, exclude_user=user)
    contacts_changed = [
        name
        for name, old, new in (("email", user.email, email or None), ("phone", user.phone, phone or None))
        if old != new
    ]
    user.email, user.phone = email or None, phone or None
    save_contacts(user, "email", "phone")
    for card in cards:
        card.user = user
        changed = contacts_changed + [
            name
            for name, old, new in (
                ("full_name", card.full_name, full_name),
                ("birth_date", card.birth_date, birth_date),
            )
            if old != new
        ]
        if "birth_date" in changed:
            waiting = Request.objects.filter(card=card, status=Request.Status.WAITING)
            if card.birth_date is not None:
                waiting.filter(birth_date_was__isnull=True).update(birth_date_was=card.birth_date)
            waiting.filter(birth_date_was=birth_date).update(birth_date_was=None)
            # kept on the card too, so requests made after the change carry it for a year
            first_date = card.birth_date_was_on(now) or card.birth_date
            if first_date in (None, birth_date):
                card.birth_date_was = card.birth_date_changed_at = None
            else:
                card.birth_date_was, card.birth_date_changed_at = first_date, now
        if changed:
            details = {"fields": changed, "by_reader": True}
            if "birth_date" in changed and card.birth_date is not None:
                details["birth_date_was"] = card.birth_date.isoformat()
            card.full_name, card.birth_date = full_name, birth_date
            card.save(update_fields=["full_name", "birth_date", "birth_date_was", "birth_date_changed_at"])
            events.record_for_card(Event.Kind.READER_CHANGED, card=card, actor=user, now=now, **details)
    return cards


@transaction.atomic
def update_lending(
    *, librarian: User, card: Card, lending_mode: str, max_on_hand: int | None, now: datetime | None = None
) -> Card:
    card = _locked_card(card)
    card.lending_mode, card.max_on_hand = lending_mode, max_on_hand
    card.save(update_fields=["lending_mode", "max_on_hand"])
    events.record_for_card(
        Event.Kind.READER_CHANGED, card=card, actor=librarian, now=now, fields=["lending_mode", "max_on_hand"]
    )
    return card


@transaction.atomic
def block_card(*, librarian: User, card: Card, now: datetime | None = None) -> Card:
    """Block, never delete (SPEC A7): history stays; the person is signed out; new loans and requests stop."""
    now = now or clock.now()
    card = _locked_card(card)
    if card.status == Card.Status.BLOCKED:
        return card
    card.status, card.blocked_at = Card.Status.BLOCKED, now
    card.save(update_fields=["status", "blocked_at"])
    end_all_sessions(card.user)
    events.record_for_card(Event.Kind.READER_BLOCKED, card=card, actor=librarian, now=now)
    return card


@transaction.atomic
def unblock_card(*, librarian: User, card: Card, now: datetime | None = None) -> Card:
    card = _locked_card(card)
    if card.status == Card.Status.ACTIVE:
        return card
    card.status, card.blocked_at = Card.Status.ACTIVE, None
    card.save(update_fields=["status", "blocked_at"])
    events.record_for_card(Event.Kind.READER_UNBLOCKED, card=card, actor=librarian, now=now)
    return card


@transaction.atomic
def reset_reader_password(*, librarian: User, card: Card, now: datetime | None = None) -> str:
    """A new generated password for the slip; the reader is signed out everywhere."""
    card = _locked_card(card)
    password = generate_password()
    User.objects.filter(pk=card.user_id).update(password=hash_generated_password(password))
    end_all_sessions(card.user)
    events.record_for_card(Event.Kind.READER_PASSWORD_RESET, card=card, actor=librarian, now=now)
    return password


@transaction.atomic
def reset_group_passwords(*, librarian: User, group: Group, now: datetime | None = None) -> list[Issued]:
    """New generated passwords for every reader of the group, for a sheet of slips, all or nothing; each reader
    is signed out everywhere and each reset is recorded as for one reader. In name order, as a class list is."""
    now = now or clock.now()
    cards = list(
        Card.objects.select_for_update(of=("self",))
        .select_related("user", "library")
        .filter(groups=group)
        .order_by("pk")
    )
    issued = []
    for card in cards:
        password = generate_password()
        User.objects.filter(pk=card.user_id).update(password=hash_generated_password(password))
        end_all_sessions(card.user)
        events.record_for_card(Event.Kind.READER_PASSWORD_RESET, card=card, actor=librarian, now=now, group=group.pk)
        issued.append(Issued(card=card, password=password))
    return sorted(issued, key=lambda item: (item.card.full_name, item.card.number))


# ---- groups -------------------------------------------------------------------------------------


def create_group(*, library: Library, name: str) -> Group:
    name = name.strip()
    if Group.objects.filter(library=library, name__iexact=name).exists():
        raise GroupNameTaken(name=name)
    try:
        with transaction.atomic():
            return Group.objects.create(library=library, name=name)
    except IntegrityError as exc:
        raise GroupNameTaken(name=name) from exc


def rename_group(*, group: Group, name: str) -> Group:
    name = name.strip()
    if Group.objects.filter(library=group.library_id, name__iexact=name).exclude(pk=group.pk).exists():
        raise GroupNameTaken(name=name)
    group.name = name
    group.save(update_fields=["name"])
    return group


def add_to_group(*, group: Group, cards: list[Card]) -> None:
    group.cards.add(*[c for c in cards if c.library_id == group.library_id])


def remove_from_group(*, group: Group, cards: list[Card]) -> None:
    group.cards.remove(*cards)


# ---- one person, many cards ---------------------------------------------------------------------


@transaction.atomic
def merge_accounts(*, user: User, identifier: str, password: str, now: datetime | None = None) -> int:
    """Move the cards of the account that `identifier` + `password` open into `user` (SPEC A6).

    The other account is deactivated; its e-mail or phone moves over when `user` has none. Returns the
    number of cards moved. All or nothing.
    """
    other = find_user(identifier)
    if other is None or not other.check_password(password):
        raise MergeRefused(reason=_("the login or password of the other card is wrong."))
    if other.pk == user.pk:
        raise MergeRefused(reason=_("this is the account you are signed in with."))
    if other.is_staff or other.is_superuser or other.staff_memberships.exists() or other.operated_networks.exists():
        raise MergeRefused(reason=_("staff accounts cannot be merged into a reader's account."))
    first, second = sorted([user.pk, other.pk])
    locked = {u.pk: u for u in User.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
    user, other = locked[user.pk], locked[other.pk]
    moved = Card.objects.filter(user=other).update(user=user)
    new_email = user.email or other.email
    new_phone = user.phone or other.phone
    other.email = other.phone = None
    other.is_active = False
    other.set_unusable_password()
    other.save(update_fields=["email", "phone", "is_active", "password"])
    user.email, user.phone = new_email, new_phone
    user.save(update_fields=["email", "phone"])
    end_all_sessions(other)
    events.record(Event.Kind.ACCOUNTS_MERGED, actor=user, subject_user=user, now=now, merged_user=other.pk, cards=moved)
    return moved


# ---- backup login (e-mail or phone confirmed by a code) -------------------------------------------


@transaction.atomic
def start_contact_confirmation(*, user: User, kind: str, value: str, now: datetime | None = None) -> None:
    now = now or clock.now()
    check_contacts_free(
        email=value if kind == ContactConfirmation.Kind.EMAIL else None,
        phone=value if kind == ContactConfirmation.Kind.PHONE else None,
        exclude_user=user,
    )
    code = new_code()
    ContactConfirmation.objects.filter(user=user).delete()
    ContactConfirmation.objects.create(
        user=user, kind=kind, value=value, code_hash=code_hash(code), expires_at=now + CODE_TTL
    )
    channel = Notice.Channel.EMAIL if kind == ContactConfirmation.Kind.EMAIL else Notice.Channel.SMS
    notices.queue(
        kind="contact_code",
        to=value,
        channel=channel,
        user=user,
        language=user.language,
        context={"code": code, "user": user},
        now=now,
    )


def confirm_contact(*, user: User, code: str, now: datetime | None = None) -> ContactConfirmation:
    """Make the pending e-mail or phone a login. A wrong code uses up one of CODE_ATTEMPTS tries."""
    now = now or clock.now()
    with transaction.atomic():
        pending = ContactConfirmation.objects.select_for_update().filter(user=user).first()
        if check_code(pending, code, now=now):
            user = User.objects.select_for_update().get(pk=user.pk)
            check_contacts_free(
                email=pending.value if pending.kind == "email" else None,
                phone=pending.value if pending.kind == "phone" else None,
                exclude_user=user,
            )
            setattr(user, pending.kind, pending.value)
            save_contacts(user, pending.kind)
            pending.delete()
            events.record(Event.Kind.BACKUP_LOGIN_ADDED, actor=user, subject_user=user, now=now, contact=pending.kind)
            return pending
    # outside the transaction: the count of wrong tries must survive the refusal
    raise WrongCode()
