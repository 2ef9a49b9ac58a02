"""The accounts store and `fonte-admin`: hashed passwords, grants, and the sign-in check the app launches with."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from qa.settings import Settings
from ui import admin
from ui.accounts import AccountError, Accounts, User, sign_in_check, users_path
from ui.server import launch_options


@pytest.fixture
def accounts(tmp_path: Path) -> Accounts:
    return Accounts(tmp_path / "users.sqlite3", rounds=4)


def test_passwords_are_stored_hashed_and_checked(accounts: Accounts) -> None:
    accounts.add_user("ann", "correct horse", ["hr"])
    raw = sqlite3.connect(accounts.path).execute("SELECT hash FROM users").fetchone()[0]
    assert b"correct horse" not in raw and raw.startswith(b"$2b$")
    assert accounts.verify("ann", "correct horse")
    assert accounts.verify("ann", "correct horse")  # the remembered match gives the same answer
    assert not accounts.verify("ann", "Correct horse")
    assert not accounts.verify("bob", "correct horse") and not accounts.verify("ann", "")


def test_a_long_password_is_neither_refused_nor_cut(accounts: Accounts) -> None:
    long = "x" * 100
    accounts.add_user("ann", long)
    assert accounts.verify("ann", long) and not accounts.verify("ann", "x" * 72)


def test_set_password_replaces_the_old_one(accounts: Accounts) -> None:
    accounts.add_user("ann", "first-password")
    assert accounts.verify("ann", "first-password")
    accounts.set_password("ann", "second-password")
    assert accounts.verify("ann", "second-password") and not accounts.verify("ann", "first-password")


def test_grants_and_admins(accounts: Accounts) -> None:
    assert not accounts.has_users() and accounts.users() == []
    accounts.add_user("ann", "password-1", ["hr", "legal"])
    accounts.add_user("root", "password-2", admin=True)
    assert accounts.has_users()
    ann = accounts.user("ann")
    assert ann == User("ann", False, ("hr", "legal"))
    assert ann.may_read("hr") and not ann.may_read("finance")
    assert accounts.user("root").may_read("finance")  # type: ignore[union-attr]
    accounts.grant("ann", ["finance"])
    accounts.revoke("ann", ["hr"])
    assert accounts.user("ann").collections == ("finance", "legal")  # type: ignore[union-attr]
    accounts.remove_user("ann")
    assert accounts.user("ann") is None and [u.name for u in accounts.users()] == ["root"]
    assert sqlite3.connect(accounts.path).execute("SELECT COUNT(*) FROM grants").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("name", "password", "collections"),
    [("ann", "short", []), ("bad name", "password-1", []), ("ann", "password-1", ["Not Valid"]), ("", "pw-12345", [])],
)
def test_bad_accounts_are_refused_with_a_reason(
    accounts: Accounts, name: str, password: str, collections: list
) -> None:
    with pytest.raises(AccountError) as info:
        accounts.add_user(name, password, collections)
    assert str(info.value).endswith(".") and accounts.user(name) is None


def test_a_taken_name_and_an_unknown_user_are_refused(accounts: Accounts) -> None:
    accounts.add_user("ann", "password-1")
    with pytest.raises(AccountError, match="exists already"):
        accounts.add_user("ann", "password-2")
    assert accounts.verify("ann", "password-1")
    for change in (lambda: accounts.remove_user("bob"), lambda: accounts.set_password("bob", "password-3")):
        with pytest.raises(AccountError, match="no user 'bob'"):
            change()


def test_sign_in_check_folds_in_the_shared_password(accounts: Accounts) -> None:
    assert sign_in_check(accounts, None) is None  # no accounts, no shared login: anonymous mode
    check = sign_in_check(accounts, [("staff", "pw-4711")])
    assert check is not None and check("staff", "pw-4711") and not check("staff", "nope")
    accounts.add_user("ann", "password-1")
    check = sign_in_check(accounts, None)
    assert check is not None and check("ann", "password-1") and not check("ann", "password-2")


def test_launch_asks_for_sign_in_once_an_account_exists(tmp_path: Path) -> None:
    s = Settings(data_dir=str(tmp_path))
    assert launch_options(s)["auth"] is None
    Accounts(users_path(s), rounds=4).add_user("ann", "password-1")
    auth = launch_options(s.replace(ui_host="0.0.0.0"))["auth"]
    assert callable(auth) and auth("ann", "password-1") and not auth("ann", "x")


def test_admin_command_adds_lists_grants_and_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FONTE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("password-1\n"))
    assert admin.main(["add-user", "ann", "--collections", "hr,legal", "--password-stdin"]) == 0
    assert "added ann, reads: hr, legal" in capsys.readouterr().out
    assert Accounts(tmp_path / "users.sqlite3").verify("ann", "password-1")
    assert admin.main(["grant", "ann", "finance"]) == 0
    assert admin.main(["list-users"]) == 0
    assert "ann\treads finance, hr, legal" in capsys.readouterr().out
    assert admin.main(["remove-user", "bob"]) == 2
    assert "no user 'bob'" in capsys.readouterr().err
    assert admin.main(["remove-user", "ann"]) == 0
    admin.main(["list-users"])
    assert "anonymous single-user mode" in capsys.readouterr().out
