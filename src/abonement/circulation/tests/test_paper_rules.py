"""Which circulation rule applies to a paper loan (SPEC P1, P4), decided in one pure function."""

from types import SimpleNamespace

from abonement.circulation.policies import DEFAULT_PAPER_RULE, PaperRule, resolve_rule


def rule(library_id, item_type_id=None, reader_category="", **terms):
    return SimpleNamespace(
        library_id=library_id,
        item_type_id=item_type_id,
        reader_category=reader_category,
        loan_days=terms.get("loan_days", 30),
        renewals_allowed=terms.get("renewals_allowed", 2),
        fine_per_day=terms.get("fine_per_day", 0),
        fine_cap=terms.get("fine_cap"),
        reservable_online=terms.get("reservable_online", True),
        reading_room_only=terms.get("reading_room_only", False),
    )


RULES = [
    rule(1, loan_days=21),
    rule(1, item_type_id=7, loan_days=7),
    rule(1, reader_category="child", loan_days=14),
    rule(1, item_type_id=7, reader_category="child", loan_days=3),
    rule(2, loan_days=10),
]


def resolve(item_type_id, category, library_id=1, parent_id=None, rules=RULES):
    return resolve_rule(
        rules, library_id=library_id, parent_id=parent_id, item_type_id=item_type_id, category=category
    ).loan_days


def test_the_most_specific_rule_wins():
    assert resolve(7, "child") == 3
    assert resolve(7, "adult") == 7
    assert resolve(8, "child") == 14
    assert resolve(None, "adult") == 21
    assert resolve(None, "child") == 14


def test_a_branch_without_rules_uses_its_central_librarys_and_own_rules_win():
    assert resolve(7, "child", library_id=3, parent_id=1) == 3
    assert resolve(7, "child", library_id=2, parent_id=1) == 10


def test_no_rule_gives_the_defaults():
    assert resolve_rule([], library_id=1, parent_id=None, item_type_id=None, category="adult") is DEFAULT_PAPER_RULE


def test_the_fine_counts_days_and_stops_at_the_cap():
    assert PaperRule(fine_per_day=20, fine_cap=300).fine_for(4) == 80
    assert PaperRule(fine_per_day=20, fine_cap=300).fine_for(40) == 300
    assert PaperRule(fine_per_day=20).fine_for(40) == 800
    assert PaperRule(fine_per_day=20).fine_for(-2) == 0
