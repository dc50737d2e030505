"""A cheap hasher for system-generated passwords (see docs/decisions/0005-generated-password-hashing.md).

A generated password carries ≥ 72 bits of entropy; guessing it offline is infeasible even with a fast
hash, so 1,000 PBKDF2 rounds are enough, and a class of 1,000 readers is created in about a second instead
of fifteen minutes. Django upgrades the hash to the default slow hasher at the reader's first sign-in, and
any password a person chooses goes through the default hasher directly.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password


class GeneratedPasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_generated"
    iterations = 1_000


def hash_generated_password(password: str) -> str:
    return make_password(password, hasher=GeneratedPasswordHasher.algorithm)
