"""Real PBKDF2 hashers that also tally the rounds they run, so a test can compare the work behind two answers."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher

from abonement.accounts.hashers import GeneratedPasswordHasher


class RoundTally:
    rounds = 0


class _Tallied:
    def encode(self, password, salt, iterations=None):
        RoundTally.rounds += iterations or self.iterations
        return super().encode(password, salt, iterations)


class TalliedDefaultHasher(_Tallied, PBKDF2PasswordHasher):
    iterations = 20_000  # the production default's algorithm, fewer rounds so the test stays quick


class TalliedGeneratedHasher(_Tallied, GeneratedPasswordHasher):
    pass
