"""System-generated passwords: random, yet easy to copy from paper or a screen."""

import secrets

# No 0/O/o, 1/l/I, 5/S, 2/Z: children copy these from a printed slip.
ALPHABET = "abcdefghjkmnpqrstuvwxyz346789"
GROUPS, GROUP_LENGTH = 3, 5  # 15 symbols from 29 ≈ 72.9 bits


def generate_password() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
