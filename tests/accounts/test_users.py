"""Password checks (app/accounts/users.py)."""
from argon2.exceptions import VerifyMismatchError

from app.accounts import users


def test_an_unknown_address_is_checked_against_a_hash_as_costly_as_a_real_one():
    """Sign-in with an address nobody has verifies the password against a stand-in hash: it must be made
    with the very parameters real hashes get, or the answer's time would tell which addresses exist."""
    assert not users._hasher.check_needs_rehash(users._DUMMY_HASH)
    real = users._hasher.hash("correct horse battery staple")
    assert real.split("$")[1:4] == users._DUMMY_HASH.split("$")[1:4]  # argon2id, version, m/t/p
    try:
        users._hasher.verify(users._DUMMY_HASH, "correct horse battery staple")
        matched = True
    except VerifyMismatchError:
        matched = False
    assert not matched
